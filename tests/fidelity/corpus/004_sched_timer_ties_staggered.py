# Scheduling: timers armed at different times for the same deadline (t=2) still tie in the heap. [vclock-only: equal deadlines need the virtual clock; on a real clock they differ, so timers fire FIFO]
import asyncio


async def nap(name, delay):
    await asyncio.sleep(delay)
    print(f"{name} woke at {asyncio.get_running_loop().time()}")


async def main():
    tasks = [asyncio.create_task(nap("a", 2))]
    tasks.append(asyncio.create_task(nap("b", 2)))
    await asyncio.sleep(1)
    tasks.append(asyncio.create_task(nap("c", 1)))
    tasks.append(asyncio.create_task(nap("d", 1)))
    await asyncio.sleep(0.5)
    tasks.append(asyncio.create_task(nap("e", 0.5)))
    await asyncio.gather(*tasks)


asyncio.run(main())
