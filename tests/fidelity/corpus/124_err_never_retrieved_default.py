# Errors: with the default handler, a never-retrieved task exception is logged on stderr when the task is freed.
import asyncio


async def fail():
    raise KeyError("forgotten")


async def main():
    asyncio.create_task(fail())
    await asyncio.sleep(0.5)
    print("main finished")


asyncio.run(main())
print("after asyncio.run")
