# contextlib: asynccontextmanager (setup and teardown that await, an exception seen by the generator, one swallowed), contextmanager, suppress, AsyncExitStack, ExitStack, nullcontext and closing.
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
