# Tasks: awaiting the same task twice (and from two tasks at once) gives its result every time.
import asyncio


async def slow():
    await asyncio.sleep(1)
    print("slow finishes")
    return [1, 2, 3]


async def watcher(name, t):
    value = await t
    print(name, "got", value)
    return value


async def main():
    t = asyncio.create_task(slow())
    a, b = await asyncio.gather(watcher("w1", t), watcher("w2", t))
    print(a is b)
    print("again:", await t)
    print("and again:", await t)


asyncio.run(main())
