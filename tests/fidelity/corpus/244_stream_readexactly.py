# Streams: readexactly() gathers exactly n bytes across several writes, and returns b'' for n=0.
import asyncio


async def handle(reader, writer):
    for chunk in (b"ab", b"cde", b"fghij", b"k"):
        writer.write(chunk)
        await writer.drain()
        await asyncio.sleep(0.1)
    writer.close()


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 20244)
    reader, writer = await asyncio.open_connection("127.0.0.1", 20244)
    print(await reader.readexactly(4))
    print(await reader.readexactly(0))
    print(await reader.readexactly(6))
    print(await reader.readexactly(1))
    print(await reader.read(), reader.at_eof())
    writer.close()
    server.close()


asyncio.run(main())
