# From /work/shared/seed/asyncio-tutorial.txt (example 4), indentation restored.
async def hello_world():
    print("Hello")
    await asyncio.sleep(1)
    print("World")

# Get the event loop
loop = asyncio.get_event_loop()
# Schedule a coroutine
loop.run_until_complete(hello_world())
# Close the loop
loop.close()
