# Futures: remove_done_callback removes every registration of the callback and returns how many.
import asyncio

calls = []


def record(fut):
    calls.append(fut.result())


def other(fut):
    calls.append("other")


async def main():
    loop = asyncio.get_running_loop()
    fut = loop.create_future()
    fut.add_done_callback(record)
    fut.add_done_callback(other)
    fut.add_done_callback(record)
    print(fut.remove_done_callback(record))
    print(fut.remove_done_callback(record))
    fut.set_result(5)
    await asyncio.sleep(0)
    print(calls)


asyncio.run(main())
