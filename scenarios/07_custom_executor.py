"""A custom ThreadPoolExecutor: two workers, four jobs

Bring your own pool to control how many threads run blocking work. With
max_workers=2, the third and fourth jobs wait in the pool's queue until a
worker is free. Watch the executor lanes and the job queue, and the clock
jumping from one worker wake-up to the next.
Ask the class: when does job c start, and when is everything done?
"""
import asyncio
import time
from concurrent.futures import ThreadPoolExecutor


def job(name, seconds):
    time.sleep(seconds)
    return f"{name} slept {seconds} s"


async def main():
    loop = asyncio.get_running_loop()
    start = loop.time()
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [loop.run_in_executor(pool, job, name, s)
                   for name, s in [("a", 1.5), ("b", 0.5), ("c", 0.7), ("d", 0.5)]]
        for fut in asyncio.as_completed(futures):
            result = await fut
            print(f"{loop.time() - start:.1f} {result}")
    print(f"all done after {loop.time() - start:.1f} s")


asyncio.run(main())
