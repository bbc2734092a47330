# Tasks: create_task and asyncio.run refuse non-coroutines with asyncio's own messages.
import asyncio


def plain():
    return 1


async def main():
    for bad in [123, "text", None]:
        try:
            asyncio.create_task(bad)
        except TypeError as e:
            print("create_task:", e)
    print(asyncio.iscoroutine(plain()), asyncio.iscoroutine(main))


for bad in [5, [1]]:
    try:
        asyncio.run(bad)
    except ValueError as e:
        print("run:", e)
asyncio.run(main())
