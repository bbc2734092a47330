# Event loop by hand: loop.time() reads the clock even before the loop runs; it equals time.monotonic(). [vclock-only: on a real clock two readings are never equal and loop.time() does not start at 0.0]
import asyncio
import time

loop = asyncio.new_event_loop()
print(loop.time() == time.monotonic())
start = loop.time()
loop.run_until_complete(asyncio.sleep(2.5))
print(f"{loop.time() - start:.1f}")
time.sleep(1)
print(f"{loop.time() - start:.1f}")
loop.run_until_complete(asyncio.sleep(0.5))
print(f"{loop.time() - start:.1f}", loop.time() == time.monotonic())
loop.close()
