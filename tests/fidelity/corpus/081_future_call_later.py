# Futures: futures resolved by call_later wake their awaiters at the timer's virtual time. [vclock-only: prints absolute loop.time() values, which start at 0.0 only on the virtual clock]
import asyncio


async def wait_for_it(name, fut):
    value = await fut
    print(f"{asyncio.get_running_loop().time():.1f} {name} got {value}")


async def main():
    loop = asyncio.get_running_loop()
    futs = [loop.create_future() for _ in range(3)]
    loop.call_later(2, futs[0].set_result, "two")
    loop.call_later(0.5, futs[1].set_result, "half")
    loop.call_later(1, futs[2].set_exception, ValueError("one"))
    tasks = [asyncio.create_task(wait_for_it(f"f{i}", f)) for i, f in enumerate(futs)]
    results = await asyncio.gather(*tasks, return_exceptions=True)
    print([repr(r) for r in results])


asyncio.run(main())
