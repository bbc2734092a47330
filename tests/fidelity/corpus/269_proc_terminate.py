# Subprocess: terminate() ends a process with status -15, and its stdout reaches EOF.
import asyncio


async def main():
    proc = await asyncio.create_subprocess_exec(
        "sleep", "30", stdout=asyncio.subprocess.PIPE)
    await asyncio.sleep(1)
    proc.terminate()
    print("stdout:", await proc.stdout.read())
    print("status:", await proc.wait())


asyncio.run(main())
