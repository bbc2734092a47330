# Scheduling: a task awaiting another task resumes one loop pass after it finishes (done callback, then step).
import asyncio


async def spinner(log):
    for i in range(6):
        log.append(f"spin {i}")
        await asyncio.sleep(0)


async def short(log):
    log.append("short runs")
    await asyncio.sleep(0)
    log.append("short returns")
    return 1


async def waiter(log, t):
    log.append("waiter awaits short")
    await t
    log.append("waiter resumed")


async def main():
    log = []
    s = asyncio.create_task(spinner(log))
    t = asyncio.create_task(short(log))
    w = asyncio.create_task(waiter(log, t))
    await asyncio.gather(s, t, w)
    print("\n".join(log))


asyncio.run(main())
