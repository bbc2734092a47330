"""Locks and semaphores: limiting who runs a section

A Lock lets one task at a time into a critical section; a Semaphore(2) lets
two. Waiters queue up in FIFO order. Watch the tasks pile up in the waiting
panel on the lock and the semaphore, and get in one (or two) at a time.
Ask the class: how long does each half take with five tasks?
"""
import asyncio


async def guarded(name, guard, start):
    loop = asyncio.get_running_loop()
    async with guard:
        print(f"{loop.time() - start:.1f} {name} enters")
        await asyncio.sleep(0.5)


async def main():
    loop = asyncio.get_running_loop()
    for guard in [asyncio.Lock(), asyncio.Semaphore(2)]:
        start = loop.time()
        await asyncio.gather(*[guarded(f"t{i}", guard, start) for i in range(5)])
        print(f"{type(guard).__name__}: {loop.time() - start:.1f} s")


asyncio.run(main())
