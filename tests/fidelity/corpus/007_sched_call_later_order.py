# Scheduling: call_later callbacks fire by deadline; each prints the virtual time it ran at. [vclock-only: prints absolute loop.time() values, which start at 0.0 only on the virtual clock]
import asyncio


def fire(loop, name):
    print(f"{loop.time():.3f} {name}")


async def main():
    loop = asyncio.get_running_loop()
    loop.call_later(0.3, fire, loop, "0.3")
    loop.call_later(0.1, fire, loop, "0.1")
    loop.call_later(0.2, fire, loop, "0.2")
    loop.call_later(0, fire, loop, "zero")
    loop.call_soon(fire, loop, "soon")
    await asyncio.sleep(0.5)
    print(f"{loop.time():.3f} main")


asyncio.run(main())
