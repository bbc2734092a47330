# ProcessPoolExecutor: os.cpu_count() workers by default (five 0.5 s jobs take 1.0 s on 4), run_in_executor and submit; under the time model its jobs run as a thread pool's.
import asyncio
import time
from concurrent.futures import ProcessPoolExecutor
import concurrent.futures

def cpu(n):
    time.sleep(0.5)
    return sum(i * i for i in range(n))

async def main():
    loop = asyncio.get_running_loop()
    start = loop.time()
    with ProcessPoolExecutor() as pool:
        results = await asyncio.gather(*(loop.run_in_executor(pool, cpu, n) for n in [10, 100, 1000, 5, 7]))
    print(results, round(loop.time() - start, 2))
    with concurrent.futures.ProcessPoolExecutor(max_workers=2) as pool:
        f = pool.submit(cpu, 3)
        print(f.result())

if __name__ == "__main__":
    asyncio.run(main())
