# Cancellation: a cancel message travels down a chain of awaited tasks to the innermost one.
import asyncio


async def leaf():
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError as e:
        print("leaf sees", e.args)
        raise


async def middle():
    await asyncio.create_task(leaf())


async def main():
    t = asyncio.create_task(middle())
    await asyncio.sleep(0.5)
    t.cancel("from main")
    try:
        await t
    except asyncio.CancelledError as e:
        print("main sees", e.args)


asyncio.run(main())
