"""async and await: where a coroutine may pause

`async def` makes a coroutine function; `await` is the only place where it
can pause and hand the loop to someone else. Watch hello_world's frame stay
suspended on the await line while the timer runs, then resume right after it.
Ask the class: could another task run between "Hello" and "World"? Where exactly?
"""
import asyncio


async def hello_world():
    print("Hello")
    await asyncio.sleep(1)
    print("World")


asyncio.run(hello_world())
