# wait_for: on timeout the inner task is cancelled (it sees CancelledError) and wait_for raises TimeoutError. [vclock-only: prints absolute loop.time() values, which start at 0.0 only on the virtual clock]
import asyncio


async def slow():
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        print("inner cancelled at", asyncio.get_running_loop().time())
        raise
    return "never"


async def main():
    try:
        await asyncio.wait_for(slow(), timeout=1.5)
    except TimeoutError as e:
        print("TimeoutError", repr(e), isinstance(e, asyncio.TimeoutError))
    print("now", asyncio.get_running_loop().time())


asyncio.run(main())
