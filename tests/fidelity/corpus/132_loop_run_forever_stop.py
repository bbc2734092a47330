# Event loop by hand: run_forever runs callbacks and timers until a callback calls loop.stop(). [vclock-only: prints absolute loop.time() values, which start at 0.0 only on the virtual clock]
import asyncio


def tick(loop, n):
    print(f"tick {n} at {loop.time()}")
    if n == 3:
        loop.stop()
    else:
        loop.call_later(0.5, tick, loop, n + 1)


loop = asyncio.new_event_loop()
loop.call_soon(tick, loop, 1)
print("run_forever starts")
loop.run_forever()
print("run_forever returned at", loop.time(), "running:", loop.is_running())
loop.call_soon(print, "a callback queued after stop runs on the next run")
loop.call_soon(loop.stop)
loop.run_forever()
loop.close()
