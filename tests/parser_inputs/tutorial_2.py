# From /work/shared/seed/asyncio-tutorial.txt (example 2), indentation restored.
async def hello_world():
    print("Hello")
    await asyncio.sleep(1)
    print("World")
