"""run_in_executor: a blocking call on a worker thread

A blocking function (here time.sleep) would freeze the loop, so it is handed
to the default thread pool with run_in_executor. Watch the job start at once
on a worker lane, main wait on its future, and the ticker keep ticking while
the worker sleeps.
Ask the class: how many ticks will print before the result arrives?
"""
import asyncio
import time


def blocking_operation():
    # Simulate a blocking operation
    time.sleep(1)
    return "Blocking operation is complete"


async def ticker():
    for i in range(3):
        await asyncio.sleep(0.3)
        print(f"tick {i}")


async def main():
    loop = asyncio.get_event_loop()
    ticks = asyncio.create_task(ticker())
    result = await loop.run_in_executor(None, blocking_operation)
    print(result)
    await ticks


asyncio.run(main())
