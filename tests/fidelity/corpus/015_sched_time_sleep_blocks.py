# Scheduling: time.sleep in a coroutine blocks the whole loop; the other task's timer fires late. [vclock-only: prints absolute loop.time() values and time.sleep on the loop, exact only virtually]
import asyncio
import time


async def ticker(loop):
    for i in range(3):
        await asyncio.sleep(0.5)
        print(f"tick {i} at {loop.time():.2f}")


async def main():
    loop = asyncio.get_running_loop()
    t = asyncio.create_task(ticker(loop))
    await asyncio.sleep(0.1)
    print(f"blocking at {loop.time():.2f}")
    time.sleep(1.2)
    print(f"unblocked at {loop.time():.2f}")
    await t


asyncio.run(main())
