# as_completed with a timeout raises TimeoutError for the awaitables still pending when it expires. [vclock-only: prints absolute loop.time() values, which start at 0.0 only on the virtual clock]
import asyncio


async def work(d):
    await asyncio.sleep(d)
    return d


async def main():
    loop = asyncio.get_running_loop()
    tasks = [asyncio.create_task(work(d)) for d in [0.5, 4, 1]]
    try:
        for fut in asyncio.as_completed(tasks, timeout=2):
            print("got", await fut, "at", loop.time())
    except TimeoutError:
        print("TimeoutError at", loop.time())
    print([t.done() for t in tasks])
    print(await tasks[1], loop.time())


asyncio.run(main())
