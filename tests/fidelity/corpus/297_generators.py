# Generators: yield and send(), StopIteration's value, yield from, close() and a dropped generator running its finally block at once, throw(), PEP 479, generators feeding dict(), sorted() and comprehensions.
def count(n):
    i = 0
    while i < n:
        got = yield i
        if got:
            print("got", got)
        i += 1
    return "done"

print(list(count(3)), sum(count(5)), [x * 2 for x in count(4)])
g = count(3)
print(next(g), g.send("hi"), next(g))
try:
    next(g)
except StopIteration as e:
    print("stop", e.value)
print(next(g, "default") if False else "skip")

def fib():
    a, b = 0, 1
    while True:
        yield a
        a, b = b, a + b

f = fib()
print([next(f) for _ in range(10)])

def chained():
    yield from range(3)
    yield from "ab"
    x = yield
    print("x is", x)

print(list(chained()))

def cleanup():
    try:
        yield 1
        yield 2
    finally:
        print("cleanup ran")

for v in cleanup():
    print("v", v)
    break
print("after break")
c = cleanup()
next(c)
c.close()
print(type(c).__name__)

def thrower():
    try:
        yield 1
    except ValueError as e:
        print("caught in gen", e)
        yield 99

t = thrower()
next(t)
print(t.throw(ValueError("boom")))

def bad():
    yield 1
    raise StopIteration

try:
    list(bad())
except RuntimeError as e:
    print("RuntimeError:", e)

def pairs(d):
    for k, v in d.items():
        yield k, v

print(dict(pairs({"a": 1, "b": 2})), sorted(pairs({"z": 0, "y": 1})))
gen = (i for i in range(3))
print(list(gen))
