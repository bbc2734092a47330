# Gather: return_exceptions=True puts exception objects in the result list instead of raising.
import asyncio


async def ok(value):
    await asyncio.sleep(0.1)
    return value


async def fail(exc):
    await asyncio.sleep(0.2)
    raise exc


async def main():
    results = await asyncio.gather(ok(1), fail(ValueError("v")), ok(2),
                                   fail(ZeroDivisionError("z")), return_exceptions=True)
    for r in results:
        print(type(r).__name__, repr(r))
    print([isinstance(r, Exception) for r in results])


asyncio.run(main())
