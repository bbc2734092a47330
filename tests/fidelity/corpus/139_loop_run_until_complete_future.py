# Event loop by hand: run_until_complete on a plain future resolved by call_later, and on a gather. [vclock-only: prints absolute loop.time() values, which start at 0.0 only on the virtual clock]
import asyncio

loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
start = loop.time()
fut = loop.create_future()
loop.call_later(1.5, fut.set_result, "set by a timer")
print(loop.run_until_complete(fut), loop.time() - start)
g = asyncio.gather(asyncio.sleep(1, "a"), asyncio.sleep(0.5, "b"))
print(loop.run_until_complete(g), loop.time() - start)
bad = loop.create_future()
loop.call_soon(bad.set_exception, OverflowError("too big"))
try:
    loop.run_until_complete(bad)
except OverflowError as e:
    print("raised:", e)
loop.close()
