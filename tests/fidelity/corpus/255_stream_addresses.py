# Streams: server.sockets[0].getsockname() and the extra info a client sees (peername is the server).
import asyncio


async def handle(reader, writer):
    print("server side sockname:", writer.get_extra_info("sockname"))
    print("unknown key:", writer.get_extra_info("nothing", "default"))
    writer.close()


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 20255)
    addr = server.sockets[0].getsockname()
    print(f"Serving on {addr}")
    reader, writer = await asyncio.open_connection(*addr)
    print("client peername:", writer.get_extra_info("peername"))
    print("client sockname host:", writer.get_extra_info("sockname")[0])
    await reader.read()
    writer.close()
    server.close()


asyncio.run(main())
