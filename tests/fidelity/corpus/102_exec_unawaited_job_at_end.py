# Executors: asyncio.run waits for default-executor jobs nobody awaited before it returns.
import asyncio
import time


def slow_job(t0):
    time.sleep(2)
    print(f"slow job done at {time.monotonic() - t0:.1f}")


async def main():
    loop = asyncio.get_running_loop()
    t0 = time.monotonic()
    loop.run_in_executor(None, slow_job, t0)
    await asyncio.sleep(0.5)
    print(f"main returns at {time.monotonic() - t0:.1f}")
    return t0


t0 = asyncio.run(main())
print(f"asyncio.run returned at {time.monotonic() - t0:.1f}")
