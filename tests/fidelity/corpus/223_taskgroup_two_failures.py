# TaskGroup: failures in the same pass are all collected into one ExceptionGroup.
import asyncio


async def fail(exc, d):
    await asyncio.sleep(d)
    raise exc


async def main():
    try:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(fail(KeyError("k"), 1))
            tg.create_task(fail(TypeError("t"), 1))
            tg.create_task(fail(IndexError("late"), 5))
    except ExceptionGroup as eg:
        print(str(eg))
        print(sorted([type(e).__name__ for e in eg.exceptions]))
        print(type(eg).__name__, len(eg.exceptions))


asyncio.run(main())
