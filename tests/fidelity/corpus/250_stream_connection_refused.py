# Streams: connecting where nothing listens raises ConnectionRefusedError with CPython's message and errno.
import asyncio


async def main():
    try:
        await asyncio.open_connection("127.0.0.1", 20250)
    except ConnectionRefusedError as e:
        print(type(e).__name__, e)
        print("errno", e.errno, "strerror", repr(e.strerror))
        print(isinstance(e, ConnectionError), isinstance(e, OSError))
    server = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", 20250)
    reader, writer = await asyncio.open_connection("127.0.0.1", 20250)
    print("connected once something listens:", await reader.read())
    writer.close()
    server.close()
    try:
        await asyncio.open_connection("127.0.0.1", 20250)
    except OSError as e:
        print("after close:", e)


asyncio.run(main())
