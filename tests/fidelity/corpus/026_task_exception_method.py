# Tasks: a failed task's exception() returns the exception; result() raises it; the same object each time.
import asyncio


async def fail():
    await asyncio.sleep(0.5)
    raise ValueError("bad value")


async def main():
    t = asyncio.create_task(fail())
    await asyncio.sleep(1)
    print(t.done(), t.cancelled())
    e = t.exception()
    print(type(e).__name__, e.args)
    try:
        t.result()
    except ValueError as again:
        print("result() raised the same object:", again is e)
    try:
        await t
    except ValueError as third:
        print("await raised the same object:", third is e)


asyncio.run(main())
