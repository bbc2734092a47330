# asyncio.timeout: the block is cancelled at the deadline and TimeoutError is raised outside it; expired() says so. [vclock-only: prints absolute loop.time() values, which start at 0.0 only on the virtual clock]
import asyncio


async def main():
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(1.5) as cm:
            print("deadline", cm.when())
            await asyncio.sleep(10)
    except TimeoutError:
        print("TimeoutError at", loop.time(), "expired:", cm.expired())
    async with asyncio.timeout(5) as cm2:
        await asyncio.sleep(1)
    print("finished in time, expired:", cm2.expired(), "at", loop.time())


asyncio.run(main())
