# Errors: a custom exception handler receives context['message'] and context['exception'] for a failing callback.
import asyncio


def handler(loop, context):
    exc = context.get("exception")
    print("handler:", context["message"].split(" ")[0:3], type(exc).__name__, exc)
    print("keys:", sorted(context.keys()))


def bad_callback():
    raise ZeroDivisionError("in callback")


async def main():
    loop = asyncio.get_running_loop()
    print(loop.get_exception_handler())
    loop.set_exception_handler(handler)
    print(loop.get_exception_handler() is handler)
    loop.call_soon(bad_callback)
    await asyncio.sleep(0.1)
    print("main continues after the failing callback")
    loop.set_exception_handler(None)
    print(loop.get_exception_handler())


asyncio.run(main())
