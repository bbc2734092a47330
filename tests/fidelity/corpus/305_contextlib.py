# contextlib: asynccontextmanager (setup and teardown that await, an exception seen by the generator, one swallowed), contextmanager, suppress, AsyncExitStack and ExitStack (an exit that swallows, one that lets through), nullcontext and closing.
import asyncio
from contextlib import asynccontextmanager, contextmanager, suppress, AsyncExitStack, ExitStack, nullcontext, closing

@asynccontextmanager
async def connection(name):
    print(f"connect {name}")
    await asyncio.sleep(0.1)
    try:
        yield f"conn-{name}"
    except KeyError as e:
        print(f"{name} saw {e!r}")
        raise
    finally:
        await asyncio.sleep(0.1)
        print(f"disconnect {name} at {asyncio.get_running_loop().time():.1f}")

@asynccontextmanager
async def swallow():
    try:
        yield
    except ValueError:
        print("swallowed ValueError")

@contextmanager
def tag(name):
    print(f"<{name}>")
    yield name.upper()
    print(f"</{name}>")

class Res:
    def close(self):
        print("Res closed")

async def main():
    async with connection("a") as c:
        print("using", c)
    try:
        async with connection("b"):
            raise KeyError("boom")
    except KeyError:
        print("KeyError propagated")
    async with swallow():
        raise ValueError("x")
    print("after swallow")
    with tag("p") as t:
        print("inside", t)
    with suppress(ZeroDivisionError):
        1 / 0
    print("suppressed")
    async with AsyncExitStack() as stack:
        conns = [await stack.enter_async_context(connection(n)) for n in "xy"]
        stack.enter_context(tag("s"))
        print(conns)
    with ExitStack() as es:
        es.callback(print, "callback ran")
        es.enter_context(tag("e"))
    with nullcontext(5) as n, closing(Res()) as r:
        print("n", n)
    print(connection.__name__)
    await asyncio.gather(*(use(i) for i in range(2)))

async def use(i):
    async with connection(f"g{i}") as c:
        await asyncio.sleep(0.05 * i)
        print("gathered", c)

asyncio.run(main())
from contextlib import ExitStack, AsyncExitStack, suppress, contextmanager
import asyncio

@contextmanager
def cm(name, swallow=False):
    print("enter", name)
    try:
        yield name
    except Exception as e:
        print(name, "saw", repr(e))
        if not swallow:
            raise
    finally:
        print("exit", name)

with ExitStack() as st:
    st.enter_context(cm("a"))
    st.enter_context(cm("b", swallow=True))
    raise ValueError("v")
print("swallowed by b")
try:
    with ExitStack() as st:
        st.enter_context(cm("c"))
        raise KeyError("k")
except KeyError as e:
    print("propagated", e)

async def main():
    async with AsyncExitStack() as st:
        st.enter_context(cm("d", swallow=True))
        st.push_async_callback(asyncio.sleep, 0)
        raise RuntimeError("r")
    print("async swallowed")
asyncio.run(main())
