# Streams: clients that connect one after another; the server numbers its connections.
import asyncio

count = 0


async def handle(reader, writer):
    global count
    count += 1
    n = count
    request = await reader.read(100)
    writer.write(f"#{n}: {request.decode()}".encode())
    await writer.drain()
    writer.close()
    await writer.wait_closed()


async def ask(text):
    reader, writer = await asyncio.open_connection("127.0.0.1", 20243)
    writer.write(text.encode())
    writer.write_eof()
    reply = await reader.read()
    writer.close()
    await writer.wait_closed()
    return reply.decode()


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 20243)
    for word in ("red", "green", "blue"):
        print(await ask(word))
    server.close()
    await server.wait_closed()
    print("served", count)


asyncio.run(main())
