"""Subprocesses: running programs without blocking the loop

create_subprocess_exec starts a program and returns a Process at once;
communicate() collects what the program printed and wait() its exit status.
In loopscope the programs are simulated (echo, cat, sleep, true, false), so
nothing real runs. Watch the heartbeat keep ticking while `sleep 1` runs,
and cat hand back what it was given.
Ask the class: why can the heartbeat tick while main waits for sleep?
"""
import asyncio

PIPE = asyncio.subprocess.PIPE


async def heartbeat():
    for i in range(4):
        print(f"tick {i}")
        await asyncio.sleep(0.4)


async def main():
    beat = asyncio.create_task(heartbeat())
    echo = await asyncio.create_subprocess_exec("echo", "hello", stdout=PIPE)
    out, _ = await echo.communicate()
    print("echo printed", out, "and exited with", echo.returncode)
    sleeper = await asyncio.create_subprocess_exec("sleep", "1")
    print("sleep started, pid known:", sleeper.pid > 0)
    print("sleep exited with", await sleeper.wait())
    cat = await asyncio.create_subprocess_exec("cat", stdin=PIPE, stdout=PIPE)
    out, _ = await cat.communicate(b"a message through cat\n")
    print("cat gave back", out)
    try:
        await asyncio.create_subprocess_exec("no-such-program")
    except FileNotFoundError as e:
        print("no luck:", e)
    await beat


asyncio.run(main())
