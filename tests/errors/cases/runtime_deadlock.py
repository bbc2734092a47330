# A deadlock: every task waits and nothing is scheduled (exit 3).
# exit: 3
# stderr: loopscope: deadlock at t=1.0: nothing is ready and nothing is scheduled
# stderr:   Task-1 (main) is waiting at line 10 for a future that nothing will complete
# stderr: Deadlock: 1 task waiting forever
import asyncio
async def main():
    await asyncio.sleep(1)
    fut = asyncio.get_running_loop().create_future()
    await fut
asyncio.run(main())
