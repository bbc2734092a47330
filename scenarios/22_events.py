"""Events: one task signals, many wake

An asyncio.Event is a flag: wait() blocks until someone calls set(), then
every waiter wakes together, and later waiters pass straight through. Watch
three tasks wait on the event and leave the waiting panel at once.
Ask the class: what does the late runner, who arrives after set(), do?
"""
import asyncio


async def runner(name, start_signal):
    print(f"{name} is ready")
    await start_signal.wait()
    print(f"{name} runs")


async def main():
    start_signal = asyncio.Event()
    runners = [asyncio.create_task(runner(n, start_signal)) for n in ["ann", "bo", "cy"]]
    await asyncio.sleep(1)
    print("ready, set, go!")
    start_signal.set()
    await asyncio.gather(*runners)
    await runner("late runner", start_signal)


asyncio.run(main())
