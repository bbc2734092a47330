# asyncio.wait with a timeout returns (done, pending) without cancelling or raising; an empty set is an error. [vclock-only: prints absolute loop.time() values, which start at 0.0 only on the virtual clock]
import asyncio


async def work(d):
    await asyncio.sleep(d)
    return d


async def main():
    loop = asyncio.get_running_loop()
    tasks = [asyncio.create_task(work(d)) for d in [0.5, 1.5, 2.5]]
    done, pending = await asyncio.wait(tasks, timeout=1)
    print(loop.time(), len(done), len(pending))
    print(sorted([t.result() for t in done]))
    print([t.cancelled() for t in pending])
    done, pending = await asyncio.wait(tasks, timeout=5, return_when=asyncio.ALL_COMPLETED)
    print(loop.time(), len(done), len(pending))
    try:
        await asyncio.wait([])
    except ValueError as e:
        print("ValueError:", e)


asyncio.run(main())
