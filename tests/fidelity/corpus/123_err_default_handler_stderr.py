# Errors: without a custom handler, a failing callback is logged to stderr and the loop carries on.
import asyncio


def bad():
    raise ValueError("logged, not raised")


async def main():
    loop = asyncio.get_running_loop()
    loop.call_soon(bad)
    await asyncio.sleep(0.1)
    print("the loop survived the callback")


asyncio.run(main())
