# Scheduling: a callback scheduled by a callback runs in the next pass, after everything already queued.
import asyncio


def first(loop, log):
    log.append("first")
    loop.call_soon(nested, log)


def nested(log):
    log.append("nested")


def second(log):
    log.append("second")


async def task_body(log):
    log.append("task step 1")
    await asyncio.sleep(0)
    log.append("task step 2")


async def main():
    loop = asyncio.get_running_loop()
    log = []
    loop.call_soon(first, loop, log)
    t = asyncio.create_task(task_body(log))
    loop.call_soon(second, log)
    await t
    for entry in log:
        print(entry)


asyncio.run(main())
