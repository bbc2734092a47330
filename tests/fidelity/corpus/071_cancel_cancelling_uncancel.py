# Cancellation: cancelling() counts pending cancel requests; uncancel() decrements and returns the count.
import asyncio


async def worker():
    me = asyncio.current_task()
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        print("caught; cancelling() =", me.cancelling())
        print("uncancel() ->", me.uncancel())
        print("uncancel() ->", me.uncancel())
        print("uncancel() ->", me.uncancel())
    await asyncio.sleep(0.5)
    return "survived"


async def main():
    t = asyncio.create_task(worker())
    await asyncio.sleep(0)
    print(t.cancelling())
    t.cancel()
    t.cancel()
    print("after two cancel():", t.cancelling())
    print(await t, t.cancelling())


asyncio.run(main())
