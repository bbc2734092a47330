# Subprocess: stdout=DEVNULL discards the output; communicate() then returns (None, None).
import asyncio


async def main():
    proc = await asyncio.create_subprocess_exec(
        "echo", "into the void", stdout=asyncio.subprocess.DEVNULL)
    print(await proc.communicate(), proc.returncode)
    proc = await asyncio.create_subprocess_exec(
        "cat", stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE)
    print(await proc.communicate(), proc.returncode)
    print(proc.stdin, proc.stderr)


asyncio.run(main())
