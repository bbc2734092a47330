# Errors: exceptions in done callbacks and call_later callbacks go to the loop's handler; the loop goes on. [vclock-only: prints absolute loop.time() values, which start at 0.0 only on the virtual clock]
import asyncio


def handler(loop, context):
    print(f"{loop.time():.1f} handler: {type(context['exception']).__name__}: {context['exception']}")


def explode(msg):
    raise RuntimeError(msg)


async def main():
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(handler)
    loop.call_later(0.5, explode, "timer callback")
    fut = loop.create_future()
    fut.add_done_callback(lambda f: explode("done callback"))
    fut.set_result(None)
    await asyncio.sleep(1)
    print("still running at", loop.time())


asyncio.run(main())
