# PriorityQueue: items come out smallest first, whatever the order they were put in.
import asyncio


async def main():
    q = asyncio.PriorityQueue()
    for item in [(3, "low"), (1, "urgent"), (2, "normal"), (1, "also urgent"), (5, "later")]:
        q.put_nowait(item)
    print("size", q.qsize())
    while not q.empty():
        priority, name = await q.get()
        print(priority, name)


asyncio.run(main())
