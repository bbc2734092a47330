# Protocols: loop.create_server and create_connection with asyncio.Protocol subclasses (the docs' echo example).
import asyncio


class EchoServer(asyncio.Protocol):
    def connection_made(self, transport):
        print("connection from", transport.get_extra_info("peername")[0])
        self.transport = transport

    def data_received(self, data):
        print("server received", data)
        self.transport.write(data)
        self.transport.close()


class EchoClient(asyncio.Protocol):
    def __init__(self, message, on_con_lost):
        self.message, self.on_con_lost = message, on_con_lost

    def connection_made(self, transport):
        transport.write(self.message)

    def data_received(self, data):
        print("client received", data)

    def connection_lost(self, exc):
        print("the server closed the connection:", exc)
        self.on_con_lost.set_result(True)


async def main():
    loop = asyncio.get_running_loop()
    server = await loop.create_server(EchoServer, "127.0.0.1", 20282)
    lost = loop.create_future()
    transport, protocol = await loop.create_connection(
        lambda: EchoClient(b"Hello World!", lost), "127.0.0.1", 20282)
    await lost
    print("closing:", transport.is_closing(), type(protocol).__name__)
    server.close()
asyncio.run(main())
