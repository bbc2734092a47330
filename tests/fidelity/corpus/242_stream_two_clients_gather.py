# Streams: two clients connect and talk at the same time; the server's handler tasks interleave.
import asyncio


async def handle(reader, writer):
    name = (await reader.readline()).decode().strip()
    print("server: hello from", name)
    for i in range(2):
        line = await reader.readline()
        print(f"server: {name} says {line.decode().strip()}")
        writer.write(f"{name}:{i}\n".encode())
        await writer.drain()
    writer.close()


async def client(name):
    reader, writer = await asyncio.open_connection("127.0.0.1", 20242)
    writer.write(f"{name}\n".encode())
    for word in ("one", "two"):
        writer.write(f"{word}\n".encode())
        await writer.drain()
        print(f"{name} got", (await reader.readline()).decode().strip())
    print(name, "eof:", await reader.read())
    writer.close()
    await writer.wait_closed()
    return name


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 20242)
    async with server:
        print(await asyncio.gather(client("ann"), client("bob")))


asyncio.run(main())
