# wait_for: an awaitable finishing before the timeout returns its value; timeout=None waits as long as needed. [vclock-only: prints absolute loop.time() values, which start at 0.0 only on the virtual clock]
import asyncio


async def work(d):
    await asyncio.sleep(d)
    return f"slept {d}"


async def main():
    loop = asyncio.get_running_loop()
    print(await asyncio.wait_for(work(1), timeout=2), loop.time())
    print(await asyncio.wait_for(work(50), timeout=None), loop.time())
    t = asyncio.create_task(work(0.5))
    print(await asyncio.wait_for(t, 1), t.done(), loop.time())


asyncio.run(main())
