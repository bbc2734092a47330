# Streams: a second server on a port in use fails with CPython's OSError; the first keeps serving.
import asyncio


async def handle(reader, writer):
    writer.write(b"still here")
    writer.close()


async def main():
    first = await asyncio.start_server(handle, "127.0.0.1", 20252)
    try:
        await asyncio.start_server(handle, "127.0.0.1", 20252)
    except OSError as e:
        print(type(e).__name__, e.errno)
        print(e)
    print("first is serving:", first.is_serving())
    reader, writer = await asyncio.open_connection("127.0.0.1", 20252)
    print(await reader.read())
    writer.close()
    first.close()
    await first.wait_closed()
    again = await asyncio.start_server(handle, "127.0.0.1", 20252)
    print("rebound after close:", again.is_serving())
    again.close()


asyncio.run(main())
