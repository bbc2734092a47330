# Scheduling: a negative sleep behaves like sleep(0): it yields once and arms no timer. [vclock-only: prints absolute loop.time() values, which start at 0.0 only on the virtual clock]
import asyncio


async def other():
    print("other runs")


async def main():
    loop = asyncio.get_running_loop()
    t = asyncio.create_task(other())
    await asyncio.sleep(-5)
    print("main after sleep(-5) at", loop.time())
    await t
    await asyncio.sleep(-0.0)
    print("end", loop.time())


asyncio.run(main())
