# asyncio.wait refuses bare coroutines and bad return_when values with asyncio's messages.
import asyncio


async def work():
    return 1


async def main():
    t = asyncio.create_task(work())
    try:
        await asyncio.wait([t], return_when="SOMETIMES")
    except ValueError as e:
        print("ValueError:", e)
    try:
        await asyncio.wait(t)
    except TypeError as e:
        print("TypeError:", e)
    print(asyncio.FIRST_COMPLETED, asyncio.FIRST_EXCEPTION, asyncio.ALL_COMPLETED)
    await t


asyncio.run(main())
