# Cancellation: a task may catch CancelledError, do cleanup that awaits, then re-raise it. [vclock-only: prints absolute loop.time() values, which start at 0.0 only on the virtual clock]
import asyncio


async def worker():
    loop = asyncio.get_running_loop()
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        print("cleanup starts at", loop.time())
        await asyncio.sleep(0.5)
        print("cleanup ends at", loop.time())
        raise
    finally:
        print("finally runs")


async def main():
    t = asyncio.create_task(worker())
    await asyncio.sleep(1)
    t.cancel()
    try:
        await t
    except asyncio.CancelledError:
        print("task cancelled:", t.cancelled(), "at", asyncio.get_running_loop().time())


asyncio.run(main())
