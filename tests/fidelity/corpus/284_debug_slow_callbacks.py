# Debug mode: steps and callbacks that hold the loop past slow_callback_duration are reported ("Executing ... took N seconds").
import asyncio
import time

async def slow_step():
    time.sleep(0.3)
    await asyncio.sleep(0)
    print("after slow step")

async def main():
    loop = asyncio.get_running_loop()
    print(loop.get_debug(), loop.slow_callback_duration)
    await slow_step()
    loop.slow_callback_duration = 0.5
    await slow_step()
    def cb():
        time.sleep(0.2)
    loop.slow_callback_duration = 0.1
    loop.call_soon(cb)
    await asyncio.sleep(0.1)

asyncio.run(main(), debug=True)
