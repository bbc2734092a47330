# Subprocess: arguments must be strings or bytes (TypeError), and text mode is refused (ValueError).
import asyncio


async def main():
    try:
        await asyncio.create_subprocess_exec("echo", 42)
    except TypeError as e:
        print("TypeError:", e)
    try:
        await asyncio.create_subprocess_exec("echo", "x", text=True)
    except ValueError as e:
        print("ValueError:", e)
    proc = await asyncio.create_subprocess_exec(b"echo", b"bytes", "ok", stdout=asyncio.subprocess.PIPE)
    print(await proc.communicate())


asyncio.run(main())
