# Queue: get_nowait on an empty queue raises QueueEmpty; put_nowait on a full one raises QueueFull.
import asyncio


async def main():
    q = asyncio.Queue(maxsize=1)
    try:
        q.get_nowait()
    except asyncio.QueueEmpty as e:
        print("QueueEmpty", repr(str(e)), isinstance(e, Exception))
    q.put_nowait("x")
    try:
        q.put_nowait("y")
    except asyncio.QueueFull as e:
        print("QueueFull", repr(str(e)))
    print(q.get_nowait(), q.qsize())


asyncio.run(main())
