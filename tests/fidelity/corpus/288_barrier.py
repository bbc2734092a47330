# asyncio.Barrier: parties meet, wait() returns each one's index, a reset or abort breaks waiters with BrokenBarrierError.
import asyncio


async def main():
    barrier = asyncio.Barrier(3)

    async def runner(i):
        await asyncio.sleep(i)
        print(f"runner {i} arrives, {barrier.n_waiting} waiting")
        pos = await barrier.wait()
        print(f"runner {i} through as {pos} at t={asyncio.get_running_loop().time()}")
        return pos

    print(await asyncio.gather(*(runner(i) for i in range(3))))
    print(barrier.parties, barrier.n_waiting, barrier.broken)

    # Two rounds with the same barrier, as a context manager.
    async def twice(i):
        for rnd in range(2):
            async with barrier as pos:
                print(f"round {rnd}: {i} -> {pos}")
            await asyncio.sleep(0.1 * i)

    await asyncio.gather(*(twice(i) for i in range(3)))

    # Abort breaks the waiters and every later wait().
    b2 = asyncio.Barrier(2)

    async def stuck():
        try:
            await b2.wait()
        except asyncio.BrokenBarrierError as e:
            print("stuck:", type(e).__name__, e, isinstance(e, RuntimeError))

    t = asyncio.create_task(stuck())
    await asyncio.sleep(1)
    await b2.abort()
    await t
    print("broken:", b2.broken)
    try:
        await b2.wait()
    except asyncio.BrokenBarrierError as e:
        print("later:", e)

    # Reset while a task waits: it sees the barrier broken; then it fills again.
    b3 = asyncio.Barrier(2)
    t = asyncio.create_task(b3.wait())
    await asyncio.sleep(0)
    await b3.reset()
    try:
        await t
    except asyncio.BrokenBarrierError as e:
        print("reset:", e)
    print(b3.n_waiting, b3.broken)
    print(await asyncio.gather(b3.wait(), b3.wait()))
    try:
        asyncio.Barrier(0)
    except ValueError as e:
        print("ValueError:", e)


asyncio.run(main())
