# Gather: cancelling the gather future cancels every child; awaiting it raises CancelledError. [vclock-only: prints absolute loop.time() values, which start at 0.0 only on the virtual clock]
import asyncio


async def child(name, d):
    try:
        await asyncio.sleep(d)
        return name
    except asyncio.CancelledError:
        print(name, "cancelled at", asyncio.get_running_loop().time())
        raise


async def main():
    g = asyncio.gather(child("a", 5), child("b", 10))
    await asyncio.sleep(1)
    print("cancel() ->", g.cancel())
    try:
        await g
    except asyncio.CancelledError:
        print("gather raised CancelledError")
    print(g.cancelled(), g.done())


asyncio.run(main())
