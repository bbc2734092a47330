# Streams: serve_forever() in a task; cancelling it closes the server; async with closes it too.
import asyncio


async def handle(reader, writer):
    writer.write(b"hi")
    writer.close()


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 20254, start_serving=False)
    print("serving before:", server.is_serving())
    task = asyncio.create_task(server.serve_forever())
    await asyncio.sleep(0)
    print("serving now:", server.is_serving())
    reader, writer = await asyncio.open_connection("127.0.0.1", 20254)
    print(await reader.read())
    writer.close()
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        print("serve_forever cancelled; serving:", server.is_serving())
    async with await asyncio.start_server(handle, "127.0.0.1", 20254) as s2:
        print("inside async with:", s2.is_serving())
    print("after async with:", s2.is_serving())


asyncio.run(main())
