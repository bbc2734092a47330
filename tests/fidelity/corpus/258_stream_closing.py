# Streams: is_closing() right after close(), writes after close are dropped, drain() then raises, wait_closed() returns.
import asyncio


async def handle(reader, writer):
    print("server reads:", await reader.read())
    writer.close()


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 20258)
    reader, writer = await asyncio.open_connection("127.0.0.1", 20258)
    writer.write(b"before close")
    print("closing?", writer.is_closing())
    writer.close()
    print("closing?", writer.is_closing())
    writer.write(b"after close")
    try:
        await writer.drain()
    except ConnectionResetError as e:
        print("drain:", type(e).__name__, e)
    await writer.wait_closed()
    print("wait_closed returned")
    await writer.wait_closed()
    print("and again")
    await asyncio.sleep(0.1)
    server.close()


asyncio.run(main())
