# Executors: time.sleep on the loop thread blocks every task, while worker threads keep sleeping in parallel. [vclock-only: the long job and the second tick both fall due at t=1.5, a tie real threads break at random]
import asyncio
import time


def job(name, d, t0):
    time.sleep(d)
    print(f"{time.time() - t0:.1f} job {name} done")


async def ticker(t0):
    for _ in range(2):
        await asyncio.sleep(0.5)
        print(f"{time.time() - t0:.1f} tick")


async def main():
    loop = asyncio.get_running_loop()
    t0 = time.time()
    tick = asyncio.create_task(ticker(t0))
    jobs = [loop.run_in_executor(None, job, "short", 0.5, t0), loop.run_in_executor(None, job, "long", 1.5, t0)]
    await asyncio.sleep(0)
    print(f"{time.time() - t0:.1f} loop blocks for 1 s")
    time.sleep(1)
    print(f"{time.time() - t0:.1f} loop free again")
    await asyncio.gather(tick, *jobs)


asyncio.run(main())
