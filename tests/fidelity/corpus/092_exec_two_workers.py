# Executors: two workers, four jobs of 3, 1, 2 and 1 s: the queue feeds whichever worker frees first. [vclock-only: c and d both end at t=3, a tie that real threads break at random]
import asyncio
import time
from concurrent.futures import ThreadPoolExecutor


def job(name, d, t0):
    print(f"{time.monotonic() - t0:.1f} start {name}")
    time.sleep(d)
    print(f"{time.monotonic() - t0:.1f} end {name}")
    return name


async def main():
    loop = asyncio.get_running_loop()
    t0 = time.monotonic()
    with ThreadPoolExecutor(max_workers=2) as pool:
        futs = [loop.run_in_executor(pool, job, n, d, t0) for n, d in [("a", 3), ("b", 1), ("c", 2), ("d", 1)]]
        print("all submitted")
        print(await asyncio.gather(*futs))


asyncio.run(main())
