# Tasks: values of every kind come back through nested awaits and tasks unchanged.
import asyncio


async def give(value):
    await asyncio.sleep(0)
    return value


async def relay(value):
    return await give(value)


async def main():
    values = [None, 0, -1.5, "s", [1, [2]], (3, 4), {"k": 1}, True]
    for v in values:
        got = await asyncio.create_task(relay(v))
        print(repr(got), got == v)
    a, b = await give((1, 2))
    print(a + b)


asyncio.run(main())
