# Cancellation: finally blocks run on cancellation, innermost first, and may await. [vclock-only: prints absolute loop.time() values, which start at 0.0 only on the virtual clock]
import asyncio


async def level2():
    try:
        await asyncio.sleep(10)
    finally:
        print("level2 finally")
        await asyncio.sleep(0.1)
        print("level2 finally after await")


async def level1():
    try:
        await level2()
    finally:
        print("level1 finally at", asyncio.get_running_loop().time())


async def main():
    t = asyncio.create_task(level1())
    await asyncio.sleep(1)
    t.cancel()
    try:
        await t
    except asyncio.CancelledError:
        print("main: cancelled at", asyncio.get_running_loop().time())


asyncio.run(main())
