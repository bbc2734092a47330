# asyncio.timeout: nested timeouts; the inner one fires first and the outer one is unaffected. [vclock-only: prints absolute loop.time() values, which start at 0.0 only on the virtual clock]
import asyncio


async def main():
    loop = asyncio.get_running_loop()
    async with asyncio.timeout(5) as outer:
        try:
            async with asyncio.timeout(1) as inner:
                await asyncio.sleep(3)
        except TimeoutError:
            print("inner expired at", loop.time(), inner.expired())
        await asyncio.sleep(1)
        print("outer still fine at", loop.time(), outer.expired())


asyncio.run(main())
