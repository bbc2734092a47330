# Streams: lines written one per iteration reach the reader one iteration later; a sleep(0) ticker shows when.
import asyncio

ticks = 0


async def ticker():
    global ticks
    while True:
        ticks += 1
        await asyncio.sleep(0)


async def handle(reader, writer):
    for i in range(3):
        writer.write(f"line {i}\n".encode())
        print("wrote", i, "at tick", ticks)
        await asyncio.sleep(0)
    writer.close()


async def main():
    t = asyncio.create_task(ticker())
    server = await asyncio.start_server(handle, "127.0.0.1", 20261)
    reader, writer = await asyncio.open_connection("127.0.0.1", 20261)
    async for line in reader:
        print("read", line.decode().strip(), "at tick", ticks)
    print("eof at tick", ticks)
    writer.close()
    server.close()
    t.cancel()


asyncio.run(main())
