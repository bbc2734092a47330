# Subprocess: wait() gives the exit status: 0 for true, 1 for false; returncode is None until the exit is seen.
import asyncio


async def main():
    for program in ("true", "false"):
        proc = await asyncio.create_subprocess_exec(program)
        print(program, "started, returncode", proc.returncode)
        status = await proc.wait()
        print(program, "exited with", status, proc.returncode)
        print("wait again:", await proc.wait())


asyncio.run(main())
