# Cancellation: cancelling the main task ends asyncio.run with CancelledError (exit 1).
import asyncio


async def main():
    loop = asyncio.get_running_loop()
    loop.call_later(1, asyncio.current_task().cancel)
    print("main sleeps")
    await asyncio.sleep(5)
    print("not reached")


asyncio.run(main())
print("not reached either")
