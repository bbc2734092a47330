"""Tasks: awaiting one after another versus create_task

Two jobs that each wait 1 second take 2 seconds when awaited one after the
other, but only 1 second when both are wrapped in tasks first, because the
loop runs a task whenever the other is waiting. Watch the ready queue and the
two timers armed at the same time in the second half.
Ask the class: how long will the second version take, and why not 2 seconds?
"""
import asyncio


async def hello_world(name):
    print(f"Hello from {name}")
    await asyncio.sleep(1)
    print(f"World from {name}")


async def main():
    loop = asyncio.get_running_loop()
    start = loop.time()
    await hello_world("first")
    await hello_world("second")
    print(f"sequential awaits took {loop.time() - start:.1f} s")

    start = loop.time()
    task1 = asyncio.create_task(hello_world("task 1"))
    task2 = asyncio.create_task(hello_world("task 2"))
    await task1
    await task2
    print(f"two tasks took {loop.time() - start:.1f} s")


asyncio.run(main())
