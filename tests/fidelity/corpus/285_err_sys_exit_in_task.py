# sys.exit() inside a task: SystemExit leaves the loop with its status, and the task reports its unretrieved exception.
import asyncio, sys
async def worker():
    await asyncio.sleep(0.1)
    print("worker exits")
    sys.exit(3)
async def main():
    t = asyncio.create_task(worker())
    await asyncio.sleep(1)
    print("never")
asyncio.run(main())
