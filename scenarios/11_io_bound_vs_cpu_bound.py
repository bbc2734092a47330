"""IO-bound versus CPU-bound work

Waiting (IO-bound) overlaps: three 0.5 s waits in tasks take 0.5 s. Working
(CPU-bound) does not: three 0.5 s computations take 1.5 s, because only one
thing runs on the loop thread at a time. The simulator's clock does not count
computation, so time.sleep stands in for 0.5 s of number crunching.
Ask the class: would more tasks make the CPU-bound version any faster?
"""
import asyncio
import time


async def io_bound(i):
    await asyncio.sleep(0.5)  # waiting: the loop runs others meanwhile
    return i


async def cpu_bound(i):
    time.sleep(0.5)  # stands in for 0.5 s of computation on the loop thread
    return i


async def main():
    start = time.perf_counter()
    await asyncio.gather(io_bound(1), io_bound(2), io_bound(3))
    print(f"IO-bound:  {time.perf_counter() - start:.1f} s")
    start = time.perf_counter()
    await asyncio.gather(cpu_bound(1), cpu_bound(2), cpu_bound(3))
    print(f"CPU-bound: {time.perf_counter() - start:.1f} s")


asyncio.run(main())
