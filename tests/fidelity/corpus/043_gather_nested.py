# Gather: nested gathers flatten nothing: inner lists appear as elements of the outer result. [vclock-only: prints absolute loop.time() values, which start at 0.0 only on the virtual clock]
import asyncio


async def value(v, d):
    await asyncio.sleep(d)
    return v


async def main():
    inner1 = asyncio.gather(value(1, 0.3), value(2, 0.1))
    inner2 = asyncio.gather(value("a", 0.2), asyncio.gather(value("x", 0.05)))
    result = await asyncio.gather(inner1, inner2, value(None, 0))
    print(result)
    print(asyncio.get_running_loop().time())


asyncio.run(main())
