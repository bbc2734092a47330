# Cancellation: a task cancelled before its first step never runs its body at all.
import asyncio


async def body():
    print("body ran (should not happen)")
    return 1


async def main():
    t = asyncio.create_task(body())
    t.cancel()
    print("cancelled before it started")
    try:
        await t
    except asyncio.CancelledError:
        print("await raised CancelledError")
    print(t.cancelled(), t.done())


asyncio.run(main())
