# Executors: an exception raised in a job is re-raised where the task awaits the executor future.
import asyncio
import time


def risky(x):
    time.sleep(0.1)
    if x < 0:
        raise ValueError(f"negative: {x}")
    return x


async def main():
    loop = asyncio.get_running_loop()
    for x in [3, -1]:
        try:
            print("ok", await loop.run_in_executor(None, risky, x))
        except ValueError as e:
            print("job failed:", repr(e))
    results = await asyncio.gather(loop.run_in_executor(None, risky, -2),
                                   loop.run_in_executor(None, risky, 2), return_exceptions=True)
    print([repr(r) for r in results])


asyncio.run(main())
