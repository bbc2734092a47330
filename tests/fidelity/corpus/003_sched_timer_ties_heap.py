# Scheduling: ten tasks sleeping the same delay wake in heapq order (0 2 6 9 8 5 7 4 1 3), not FIFO. [vclock-only: equal deadlines need the virtual clock; on a real clock they differ, so timers fire FIFO]
import asyncio


async def nap(i, order):
    await asyncio.sleep(1)
    order.append(i)


async def main():
    order = []
    tasks = [asyncio.create_task(nap(i, order)) for i in range(10)]
    for t in tasks:
        await t
    print("wake order:", order)
    print("elapsed", asyncio.get_running_loop().time())


asyncio.run(main())
