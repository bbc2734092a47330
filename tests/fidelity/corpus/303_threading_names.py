# threading in executor jobs: current_thread().name is CPython's (asyncio_N for the default executor, ThreadPoolExecutor-K_N, a thread_name_prefix), main_thread(), a threading.Lock around shared state.
import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor

counter = 0
lock = threading.Lock()

def work(n):
    global counter
    name = threading.current_thread().name
    time.sleep(0.1 * n)
    with lock:
        counter += n
    return f"job {n} on {name}"

async def main():
    loop = asyncio.get_running_loop()
    print(threading.current_thread().name, threading.current_thread() is threading.main_thread())
    print(await asyncio.gather(*(loop.run_in_executor(None, work, i) for i in range(3))))
    with ThreadPoolExecutor(max_workers=2) as pool:
        print(await asyncio.gather(*(loop.run_in_executor(pool, work, i) for i in range(4))))
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="db") as pool:
        print(await loop.run_in_executor(pool, work, 1))
    print(await asyncio.to_thread(work, 2))
    print("counter", counter, lock.locked())

asyncio.run(main())
