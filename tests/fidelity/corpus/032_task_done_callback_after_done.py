# Tasks: adding a done callback to a finished task schedules it with call_soon; it does not run at once.
import asyncio


async def noop():
    return "v"


async def main():
    t = asyncio.create_task(noop())
    await t
    t.add_done_callback(lambda task: print("callback", task.result()))
    print("callback added")
    asyncio.get_running_loop().call_soon(print, "call_soon after it")
    await asyncio.sleep(0)
    print("main after sleep(0)")


asyncio.run(main())
