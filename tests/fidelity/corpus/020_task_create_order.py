# Tasks: created tasks start in creation order, only once the creator yields to the loop.
import asyncio


async def job(name):
    print("start", name)
    await asyncio.sleep(0)
    print("end", name)


async def main():
    tasks = []
    for name in ["first", "second", "third"]:
        tasks.append(asyncio.create_task(job(name)))
        print("created", name)
    print("main still running; nothing started yet")
    await asyncio.sleep(0)
    print("main resumed after the first steps")
    for t in tasks:
        await t
    print("all done")


asyncio.run(main())
