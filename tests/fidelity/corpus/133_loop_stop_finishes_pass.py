# Event loop by hand: stop() lets the current pass finish; callbacks queued during that pass wait for the next run.
import asyncio

loop = asyncio.new_event_loop()
loop.call_soon(print, "one")
loop.call_soon(loop.stop)
loop.call_soon(print, "two (same pass as stop)")
loop.call_soon(lambda: loop.call_soon(print, "four (queued during the pass)"))
loop.call_soon(print, "three")
loop.run_forever()
print("stopped")
loop.call_soon(loop.stop)
loop.run_forever()
print("stopped again")
loop.close()
