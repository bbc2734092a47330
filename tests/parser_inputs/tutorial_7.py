# From /work/shared/seed/asyncio-tutorial.txt (example 7), indentation restored.
async def raise_exception():
    raise Exception("This is an exception")

async def main():
    try:
        await raise_exception()
    except Exception as e:
        print(f"Caught exception: {e}")

asyncio.run(main())
