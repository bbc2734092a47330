# From /work/shared/seed/asyncio-tutorial.txt (example 6), indentation restored.
import time

def blocking_operation():
    # Simulate a blocking operation
    time.sleep(1)
    return "Blocking operation is complete"

async def main():
    loop = asyncio.get_event_loop()
    result = await loop.run_in_executor(None, blocking_operation)
    print(result)

asyncio.run(main())
