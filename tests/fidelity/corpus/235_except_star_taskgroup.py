# except* around a TaskGroup: each clause takes its part of the group; a group nothing matches propagates.
import asyncio

async def boom(i, d):
    await asyncio.sleep(d)
    if i % 2:
        raise ValueError(f"odd {i}")
    raise KeyError(i)

async def main():
    try:
        async with asyncio.TaskGroup() as tg:
            for i in range(4):
                tg.create_task(boom(i, i * 0.1))
    except* ValueError as eg:
        print("values:", [str(e) for e in eg.exceptions])
    except* KeyError as eg:
        print("keys:", [repr(e) for e in eg.exceptions])
    try:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(boom(1, 0))
    except* KeyError:
        print("never")

asyncio.run(main())
