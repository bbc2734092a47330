"""set_exception_handler: the loop's last line of defence

Errors that no await can catch (a failing callback, a never-retrieved task
exception) go to the loop's exception handler. Install your own to see the
context dictionary it receives. Watch the handler run, once for the callback
and once when the failed task is freed.
Ask the class: why does main keep running after both errors?
"""
import asyncio


def handler(loop, context):
    exc = context.get("exception")
    message = context["message"].split(" at ")[0]
    print(f"handler: {message} ({type(exc).__name__}: {exc})")


def bad_callback():
    raise ZeroDivisionError("callback failed")


async def failing_task():
    raise ValueError("task failed")


async def main():
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(handler)
    loop.call_soon(bad_callback)
    task = asyncio.create_task(failing_task())
    await asyncio.sleep(0.1)
    task = None
    await asyncio.sleep(0.1)
    print("main still running")


asyncio.run(main())
