# Scheduling: gather wraps coroutines in tasks in argument order, so their first steps run in that order.
import asyncio


async def step(name):
    print("enter", name)
    await asyncio.sleep(0)
    print("middle", name)
    await asyncio.sleep(0)
    print("leave", name)
    return name.upper()


async def main():
    print("before gather")
    results = await asyncio.gather(step("x"), step("y"), step("z"))
    print("results", results)


asyncio.run(main())
