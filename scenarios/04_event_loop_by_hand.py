"""The event loop by hand: get_event_loop, run_until_complete, close

Before asyncio.run existed, programs fetched a loop, ran a coroutine on it
with run_until_complete, and closed it themselves. Watch the loop start
running only inside run_until_complete and stop when the coroutine is done.
Ask the class: what would happen if we called run_until_complete again after close()?
"""
import asyncio


async def hello_world():
    print("Hello")
    await asyncio.sleep(1)
    print("World")


# Get the event loop
loop = asyncio.get_event_loop()
# Schedule a coroutine
loop.run_until_complete(hello_world())
# Close the loop
loop.close()
print("closed:", loop.is_closed())
