# Streams: wait_for() times out a read on the virtual clock; the data arriving later is still read. [vclock-only: prints absolute loop.time() values, which start at 0.0 only on the virtual clock]
import asyncio


async def handle(reader, writer):
    await asyncio.sleep(3)
    writer.write(b"late answer\n")
    writer.close()


async def main():
    loop = asyncio.get_running_loop()
    server = await asyncio.start_server(handle, "127.0.0.1", 20260)
    reader, writer = await asyncio.open_connection("127.0.0.1", 20260)
    try:
        await asyncio.wait_for(reader.readline(), 1)
    except TimeoutError:
        print("timed out at", loop.time())
    print(await reader.readline(), "at", loop.time())
    writer.close()
    server.close()


asyncio.run(main())
