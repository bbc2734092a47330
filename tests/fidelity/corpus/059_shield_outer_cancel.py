# shield: cancelling the awaiting task raises CancelledError there, while the shielded task runs on. [vclock-only: prints absolute loop.time() values, which start at 0.0 only on the virtual clock]
import asyncio


async def precious():
    await asyncio.sleep(2)
    print("precious finished at", asyncio.get_running_loop().time())
    return "saved"


async def waiter(inner):
    try:
        return await asyncio.shield(inner)
    except asyncio.CancelledError:
        print("waiter cancelled at", asyncio.get_running_loop().time())
        raise


async def main():
    inner = asyncio.create_task(precious())
    w = asyncio.create_task(waiter(inner))
    await asyncio.sleep(1)
    w.cancel()
    await asyncio.sleep(0)
    print("waiter cancelled:", w.cancelled(), "inner done:", inner.done())
    print("inner result:", await inner)


asyncio.run(main())
