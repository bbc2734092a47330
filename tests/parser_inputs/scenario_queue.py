# Producers and consumers around an asyncio.Queue, with a timeout.
import asyncio
import random

random.seed(7)
DONE = None
stats = {"produced": 0, "consumed": 0}


async def producer(q, n, *, tag="p"):
    global stats
    for i in range(n):
        await q.put((tag, i))
        stats["produced"] += 1
        await asyncio.sleep(random.uniform(0.1, 0.3))
    await q.put(DONE)


async def consumer(q, name):
    seen = []
    while True:
        item = await q.get()
        try:
            if item is DONE:
                break
            tag, i = item
            seen.append(f"{tag}{i}")
            stats["consumed"] += 1
        finally:
            q.task_done()
    return name, seen


async def main():
    q = asyncio.Queue(maxsize=2)
    prod = asyncio.create_task(producer(q, 5), name="producer")
    try:
        name, seen = await asyncio.wait_for(consumer(q, "c1"), timeout=10)
    except asyncio.TimeoutError:
        print("timed out")
        prod.cancel()
    else:
        print(name, ", ".join(seen))
    finally:
        print(stats)
    async with asyncio.timeout(1) as cm:
        await asyncio.sleep(0)
    print(cm.expired(), not prod.cancelled() and prod.done())
    x = -1 if stats["consumed"] < 5 else 2 ** -1
    print(x, 7 // 2, 7 % 3, 1 << 4 >> 2, 5 & 3 | 8 ^ 1, ~0)


asyncio.run(main())
