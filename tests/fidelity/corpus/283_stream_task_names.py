# Streams and subprocesses use Task-N numbers as CPython does: start_server's lookup, each accepted connection, its handler, a process's pipes and communicate().
import asyncio


async def handle(reader, writer):
    print("handler task:", asyncio.current_task().get_name())
    writer.close()


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 20283)
    print([t.get_name() for t in asyncio.all_tasks()])
    reader, writer = await asyncio.open_connection("127.0.0.1", 20283)
    print(await reader.read())
    t = asyncio.create_task(asyncio.sleep(0))
    print("next task:", t.get_name())
    proc = await asyncio.create_subprocess_exec(
        "echo", "x", stdout=asyncio.subprocess.PIPE)
    print(await proc.communicate())
    t = asyncio.create_task(asyncio.sleep(0))
    print("next task:", t.get_name())
    writer.close()
    server.close()


asyncio.run(main())
