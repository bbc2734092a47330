# Event: waiting on an event with wait_for raises TimeoutError if nobody sets it in time. [vclock-only: prints absolute loop.time() values, which start at 0.0 only on the virtual clock]
import asyncio


async def main():
    loop = asyncio.get_running_loop()
    ev = asyncio.Event()
    try:
        await asyncio.wait_for(ev.wait(), timeout=1)
    except TimeoutError:
        print("timed out at", loop.time())
    loop.call_later(0.5, ev.set)
    print(await asyncio.wait_for(ev.wait(), timeout=1), loop.time())


asyncio.run(main())
