# TaskGroup: one failing task cancels its siblings; the group raises an ExceptionGroup. [vclock-only: prints absolute loop.time() values, which start at 0.0 only on the virtual clock]
import asyncio


async def slow(name):
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        print(name, "cancelled at", asyncio.get_running_loop().time())
        raise


async def fail():
    await asyncio.sleep(1)
    raise ValueError("task failed")


async def main():
    try:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(slow("s1"))
            tg.create_task(fail())
            tg.create_task(slow("s2"))
    except ExceptionGroup as eg:
        print("ExceptionGroup:", eg)
        print([repr(e) for e in eg.exceptions])


asyncio.run(main())
