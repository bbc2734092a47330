# Futures: done callbacks run in order via call_soon after the result is set, not inside set_result.
import asyncio


async def main():
    loop = asyncio.get_running_loop()
    fut = loop.create_future()
    fut.add_done_callback(lambda f: print("cb1", f.result()))
    fut.add_done_callback(lambda f: print("cb2", f.result()))
    loop.call_soon(print, "queued before set_result")
    fut.set_result("R")
    print("set_result returned")
    loop.call_soon(print, "queued after set_result")
    await asyncio.sleep(0)
    fut.add_done_callback(lambda f: print("cb3 added late"))
    await asyncio.sleep(0)
    print("end")


asyncio.run(main())
