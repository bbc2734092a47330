# Subprocess: how many loop iterations starting a process, reading its output and seeing its exit take. [vclock-only: when a real child exits is a race]
import asyncio

ticks = 0


async def ticker():
    global ticks
    while True:
        ticks += 1
        await asyncio.sleep(0)


async def main():
    t = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    proc = await asyncio.create_subprocess_exec(
        "echo", "hi", stdout=asyncio.subprocess.PIPE)
    print("created", ticks, proc.returncode)
    print("read", await proc.stdout.read(), ticks, proc.returncode)
    print("waited", await proc.wait(), ticks)
    proc = await asyncio.create_subprocess_exec("false")
    print("created", ticks, proc.returncode)
    print("waited", await proc.wait(), ticks)
    proc = await asyncio.create_subprocess_exec(
        "cat", stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    print("communicate", await proc.communicate(b"abc"), ticks)
    t.cancel()


asyncio.run(main())
