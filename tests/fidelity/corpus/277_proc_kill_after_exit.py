# Subprocess: kill() after the process ended and was waited for raises ProcessLookupError. [vclock-only: a real echo may still be running when kill() comes]
import asyncio


async def main():
    proc = await asyncio.create_subprocess_exec("true")
    print(await proc.wait())
    try:
        proc.kill()
    except ProcessLookupError as e:
        print("ProcessLookupError", repr(e))
    try:
        proc.terminate()
    except ProcessLookupError:
        print("terminate too")
    proc = await asyncio.create_subprocess_exec("echo", "x", stdout=asyncio.subprocess.DEVNULL)
    proc.kill()
    print("kill of an exited but unwaited process is ignored:", await proc.wait())


asyncio.run(main())
