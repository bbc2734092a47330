# An async generator left open after break is closed when asyncio.run ends (shutdown_asyncgens), its finally block printing before run returns.
import asyncio

async def ticker():
    try:
        for i in range(10):
            yield i
            await asyncio.sleep(0.1)
    finally:
        print("ticker closed")

async def main():
    async for t in ticker():
        print("t", t)
        if t == 2:
            break
    print("after loop")
    await asyncio.sleep(0)
    print("after sleep")
    g = ticker()
    print(await g.__anext__())
    print("leaving main")

asyncio.run(main())
print("after run")
