# Subprocess: cat copies what communicate(input=...) feeds its stdin to its stdout.
import asyncio

PIPE = asyncio.subprocess.PIPE


async def main():
    proc = await asyncio.create_subprocess_exec("cat", stdin=PIPE, stdout=PIPE)
    out, err = await proc.communicate(b"line one\nline two\n")
    print(out, err, proc.returncode)
    proc = await asyncio.create_subprocess_exec("cat", stdin=PIPE, stdout=PIPE)
    out, err = await proc.communicate(b"")
    print("empty input:", out, proc.returncode)


asyncio.run(main())
