# Subprocess: writing to cat's stdin and reading its stdout one line at a time, then closing stdin.
import asyncio

PIPE = asyncio.subprocess.PIPE


async def main():
    proc = await asyncio.create_subprocess_exec("cat", stdin=PIPE, stdout=PIPE)
    for word in ("ping", "pong", "done"):
        proc.stdin.write(word.encode() + b"\n")
        await proc.stdin.drain()
        print("cat said", await proc.stdout.readline())
    print("stdin closing?", proc.stdin.is_closing())
    proc.stdin.close()
    await proc.stdin.wait_closed()
    print("eof:", await proc.stdout.read())
    print("status:", await proc.wait())


asyncio.run(main())
