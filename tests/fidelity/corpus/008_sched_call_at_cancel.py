# Scheduling: call_at handles report when() and cancelled(); a cancelled handle never runs. [vclock-only: prints absolute loop.time() values, which start at 0.0 only on the virtual clock]
import asyncio


async def main():
    loop = asyncio.get_running_loop()
    start = loop.time()
    h1 = loop.call_at(start + 1, print, "h1 at 1")
    h2 = loop.call_at(start + 2, print, "h2 at 2 (cancelled)")
    h3 = loop.call_at(start + 0.5, print, "h3 at 0.5")
    print(h1.when(), h2.when(), h3.when())
    h2.cancel()
    h2.cancel()
    print("cancelled:", h1.cancelled(), h2.cancelled(), h3.cancelled())
    await asyncio.sleep(3)
    print("end", loop.time())
    h1.cancel()
    print("cancel after run:", h1.cancelled())


asyncio.run(main())
