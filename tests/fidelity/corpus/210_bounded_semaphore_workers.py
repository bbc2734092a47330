# BoundedSemaphore: a pool of three slots shared by six workers of different lengths. [vclock-only: prints absolute loop.time() values, which start at 0.0 only on the virtual clock]
import asyncio


async def worker(i, sem):
    loop = asyncio.get_running_loop()
    async with sem:
        start = loop.time()
        await asyncio.sleep(0.5 * (i % 3 + 1))
        print(f"worker {i}: {start:.1f} -> {loop.time():.1f}")


async def main():
    sem = asyncio.BoundedSemaphore(3)
    await asyncio.gather(*[worker(i, sem) for i in range(6)])


asyncio.run(main())
