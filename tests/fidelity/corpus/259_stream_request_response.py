# Streams: a line-based protocol with several requests on one connection, answered in order.
import asyncio


async def handle(reader, writer):
    async for line in reader:
        words = line.decode().split()
        if words[0] == "add":
            reply = str(int(words[1]) + int(words[2]))
        elif words[0] == "quit":
            break
        else:
            reply = "unknown " + words[0]
        writer.write(reply.encode() + b"\n")
        await writer.drain()
    print("server: client quit")
    writer.close()


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 20259)
    reader, writer = await asyncio.open_connection("127.0.0.1", 20259)
    for request in ("add 1 2", "mul 3 4", "add 40 2"):
        writer.write(request.encode() + b"\n")
        print(request, "->", (await reader.readline()).decode().strip())
    writer.write(b"quit\n")
    print("eof:", await reader.read())
    writer.close()
    server.close()


asyncio.run(main())
