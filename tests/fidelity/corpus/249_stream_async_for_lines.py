# Streams: `async for line in reader` yields lines until EOF, the last one without its newline.
import asyncio


async def handle(reader, writer):
    writer.write(b"alpha\nbeta\n")
    await writer.drain()
    await asyncio.sleep(0)
    writer.write(b"gamma\ndel")
    await asyncio.sleep(0)
    writer.write(b"ta")
    writer.close()


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 20249)
    reader, writer = await asyncio.open_connection("127.0.0.1", 20249)
    n = 0
    async for line in reader:
        n += 1
        print(n, line)
    print("done", reader.at_eof())
    writer.close()
    server.close()


asyncio.run(main())
