# Errors: call_exception_handler passes any context to the custom handler, which may call the default one.
import asyncio
import sys


def handler(loop, context):
    print("handler got:", context["message"], type(context.get("exception")).__name__)
    if context.get("delegate"):
        loop.default_exception_handler(context)


async def main():
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(handler)
    loop.call_exception_handler({"message": "plain message"})
    loop.call_exception_handler({"message": "with exception", "exception": KeyError("k")})
    print("the default handler logs to stderr:", file=sys.stderr)
    loop.call_exception_handler({"message": "passed on", "delegate": True})
    print("done")


asyncio.run(main())
