# Gather: results come back in argument order, whatever the order the awaitables finish in. [vclock-only: prints absolute loop.time() values, which start at 0.0 only on the virtual clock]
import asyncio


async def work(name, delay):
    await asyncio.sleep(delay)
    print(f"{name} finished at {asyncio.get_running_loop().time()}")
    return name * 2


async def main():
    results = await asyncio.gather(work("a", 3), work("b", 1), work("c", 2))
    print(results)
    print(await asyncio.gather())
    print(await asyncio.gather(work("solo", 0)))


asyncio.run(main())
