# TaskGroup: the async with block waits for every task created in it; results read afterwards. [vclock-only: prints absolute loop.time() values, which start at 0.0 only on the virtual clock]
import asyncio


async def work(name, d):
    await asyncio.sleep(d)
    print(f"{name} done at {asyncio.get_running_loop().time()}")
    return name.upper()


async def main():
    async with asyncio.TaskGroup() as tg:
        a = tg.create_task(work("a", 2))
        b = tg.create_task(work("b", 1), name="bee")
        print("tasks created:", a.get_name(), b.get_name())
    print("group exited at", asyncio.get_running_loop().time())
    print(a.result(), b.result())


asyncio.run(main())
