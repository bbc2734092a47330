"""Blocking work in a thread pool while the loop keeps ticking."""
import asyncio
import time
from concurrent.futures import ThreadPoolExecutor


def blocking(n):
    time.sleep(n)
    return n * 10


class Ticker:
    def __init__(self, period=0.5):
        self.period = period
        self.ticks = 0

    async def __aenter__(self):
        self.task = asyncio.create_task(self.run())
        return self

    async def __aexit__(self, exc_type, exc, tb):
        self.task.cancel()
        try:
            await self.task
        except asyncio.CancelledError:
            pass
        return False

    async def run(self):
        while True:
            self.ticks += 1
            await asyncio.sleep(self.period)


async def main():
    loop = asyncio.get_running_loop()
    with ThreadPoolExecutor(max_workers=2) as pool:
        async with Ticker() as t:
            futs = [loop.run_in_executor(pool, blocking, n) for n in (1, 2, 3)]
            done, pending = await asyncio.wait(futs, return_when=asyncio.FIRST_COMPLETED)
            print(len(done), len(pending))
            print(await asyncio.gather(*futs))
            r = await asyncio.to_thread(blocking, 0.5)
        print("ticks:", t.ticks, "r:", r)
    handler = lambda loop, ctx: print("handler:", ctx["message"])
    loop.set_exception_handler(handler)


if __name__ == "__main__":
    asyncio.run(main())
