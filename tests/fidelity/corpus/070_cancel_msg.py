# Cancellation: cancel(msg) passes the message to the CancelledError the task sees and that awaiters get.
import asyncio


async def victim():
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError as e:
        print("inside: args", e.args, "str", repr(str(e)))
        raise


async def main():
    t = asyncio.create_task(victim())
    await asyncio.sleep(0)
    t.cancel("stop now")
    try:
        await t
    except asyncio.CancelledError as e:
        print("outside: args", e.args)
    u = asyncio.create_task(victim())
    await asyncio.sleep(0)
    u.cancel()
    try:
        await u
    except asyncio.CancelledError as e:
        print("no message: args", e.args)


asyncio.run(main())
