# Executors: run_in_executor(None, ...) runs a blocking function on the default pool; the loop keeps ticking.
import asyncio
import time


def blocking(n):
    time.sleep(1)
    return n * 2


async def ticker(t0):
    loop = asyncio.get_running_loop()
    for _ in range(3):
        await asyncio.sleep(0.4)
        print(f"tick at {loop.time() - t0:.1f}")


async def main():
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    tick = asyncio.create_task(ticker(t0))
    result = await loop.run_in_executor(None, blocking, 21)
    print(f"result {result} at {loop.time() - t0:.1f}")
    await tick


asyncio.run(main())
