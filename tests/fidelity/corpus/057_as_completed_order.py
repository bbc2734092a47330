# as_completed yields awaitables in completion order; each await gives that task's result. [vclock-only: prints absolute loop.time() values, which start at 0.0 only on the virtual clock]
import asyncio


async def work(name, d):
    await asyncio.sleep(d)
    return f"{name} after {d}"


async def main():
    loop = asyncio.get_running_loop()
    tasks = [asyncio.create_task(work(n, d)) for n, d in [("a", 3), ("b", 1), ("c", 2), ("d", 1)]]
    for fut in asyncio.as_completed(tasks):
        result = await fut
        print(f"{loop.time():.1f}", result)


asyncio.run(main())
