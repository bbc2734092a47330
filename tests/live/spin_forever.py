"""Spins forever without awaiting (a test for the live window)

A ticker prints three times; then main enters a loop that never awaits, so
the event loop is blocked for good. The window must stay responsive, say
that the loop is blocked at line 22, and stop the run (KeyboardInterrupt)
when it is closed or reloaded.
"""
import asyncio


async def ticker():
    for i in range(3):
        print("tick", i)
        await asyncio.sleep(0.1)


async def main():
    asyncio.create_task(ticker())
    await asyncio.sleep(0.25)
    n = 0
    while True:
        n += 1


asyncio.run(main())
