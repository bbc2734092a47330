# Lock: async with lock lets one task at a time into the critical section; waiters enter in FIFO order. [vclock-only: prints absolute loop.time() values, which start at 0.0 only on the virtual clock]
import asyncio


async def worker(name, lock, log):
    log.append(f"{name} wants the lock")
    async with lock:
        log.append(f"{name} holds it at {asyncio.get_running_loop().time()}")
        await asyncio.sleep(1)
    log.append(f"{name} released it")


async def main():
    lock = asyncio.Lock()
    log = []
    await asyncio.gather(*[worker(n, lock, log) for n in ["a", "b", "c"]])
    print("\n".join(log))
    print("locked at the end:", lock.locked())


asyncio.run(main())
