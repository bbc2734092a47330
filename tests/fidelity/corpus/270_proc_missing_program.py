# Subprocess: a program that does not exist raises FileNotFoundError at once, as CPython's Popen does.
import asyncio


async def main():
    try:
        await asyncio.create_subprocess_exec("no-such-program-xyz", "arg")
    except FileNotFoundError as e:
        print(type(e).__name__, e)
        print(e.errno, e.strerror, e.filename)
        print(isinstance(e, OSError))
    print("tasks left:", len(asyncio.all_tasks()))


asyncio.run(main())
