# Tasks: default names count Task-1, Task-2, ...; create_task(name=) still uses up a number, loop.create_task(name=) does not.
import asyncio


async def noop():
    await asyncio.sleep(0)


async def main():
    loop = asyncio.get_running_loop()
    print(asyncio.current_task().get_name())
    a = asyncio.create_task(noop())
    b = asyncio.create_task(noop(), name="named")
    c = asyncio.create_task(noop())
    d = loop.create_task(noop(), name="loop-named")
    e = loop.create_task(noop())
    f = asyncio.ensure_future(noop())
    for t in [a, b, c, d, e, f]:
        print(t.get_name())
    await asyncio.gather(a, b, c, d, e, f)


asyncio.run(main())
asyncio.run(main())
