# Event loop by hand: get_debug/set_debug, asyncio.run(debug=True) and slow_callback_duration's default.
import asyncio


async def main():
    loop = asyncio.get_running_loop()
    print("debug:", loop.get_debug(), "slow:", loop.slow_callback_duration)


asyncio.run(main())
asyncio.run(main(), debug=True)
loop = asyncio.new_event_loop()
loop.set_debug(True)
print(loop.get_debug())
loop.slow_callback_duration = 0.5
print(loop.slow_callback_duration)
loop.set_debug(False)
print(loop.get_debug())
loop.close()
