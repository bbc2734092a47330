# Gather: the first failure propagates at once; the other children keep running to completion. [vclock-only: prints absolute loop.time() values, which start at 0.0 only on the virtual clock]
import asyncio


async def ok(name, delay):
    await asyncio.sleep(delay)
    print(f"{name} finished at {asyncio.get_running_loop().time()}")
    return name


async def bad(delay):
    await asyncio.sleep(delay)
    raise KeyError("missing")


async def main():
    try:
        await asyncio.gather(ok("slow", 2), bad(1), ok("fast", 0.5))
    except KeyError as e:
        print("caught", repr(e), "at", asyncio.get_running_loop().time())
    await asyncio.sleep(3)
    print("end at", asyncio.get_running_loop().time())


asyncio.run(main())
