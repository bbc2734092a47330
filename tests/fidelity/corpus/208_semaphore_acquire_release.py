# Semaphore: acquire/release counts, locked() at zero, and releasing above the start value (allowed for a plain Semaphore).
import asyncio


async def main():
    sem = asyncio.Semaphore(2)
    print(sem.locked())
    await sem.acquire()
    await sem.acquire()
    print(sem.locked())
    sem.release()
    sem.release()
    sem.release()
    print(sem.locked())
    await sem.acquire()
    await sem.acquire()
    await sem.acquire()
    print("three acquired after three releases:", sem.locked())
    try:
        asyncio.Semaphore(-1)
    except ValueError as e:
        print("ValueError:", e)


asyncio.run(main())
