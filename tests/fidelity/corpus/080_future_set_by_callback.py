# Futures: a future resolved by a call_soon callback wakes the task awaiting it.
import asyncio


async def main():
    loop = asyncio.get_running_loop()
    fut = loop.create_future()
    print("done before:", fut.done())
    loop.call_soon(fut.set_result, "hello from a callback")
    print("awaiting")
    value = await fut
    print("got", value, "done:", fut.done(), "result:", fut.result())
    fut2 = asyncio.Future()
    loop.call_soon(fut2.set_result, None)
    print(await fut2, fut2.get_loop() is loop)


asyncio.run(main())
