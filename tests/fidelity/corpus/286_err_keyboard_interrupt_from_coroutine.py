# KeyboardInterrupt raised in the main coroutine leaves asyncio.run as itself and can be caught around it.
import asyncio
async def main():
    await asyncio.sleep(0.1)
    raise KeyboardInterrupt
try:
    asyncio.run(main())
except KeyboardInterrupt:
    print("caught KeyboardInterrupt")
