# BoundedSemaphore: releasing more often than acquiring raises ValueError.
import asyncio


async def main():
    sem = asyncio.BoundedSemaphore(1)
    async with sem:
        print("inside, locked:", sem.locked())
    try:
        sem.release()
    except ValueError as e:
        print("ValueError:", e)
    async with sem:
        print("still usable")


asyncio.run(main())
