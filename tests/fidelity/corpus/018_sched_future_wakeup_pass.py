# Scheduling: setting a future's result queues its waiters behind callbacks already in the ready queue.
import asyncio


async def waiter(name, fut):
    await fut
    print(name, "woke")


async def main():
    loop = asyncio.get_running_loop()
    fut = loop.create_future()
    a = asyncio.create_task(waiter("a", fut))
    b = asyncio.create_task(waiter("b", fut))
    await asyncio.sleep(0)
    loop.call_soon(print, "callback queued before set_result")
    fut.set_result(None)
    loop.call_soon(print, "callback queued after set_result")
    print("main yields")
    await asyncio.sleep(0)
    print("main back")
    await asyncio.gather(a, b)


asyncio.run(main())
