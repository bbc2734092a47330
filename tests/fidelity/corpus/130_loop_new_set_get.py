# Event loop by hand: new_event_loop, set_event_loop and get_event_loop return the same loop object.
import asyncio


async def where():
    return asyncio.get_running_loop()


loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
print(asyncio.get_event_loop() is loop)
print(loop.run_until_complete(where()) is loop)
other = asyncio.new_event_loop()
print(other is loop)
asyncio.set_event_loop(other)
print(asyncio.get_event_loop() is other)
other.close()
loop.close()
asyncio.set_event_loop(None)
print(loop.is_closed(), other.is_closed())
