# Futures: set_exception with an instance or a class; the awaiting task raises it; exception() returns it.
import asyncio


async def main():
    loop = asyncio.get_running_loop()
    f1 = loop.create_future()
    f1.set_exception(KeyError("k"))
    try:
        await f1
    except KeyError as e:
        print("caught", repr(e), f1.exception() is e)
    f2 = loop.create_future()
    f2.set_exception(ValueError)
    print(repr(f2.exception()))
    try:
        f2.result()
    except ValueError as e:
        print("result() raised", repr(e))
    f3 = loop.create_future()
    f3.set_exception(RuntimeError("never looked at"))
    f3.exception()
    print("retrieved, so no warning")


asyncio.run(main())
