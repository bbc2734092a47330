# Futures: cancel() marks a pending future cancelled (with its message) and runs its callbacks.
import asyncio


async def main():
    loop = asyncio.get_running_loop()
    f = loop.create_future()
    f.add_done_callback(lambda fut: print("callback: cancelled =", fut.cancelled()))
    print(f.cancel("no longer needed"), f.cancel())
    print(f.done(), f.cancelled())
    try:
        f.result()
    except asyncio.CancelledError as e:
        print("result() raised CancelledError", e.args)
    await asyncio.sleep(0)
    g = loop.create_future()
    g.set_result(1)
    print("cancel done future:", g.cancel())


asyncio.run(main())
