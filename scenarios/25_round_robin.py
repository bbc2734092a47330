"""The ready queue: sleep(0) and round-robin

await asyncio.sleep(0) gives up the loop without arming a timer: the task
goes to the back of the ready queue. Three tasks doing that take turns, one
step each per loop iteration. Watch the ready queue rotate.
Ask the class: what is the exact order of the nine lines?
"""
import asyncio


async def worker(name):
    for step in range(3):
        print(f"{name} step {step}")
        await asyncio.sleep(0)


async def main():
    await asyncio.gather(worker("a"), worker("b"), worker("c"))


asyncio.run(main())
