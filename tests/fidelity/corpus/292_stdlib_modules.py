# functools (partial with run_in_executor and call_soon, wraps on a coroutine function, reduce, lru_cache), collections (deque, defaultdict, Counter, namedtuple, OrderedDict), heapq and itertools, as asyncio programs use them.
from __future__ import annotations
import asyncio
import functools
from functools import partial, wraps, reduce, lru_cache
from collections import deque, defaultdict, Counter, namedtuple, OrderedDict
import heapq
import itertools


def blocking(x, y, scale=1):
    return (x + y) * scale


def timed(fn):
    @wraps(fn)
    async def wrapper(*args, **kwargs):
        print(f"-> {fn.__name__}")
        result = await fn(*args, **kwargs)
        print(f"<- {fn.__name__} = {result}")
        return result
    return wrapper


@timed
async def fetch(n: int) -> int:
    """Fetches n."""
    await asyncio.sleep(n / 10)
    return n * 2


@lru_cache(maxsize=None)
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


async def main() -> None:
    loop = asyncio.get_running_loop()
    r = await loop.run_in_executor(None, partial(blocking, 1, 2, scale=10))
    print("executor:", r)
    p = partial(blocking, 5)
    print(p(6), p.func.__name__, p.args, p.keywords)
    print(fetch.__name__, fetch.__doc__, fetch.__wrapped__.__name__)
    print(await asyncio.gather(fetch(1), fetch(2)))
    t = asyncio.create_task(fetch(3))
    print(t.get_coro().__name__)
    await t
    print(reduce(lambda a, b: a * b, [1, 2, 3, 4]), reduce(lambda a, b: a + b, [], 7))
    print(fib(30), fib.cache_info())
    loop.call_soon(partial(print, "callback", "with", sep="-"))
    await asyncio.sleep(0)

    q = deque([1, 2, 3], maxlen=4)
    q.append(4); q.append(5); q.appendleft(0)
    print(q, len(q), q[0], q[-1], list(q), q.maxlen)
    q.rotate(1); print(q); q.rotate(-2); print(q)
    print(q.popleft(), q.pop(), q, 3 in q, bool(deque()))
    try:
        deque().popleft()
    except IndexError as e:
        print("IndexError:", e)

    d = defaultdict(list)
    for word in ["apple", "avocado", "banana", "blueberry", "cherry"]:
        d[word[0]].append(word)
    print(d, dict(d), d["z"], len(d), sorted(d))
    counts = defaultdict(int)
    for ch in "mississippi":
        counts[ch] += 1
    print(counts, counts["s"], "x" in counts)

    c = Counter("abracadabra")
    print(c, c.most_common(2), c["a"], c["z"], c.total())
    c.update(["a", "z"]); print(c.most_common(3))
    print(Counter(a=3, b=1) + Counter(a=1, c=2), Counter(a=3, b=1) - Counter(a=1, b=5))

    Point = namedtuple("Point", ["x", "y"])
    pt = Point(1, y=2)
    x, y = pt
    print(pt, pt.x, pt[1], x + y, pt == (1, 2), pt._asdict(), pt._replace(x=9))
    Job = namedtuple("Job", "name priority", defaults=[0])
    print(Job("a"), Job("b", 3), Point._fields, Point._make([3, 4]))

    od = OrderedDict([("a", 1), ("b", 2)])
    od["c"] = 3
    od.move_to_end("a")
    print(od, list(od), od.popitem(), od.popitem(last=False))

    h = []
    for v in [5, 1, 8, 3, 9, 2]:
        heapq.heappush(h, v)
    print(h, [heapq.heappop(h) for _ in range(3)], h)
    data = [9, 4, 7, 1, 8]
    heapq.heapify(data); print(data, heapq.nsmallest(2, data), heapq.nlargest(2, data))
    print(heapq.heappushpop(data, 0), heapq.heapreplace(data, 10), data)

    print(list(itertools.islice(itertools.count(5, 2), 4)))
    print(list(itertools.chain([1, 2], (3,), "ab")), list(itertools.chain.from_iterable([[1], [2, 3]])))
    print(list(itertools.product("ab", [1, 2])), list(itertools.combinations([1, 2, 3], 2)))
    print(list(itertools.permutations("abc", 2)), list(itertools.accumulate([1, 2, 3, 4])))
    print(list(itertools.zip_longest([1, 2, 3], "ab", fillvalue="-")), list(itertools.repeat("x", 3)))
    cyc = itertools.cycle("xy"); print([next(cyc) for _ in range(5)])
    print([(k, list(g)) for k, g in itertools.groupby("aabbbc")], list(itertools.pairwise([1, 2, 3])))
    print(list(itertools.islice(range(10), 2, 8, 3)), list(itertools.takewhile(lambda v: v < 3, [1, 2, 5, 1])))

asyncio.run(main())
