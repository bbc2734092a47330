# Deep recursion inside a task, caught by the scenario.
# exit: 0
# stdout: caught RecursionError
import asyncio
def down(n):
    return down(n + 1)
async def main():
    try:
        down(0)
    except RecursionError:
        print("caught RecursionError")
asyncio.run(main())
