# Streams: a handler that raises is reported as "Unhandled exception in client_connected_cb" and its connection closes.
import asyncio


def report(loop, context):
    print("handler:", context["message"])
    print("exception:", repr(context["exception"]))


async def handle(reader, writer):
    line = await reader.readline()
    raise ValueError(f"bad request {line!r}")


async def main():
    asyncio.get_running_loop().set_exception_handler(report)
    server = await asyncio.start_server(handle, "127.0.0.1", 20257)
    reader, writer = await asyncio.open_connection("127.0.0.1", 20257)
    writer.write(b"boom\n")
    print("client reads:", await reader.read())
    writer.close()
    server.close()


asyncio.run(main())
