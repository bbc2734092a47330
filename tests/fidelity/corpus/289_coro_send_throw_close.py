# Driving coroutines by hand: send() returns what the coroutine waits for and raises StopIteration(value) at the end; throw() and close() (GeneratorExit runs finally blocks); a closed coroutine never warns.
import asyncio


async def inner():
    try:
        await asyncio.sleep(1)
    finally:
        print("inner finally")


async def outer():
    try:
        await inner()
    except GeneratorExit:
        print("outer got GeneratorExit")
        raise


async def answer():
    await asyncio.sleep(0)
    return 42


async def main():
    c = outer()
    fut = c.send(None)
    print(type(fut).__name__, fut.done())
    c.close()
    c.close()
    try:
        c.send(None)
    except RuntimeError as e:
        print("RuntimeError:", e)

    c = outer()
    try:
        c.throw(ValueError("thrown before start"))
    except ValueError as e:
        print("ValueError:", e)

    c = answer()
    try:
        c.send(1)
    except TypeError as e:
        print("TypeError:", e)
    print(c.send(None))
    try:
        c.send(None)
    except StopIteration as e:
        print("StopIteration", e.value, repr(e))

    unused = answer()
    unused.close()
    print("closed before it started: no warning")


asyncio.run(main())
