# Executors: after shutdown a pool refuses new jobs with RuntimeError; bad max_workers raises ValueError.
import asyncio
from concurrent.futures import ThreadPoolExecutor


def job():
    return "ran"


async def main():
    loop = asyncio.get_running_loop()
    pool = ThreadPoolExecutor(max_workers=2)
    print(await loop.run_in_executor(pool, job))
    pool.shutdown()
    try:
        await loop.run_in_executor(pool, job)
    except RuntimeError as e:
        print("RuntimeError:", e)
    try:
        ThreadPoolExecutor(max_workers=0)
    except ValueError as e:
        print("ValueError:", e)


asyncio.run(main())
