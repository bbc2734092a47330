# Condition: wait_for(predicate) re-checks after each notify until the predicate holds. [vclock-only: prints absolute loop.time() values, which start at 0.0 only on the virtual clock]
import asyncio


async def main():
    cond = asyncio.Condition()
    state = {"count": 0}

    async def bump():
        for _ in range(5):
            await asyncio.sleep(0.5)
            async with cond:
                state["count"] += 1
                cond.notify_all()

    t = asyncio.create_task(bump())
    async with cond:
        result = await cond.wait_for(lambda: state["count"] >= 3)
        print("predicate true:", result, state["count"], asyncio.get_running_loop().time())
    await t


asyncio.run(main())
