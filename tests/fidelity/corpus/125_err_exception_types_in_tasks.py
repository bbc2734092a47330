# Errors: built-in exceptions raised inside tasks keep their type and message when gathered.
import asyncio


async def raiser(kind):
    await asyncio.sleep(0)
    if kind == "key":
        return {}["missing"]
    if kind == "index":
        return [][3]
    if kind == "zero":
        return 1 // 0
    if kind == "attr":
        return (5).nope
    if kind == "assert":
        assert 1 > 2, "math is broken"
    return int("abc")


async def main():
    kinds = ["key", "index", "zero", "attr", "assert", "value"]
    results = await asyncio.gather(*[raiser(k) for k in kinds], return_exceptions=True)
    for r in results:
        print(f"{type(r).__name__}: {r}")


asyncio.run(main())
