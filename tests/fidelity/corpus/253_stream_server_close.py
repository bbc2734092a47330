# Streams: Server.close() stops listening (is_serving, sockets) but leaves open connections working.
import asyncio


async def handle(reader, writer):
    line = await reader.readline()
    writer.write(b"echo " + line)
    await writer.drain()
    writer.close()


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 20253)
    print(server.is_serving(), len(server.sockets))
    reader, writer = await asyncio.open_connection("127.0.0.1", 20253)
    server.close()
    print(server.is_serving(), server.sockets)
    await server.wait_closed()
    writer.write(b"late\n")
    print(await reader.read())
    writer.close()
    try:
        await asyncio.open_connection("127.0.0.1", 20253)
    except ConnectionRefusedError as e:
        print("refused:", e.errno)


asyncio.run(main())
