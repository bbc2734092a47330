# Tasks: done() and result() before and after completion; result() of a pending task raises InvalidStateError.
import asyncio


async def compute():
    await asyncio.sleep(1)
    return 42


async def main():
    t = asyncio.create_task(compute())
    print("done?", t.done())
    try:
        t.result()
    except asyncio.InvalidStateError as e:
        print("result():", type(e).__name__, e)
    try:
        t.exception()
    except asyncio.InvalidStateError as e:
        print("exception():", e)
    await t
    print("done?", t.done(), "result", t.result(), "exception", t.exception())
    print("cancelled?", t.cancelled())


asyncio.run(main())
