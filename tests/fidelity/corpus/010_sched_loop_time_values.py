# Scheduling: loop.time() after repeated 0.1 s sleeps accumulates float error; printed rounded and raw. [vclock-only: prints absolute loop.time() values, which start at 0.0 only on the virtual clock]
import asyncio


async def main():
    loop = asyncio.get_running_loop()
    for i in range(4):
        await asyncio.sleep(0.1)
        t = loop.time()
        print(f"{t:.3f}", repr(t))
    await asyncio.sleep(1 / 3)
    t = loop.time()
    print(f"{t:.3f}", repr(t))
    await asyncio.sleep(2.5)
    t = loop.time()
    print(f"{t:.3f}", repr(t), t == 3.2333333333333334)


asyncio.run(main())
