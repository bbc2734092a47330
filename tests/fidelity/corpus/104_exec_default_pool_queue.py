# Executors: twelve jobs of different lengths on the default pool's 8 workers: queued jobs go to the first worker freed. [vclock-only: real thread start-up and sleep overshoot add milliseconds that shift the printed times]
import asyncio
import time


def job(i, d, t0):
    time.sleep(d)
    print(f"{time.monotonic() - t0:.1f} job {i} ({d} s) done")
    return i


async def main():
    loop = asyncio.get_running_loop()
    t0 = time.monotonic()
    durations = [1.2, 0.1, 0.5, 1.4, 0.3, 1.0, 0.2, 0.7, 0.8, 0.9, 0.3, 0.8]
    futs = [loop.run_in_executor(None, job, i, d, t0) for i, d in enumerate(durations)]
    print(await asyncio.gather(*futs))
    print(f"all done at {time.monotonic() - t0:.2f}")


asyncio.run(main())
