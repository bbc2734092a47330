# The tutorial's mistake: create_task with no running loop.
# exit: 1
# stderr: RuntimeError: no running event loop
# stderr: sys:1: RuntimeWarning: coroutine 'work' was never awaited
import asyncio
async def work():
    pass
asyncio.create_task(work())
