# TaskGroup: cancelling the task that runs a group cancels the group's children and re-raises CancelledError. [vclock-only: CPython cancels a TaskGroup's tasks in set (address) order; the harness and loopscope use creation order]
import asyncio


async def child(n):
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        print("child", n, "cancelled")
        raise


async def runner():
    async with asyncio.TaskGroup() as tg:
        for n in range(3):
            tg.create_task(child(n))


async def main():
    t = asyncio.create_task(runner())
    await asyncio.sleep(1)
    t.cancel()
    try:
        await t
    except asyncio.CancelledError:
        print("runner cancelled:", t.cancelled())


asyncio.run(main())
