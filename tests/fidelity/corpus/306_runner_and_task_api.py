# asyncio.Runner running two coroutines on one loop; set_name, get_coro, sleep(0, result), wait_for with timeout 0, loop.create_task(name=).
import asyncio
import contextlib

async def hello(x):
    await asyncio.sleep(0.1)
    return x

with asyncio.Runner() as runner:
    print(runner.run(hello(1)))
    print(runner.run(hello(2)))
    print(runner.get_loop().is_running())

async def main():
    t = asyncio.current_task()
    t.set_name("boss")
    print(t.get_name(), t.get_coro().__name__)
    print(await asyncio.sleep(0, result="r"))
    try:
        await asyncio.wait_for(hello(3), timeout=0)
    except TimeoutError:
        print("timeout 0")
    loop = asyncio.get_running_loop()
    tk = loop.create_task(hello(4), name="worker")
    print(tk.get_name(), await tk)
    print(sorted(x.get_name() for x in asyncio.all_tasks()))

asyncio.run(main())
