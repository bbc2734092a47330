# Event loop by hand: asyncio.run and run_until_complete refuse to start inside a running loop.
import asyncio


async def inner():
    return 1


async def main():
    loop = asyncio.get_running_loop()
    c = inner()
    try:
        asyncio.run(c)
    except RuntimeError as e:
        print("asyncio.run:", e)
    try:
        loop.run_until_complete(c)
    except RuntimeError as e:
        print("run_until_complete:", e)
    print("awaiting it instead:", await c)


asyncio.run(main())
