# Tasks: ensure_future wraps a coroutine in a new task but returns tasks and futures unchanged.
import asyncio


async def coro():
    return 7


async def main():
    loop = asyncio.get_running_loop()
    t = asyncio.ensure_future(coro())
    print(isinstance(t, asyncio.Task), t.get_name())
    print(asyncio.ensure_future(t) is t)
    f = loop.create_future()
    print(asyncio.ensure_future(f) is f)
    f.set_result("future value")
    print(await t, await f)
    try:
        asyncio.ensure_future(42)
    except TypeError as e:
        print("TypeError:", e)


asyncio.run(main())
