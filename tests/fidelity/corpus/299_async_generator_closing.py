# Async generators left part-way: closed by a task when dropped, or by asyncio.run's shutdown_asyncgens at the end; aclose() by hand; finally blocks that await.
import asyncio

async def resource_stream(name):
    print(f"{name}: open")
    try:
        for i in range(5):
            await asyncio.sleep(0.1)
            yield f"{name}-{i}"
    finally:
        await asyncio.sleep(0.05)
        print(f"{name}: closed at {asyncio.get_running_loop().time():.2f}")

async def take(agen, n):
    out = []
    async for item in agen:
        out.append(item)
        if len(out) == n:
            break
    return out

async def main():
    s = resource_stream("s1")
    print(await take(s, 2))
    await s.aclose()
    print("closed explicitly")
    await s.aclose()
    async with asyncio.TaskGroup() as tg:
        t1 = tg.create_task(take(resource_stream("a"), 3))
        t2 = tg.create_task(take(resource_stream("b"), 1))
    print(t1.result(), t2.result())
    it = resource_stream("c").__aiter__()
    print(await it.__anext__())
    await it.aclose()
    async def bad():
        yield 1
        await asyncio.sleep(0)
        raise KeyError("inside generator")
    try:
        async for x in bad():
            print("x", x)
    except KeyError as e:
        print("KeyError", e)
    print("main done")

asyncio.run(main())
