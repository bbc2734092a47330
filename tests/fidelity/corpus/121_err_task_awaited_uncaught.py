# Errors: a task's exception re-raised in main via await and left uncaught ends the run (exit 1).
import asyncio


async def worker(n):
    await asyncio.sleep(n)
    if n == 2:
        raise RuntimeError("worker 2 failed")
    print("worker", n, "ok")


async def main():
    tasks = [asyncio.create_task(worker(n)) for n in [1, 2, 3]]
    for t in tasks:
        await t


asyncio.run(main())
