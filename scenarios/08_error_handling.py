"""Error handling: try/except around an await

An exception raised inside an awaited coroutine travels up the await chain
exactly like a normal function call, and an ordinary try/except catches it.
Watch the exception leave raise_exception and land in main's except block.
Ask the class: which line runs right after the raise?
"""
import asyncio


async def raise_exception():
    raise Exception("This is an exception")


async def main():
    try:
        await raise_exception()
    except Exception as e:
        print(f"Caught exception: {e}")


asyncio.run(main())
