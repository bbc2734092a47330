# Streams: an echo server and one client; readline, write, drain, close and wait_closed on both sides.
import asyncio


async def handle(reader, writer):
    data = await reader.readline()
    print("server got", data)
    writer.write(data.upper())
    await writer.drain()
    writer.close()
    await writer.wait_closed()
    print("server closed the connection")


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 20240)
    reader, writer = await asyncio.open_connection("127.0.0.1", 20240)
    writer.write(b"hello\n")
    await writer.drain()
    print("client got", await reader.readline())
    print("then", await reader.read(), reader.at_eof())
    writer.close()
    await writer.wait_closed()
    print("client closed:", writer.is_closing())
    server.close()
    await server.wait_closed()


asyncio.run(main())
