# Queue: one producer and two consumers; items leave in FIFO order; None stops each consumer. [vclock-only: prints absolute loop.time() values, which start at 0.0 only on the virtual clock]
import asyncio


async def producer(q):
    for i in range(6):
        await q.put(i)
        print(f"{asyncio.get_running_loop().time():.1f} put {i}")
        await asyncio.sleep(0.3)
    for _ in range(2):
        await q.put(None)


async def consumer(name, q):
    while True:
        item = await q.get()
        if item is None:
            break
        print(f"{asyncio.get_running_loop().time():.1f} {name} got {item}")
        await asyncio.sleep(0.5)


async def main():
    q = asyncio.Queue()
    await asyncio.gather(producer(q), consumer("c1", q), consumer("c2", q))
    print("empty:", q.empty())


asyncio.run(main())
