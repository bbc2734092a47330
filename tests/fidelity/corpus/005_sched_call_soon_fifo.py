# Scheduling: loop.call_soon callbacks run first-in first-out, with their arguments.
import asyncio


def say(*parts):
    print("say", *parts)


async def main():
    loop = asyncio.get_running_loop()
    for i in range(5):
        loop.call_soon(say, i, i * i)
    loop.call_soon(say)
    loop.call_soon(say, "last", "one")
    print("scheduled")
    await asyncio.sleep(0)
    print("after one sleep(0)")


asyncio.run(main())
