# Executors: with max_workers=1 jobs run one after another in FIFO order; results print as each ends.
import asyncio
import time
from concurrent.futures import ThreadPoolExecutor


def job(name, d):
    time.sleep(d)
    return name


async def main():
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    pool = ThreadPoolExecutor(max_workers=1)
    futs = [loop.run_in_executor(pool, job, n, d) for n, d in [("a", 0.3), ("b", 0.1), ("c", 0.2)]]
    for f in futs:
        print(await f, f"{loop.time() - t0:.1f}")
    pool.shutdown()


asyncio.run(main())
