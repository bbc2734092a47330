# Scheduling: tasks created by tasks join the ready queue behind those already there, level by level.
import asyncio


async def node(name, depth, log):
    log.append(name)
    children = []
    if depth > 0:
        for suffix in "ab":
            children.append(asyncio.create_task(node(name + suffix, depth - 1, log)))
    await asyncio.sleep(0)
    for c in children:
        await c


async def main():
    log = []
    await node("r", 3, log)
    print(" ".join(log))
    print(len(log), "nodes")


asyncio.run(main())
