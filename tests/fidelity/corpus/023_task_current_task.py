# Tasks: current_task() is the task running the coroutine, through nested awaits; outside a loop it raises.
import asyncio


async def inner():
    return asyncio.current_task().get_name()


async def outer():
    name = await inner()
    print("outer sees", name)
    return name


async def main():
    print("main is", await inner())
    t = asyncio.create_task(outer(), name="outer-task")
    print("awaited:", await t)
    print(asyncio.current_task() is asyncio.current_task())


asyncio.run(main())
try:
    asyncio.current_task()
except RuntimeError as e:
    print("outside:", e)
