# From /work/shared/seed/asyncio-tutorial.txt (example 3), indentation restored.
async def hello_world():
    print("Hello")
    await asyncio.sleep(1)
    print("World")

# Create a Task
task = asyncio.create_task(hello_world())
# Run the Task
asyncio.run(task)
