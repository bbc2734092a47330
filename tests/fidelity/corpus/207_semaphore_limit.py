# Semaphore: at most two tasks run the guarded section at once; the others queue in FIFO order. [vclock-only: prints absolute loop.time() values, which start at 0.0 only on the virtual clock]
import asyncio


async def job(name, sem, active, peak):
    async with sem:
        active[0] += 1
        peak[0] = max(peak[0], active[0])
        print(f"{asyncio.get_running_loop().time():.1f} {name} starts ({active[0]} active)")
        await asyncio.sleep(1)
        active[0] -= 1


async def main():
    sem = asyncio.Semaphore(2)
    active, peak = [0], [0]
    await asyncio.gather(*[job(f"j{i}", sem, active, peak) for i in range(5)])
    print("peak", peak[0], "locked", sem.locked())


asyncio.run(main())
