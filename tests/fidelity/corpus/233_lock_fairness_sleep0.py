# Lock: a task that releases and immediately re-acquires does not jump ahead of waiting tasks.
import asyncio


async def greedy(lock, log):
    for i in range(3):
        async with lock:
            log.append(f"greedy {i}")
            await asyncio.sleep(0)


async def polite(lock, log):
    async with lock:
        log.append("polite")


async def main():
    lock = asyncio.Lock()
    log = []
    await asyncio.gather(greedy(lock, log), polite(lock, log))
    print(log)


asyncio.run(main())
