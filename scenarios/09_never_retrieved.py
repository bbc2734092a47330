"""A never-retrieved exception

A task that fails keeps its exception until someone awaits it or asks for
result(). If nobody ever does, the exception is silently stored, and only
when the task is thrown away does asyncio log "Task exception was never
retrieved" on stderr. Watch main carry on as if nothing happened.
Ask the class: when will the error message appear, and who prints it?
"""
import asyncio


async def fetch(url):
    await asyncio.sleep(0.5)
    raise ValueError(f"cannot fetch {url}")


async def main():
    asyncio.create_task(fetch("example.org"))
    print("started a task and forgot about it")
    await asyncio.sleep(1)
    print("main finished, unaware of the failure")


asyncio.run(main())
