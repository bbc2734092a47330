# TaskGroup: an exception in the async with body cancels the group's tasks and is wrapped in an ExceptionGroup. [vclock-only: prints absolute loop.time() values, which start at 0.0 only on the virtual clock]
import asyncio


async def child():
    try:
        await asyncio.sleep(5)
    except asyncio.CancelledError:
        print("child cancelled")
        raise


async def main():
    try:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(child())
            await asyncio.sleep(0.5)
            raise RuntimeError("body failed")
    except ExceptionGroup as eg:
        print(repr(eg.exceptions[0]), asyncio.get_running_loop().time())


asyncio.run(main())
