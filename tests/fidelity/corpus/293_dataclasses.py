# dataclasses (fields with defaults and default_factory, __post_init__, order and frozen, asdict, astuple, replace, CPython's __init__ errors) in an asyncio program, with a PriorityQueue of dataclass items.
import asyncio
from dataclasses import dataclass, field, asdict, astuple, replace, fields, FrozenInstanceError
from typing import List, Optional


@dataclass
class Job:
    name: str
    duration: float = 0.1
    tags: List[str] = field(default_factory=list)
    result: Optional[int] = None


@dataclass(order=True, frozen=True)
class Priority:
    level: int
    label: str = "normal"


@dataclass
class Stats:
    done: int = 0
    failed: int = 0

    def __post_init__(self):
        self.total = self.done + self.failed


async def run(job: Job, stats: Stats) -> Job:
    await asyncio.sleep(job.duration)
    job.result = len(job.name)
    stats.done += 1
    return job


async def main():
    stats = Stats()
    jobs = [Job("alpha"), Job("be", 0.3, ["x"]), Job(name="gamma", duration=0.2)]
    print(jobs[0], jobs[1])
    done = await asyncio.gather(*(run(j, stats) for j in jobs))
    print(done)
    print(stats, stats.total, asdict(jobs[1]), astuple(jobs[2]))
    print(Job("a") == Job("a"), Job("a") == Job("b"), Job("a") != "a")
    p = [Priority(3), Priority(1, "high"), Priority(2)]
    print(sorted(p), max(p), Priority(1) < Priority(2), hash(Priority(1)) == hash(Priority(1)))
    try:
        p[0].level = 9
    except FrozenInstanceError as e:
        print("FrozenInstanceError:", e)
    print(replace(jobs[0], name="delta"), [f.name for f in fields(Job)])
    try:
        Job()
    except TypeError as e:
        print("TypeError:", e)
    try:
        Job("a", 1, [], None, 5)
    except TypeError as e:
        print("TypeError:", e)
    try:
        Job("a", colour="red")
    except TypeError as e:
        print("TypeError:", e)
    try:
        hash(Job("a"))
    except TypeError as e:
        print("TypeError:", e)
    q = asyncio.PriorityQueue()
    for item in [Priority(5, "low"), Priority(1, "urgent"), Priority(3)]:
        await q.put(item)
    while not q.empty():
        print(await q.get())


asyncio.run(main())
