# wait_for: if the inner coroutine swallows the cancellation and returns, wait_for returns that value. [vclock-only: prints absolute loop.time() values, which start at 0.0 only on the virtual clock]
import asyncio


async def stubborn():
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        print("stubborn: caught CancelledError, cleaning up")
        await asyncio.sleep(0.5)
        return "cleaned"
    return "finished"


async def main():
    loop = asyncio.get_running_loop()
    try:
        result = await asyncio.wait_for(stubborn(), timeout=1)
        print("wait_for returned", result, "at", loop.time())
    except TimeoutError:
        print("TimeoutError at", loop.time())


asyncio.run(main())
