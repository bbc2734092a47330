# Scheduling: call_later(0) goes through the timer heap, so it runs after call_soon callbacks of the same pass. [vclock-only: the two call_later(0) deadlines tie only on the virtual clock; really they fire FIFO]
import asyncio


async def main():
    loop = asyncio.get_running_loop()
    loop.call_later(0, print, "later(0) #1")
    loop.call_soon(print, "soon #1")
    loop.call_later(0, print, "later(0) #2")
    loop.call_soon(print, "soon #2")
    loop.call_later(-1, print, "later(-1)")
    await asyncio.sleep(0)
    print("main after sleep(0)")
    await asyncio.sleep(0)
    print("main after second sleep(0)")


asyncio.run(main())
