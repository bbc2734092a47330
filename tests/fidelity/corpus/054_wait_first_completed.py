# asyncio.wait FIRST_COMPLETED returns when one task finishes; the others stay pending and keep running. [vclock-only: prints absolute loop.time() values, which start at 0.0 only on the virtual clock]
import asyncio


async def work(d):
    await asyncio.sleep(d)
    return d


async def main():
    loop = asyncio.get_running_loop()
    tasks = [asyncio.create_task(work(d), name=f"w{d}") for d in [3, 1, 2]]
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    print(loop.time(), sorted([t.get_name() for t in done]), len(pending))
    print([t.result() for t in done])
    done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
    print(loop.time(), sorted([t.get_name() for t in done]), len(pending))
    done, pending = await asyncio.wait(pending)
    print(loop.time(), sorted([t.get_name() for t in done]), len(pending))


asyncio.run(main())
