# Streams: readuntil() with a custom separator, readline() of a last line without newline, and readuntil() at EOF.
import asyncio


async def handle(reader, writer):
    writer.write(b"key=value;other=")
    await writer.drain()
    await asyncio.sleep(0.5)
    writer.write(b"thing;line one\nlast")
    writer.close()


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 20246)
    reader, writer = await asyncio.open_connection("127.0.0.1", 20246)
    print(await reader.readuntil(b";"))
    print(await reader.readuntil(b";"))
    print(await reader.readline())
    print(await reader.readline())
    print(await reader.readline())
    try:
        await reader.readuntil(b"x")
    except asyncio.IncompleteReadError as e:
        print("incomplete:", e, e.partial, e.expected)
    try:
        await reader.readuntil(b"")
    except ValueError as e:
        print("ValueError:", e)
    writer.close()
    server.close()


asyncio.run(main())
