# Queue: with maxsize=2, put() blocks the producer until a consumer makes room. [vclock-only: prints absolute loop.time() values, which start at 0.0 only on the virtual clock]
import asyncio


async def producer(q):
    loop = asyncio.get_running_loop()
    for i in range(5):
        await q.put(i)
        print(f"{loop.time():.1f} put {i} (size {q.qsize()}, full {q.full()})")


async def consumer(q):
    loop = asyncio.get_running_loop()
    for _ in range(5):
        await asyncio.sleep(1)
        print(f"{loop.time():.1f} got {await q.get()}")


async def main():
    q = asyncio.Queue(maxsize=2)
    print(q.maxsize, q.empty(), q.full())
    await asyncio.gather(producer(q), consumer(q))


asyncio.run(main())
