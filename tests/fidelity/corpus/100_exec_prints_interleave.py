# Executors: a job's prints interleave with a task's prints by virtual time. [vclock-only: a real thread starts a moment after submit, so the task may print first]
import asyncio
import time


def worker_job(t0):
    for i in range(3):
        print(f"{time.monotonic() - t0:.2f} job step {i}")
        time.sleep(0.3)
    return "job finished"


async def task_steps(t0):
    for i in range(3):
        print(f"{time.monotonic() - t0:.2f} task step {i}")
        await asyncio.sleep(0.45)


async def main():
    t0 = time.monotonic()
    job = asyncio.to_thread(worker_job, t0)
    results = await asyncio.gather(job, task_steps(t0))
    print(results[0])


asyncio.run(main())
