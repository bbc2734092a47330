# Subprocess: reading a child's stdout line by line with readline() and `async for`.
import asyncio


async def main():
    proc = await asyncio.create_subprocess_exec(
        "echo", "first", stdout=asyncio.subprocess.PIPE)
    print(await proc.stdout.readline())
    print(await proc.stdout.readline(), proc.stdout.at_eof())
    print("exit", await proc.wait())
    proc = await asyncio.create_subprocess_exec(
        "cat", stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    proc.stdin.write(b"a\nb\nc\n")
    proc.stdin.close()
    async for line in proc.stdout:
        print("line", line)
    print("exit", await proc.wait())


asyncio.run(main())
