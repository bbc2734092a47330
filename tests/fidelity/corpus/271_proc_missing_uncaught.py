# Subprocess: an uncaught FileNotFoundError for a missing program ends the run with CPython's last line.
import asyncio


async def main():
    proc = await asyncio.create_subprocess_exec("not-a-real-command", stdout=asyncio.subprocess.PIPE)
    print(await proc.communicate())


asyncio.run(main())
