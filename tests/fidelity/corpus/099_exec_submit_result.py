# Executors: submit() and future.result() outside asyncio; result() blocks until the job ends.
import time
from concurrent.futures import ThreadPoolExecutor


def square(x):
    time.sleep(0.1 * x)
    return x * x


t0 = time.perf_counter()
with ThreadPoolExecutor(max_workers=2) as pool:
    futures = [pool.submit(square, x) for x in [3, 1, 2]]
    print([f.result() for f in futures])
    print([f.done() for f in futures])
    failing = pool.submit(square, "s")
    print(type(failing.exception()).__name__)
print(f"{time.perf_counter() - t0:.1f}")
