# Queue: several consumers blocked in get() are served in the order they started waiting.
import asyncio


async def consumer(name, q):
    item = await q.get()
    print(name, "got", item)


async def main():
    q = asyncio.Queue()
    tasks = [asyncio.create_task(consumer(f"c{i}", q)) for i in range(3)]
    await asyncio.sleep(0)
    for item in ["first", "second", "third"]:
        q.put_nowait(item)
    await asyncio.gather(*tasks)


asyncio.run(main())
