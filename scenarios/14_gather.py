"""gather: run several awaitables, collect their results in order

gather wraps each coroutine in a task, waits for all of them, and returns the
results in argument order, not finishing order. With return_exceptions=True a
failure becomes a value in the list instead of an exception at the await.
Ask the class: in what order will the results print, and what about the failure?
"""
import asyncio


async def fetch(name, seconds, fail=False):
    await asyncio.sleep(seconds)
    if fail:
        raise ValueError(f"{name} failed")
    print(f"{name} finished")
    return name.upper()


async def main():
    results = await asyncio.gather(fetch("slow", 1.5), fetch("fast", 0.5), fetch("mid", 1))
    print(results)
    results = await asyncio.gather(fetch("ok", 0.5), fetch("bad", 0.25, fail=True),
                                   return_exceptions=True)
    print(results)
    try:
        await asyncio.gather(fetch("ok2", 0.5), fetch("bad2", 0.25, fail=True))
    except ValueError as e:
        print("without return_exceptions:", e)
    await asyncio.sleep(0.5)


asyncio.run(main())
