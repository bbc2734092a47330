# Subprocess: communicate() without input leaves cat's stdin open, so cat never ends: a deadlock. [vclock-only: CPython waits forever; the harness reports the deadlock]
import asyncio


async def main():
    proc = await asyncio.create_subprocess_exec(
        "cat", stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    print("communicating")
    out, err = await proc.communicate()
    print("never printed", out)


asyncio.run(main())
