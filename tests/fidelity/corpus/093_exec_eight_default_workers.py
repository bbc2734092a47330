# Executors: the default pool has min(32, cpu_count + 4) = 8 workers, so 10 one-second jobs take 2 s.
import asyncio
import time


def job(i):
    time.sleep(1)
    return i


async def main():
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    futs = [loop.run_in_executor(None, job, i) for i in range(10)]
    print(await asyncio.gather(*futs))
    print(f"took {loop.time() - t0:.1f} s")


asyncio.run(main())
