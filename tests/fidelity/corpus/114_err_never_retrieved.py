# Errors: a failed task whose exception nobody retrieves reports "Task exception was never retrieved" when freed.
import asyncio


def handler(loop, context):
    print("handler:", context["message"])
    print("exception:", repr(context["exception"]))
    print("task name:", context["future"].get_name())


async def fail():
    raise ValueError("nobody looks at me")


async def main():
    asyncio.get_running_loop().set_exception_handler(handler)
    t = asyncio.create_task(fail(), name="lost")
    await asyncio.sleep(0.1)
    print("task done:", t.done())
    t = None
    print("after dropping the last reference")


asyncio.run(main())
