# LifoQueue: the last item put is the first one out.
import asyncio


async def main():
    q = asyncio.LifoQueue()
    for i in range(4):
        await q.put(i)
    out = []
    while not q.empty():
        out.append(q.get_nowait())
    print(out)
    q.put_nowait("a")
    q.put_nowait("b")
    print(await q.get(), await q.get(), q.empty())


asyncio.run(main())
