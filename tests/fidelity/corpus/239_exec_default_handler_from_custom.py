# A worker completes a future through call_soon_threadsafe; a custom handler hands the context to default_exception_handler.
import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

def work(loop, fut, n):
    time.sleep(n)
    loop.call_soon_threadsafe(fut.set_result, n * 10)

def handler(loop, ctx):
    print("custom:", ctx["message"])
    loop.default_exception_handler(ctx)

async def main():
    loop = asyncio.get_running_loop()
    fut = loop.create_future()
    with ThreadPoolExecutor(max_workers=1) as ex:
        loop.run_in_executor(ex, work, loop, fut, 1)
        print(await fut, loop.time())
    loop.set_exception_handler(handler)
    loop.call_exception_handler({"message": "something happened", "exception": ValueError("v")})
    await asyncio.sleep(0)

asyncio.run(main())
