"""The CPython side of `loopscope bench`: the same microbenchmarks, measured
on the python3 that runs this file, printed as `name: value unit` lines.

`loopscope bench` runs this script in the same session and prints each
loopscope figure next to the CPython one. Each figure is the best of a few
repetitions. Usage: python3 bench/micro_cpython.py [--quick]
"""
import asyncio
import gc
import random
import sys
import time
import tracemalloc

QUICK = "--quick" in sys.argv[1:]
REPS = 1 if QUICK else 3


def best(fn, *args):
    return min(fn(*args) for _ in range(REPS))


def run(coro):
    """Runs `coro` on a fresh loop and closes it."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coro)
    finally:
        loop.close()


async def _yielder(rounds):
    for _ in range(rounds):
        await asyncio.sleep(0)  # a bare yield in 3.11


def await_roundtrip(ntasks, rounds):
    """ns per resume: ntasks tasks take turns yielding `rounds` times."""
    async def main():
        loop = asyncio.get_running_loop()
        t0 = time.perf_counter()
        tasks = [loop.create_task(_yielder(rounds)) for _ in range(ntasks)]
        await asyncio.gather(*tasks)
        return time.perf_counter() - t0
    return run(main()) / (ntasks * rounds) * 1e9


async def _noop():
    pass


def task_spawn(n):
    """ns to create a task, run it to completion and collect it."""
    async def main():
        loop = asyncio.get_running_loop()
        t0 = time.perf_counter()
        for _ in range(n // 1000):
            for _ in range(1000):
                loop.create_task(_noop())
            await asyncio.sleep(0)
        await asyncio.sleep(0)
        return time.perf_counter() - t0
    return run(main()) / n * 1e9


def _cb():
    pass


def timer_schedule(n):
    """ns per call_later of a new timer (random delays)."""
    rnd = random.Random(1)
    delays = [rnd.random() * 1000.0 for _ in range(n)]

    async def main():
        loop = asyncio.get_running_loop()
        call_later = loop.call_later
        t0 = time.perf_counter()
        for d in delays:
            call_later(d, _cb)
        return time.perf_counter() - t0
    return run(main()) / n * 1e9


def timer_fire(n):
    """ns per timer to fire n due timers (all pending at once)."""
    rnd = random.Random(2)
    loop = asyncio.new_event_loop()
    now = loop.time()
    for _ in range(n):
        loop.call_at(now - rnd.random() * 1000.0, _cb)
    loop.call_soon(loop.stop)
    t0 = time.perf_counter()
    loop.run_forever()
    dt = time.perf_counter() - t0
    loop.close()
    return dt / n * 1e9


def _trivial():
    return 1


def executor_roundtrip(n):
    """us to submit a trivial job and resume the awaiting task."""
    async def main():
        loop = asyncio.get_running_loop()
        for _ in range(50):  # start the pool's threads first
            await loop.run_in_executor(None, _trivial)
        t0 = time.perf_counter()
        for _ in range(n):
            await loop.run_in_executor(None, _trivial)
        return time.perf_counter() - t0
    return run(main()) / n * 1e6


async def _waiter(fut):
    await fut


def task_bytes(n):
    """Bytes held by one waiting task: task + coroutine + awaited future."""
    async def main():
        loop = asyncio.get_running_loop()
        futs = [None] * n
        tasks = [None] * n
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        for i in range(n):
            futs[i] = loop.create_future()
            tasks[i] = loop.create_task(_waiter(futs[i]))
        await asyncio.sleep(0)  # every task steps once and waits
        after = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        for f in futs:
            f.set_result(None)
        await asyncio.gather(*tasks)
        return (after - before) / n
    return run(main())


def main():
    k = 10 if QUICK else 1
    figures = [
        ("await_roundtrip_1k_ns", best(await_roundtrip, 1000, 200 // k), "ns"),
        ("await_roundtrip_100k_ns",
         best(await_roundtrip, 100000 // k, 4), "ns"),
        ("task_spawn_ns", best(task_spawn, 200000 // k), "ns"),
        ("timer_schedule_ns", best(timer_schedule, 200000 // k), "ns"),
        ("timer_fire_1m_ns", timer_fire(1000000 // k), "ns"),
        ("executor_roundtrip_us", best(executor_roundtrip, 2000 // k), "us"),
        ("task_bytes", task_bytes(20000 // k), "bytes"),
    ]
    for name, value, unit in figures:
        print(f"{name}: {value:.1f} {unit}", flush=True)


if __name__ == "__main__":
    main()
