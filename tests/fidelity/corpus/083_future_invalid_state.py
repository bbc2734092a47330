# Futures: InvalidStateError messages for setting a finished future and reading a pending one.
import asyncio


async def main():
    loop = asyncio.get_running_loop()
    f = loop.create_future()
    for action in ["result", "exception"]:
        try:
            getattr(f, action)()
        except asyncio.InvalidStateError as e:
            print(action, "->", e)
    f.set_result(1)
    try:
        f.set_result(2)
    except asyncio.InvalidStateError as e:
        print("set_result twice ->", e)
    try:
        f.set_exception(ValueError())
    except asyncio.InvalidStateError as e:
        print("set_exception after result ->", e)
    g = loop.create_future()
    g.cancel()
    try:
        g.set_result(3)
    except asyncio.InvalidStateError as e:
        print("set_result after cancel ->", e)
    print(f.result(), g.cancelled())


asyncio.run(main())
