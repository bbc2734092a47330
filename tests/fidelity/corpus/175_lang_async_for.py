# Language: async for over a user-defined async iterator that ends with StopAsyncIteration. [vclock-only: prints absolute loop.time() values, which start at 0.0 only on the virtual clock]
import asyncio


class Ticker:
    def __init__(self, count, delay):
        self.count = count
        self.delay = delay
        self.i = 0

    def __aiter__(self):
        return self

    async def __anext__(self):
        if self.i >= self.count:
            raise StopAsyncIteration
        self.i += 1
        await asyncio.sleep(self.delay)
        return self.i


async def consume(name, ticker):
    async for n in ticker:
        print(f"{asyncio.get_running_loop().time():.1f} {name} {n}")
    print(name, "exhausted")


async def main():
    await asyncio.gather(consume("fast", Ticker(3, 0.5)), consume("slow", Ticker(2, 0.8)))


asyncio.run(main())
