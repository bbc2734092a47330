# call_soon_threadsafe with arguments from executor workers, and the TypeErrors of the call_* methods.
import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

def work(loop, fut, n, results):
    time.sleep(n)
    results.append(n)
    loop.call_soon_threadsafe(fut.set_result, n * 10)
    loop.call_soon_threadsafe(print, "from worker", n, "at", loop.time())

async def main():
    loop = asyncio.get_running_loop()
    results = []
    futs = [loop.create_future() for _ in range(3)]
    with ThreadPoolExecutor(max_workers=2) as ex:
        for i, f in enumerate(futs):
            loop.run_in_executor(ex, work, loop, f, 3 - i, results)
        print(await asyncio.gather(*futs), loop.time(), results)
    for call in (lambda: loop.call_soon(), lambda: loop.call_later(1),
                 lambda: loop.call_at(), lambda: loop.call_soon_threadsafe(),
                 lambda: loop.call_soon(print, 1, sep="-")):
        try:
            call()
        except TypeError as e:
            print("TypeError:", e)

asyncio.run(main())
