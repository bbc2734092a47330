# Async generators: async for over them, comprehensions, a pipeline of two, __anext__() until StopAsyncIteration, an exception raised inside, two consumed at once with gather.
import asyncio

async def ticker(n, delay):
    for i in range(n):
        await asyncio.sleep(delay)
        yield i
    print("ticker finished")

async def numbers():
    yield 1
    yield 2

async def pipeline(source):
    async for x in source:
        yield x * 10

async def failing():
    yield "first"
    raise ValueError("broken stream")

async def main():
    async for t in ticker(3, 0.5):
        print("tick", t, asyncio.get_running_loop().time())
    print([x async for x in numbers()])
    print([y async for y in pipeline(ticker(2, 0.1))])
    agen = numbers()
    print(type(agen).__name__, await agen.__anext__(), await agen.__anext__())
    try:
        await agen.__anext__()
    except StopAsyncIteration:
        print("exhausted")
    try:
        async for v in failing():
            print("got", v)
    except ValueError as e:
        print("caught", e)
    async def consume(name, gen):
        async for v in gen:
            print(name, v)
    await asyncio.gather(consume("A", ticker(2, 0.3)), consume("B", ticker(2, 0.2)))
    print(asyncio.iscoroutine(agen), asyncio.iscoroutinefunction(numbers))

asyncio.run(main())
