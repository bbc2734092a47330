# Subprocess: wait_for() on a slow process times out; kill() then ends it with status -9.
import asyncio


async def main():
    proc = await asyncio.create_subprocess_exec("sleep", "10")
    try:
        await asyncio.wait_for(proc.wait(), timeout=1)
    except TimeoutError:
        print("still running after 1 s:", proc.returncode)
    proc.kill()
    print("killed:", await proc.wait())
    print(proc.returncode)


asyncio.run(main())
