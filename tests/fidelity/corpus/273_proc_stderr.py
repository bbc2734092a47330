# Subprocess: stderr=PIPE collects a program's error output; stderr=STDOUT merges it into stdout.
import asyncio

sub = asyncio.subprocess


async def main():
    proc = await asyncio.create_subprocess_exec("sleep", stdout=sub.PIPE, stderr=sub.PIPE)
    out, err = await proc.communicate()
    print(proc.returncode, out)
    print(err.decode().splitlines()[0])
    proc = await asyncio.create_subprocess_exec("sleep", stdout=sub.PIPE, stderr=sub.STDOUT)
    out, err = await proc.communicate()
    print(proc.returncode, err)
    print(out.decode().splitlines()[0])


asyncio.run(main())
