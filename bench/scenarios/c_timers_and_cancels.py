"""Benchmark (c): 100,000 sleeping tasks plus 100,000 call_later handles, half of them cancelled.

Measures the timer heap under load, including the cancelled-handle sweep
(asyncio rebuilds its heap when more than half of its timers are cancelled).
"""
import asyncio

N = 100000


async def sleeper(i):
    await asyncio.sleep(1 + i % 100 * 0.01)


async def main():
    loop = asyncio.get_running_loop()
    fired = [0]

    def fire():
        fired[0] += 1

    tasks = [asyncio.create_task(sleeper(i)) for i in range(N)]
    handles = [loop.call_later(0.5 + i % 50 * 0.02, fire) for i in range(N)]
    for i in range(0, N, 2):
        handles[i].cancel()
    await asyncio.gather(*tasks)
    print(f"timers: {len(tasks)} sleepers, {fired[0]} of {N} callbacks fired, t={loop.time():.3f}")


asyncio.run(main())
