"""A classic mistake: create_task with no running loop

This is the tutorial's own example, and it fails: create_task needs a running
event loop to put the task in, but at module level none is running yet, so it
raises RuntimeError("no running event loop"). The coroutine object it was
given is never awaited, and Python warns about that too when it exits.
Ask the class: how would you fix it so that "Hello" and "World" are printed?
"""
import asyncio


async def hello_world():
    print("Hello")
    await asyncio.sleep(1)
    print("World")

# Create a Task
task = asyncio.create_task(hello_world())
# Run the Task
asyncio.run(task)
