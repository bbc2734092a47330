# Generator expressions are lazy generators: next() with and without a default, consumed once, over an infinite itertools.count, closures over the enclosing function and class, side effects only on demand; aiter() and anext() on an async generator.
print(next(x for x in [1, 2, 3] if x > 1))
print(next((x for x in []), "none"))
g = (i * i for i in range(3))
print(type(g).__name__, list(g), list(g))
import itertools
print(list(itertools.islice((n * 2 for n in itertools.count()), 4)))
print(sum(x for x in range(5)), "-".join(str(i) for i in range(3)), any(x > 2 for x in [1, 5]))
def f(k):
    base = 10
    return list(a + b + base + k for a in range(2) for b in range(a, 3) if b)
print(f(1), [list(y for y in range(x)) for x in range(3)])
class C:
    vals = [1, 2]
    tot = sum(v for v in vals)
print(C.tot, max((len(w), w) for w in ["aa", "b"]), sorted((v for v in {3, 1, 2}), reverse=True))
print(dict((k, k * 2) for k in range(3)), tuple(c.upper() for c in "ab"), set(x % 2 for x in range(5)))
side = []
gen = (side.append(i) or i for i in range(3))
print(side, next(gen), side)
import asyncio
async def g():
    yield 1
    yield 2
async def main():
    it = aiter(g())
    print(await anext(it), await anext(it))
    try:
        await anext(it)
    except StopAsyncIteration:
        print("done")
asyncio.run(main())
