# Scheduling: three tasks that each await asyncio.sleep(0) interleave round-robin.
import asyncio


async def worker(name, steps):
    for i in range(steps):
        print(f"{name} step {i}")
        await asyncio.sleep(0)
    print(f"{name} done")


async def main():
    a = asyncio.create_task(worker("a", 3))
    b = asyncio.create_task(worker("b", 2))
    c = asyncio.create_task(worker("c", 4))
    print("main created three tasks")
    await a
    print("a awaited")
    await b
    await c
    print("main done")


asyncio.run(main())
