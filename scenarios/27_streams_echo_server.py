"""Streams: an echo server and two clients

asyncio.start_server runs handle() as a new task for every connection, and
open_connection gives a client a (reader, writer) pair. No real network is
involved in loopscope: the sockets are simulated in memory. Watch each
readline() leave its task waiting until the other side's write arrives, one
loop iteration later, while the other conversation goes on.
Ask the class: bob talks faster, so whose goodbye does the server see first?
"""
import asyncio


async def handle(reader, writer):
    name = (await reader.readline()).decode().strip()
    print(f"server: {name} connected")
    async for line in reader:
        print(f"server: {name} says {line.decode().strip()}")
        writer.write(line.upper())
        await writer.drain()
    print(f"server: {name} left")
    writer.close()


async def client(name, words, pause):
    reader, writer = await asyncio.open_connection("127.0.0.1", 8027)
    writer.write(f"{name}\n".encode())
    for word in words:
        await asyncio.sleep(pause)
        writer.write(f"{word}\n".encode())
        await writer.drain()
        reply = await reader.readline()
        print(f"{name} got {reply.decode().strip()}")
    writer.close()
    await writer.wait_closed()


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 8027)
    print("serving on", server.sockets[0].getsockname())
    async with server:
        await asyncio.gather(client("ann", ["hello", "bye"], 1.0),
                             client("bob", ["hi", "ciao"], 0.4))
    print("server closed")


asyncio.run(main())
