# Streams: an uncaught ConnectionRefusedError ends the program with CPython's traceback line.
import asyncio


async def main():
    print("connecting")
    reader, writer = await asyncio.open_connection("127.0.0.1", 20251)
    print("never printed")


asyncio.run(main())
