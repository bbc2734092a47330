# Subprocess: several processes at once; gather() collects their statuses, each finishing at its own time. [vclock-only: which real child ends first is a race]
import asyncio


async def run(*argv):
    proc = await asyncio.create_subprocess_exec(*argv, stdout=asyncio.subprocess.PIPE)
    out, _ = await proc.communicate()
    print("finished:", " ".join(argv), out)
    return proc.returncode


async def main():
    statuses = await asyncio.gather(
        run("sleep", "2"), run("echo", "quick"), run("sleep", "1"),
        run("false"))
    print(statuses)


asyncio.run(main())
