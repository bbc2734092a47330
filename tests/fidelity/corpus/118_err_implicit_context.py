# Errors: an exception raised in an except block records the first one in __context__; uncaught, both print.
import asyncio


async def cleanup():
    raise KeyError("during cleanup")


async def main():
    try:
        try:
            raise ValueError("original")
        except ValueError:
            await cleanup()
    except KeyError as e:
        print(repr(e), "context:", repr(e.__context__), "cause:", e.__cause__)
    try:
        1 / 0
    except ZeroDivisionError:
        raise TypeError("while handling the division")


asyncio.run(main())
