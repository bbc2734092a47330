"""asyncio.timeout: a deadline for a whole block

`async with asyncio.timeout(s)` cancels whatever the block is awaiting when
the deadline passes, and turns that cancellation into TimeoutError outside
the block. The deadline can be moved with reschedule(). Watch the timer card
for the deadline, and the second block survive because it was extended.
Ask the class: why does the second block not time out at 1 s?
"""
import asyncio


async def main():
    loop = asyncio.get_running_loop()
    start = loop.time()
    try:
        async with asyncio.timeout(1):
            await asyncio.sleep(5)
    except TimeoutError:
        print(f"first block timed out after {loop.time() - start:.1f} s")
    start = loop.time()
    async with asyncio.timeout(1) as deadline:
        await asyncio.sleep(0.5)
        deadline.reschedule(loop.time() + 2)
        await asyncio.sleep(1)
    print(f"second block finished after {loop.time() - start:.1f} s, expired: {deadline.expired()}")


asyncio.run(main())
