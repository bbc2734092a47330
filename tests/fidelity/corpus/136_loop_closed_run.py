# Event loop by hand: running a closed loop raises RuntimeError; a loop cannot be closed while running.
import asyncio


async def try_close():
    loop = asyncio.get_running_loop()
    try:
        loop.close()
    except RuntimeError as e:
        print("close while running:", e)


loop = asyncio.new_event_loop()
loop.run_until_complete(try_close())
loop.close()
try:
    loop.run_forever()
except RuntimeError as e:
    print("run_forever on closed loop:", e)
print(loop.is_closed(), loop.is_running())
