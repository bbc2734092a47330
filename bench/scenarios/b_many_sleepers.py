"""Benchmark (b): 100,000 tasks created, each sleeping (i % 10) * 0.001 s, then gathered.

Measures task creation, timer heap insertions with many ties, and gather of
a very large number of children.
"""
import asyncio

N = 100000


async def sleeper(i):
    await asyncio.sleep(i % 10 * 0.001)
    return i % 10


async def main():
    results = await asyncio.gather(*[sleeper(i) for i in range(N)])
    loop = asyncio.get_running_loop()
    print(f"sleepers: {len(results)} tasks, sum {sum(results)}, t={loop.time():.3f}")


asyncio.run(main())
