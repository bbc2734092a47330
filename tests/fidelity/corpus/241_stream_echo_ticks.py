# Streams: how many loop iterations a connection, a request, a reply and EOF take (a sleep(0) ticker counts them).
import asyncio

ticks = 0


async def ticker():
    global ticks
    while True:
        ticks += 1
        await asyncio.sleep(0)


async def handle(reader, writer):
    print("handler starts", ticks)
    data = await reader.readline()
    print("server got", data, ticks)
    writer.write(data.upper())
    writer.close()
    await writer.wait_closed()
    print("server closed", ticks)


async def main():
    t = asyncio.create_task(ticker())
    server = await asyncio.start_server(handle, "127.0.0.1", 20241)
    print("listening", ticks)
    reader, writer = await asyncio.open_connection("127.0.0.1", 20241)
    print("connected", ticks)
    writer.write(b"ping\n")
    print("client got", await reader.readline(), ticks)
    print("client eof", await reader.read(), ticks)
    writer.close()
    await writer.wait_closed()
    print("client closed", ticks)
    server.close()
    t.cancel()


asyncio.run(main())
