# typing in annotations: Optional, List, Callable, Awaitable, TypeVar, Generic and cast run as in CPython (annotations are kept as text).
import asyncio
from typing import Optional, List, Dict, Callable, Awaitable, TypeVar, Generic, Any
import typing
T = TypeVar("T")
class Box(Generic[T]):
    def __init__(self, v: T) -> None:
        self.v = v
Handler = Callable[[int], Awaitable[None]]
async def run(h: Handler, xs: List[int]) -> Dict[str, Any]:
    for x in xs:
        await h(x)
    return {"n": len(xs)}
async def show(x: int) -> None:
    print("got", x)
print(asyncio.run(run(show, [1, 2])), Box(3).v, typing.cast(int, "x"), T)
