# Futures: several tasks awaiting one future all wake, in the order they started waiting. [vclock-only: prints absolute loop.time() values, which start at 0.0 only on the virtual clock]
import asyncio


async def waiter(name, fut):
    print(name, "waits")
    value = await fut
    print(name, "woke with", value)


async def main():
    loop = asyncio.get_running_loop()
    fut = loop.create_future()
    tasks = [asyncio.create_task(waiter(n, fut)) for n in ["w1", "w2", "w3"]]
    await asyncio.sleep(1)
    fut.set_result(99)
    print("result set at", loop.time())
    await asyncio.gather(*tasks)


asyncio.run(main())
