"""wait_for: giving up after a timeout

wait_for waits at most `timeout` seconds. When time runs out it cancels the
inner task (watch it receive CancelledError at its await) and raises
TimeoutError in the caller. A result that arrives in time is simply returned.
Ask the class: how long after it starts does the slow download get cancelled?
"""
import asyncio


async def download(name, seconds, start):
    try:
        await asyncio.sleep(seconds)
        return f"{name}: {seconds} s of data"
    except asyncio.CancelledError:
        elapsed = asyncio.get_running_loop().time() - start
        print(f"{name} was cancelled after {elapsed:.1f} s")
        raise


async def main():
    start = asyncio.get_running_loop().time()
    print(await asyncio.wait_for(download("quick", 0.5, start), timeout=2))
    start = asyncio.get_running_loop().time()
    try:
        print(await asyncio.wait_for(download("slow", 5, start), timeout=2))
    except TimeoutError:
        print("gave up on slow")


asyncio.run(main())
