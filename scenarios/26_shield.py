"""shield: protecting work from a caller's cancellation

asyncio.shield lets a task keep running even when the task awaiting it is
cancelled, for example by wait_for's timeout. Watch the outer wait give up
at 1 s while the shielded save carries on and finishes at 2 s.
Ask the class: is the save lost when wait_for raises TimeoutError?
"""
import asyncio


async def save(start):
    await asyncio.sleep(2)
    print(f"saved after {asyncio.get_running_loop().time() - start:.1f} s")
    return "ok"


async def main():
    start = asyncio.get_running_loop().time()
    task = asyncio.create_task(save(start))
    try:
        await asyncio.wait_for(asyncio.shield(task), timeout=1)
    except TimeoutError:
        print(f"gave up waiting after {asyncio.get_running_loop().time() - start:.1f} s")
    print("the save itself returned:", await task)


asyncio.run(main())
