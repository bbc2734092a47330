# Scheduling: asyncio.sleep(delay, result) returns its result, for zero and positive delays. [vclock-only: prints absolute loop.time() values, which start at 0.0 only on the virtual clock]
import asyncio


async def main():
    a = await asyncio.sleep(0, "zero")
    b = await asyncio.sleep(0.25, result=[1, 2])
    c = await asyncio.sleep(0.25)
    print(a, b, c)
    values = await asyncio.gather(asyncio.sleep(0.2, "x"), asyncio.sleep(0.1, "y"))
    print(values)
    print(asyncio.get_running_loop().time())


asyncio.run(main())
