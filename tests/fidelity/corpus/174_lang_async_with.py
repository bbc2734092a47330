# Language: async with on a user-defined class: __aenter__/__aexit__ order, the as value, exceptions. [vclock-only: prints absolute loop.time() values, which start at 0.0 only on the virtual clock]
import asyncio


class Resource:
    def __init__(self, name):
        self.name = name

    async def __aenter__(self):
        print("enter", self.name)
        await asyncio.sleep(0.1)
        return self.name.upper()

    async def __aexit__(self, exc_type, exc, tb):
        print("exit", self.name, exc_type.__name__ if exc_type else None)
        await asyncio.sleep(0.1)
        return self.name == "swallow"


async def main():
    async with Resource("a") as value:
        print("body got", value)
    async with Resource("swallow"):
        raise ValueError("hidden")
    try:
        async with Resource("b"):
            raise KeyError("shown")
    except KeyError as e:
        print("propagated", repr(e))
    print("time", asyncio.get_running_loop().time())


asyncio.run(main())
