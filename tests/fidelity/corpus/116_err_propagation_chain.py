# Errors: an exception travels up through several awaits and tasks; finally blocks run on the way.
import asyncio


async def level3():
    await asyncio.sleep(0.1)
    raise IndexError("deep down")


async def level2():
    try:
        await level3()
    finally:
        print("level2 finally")


async def level1():
    t = asyncio.create_task(level2())
    try:
        return await t
    except IndexError as e:
        print("level1 caught", repr(e), "- re-raising as RuntimeError")
        raise RuntimeError("wrapped") from e


async def main():
    try:
        await level1()
    except RuntimeError as e:
        print("main caught", repr(e), "cause", repr(e.__cause__))


asyncio.run(main())
