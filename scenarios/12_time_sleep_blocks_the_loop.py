"""time.sleep in a coroutine blocks everyone

time.sleep does not yield to the loop: it holds the loop thread, so every
other task freezes with it. Watch the heartbeat, which should beat every
0.25 s, go silent for a whole second while the careless task sleeps, then
fire late.
Ask the class: what one-word change fixes the careless task?
"""
import asyncio
import time


async def heartbeat(start):
    for _ in range(6):
        await asyncio.sleep(0.25)
        print(f"{time.perf_counter() - start:.2f} beat")


async def careless(start):
    await asyncio.sleep(0.3)
    print(f"{time.perf_counter() - start:.2f} careless: time.sleep(1)")
    time.sleep(1)
    print(f"{time.perf_counter() - start:.2f} careless: awake")


async def main():
    start = time.perf_counter()
    await asyncio.gather(heartbeat(start), careless(start))


asyncio.run(main())
