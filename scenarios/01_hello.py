"""Hello, asyncio: asyncio.run and one await

asyncio.run() creates an event loop and runs main() as its first task. Watch
main print Hello, then leave the loop at `await asyncio.sleep(1)`: a timer is
armed for t=1.000, nothing is ready, so the clock jumps straight to it.
Ask the class: while main sleeps for one second, what is the loop doing?
"""
import asyncio
async def main():
    print('Hello')
    await asyncio.sleep(1)
    print('World')
asyncio.run(main())
