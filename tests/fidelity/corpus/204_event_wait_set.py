# Event: tasks waiting on an Event all wake when it is set; wait() on a set event returns at once. [vclock-only: prints absolute loop.time() values, which start at 0.0 only on the virtual clock]
import asyncio


async def waiter(name, ev):
    print(name, "waits")
    await ev.wait()
    print(name, "released at", asyncio.get_running_loop().time())


async def main():
    ev = asyncio.Event()
    tasks = [asyncio.create_task(waiter(n, ev)) for n in ["a", "b", "c"]]
    await asyncio.sleep(1.5)
    print("is_set before:", ev.is_set())
    ev.set()
    print("is_set after:", ev.is_set())
    await asyncio.gather(*tasks)
    print(await ev.wait())


asyncio.run(main())
