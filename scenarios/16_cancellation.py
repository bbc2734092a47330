"""Cancellation: CancelledError thrown in at the await

task.cancel() does not stop a task on the spot: it schedules a CancelledError
to be thrown into the task at the await where it is suspended. The task may
catch it to clean up (even awaiting), and should re-raise it. Watch the
cancellation travel down into the worker, then its result travel back up.
Ask the class: does "cleanup done" print before or after main's except block?
"""
import asyncio


async def worker():
    try:
        for i in range(10):
            print(f"working {i}")
            await asyncio.sleep(0.5)
    except asyncio.CancelledError:
        print("worker: cancelled, cleaning up")
        await asyncio.sleep(0.2)
        print("worker: cleanup done")
        raise


async def main():
    task = asyncio.create_task(worker())
    await asyncio.sleep(1.2)
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        print(f"main: worker cancelled = {task.cancelled()}")


asyncio.run(main())
