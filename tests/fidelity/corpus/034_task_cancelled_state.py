# Tasks: after cancellation a task is done() and cancelled(); result() and exception() raise CancelledError. [vclock-only: prints absolute loop.time() values, which start at 0.0 only on the virtual clock]
import asyncio


async def forever():
    await asyncio.sleep(100)


async def main():
    t = asyncio.create_task(forever())
    await asyncio.sleep(0)
    print("cancel() returned", t.cancel())
    print("done right after cancel()?", t.done())
    await asyncio.sleep(0)
    print("done", t.done(), "cancelled", t.cancelled())
    for method in [t.result, t.exception]:
        try:
            method()
        except asyncio.CancelledError as e:
            print(method.__name__, "raised CancelledError", e.args)
    print("time", asyncio.get_running_loop().time())


asyncio.run(main())
