# Tasks: set_name renames a task (converting non-strings with str), get_name reads it, also from inside.
import asyncio


async def who():
    await asyncio.sleep(0)
    print("inside:", asyncio.current_task().get_name())
    asyncio.current_task().set_name("renamed-inside")


async def main():
    t = asyncio.create_task(who(), name="worker")
    print(t.get_name())
    t.set_name("worker-2")
    await asyncio.sleep(0)
    await t
    print("after:", t.get_name())
    t.set_name(42)
    print(repr(t.get_name()))
    u = asyncio.create_task(who(), name=3.5)
    print(repr(u.get_name()))
    await u


asyncio.run(main())
