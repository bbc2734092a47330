# Gather: a child cancelled on its own makes gather raise CancelledError, or return it with return_exceptions. [vclock-only: prints absolute loop.time() values, which start at 0.0 only on the virtual clock]
import asyncio


async def sleeper(d):
    await asyncio.sleep(d)
    return d


async def main():
    a = asyncio.create_task(sleeper(1))
    b = asyncio.create_task(sleeper(2))
    asyncio.get_running_loop().call_later(0.5, b.cancel)
    try:
        print(await asyncio.gather(a, b))
    except asyncio.CancelledError:
        print("gather raised CancelledError at", asyncio.get_running_loop().time())
    c = asyncio.create_task(sleeper(1))
    d = asyncio.create_task(sleeper(2))
    asyncio.get_running_loop().call_later(0.5, d.cancel)
    res = await asyncio.gather(c, d, return_exceptions=True)
    print(res[0], type(res[1]).__name__)


asyncio.run(main())
