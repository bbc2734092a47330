# TaskGroup: a nested group's ExceptionGroup becomes one exception of the outer group.
import asyncio


async def fail(msg):
    await asyncio.sleep(0.1)
    raise ValueError(msg)


async def inner_group():
    async with asyncio.TaskGroup() as tg:
        tg.create_task(fail("inner"))


async def main():
    try:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(inner_group())
    except ExceptionGroup as eg:
        print(eg)
        nested = eg.exceptions[0]
        print(type(nested).__name__, nested)
        print(repr(nested.exceptions[0]))


asyncio.run(main())
