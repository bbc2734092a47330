# Sets of tasks: asyncio.wait's done set, TaskGroup's children and all_tasks() iterate in the order the tasks were made, as CPython's addresses order them for a few tasks.
import asyncio


async def work(i):
    await asyncio.sleep(0.1 * (3 - i))
    return i


async def child(i):
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        print(f"child {i} cancelled")
        raise


async def fail():
    await asyncio.sleep(1)
    raise ValueError("boom")


async def main():
    tasks = [asyncio.create_task(work(i), name=f"w{i}") for i in range(3)]
    done, pending = await asyncio.wait(tasks)
    print([t.result() for t in done], pending)
    others = {t.get_name() for t in asyncio.all_tasks()}
    print(sorted(others))
    try:
        async with asyncio.TaskGroup() as tg:
            for i in range(3):
                tg.create_task(child(i))
            tg.create_task(fail())
    except* ValueError as eg:
        print("caught", eg.exceptions)


asyncio.run(main())
