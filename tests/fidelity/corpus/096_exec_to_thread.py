# Executors: asyncio.to_thread passes positional and keyword arguments and returns the result.
import asyncio
import time


def describe(name, times=1, sep="-"):
    time.sleep(0.2)
    return sep.join([name] * times)


async def main():
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    print(await asyncio.to_thread(describe, "a"))
    print(await asyncio.to_thread(describe, "b", 3))
    print(await asyncio.to_thread(describe, "c", times=2, sep="+"))
    both = await asyncio.gather(asyncio.to_thread(describe, "d"), asyncio.to_thread(describe, "e"))
    print(both, f"{loop.time() - t0:.1f}")


asyncio.run(main())
