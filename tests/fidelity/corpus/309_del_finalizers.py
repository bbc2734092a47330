# __del__ runs when the last reference goes (del, a function's end, a temporary, gather's tasks), an exception in it is reported and ignored, and at exit the objects __main__ holds are released in CPython's order.
import asyncio
class Conn:
    count = 0
    def __init__(self, name):
        self.name = name
        Conn.count += 1
    def __del__(self):
        Conn.count -= 1
        print(f"conn {self.name} released, {Conn.count} left")
class Bad:
    def __del__(self):
        raise ValueError("oops in del")
async def use(i):
    c = Conn(f"c{i}")
    await asyncio.sleep(i * 0.1)
    return c.name
async def main():
    print(await asyncio.gather(*(use(i) for i in range(3))))
    keep = Conn("kept")
    b = Bad()
    del b
    print("main done")
    return keep
_hidden = Conn("_h")
result = asyncio.run(main())
print("result", result.name)
async def never():
    pass
pending = never()
class R:
    def __init__(self, n):
        self.n = n
    def __del__(self):
        print("del", self.n)
r = R(1)
del r
print("after del")
def f():
    x = R(2)
    print("in f")
f()
print("after f")
R(3)
print("end")
y = R(4)
