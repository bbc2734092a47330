"""Benchmark (a): 1,000 tasks each awaiting asyncio.sleep(0) 1,000 times.

One million task steps through the ready queue, no timers: measures the cost
of a task step (suspend, reschedule with call_soon, resume).
"""
import asyncio

TASKS = 1000
STEPS = 1000


async def spinner(counter):
    for _ in range(STEPS):
        await asyncio.sleep(0)
    counter[0] += 1


async def main():
    counter = [0]
    await asyncio.gather(*[spinner(counter) for _ in range(TASKS)])
    loop = asyncio.get_running_loop()
    print(f"sleep0: {counter[0]} tasks x {STEPS} steps, t={loop.time():.3f}")


asyncio.run(main())
