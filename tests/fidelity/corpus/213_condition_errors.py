# Condition: wait() and notify() without holding the lock raise RuntimeError.
import asyncio


async def main():
    cond = asyncio.Condition()
    try:
        cond.notify()
    except RuntimeError as e:
        print("notify:", e)
    try:
        await cond.wait()
    except RuntimeError as e:
        print("wait:", e)
    async with cond:
        cond.notify()
        print("notify with the lock held is fine; locked:", cond.locked())


asyncio.run(main())
