# Scheduling: timers due within 1 ns of the clock fire in the same pass; a callback they schedule waits. [vclock-only: call_at uses absolute times 1.0 and 3.0, which assume a clock starting at 0.0]
import asyncio


def a(loop):
    print("a")
    loop.call_soon(print, "soon from a")


async def main():
    loop = asyncio.get_running_loop()
    loop.call_at(1.0, a, loop)
    loop.call_at(1.0 + 5e-10, print, "b, 0.5 ns later: same pass")
    loop.call_at(3.0, a, loop)
    loop.call_at(3.0 + 3e-9, print, "d, 3 ns later: next pass")
    await asyncio.sleep(4)
    print("done")


asyncio.run(main())
