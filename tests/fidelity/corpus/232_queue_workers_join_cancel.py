# Queue: a pool of workers drains a queue; join() then the workers are cancelled, as in the asyncio docs. [vclock-only: prints absolute loop.time() values, which start at 0.0 only on the virtual clock]
import asyncio


async def worker(name, q, done):
    while True:
        d = await q.get()
        await asyncio.sleep(d)
        done.append(f"{name}:{d}")
        q.task_done()


async def main():
    q = asyncio.Queue()
    for d in [0.3, 0.1, 0.4, 0.2, 0.5, 0.1]:
        q.put_nowait(d)
    done = []
    workers = [asyncio.create_task(worker(f"w{i}", q, done)) for i in range(3)]
    await q.join()
    for w in workers:
        w.cancel()
    results = await asyncio.gather(*workers, return_exceptions=True)
    print(done)
    print([type(r).__name__ for r in results], f"{asyncio.get_running_loop().time():.1f}")


asyncio.run(main())
