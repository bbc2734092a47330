# Executors: leaving a with ThreadPoolExecutor block blocks the loop until all of its jobs are done.
import asyncio
import time
from concurrent.futures import ThreadPoolExecutor


def job(d):
    time.sleep(d)
    return d


async def ticker(t0):
    await asyncio.sleep(0.5)
    print(f"tick at {time.monotonic() - t0:.1f} (late: the loop was blocked)")


async def main():
    loop = asyncio.get_running_loop()
    t0 = time.monotonic()
    t = asyncio.create_task(ticker(t0))
    with ThreadPoolExecutor(max_workers=2) as pool:
        futs = [loop.run_in_executor(pool, job, d) for d in [1, 2]]
        print("leaving the with block")
    print(f"left at {time.monotonic() - t0:.1f}")
    print(await asyncio.gather(*futs))
    await t


asyncio.run(main())
