# shield: without cancellation it passes results and exceptions straight through.
import asyncio


async def value():
    await asyncio.sleep(0.1)
    return 10


async def boom():
    await asyncio.sleep(0.1)
    raise RuntimeError("inside shield")


async def main():
    print(await asyncio.shield(value()))
    try:
        await asyncio.shield(boom())
    except RuntimeError as e:
        print("caught", e)
    loop = asyncio.get_running_loop()
    f = loop.create_future()
    f.set_result("done")
    print(asyncio.shield(f) is f)


asyncio.run(main())
