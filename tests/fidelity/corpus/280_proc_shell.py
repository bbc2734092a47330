# Subprocess: create_subprocess_shell() runs a simple command line.
import asyncio


async def main():
    proc = await asyncio.create_subprocess_shell(
        "echo hello   from the shell", stdout=asyncio.subprocess.PIPE)
    out, err = await proc.communicate()
    print(out, proc.returncode)
    proc = await asyncio.create_subprocess_shell("false")
    print(await proc.wait())


asyncio.run(main())
