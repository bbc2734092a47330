# Subprocess: a child that inherits stdout writes straight to it, between the lines printed before and after. [vclock-only: with a buffered stdout (no PYTHONUNBUFFERED), plain CPython prints the child's line first]
import asyncio


async def main():
    print("before the child")
    proc = await asyncio.create_subprocess_exec("echo", "from the child")
    print("status", await proc.wait())
    print("after the child")


asyncio.run(main())
