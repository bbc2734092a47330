# Cancellation: cancel() on a finished or already cancelled task returns False and changes nothing.
import asyncio


async def quick():
    return "result"


async def fail():
    raise ValueError("x")


async def main():
    t = asyncio.create_task(quick())
    f = asyncio.create_task(fail())
    await asyncio.sleep(0)
    print(t.cancel(), t.cancelled(), t.result())
    print(f.cancel(), f.cancelled(), repr(f.exception()))
    c = asyncio.create_task(quick())
    print(c.cancel(), c.cancel())
    await asyncio.sleep(0)
    print(c.cancel(), c.cancelled())


asyncio.run(main())
