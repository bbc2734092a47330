"""Callbacks: call_soon and call_later

Under the tasks, the loop runs plain callbacks: call_soon puts one at the end
of the ready queue, call_later arms a timer that moves it there when due.
Watch the ready queue fill in FIFO order, and the timers fire by deadline
whatever order they were armed in.
Ask the class: in what order will the six lines print?
"""
import asyncio


start = 0.0


def say(loop, text):
    print(f"{loop.time() - start:.1f} {text}")


async def main():
    global start
    loop = asyncio.get_running_loop()
    start = loop.time()
    loop.call_later(1.0, say, loop, "call_later 1.0")
    loop.call_later(0.5, say, loop, "call_later 0.5")
    loop.call_soon(say, loop, "call_soon first")
    loop.call_soon(say, loop, "call_soon second")
    handle = loop.call_later(0.7, say, loop, "cancelled, never printed")
    handle.cancel()
    say(loop, "main, before awaiting")
    await asyncio.sleep(1.5)
    say(loop, "main, after sleeping")


asyncio.run(main())
