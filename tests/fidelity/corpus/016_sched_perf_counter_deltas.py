# Scheduling: time.perf_counter and time.monotonic deltas around sleeps equal the virtual delays.
import asyncio
import time


async def main():
    t0 = time.perf_counter()
    m0 = time.monotonic()
    await asyncio.sleep(1.5)
    print(f"slept {time.perf_counter() - t0:.1f} s")
    await asyncio.gather(asyncio.sleep(1), asyncio.sleep(2), asyncio.sleep(0.5))
    print(f"gather of 1, 2, 0.5 took {time.perf_counter() - t0 - 1.5:.1f} s")
    print(f"total {time.monotonic() - m0:.1f} s")


asyncio.run(main())
