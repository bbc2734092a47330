# Event: clear() resets the flag, so later waiters block until the next set(). [vclock-only: prints absolute loop.time() values, which start at 0.0 only on the virtual clock]
import asyncio


async def main():
    loop = asyncio.get_running_loop()
    ev = asyncio.Event()
    ev.set()
    ev.clear()
    print(ev.is_set())
    loop.call_later(1, ev.set)
    await ev.wait()
    print("woke at", loop.time())
    ev.clear()
    loop.call_later(0.5, ev.set)
    await ev.wait()
    print("woke again at", loop.time())


asyncio.run(main())
