# Tasks: awaiting an already finished task does not suspend: another ready task does not get to run.
import asyncio


async def quick():
    return "quick result"


async def other():
    print("other ran")


async def main():
    t = asyncio.create_task(quick())
    await asyncio.sleep(0)
    print("t done:", t.done())
    o = asyncio.create_task(other())
    value = await t
    print("got", value, "- other has not run yet")
    await o
    print("end")


asyncio.run(main())
