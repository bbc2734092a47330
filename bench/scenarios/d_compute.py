"""Benchmark (d): plain computation in coroutines (about 1 s of CPython time).

Recursion (fib), loops, string building, dicts and list comprehensions,
spread over a few tasks: measures the interpreter itself, not the loop.
"""
import asyncio


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


async def recursion():
    return fib(30)


async def loops():
    total = 0
    for i in range(5000000):
        total += i * i % 7
    return total


async def strings():
    parts = []
    for i in range(1000000):
        parts.append(str(i % 97))
    text = ",".join(parts)
    return len(text) + text.count("9")


async def dicts():
    counts = {}
    for i in range(1500000):
        key = f"k{i % 1000}"
        counts[key] = counts.get(key, 0) + i
    return len(counts) + counts["k7"] % 1000


async def comprehensions():
    rows = [[x * y for x in range(600)] for y in range(600)]
    evens = [v for row in rows for v in row if v % 2 == 0]
    squares = {i: i * i for i in range(500000)}
    return len(evens) + len(squares)


async def main():
    results = await asyncio.gather(recursion(), loops(), strings(), dicts(), comprehensions())
    print("compute:", results)


asyncio.run(main())
