# Streams: a client half-closes with write_eof(); the server reads to EOF, then answers on the still-open direction.
import asyncio


async def handle(reader, writer):
    data = await reader.read()
    print("server read to eof:", data, reader.at_eof())
    writer.writelines([b"got ", str(len(data)).encode(), b" bytes"])
    await writer.drain()
    writer.close()


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 20247)
    reader, writer = await asyncio.open_connection("127.0.0.1", 20247)
    print("can_write_eof:", writer.can_write_eof())
    writer.write(b"first ")
    writer.write(b"second")
    writer.write_eof()
    try:
        writer.write(b"more")
    except RuntimeError as e:
        print("RuntimeError:", e)
    print("reply:", await reader.read())
    writer.close()
    await writer.wait_closed()
    server.close()


asyncio.run(main())
