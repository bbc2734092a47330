# Streams: data that arrives as the server closes is never read, so the close resets the connection and the client's read raises. [vclock-only: needs the two equal deadlines to fire in one pass]
import asyncio


async def handle(reader, writer):
    await asyncio.sleep(0.5)
    print("server closes")
    writer.close()


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 20262)
    reader, writer = await asyncio.open_connection("127.0.0.1", 20262)
    await asyncio.sleep(0.5)
    writer.write(b"too late")
    print("client wrote")
    try:
        print(await reader.read())
    except ConnectionResetError as e:
        print(type(e).__name__, e)
    try:
        writer.write(b"again")
        await writer.drain()
    except ConnectionResetError as e:
        print("drain:", e)
    writer.close()
    server.close()


asyncio.run(main())
