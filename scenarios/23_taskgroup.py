"""TaskGroup: structured concurrency

Tasks created in an `async with asyncio.TaskGroup()` block are all awaited
when the block ends. If one fails, the group cancels the others and raises an
ExceptionGroup holding the failure. Watch the cancellations travel into the
two slow tasks the moment the bad one fails.
Ask the class: which lines print after the failure, and in what order?
"""
import asyncio


async def job(name, seconds, fail=False):
    try:
        await asyncio.sleep(seconds)
    except asyncio.CancelledError:
        print(f"{name} cancelled")
        raise
    if fail:
        raise ValueError(f"{name} failed")
    print(f"{name} done")


async def main():
    async with asyncio.TaskGroup() as group:
        group.create_task(job("a", 0.5))
        group.create_task(job("b", 1))
    print("first group finished")
    try:
        async with asyncio.TaskGroup() as group:
            group.create_task(job("slow1", 3))
            group.create_task(job("bad", 1, fail=True))
            group.create_task(job("slow2", 3))
    except ExceptionGroup as eg:
        print(f"{eg} -> {eg.exceptions}")


asyncio.run(main())
