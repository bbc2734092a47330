"""Coroutines are lazy: calling is not running

Calling a coroutine function only creates a coroutine object; nothing in its
body runs until something awaits it (or wraps it in a task). Watch the first
call do nothing at all, and Python warn on stderr that the coroutine 'was
never awaited' when the object is thrown away.
Ask the class: how many times will "Hello" be printed, and when?
"""
import asyncio


async def hello_world():
    print("Hello")
    await asyncio.sleep(1)
    print("World")


async def main():
    coro = hello_world()
    print("created", type(coro).__name__, "- nothing printed yet")
    coro = None
    print("dropped it without awaiting")
    await hello_world()
    print("awaited the second one")


asyncio.run(main())
