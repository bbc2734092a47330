# From /work/shared/seed/asyncio-tutorial.txt (example 1), indentation restored.
import asyncio

async def main():
    print('Hello')
    await asyncio.sleep(1)
    print('World')

asyncio.run(main())
