# Tasks: len(all_tasks()) counts pending tasks, including the current one, and drops finished ones.
import asyncio


async def nap(d):
    await asyncio.sleep(d)


async def main():
    print("alone:", len(asyncio.all_tasks()))
    tasks = [asyncio.create_task(nap(d)) for d in [1, 2, 3]]
    print("with three:", len(asyncio.all_tasks()))
    await asyncio.sleep(1.5)
    print("after 1.5 s:", len(asyncio.all_tasks()))
    names = sorted([t.get_name() for t in asyncio.all_tasks()])
    print(names)
    await asyncio.gather(*tasks)
    print("at the end:", len(asyncio.all_tasks()))
    print(asyncio.current_task() in asyncio.all_tasks())


asyncio.run(main())
