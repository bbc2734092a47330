# wait_for: timeout=0 runs nothing: a finished future returns, anything else is cancelled at once. [vclock-only: prints absolute loop.time() values, which start at 0.0 only on the virtual clock]
import asyncio


async def work():
    print("work started")
    return 1


async def main():
    loop = asyncio.get_running_loop()
    f = loop.create_future()
    f.set_result("done already")
    print(await asyncio.wait_for(f, 0))
    try:
        await asyncio.wait_for(work(), 0)
    except TimeoutError:
        print("TimeoutError at", loop.time())
    t = asyncio.create_task(work())
    try:
        await asyncio.wait_for(t, -1)
    except TimeoutError:
        print("TimeoutError; task cancelled:", t.cancelled())


asyncio.run(main())
