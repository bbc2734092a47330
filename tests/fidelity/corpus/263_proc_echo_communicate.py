# Subprocess: echo with stdout=PIPE; communicate() returns (stdout, None) and the return code is 0.
import asyncio


async def main():
    proc = await asyncio.create_subprocess_exec(
        "echo", "hello", "world", stdout=asyncio.subprocess.PIPE)
    out, err = await proc.communicate()
    print(out, err, proc.returncode)
    print(out.decode().split())
    proc = await asyncio.create_subprocess_exec(
        "echo", "-n", "no newline", stdout=asyncio.subprocess.PIPE)
    print(await proc.communicate(), proc.returncode)


asyncio.run(main())
