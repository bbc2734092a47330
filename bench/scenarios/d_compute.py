"""Benchmark (d): plain computation in coroutines (about 1 s of CPython time).

Recursion (fib), loops, string building, dicts and list comprehensions,
spread over a few tasks: measures the interpreter itself, not the loop.
"""
import asyncio

# Workload sizes (module constants, so that `loopscope bench --quick` can
# scale every benchmark down the same way).
FIB_N = 30
LOOP_N = 5000000
STRING_N = 1000000
DICT_N = 1500000
GRID_N = 600
SQUARES_N = 500000


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


async def recursion():
    return fib(FIB_N)


async def loops():
    total = 0
    for i in range(LOOP_N):
        total += i * i % 7
    return total


async def strings():
    parts = []
    for i in range(STRING_N):
        parts.append(str(i % 97))
    text = ",".join(parts)
    return len(text) + text.count("9")


async def dicts():
    counts = {}
    for i in range(DICT_N):
        key = f"k{i % 1000}"
        counts[key] = counts.get(key, 0) + i
    return len(counts) + counts["k7"] % 1000


async def comprehensions():
    rows = [[x * y for x in range(GRID_N)] for y in range(GRID_N)]
    evens = [v for row in rows for v in row if v % 2 == 0]
    squares = {i: i * i for i in range(SQUARES_N)}
    return len(evens) + len(squares)


async def main():
    results = await asyncio.gather(recursion(), loops(), strings(), dicts(), comprehensions())
    print("compute:", results)


asyncio.run(main())
