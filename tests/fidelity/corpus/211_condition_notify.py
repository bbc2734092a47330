# Condition: notify(1) wakes one waiter at a time; notify_all wakes the rest. [vclock-only: prints absolute loop.time() values, which start at 0.0 only on the virtual clock]
import asyncio


async def consumer(name, cond, log):
    async with cond:
        await cond.wait()
        log.append(f"{name} woke at {asyncio.get_running_loop().time()}")


async def main():
    cond = asyncio.Condition()
    log = []
    tasks = [asyncio.create_task(consumer(f"c{i}", cond, log)) for i in range(4)]
    await asyncio.sleep(1)
    async with cond:
        cond.notify(1)
    await asyncio.sleep(1)
    async with cond:
        cond.notify_all()
    await asyncio.gather(*tasks)
    print("\n".join(log))


asyncio.run(main())
