# Streams: readexactly() at EOF raises IncompleteReadError with CPython's message, .partial and .expected.
import asyncio


async def handle(reader, writer):
    writer.write(b"12345")
    writer.close()


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 20245)
    reader, writer = await asyncio.open_connection("127.0.0.1", 20245)
    try:
        await reader.readexactly(8)
    except asyncio.IncompleteReadError as e:
        print(type(e).__name__, e)
        print("partial", e.partial, "expected", e.expected)
        print(isinstance(e, EOFError), e.args)
    print(await reader.readexactly(0), reader.at_eof())
    writer.close()
    server.close()


asyncio.run(main())
