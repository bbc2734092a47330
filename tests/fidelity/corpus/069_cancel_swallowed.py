# Cancellation: a task that swallows CancelledError finishes normally: not cancelled, with its result. [vclock-only: prints absolute loop.time() values, which start at 0.0 only on the virtual clock]
import asyncio


async def stubborn():
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        print("ignoring the cancellation")
    await asyncio.sleep(1)
    return "finished anyway"


async def main():
    t = asyncio.create_task(stubborn())
    await asyncio.sleep(1)
    print("cancel:", t.cancel())
    print("result:", await t)
    print("cancelled()", t.cancelled(), "cancelling()", t.cancelling())
    print("time", asyncio.get_running_loop().time())


asyncio.run(main())
