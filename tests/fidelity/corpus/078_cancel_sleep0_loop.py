# Cancellation: a busy task looping on sleep(0) is cancelled at its next await; the count shows where.
import asyncio


async def spinner(counter):
    while True:
        counter[0] += 1
        await asyncio.sleep(0)


async def main():
    counter = [0]
    t = asyncio.create_task(spinner(counter))
    for _ in range(5):
        await asyncio.sleep(0)
    t.cancel()
    print("count at cancel:", counter[0])
    try:
        await t
    except asyncio.CancelledError:
        print("count after:", counter[0], t.cancelled())


asyncio.run(main())
