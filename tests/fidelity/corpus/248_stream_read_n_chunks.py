# Streams: read(n) returns what has arrived so far (at most n bytes), at once when data is buffered.
import asyncio


async def handle(reader, writer):
    for part in (b"abc", b"defgh", b"ij"):
        writer.write(part)
        await asyncio.sleep(1)
    writer.close()


async def main():
    loop = asyncio.get_running_loop()
    server = await asyncio.start_server(handle, "127.0.0.1", 20248)
    reader, writer = await asyncio.open_connection("127.0.0.1", 20248)
    start = loop.time()
    while True:
        chunk = await reader.read(4)
        print(round(loop.time() - start), chunk)
        if not chunk:
            break
    writer.close()
    server.close()


asyncio.run(main())
