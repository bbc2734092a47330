# Errors: nested try blocks in coroutines: which handlers and finally blocks run, and in what order.
import asyncio


async def step(log, fail_at):
    for i in range(3):
        try:
            log.append(f"try {i}")
            await asyncio.sleep(0)
            if i == fail_at:
                raise ValueError(i)
        except ValueError as e:
            log.append(f"except {e}")
            if i == 2:
                raise
        finally:
            log.append(f"finally {i}")


async def main():
    log = []
    await step(log, 1)
    print(log)
    log = []
    try:
        await step(log, 2)
    except ValueError as e:
        print(log, "raised", repr(e))


asyncio.run(main())
