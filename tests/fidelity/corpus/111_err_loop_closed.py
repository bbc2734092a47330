# Errors: a closed loop refuses work with RuntimeError('Event loop is closed'); close() twice is fine.
import asyncio

loop = asyncio.new_event_loop()
print(loop.is_closed())
loop.close()
loop.close()
print(loop.is_closed())
for what in ["call_soon", "call_later", "create_future"]:
    try:
        if what == "call_soon":
            loop.call_soon(print, "x")
        elif what == "call_later":
            loop.call_later(1, print, "x")
        else:
            f = loop.create_future()
            print("create_future works on a closed loop:", f.done())
    except RuntimeError as e:
        print(what + ":", e)
