# asyncio.wait FIRST_EXCEPTION returns at the first failure, or when all are done if none fails. [vclock-only: prints absolute loop.time() values, which start at 0.0 only on the virtual clock]
import asyncio


async def work(d, fail=False):
    await asyncio.sleep(d)
    if fail:
        raise ValueError(f"failed after {d}")
    return d


async def main():
    loop = asyncio.get_running_loop()
    tasks = [asyncio.create_task(work(1)), asyncio.create_task(work(2, True)),
             asyncio.create_task(work(3))]
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    print(loop.time(), len(done), len(pending))
    print(sorted([repr(t.exception()) for t in done]))
    more = [asyncio.create_task(work(0.5)), asyncio.create_task(work(0.25))]
    done, pending = await asyncio.wait(more, return_when=asyncio.FIRST_EXCEPTION)
    print(loop.time(), len(done), len(pending))
    print(len(pending), len(asyncio.all_tasks()))


asyncio.run(main())
