# Errors: calling a coroutine function without await runs nothing and warns "coroutine ... was never awaited" on stderr.
import asyncio


async def greet():
    print("greet ran (not printed)")


async def main():
    c = greet()
    print("created:", asyncio.iscoroutine(c))
    c = None
    print("dropped it")
    await asyncio.sleep(0.1)
    print("main done")


asyncio.run(main())
