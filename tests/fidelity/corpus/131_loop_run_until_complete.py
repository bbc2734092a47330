# Event loop by hand: run_until_complete returns the coroutine's value; is_running is True only inside. [vclock-only: prints absolute loop.time() values, which start at 0.0 only on the virtual clock]
import asyncio


async def compute(x):
    loop = asyncio.get_running_loop()
    print("inside: running", loop.is_running())
    await asyncio.sleep(1)
    return x * 10


loop = asyncio.new_event_loop()
print("before: running", loop.is_running(), "time", loop.time())
print("result", loop.run_until_complete(compute(4)))
print("after: running", loop.is_running(), "time", loop.time())
task = loop.create_task(compute(5))
print("task result", loop.run_until_complete(task), task.done())
loop.close()
