# asyncio.timeout: reschedule() moves the deadline; timeout(None) never expires until rescheduled. [vclock-only: prints absolute loop.time() values, which start at 0.0 only on the virtual clock]
import asyncio


async def main():
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(None) as cm:
            print("when:", cm.when())
            await asyncio.sleep(1)
            cm.reschedule(loop.time() + 0.5)
            print("when:", cm.when())
            await asyncio.sleep(5)
    except TimeoutError:
        print("expired at", loop.time())
    async with asyncio.timeout(1) as cm:
        cm.reschedule(loop.time() + 3)
        await asyncio.sleep(2)
    print("extended deadline kept us alive until", loop.time())


asyncio.run(main())
