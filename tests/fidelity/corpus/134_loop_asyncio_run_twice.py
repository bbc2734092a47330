# Event loop by hand: each asyncio.run makes a new loop and closes it; the virtual clock keeps going.
import asyncio
import time

loops = []


async def main(n):
    loop = asyncio.get_running_loop()
    loops.append(loop)
    await asyncio.sleep(n)
    return n


t0 = time.monotonic()
print(asyncio.run(main(1)))
print(asyncio.run(main(2)))
print(loops[0] is loops[1], loops[0].is_closed(), loops[1].is_closed())
print(f"{time.monotonic() - t0:.1f}")
