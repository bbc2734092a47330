# Executors: awaiting jobs with as_completed prints them in the order they finish.
import asyncio
import time
from concurrent.futures import ThreadPoolExecutor


def job(name, d):
    time.sleep(d)
    return f"{name} ({d} s)"


async def main():
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    with ThreadPoolExecutor(max_workers=3) as pool:
        futs = [loop.run_in_executor(pool, job, n, d) for n, d in [("x", 0.6), ("y", 0.2), ("z", 0.4)]]
        for f in asyncio.as_completed(futs):
            print(await f, f"at {loop.time() - t0:.1f}")


asyncio.run(main())
