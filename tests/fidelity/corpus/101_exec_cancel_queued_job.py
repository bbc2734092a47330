# Executors: cancelling the asyncio future of a queued job stops it from ever running.
import asyncio
import time
from concurrent.futures import ThreadPoolExecutor


def job(name):
    print("running", name)
    time.sleep(1)
    return name


async def main():
    loop = asyncio.get_running_loop()
    pool = ThreadPoolExecutor(max_workers=1)
    first = loop.run_in_executor(pool, job, "first")
    second = loop.run_in_executor(pool, job, "second")
    third = loop.run_in_executor(pool, job, "third")
    second.cancel()
    print(await first, await third)
    print("second cancelled:", second.cancelled())
    pool.shutdown(wait=True)


asyncio.run(main())
