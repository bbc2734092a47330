# asyncio.timeout: reusing a timeout context or rescheduling after exit raises RuntimeError.
import asyncio


async def main():
    cm = asyncio.timeout(1)
    async with cm:
        await asyncio.sleep(0)
    try:
        async with cm:
            pass
    except RuntimeError as e:
        print("reuse:", e)
    try:
        cm.reschedule(10)
    except RuntimeError as e:
        print("reschedule:", e)


asyncio.run(main())
