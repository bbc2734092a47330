# Streams: a client_connected_cb that is a plain function (not a coroutine) is called, not made a task.
import asyncio

writers = []


def on_connect(reader, writer):
    print("callback called, tasks:", len(asyncio.all_tasks()))
    writers.append(writer)


async def main():
    server = await asyncio.start_server(on_connect, "127.0.0.1", 20256)
    reader, writer = await asyncio.open_connection("127.0.0.1", 20256)
    print("connected, tasks:", len(asyncio.all_tasks()))
    await asyncio.sleep(0)
    print("writers:", len(writers))
    writers[0].write(b"from the callback's writer\n")
    print(await reader.readline())
    writers[0].close()
    print(await reader.read())
    writer.close()
    server.close()


asyncio.run(main())
