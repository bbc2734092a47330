# asyncio.timeout: what the inner code sees: CancelledError inside, TimeoutError outside. [vclock-only: prints absolute loop.time() values, which start at 0.0 only on the virtual clock]
import asyncio


async def main():
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(2):
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                print("inside: CancelledError at", loop.time())
                raise
    except TimeoutError as e:
        print("outside:", repr(e), "cause:", type(e.__cause__).__name__)


asyncio.run(main())
