# Scheduling: cancelling most of 120 timers makes asyncio rebuild its heap (heapify), changing tie order. [vclock-only: equal deadlines need the virtual clock; on a real clock they differ, so timers fire FIFO]
import asyncio


async def main():
    loop = asyncio.get_running_loop()
    order = []
    handles = [loop.call_later(1, order.append, i) for i in range(120)]
    for i, h in enumerate(handles):
        if i % 4 != 0:
            h.cancel()
    await asyncio.sleep(0)
    await asyncio.sleep(2)
    print(len(order), "fired")
    print(order)


asyncio.run(main())
