# Tasks: done callbacks run in registration order, each with the task, through call_soon after it finishes.
import asyncio


def make_cb(label):
    def cb(task):
        print(label, task.get_name(), task.result())
    return cb


async def work():
    await asyncio.sleep(0.1)
    print("work returns")
    return "ok"


async def main():
    t = asyncio.create_task(work(), name="w")
    first = make_cb("first")
    t.add_done_callback(first)
    t.add_done_callback(make_cb("second"))
    t.add_done_callback(first)
    t.add_done_callback(make_cb("third"))
    print("removed", t.remove_done_callback(first))
    print("removed again", t.remove_done_callback(first))
    await t
    print("main resumed after await")
    await asyncio.sleep(0)
    print("main after sleep(0)")


asyncio.run(main())
