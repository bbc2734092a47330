# Errors: asyncio calls that need a running loop raise RuntimeError('no running event loop') outside one.
import asyncio


async def coro():
    return 1


try:
    asyncio.get_running_loop()
except RuntimeError as e:
    print("get_running_loop:", e)
for name in ["current_task", "all_tasks"]:
    try:
        getattr(asyncio, name)()
    except RuntimeError as e:
        print(name + ":", e)
c = coro()
try:
    asyncio.create_task(c)
except RuntimeError as e:
    print("create_task:", e)
print(asyncio.run(c))
