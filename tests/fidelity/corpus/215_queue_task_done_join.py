# Queue: join() waits until task_done() was called for every item put. [vclock-only: prints absolute loop.time() values, which start at 0.0 only on the virtual clock]
import asyncio


async def worker(q):
    while True:
        item = await q.get()
        await asyncio.sleep(item)
        print("processed", item, "at", asyncio.get_running_loop().time())
        q.task_done()


async def main():
    q = asyncio.Queue()
    for d in [0.5, 1, 0.25]:
        q.put_nowait(d)
    w = asyncio.create_task(worker(q))
    await q.join()
    print("join returned at", asyncio.get_running_loop().time())
    w.cancel()
    try:
        q.task_done()
    except ValueError as e:
        print("ValueError:", e)


asyncio.run(main())
