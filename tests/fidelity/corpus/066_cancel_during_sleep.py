# Cancellation: cancelling a task asleep in asyncio.sleep raises CancelledError at its await, at once. [vclock-only: prints absolute loop.time() values, which start at 0.0 only on the virtual clock]
import asyncio


async def sleeper():
    loop = asyncio.get_running_loop()
    print("going to sleep at", loop.time())
    try:
        await asyncio.sleep(60)
    except asyncio.CancelledError:
        print("woken by cancel at", loop.time())
        raise
    print("not reached")


async def main():
    t = asyncio.create_task(sleeper())
    await asyncio.sleep(2.5)
    t.cancel()
    try:
        await t
    except asyncio.CancelledError:
        print("main saw the cancellation at", asyncio.get_running_loop().time())


asyncio.run(main())
