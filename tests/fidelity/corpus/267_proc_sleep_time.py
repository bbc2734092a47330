# Subprocess: `sleep 2` exits after two seconds of virtual time while other tasks run. [vclock-only: prints absolute loop.time() values, which start at 0.0 only on the virtual clock]
import asyncio


async def other():
    for i in range(3):
        await asyncio.sleep(0.75)
        print("other", i, asyncio.get_running_loop().time())


async def main():
    loop = asyncio.get_running_loop()
    t = asyncio.create_task(other())
    proc = await asyncio.create_subprocess_exec("sleep", "2")
    print("started at", loop.time())
    print("exit", await proc.wait(), "at", loop.time())
    await t
    proc = await asyncio.create_subprocess_exec("sleep", "0.5")
    print("exit", await proc.wait(), "at", loop.time())


asyncio.run(main())
