"""Futures: a result promised now and delivered later

A Future is an empty box a task can await; whoever fills it (here timer
callbacks) wakes the waiters. Tasks are futures too. Watch the waiting task
point at its future, and wake when the callback calls set_result.
Ask the class: what happens to a task awaiting a future that gets an exception?
"""
import asyncio


async def wait_for_box(name, box):
    try:
        value = await box
        print(f"{name} received {value!r}")
    except KeyError as e:
        print(f"{name} received an exception: {e!r}")


async def main():
    loop = asyncio.get_running_loop()
    good = loop.create_future()
    bad = loop.create_future()
    loop.call_later(1, good.set_result, "the parcel")
    loop.call_later(2, bad.set_exception, KeyError("lost in transit"))
    await asyncio.gather(wait_for_box("alice", good), wait_for_box("bob", bad))
    print(good.done(), good.result(), bad.done())


asyncio.run(main())
