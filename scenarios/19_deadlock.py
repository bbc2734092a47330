"""A deadlock: everyone waits, nobody will ever wake them

Two tasks each hold one lock and wait for the other's. Nothing is ready and
no timer is armed, so plain python3 would hang here forever; the simulator
stops instead and reports the deadlock, naming every waiting task (exit 3).
Watch the waiting panel: each task waits for a lock the other one holds.
Ask the class: which single change to the order of the locks removes the deadlock?
"""
import asyncio


async def transfer(name, first, second):
    async with first:
        print(f"{name} holds its first lock")
        await asyncio.sleep(0.1)
        print(f"{name} waits for its second lock")
        async with second:
            print(f"{name} done (never printed)")


async def main():
    lock_a = asyncio.Lock()
    lock_b = asyncio.Lock()
    await asyncio.gather(transfer("alice", lock_a, lock_b),
                         transfer("bob", lock_b, lock_a))


asyncio.run(main())
