"""Queues: producer and consumers

An asyncio.Queue hands items from producers to consumers; get() waits while
it is empty and put() waits while it is full (maxsize=2 here). Watch the
producer block on a full queue until a consumer takes an item, and join()
return once every item is marked done.
Ask the class: which consumer gets item 2?
"""
import asyncio


async def producer(queue, start):
    loop = asyncio.get_running_loop()
    for i in range(6):
        await queue.put(i)
        print(f"{loop.time() - start:.2f} put {i}")


async def consumer(name, queue, seconds, start):
    loop = asyncio.get_running_loop()
    while True:
        item = await queue.get()
        await asyncio.sleep(seconds)
        print(f"{loop.time() - start:.2f} {name} processed {item}")
        queue.task_done()


async def main():
    queue = asyncio.Queue(maxsize=2)
    start = asyncio.get_running_loop().time()
    workers = [asyncio.create_task(consumer(n, queue, s, start)) for n, s in [("fast", 0.5), ("slow", 1.25)]]
    await producer(queue, start)
    await queue.join()
    for w in workers:
        w.cancel()


asyncio.run(main())
