"""Gather with a failing task.

What to notice: gather() waits for every task; return_exceptions=True turns
the failure into a value instead of cancelling the others.
"""
import asyncio
import time


class FetchError(Exception):
    """Raised when a fetch fails."""


async def fetch(name: str, delay: float, fail: bool = False) -> str:
    print(f"{name}: start at {asyncio.get_running_loop().time():.1f}")
    await asyncio.sleep(delay)
    if fail:
        raise FetchError(f"{name} failed after {delay}s")
    return name.upper()


async def main():
    started = time.monotonic()
    results = await asyncio.gather(
        fetch("a", 1.0),
        fetch("b", 0.5, fail=True),
        fetch("c", 2),
        return_exceptions=True,
    )
    for i, r in enumerate(results):
        kind = type(r).__name__ if isinstance(r, Exception) else "ok"
        print(f"{i}: {r!r:>20} ({kind})")
    elapsed = time.monotonic() - started
    assert elapsed >= 2, f"too fast: {elapsed=}"
    counts = {k: len(v) for k, v in {"x": [1, 2], "y": []}.items() if v}
    print(sorted(counts), [x ** 2 for x in range(5) if x % 2 == 1][::-1])


asyncio.run(main())
