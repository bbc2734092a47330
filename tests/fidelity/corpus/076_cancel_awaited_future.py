# Cancellation: cancelling a future that a task awaits throws CancelledError into that task.
import asyncio


async def waiter(fut):
    try:
        await fut
    except asyncio.CancelledError as e:
        print("waiter got CancelledError", e.args)
        return "handled"


async def main():
    loop = asyncio.get_running_loop()
    fut = loop.create_future()
    t = asyncio.create_task(waiter(fut))
    await asyncio.sleep(0)
    print("cancel future:", fut.cancel("future gone"))
    print(await t)
    print(fut.cancelled(), t.cancelled())


asyncio.run(main())
