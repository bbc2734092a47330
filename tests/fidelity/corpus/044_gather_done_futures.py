# Gather: already finished futures and tasks are gathered without waiting; the same task twice counts once.
import asyncio


async def quick(v):
    return v


async def main():
    loop = asyncio.get_running_loop()
    f = loop.create_future()
    f.set_result("ready")
    t = asyncio.create_task(quick("task"))
    await t
    print(await asyncio.gather(f, t, f))
    g = loop.create_future()
    g.set_exception(RuntimeError("already failed"))
    print(await asyncio.gather(f, g, return_exceptions=True))
    print(len(asyncio.all_tasks()))


asyncio.run(main())
