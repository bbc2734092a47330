#!/usr/bin/env python3
"""Tests of the virtual-clock harness (vclock.py) itself.

Each test writes a small scenario to a temporary folder, runs it under
`python3 vclock.py` in a subprocess and checks stdout, the last line of
stderr and the exit status against values worked out by hand from the time
model in LANGUAGE.md. Run with `python3 -m unittest test_vclock` or as a
plain script; ctest runs it as the test fidelity/harness.
"""

import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
VCLOCK = os.path.join(HERE, "vclock.py")


def run(source, *args, timeout=60):
    """Runs `source` (dedented) under vclock.py; returns (stdout, stderr,
    status)."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "scenario.py")
        with open(path, "w") as f:
            f.write(textwrap.dedent(source))
        proc = subprocess.run([sys.executable, VCLOCK, path, *args],
                              cwd=folder, capture_output=True, text=True,
                              timeout=timeout)
        return proc.stdout, proc.stderr, proc.returncode


def lines(text):
    return text.splitlines()


class TimerTests(unittest.TestCase):
    def test_timers_fire_in_deadline_order(self):
        out, err, status = run("""
            import asyncio
            async def nap(name, d):
                await asyncio.sleep(d)
                print(name, asyncio.get_running_loop().time())
            async def main():
                await asyncio.gather(nap("c", 3), nap("a", 1), nap("b", 2))
            asyncio.run(main())
            """)
        self.assertEqual((status, err), (0, ""))
        self.assertEqual(lines(out), ["a 1.0", "b 2.0", "c 3.0"])

    def test_equal_deadlines_follow_heap_order(self):
        # Five timers with the same deadline: heapq pops them 0, 2, 4, 1, 3
        # (each pop moves the hole at the root down to a leaf, preferring the
        # right child on ties, puts the last item there and sifts it up),
        # which is what CPython prints.
        out, _, status = run("""
            import asyncio
            async def nap(i):
                await asyncio.sleep(1)
                print(i)
            async def main():
                await asyncio.gather(*(nap(i) for i in range(5)))
            asyncio.run(main())
            """)
        self.assertEqual(status, 0)
        self.assertEqual(lines(out), ["0", "2", "4", "1", "3"])

    def test_time_functions_read_the_clock(self):
        out, _, status = run("""
            import asyncio, time
            async def main():
                print(time.time(), time.monotonic(), time.perf_counter())
                await asyncio.sleep(0.1)
                await asyncio.sleep(0.2)
                loop = asyncio.get_running_loop()
                print(repr(loop.time()), repr(time.time()))
                print(time.time_ns(), time.monotonic_ns())
            asyncio.run(main())
            """)
        self.assertEqual(status, 0)
        # 0.1 + 0.2 is not 0.3 in binary floating point: the clock shows it.
        self.assertEqual(lines(out), ["0.0 0.0 0.0",
                                      "0.30000000000000004 0.30000000000000004",
                                      "300000000 300000000"])

    def test_call_later_and_cancel(self):
        out, _, status = run("""
            import asyncio
            async def main():
                loop = asyncio.get_running_loop()
                loop.call_later(0.2, print, "late")
                h = loop.call_later(0.1, print, "cancelled")
                loop.call_at(0.05, print, "at")
                h.cancel()
                await asyncio.sleep(0.3)
                print(loop.time())
            asyncio.run(main())
            """)
        self.assertEqual(status, 0)
        self.assertEqual(lines(out), ["at", "late", "0.3"])

    def test_long_sleep_crosses_the_select_cap(self):
        # asyncio caps one select at 86400 s; the clock still lands exactly.
        out, _, status = run("""
            import asyncio
            async def main():
                await asyncio.sleep(200000)
                print(asyncio.get_running_loop().time())
            asyncio.run(main())
            """)
        self.assertEqual((status, lines(out)), (0, ["200000.0"]))


class ExecutorTests(unittest.TestCase):
    JOBS = """
        import asyncio, time
        from concurrent.futures import ThreadPoolExecutor
        def job(name, d):
            print(f"{time.time():.1f} start {name}")
            time.sleep(d)
            print(f"{time.time():.1f} end {name}")
            return name
        async def main():
            loop = asyncio.get_running_loop()
            ex = ThreadPoolExecutor(max_workers=WORKERS)
            fs = [loop.run_in_executor(ex, job, n, d)
                  for n, d in [("a", 3), ("b", 1), ("c", 2), ("d", 1)]]
            print("submitted")
            print(await asyncio.gather(*fs))
            print(f"{time.time():.1f} done")
        asyncio.run(main())
        """

    def test_one_worker_runs_jobs_in_fifo_order(self):
        out, _, status = run(self.JOBS.replace("WORKERS", "1"))
        self.assertEqual(status, 0)
        self.assertEqual(lines(out), [
            "0.0 start a", "submitted", "3.0 end a", "3.0 start b",
            "4.0 end b", "4.0 start c", "6.0 end c", "6.0 start d",
            "7.0 end d", "['a', 'b', 'c', 'd']", "7.0 done"])

    def test_two_workers_share_the_queue(self):
        out, _, status = run(self.JOBS.replace("WORKERS", "2"))
        self.assertEqual(status, 0)
        self.assertEqual(lines(out), [
            "0.0 start a", "0.0 start b", "submitted", "1.0 end b",
            "1.0 start c", "3.0 end a", "3.0 start d", "3.0 end c",
            "4.0 end d", "['a', 'b', 'c', 'd']", "4.0 done"])

    def test_default_executor_has_eight_workers(self):
        out, _, status = run("""
            import asyncio, os, time
            from concurrent.futures import ThreadPoolExecutor
            def job(i):
                time.sleep(1)
                return i
            async def main():
                loop = asyncio.get_running_loop()
                print(os.cpu_count(), ThreadPoolExecutor()._max_workers)
                r = await asyncio.gather(
                    *(loop.run_in_executor(None, job, i) for i in range(10)))
                print(r, loop.time())
            asyncio.run(main())
            """)
        self.assertEqual(status, 0)
        self.assertEqual(lines(out), ["4 8", "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9] 2.0"])

    def test_time_sleep_on_the_loop_blocks_while_workers_run(self):
        out, _, status = run("""
            import asyncio, time
            def job(name, d):
                time.sleep(d)
                print(f"{time.time():.2f} {name} woke")
            async def ticker():
                for _ in range(3):
                    await asyncio.sleep(0.5)
                    print(f"{time.time():.2f} tick")
            async def main():
                loop = asyncio.get_running_loop()
                t = asyncio.create_task(ticker())
                f1 = loop.run_in_executor(None, job, "x", 0.3)
                f2 = loop.run_in_executor(None, job, "y", 0.6)
                time.sleep(1.0)
                print(f"{time.time():.2f} loop free")
                await asyncio.gather(f1, f2, t)
            asyncio.run(main())
            """)
        self.assertEqual(status, 0)
        self.assertEqual(lines(out), [
            "0.30 x woke", "0.60 y woke", "1.00 loop free", "1.50 tick",
            "2.00 tick", "2.50 tick"])

    def test_with_block_waits_for_its_jobs(self):
        out, _, status = run("""
            import asyncio, time
            from concurrent.futures import ThreadPoolExecutor
            def job(d):
                time.sleep(d)
                print(f"{time.time():.1f} job {d}")
            async def main():
                loop = asyncio.get_running_loop()
                with ThreadPoolExecutor(max_workers=2) as ex:
                    loop.run_in_executor(ex, job, 2)
                    loop.run_in_executor(ex, job, 1)
                    loop.run_in_executor(ex, job, 1.5)
                print(f"{time.time():.1f} after with")
            asyncio.run(main())
            """)
        self.assertEqual(status, 0)
        self.assertEqual(lines(out), ["1.0 job 1", "2.0 job 2", "2.5 job 1.5",
                                      "2.5 after with"])

    def test_job_exception_reaches_the_awaiting_task(self):
        out, err, status = run("""
            import asyncio, time
            def bad(x):
                time.sleep(0.5)
                raise ValueError(f"bad {x}")
            async def main():
                loop = asyncio.get_running_loop()
                try:
                    await loop.run_in_executor(None, bad, 1)
                except ValueError as e:
                    print("caught", e, loop.time())
                await asyncio.to_thread(bad, 2)
            asyncio.run(main())
            """)
        self.assertEqual(lines(out), ["caught bad 1 0.5"])
        self.assertEqual(status, 1)
        self.assertEqual(lines(err)[-1], "ValueError: bad 2")
        self.assertEqual(lines(err)[0], "Traceback (most recent call last):")
        self.assertNotIn("vclock.py", err)

    def test_to_thread_returns_the_value(self):
        out, _, status = run("""
            import asyncio, time
            def add(a, b, delay=0):
                time.sleep(delay)
                return a + b
            async def main():
                r = await asyncio.gather(asyncio.to_thread(add, 1, 2, delay=2),
                                         asyncio.to_thread(add, 3, 4))
                print(r, time.monotonic())
            asyncio.run(main())
            """)
        self.assertEqual((status, lines(out)), (0, ["[3, 7] 2.0"]))

    def test_submit_and_result_outside_asyncio(self):
        out, _, status = run("""
            import time
            from concurrent.futures import ThreadPoolExecutor
            def job(x):
                time.sleep(x)
                return x * 10
            with ThreadPoolExecutor(max_workers=2) as ex:
                fs = [ex.submit(job, x) for x in (3, 1, 2)]
                print([f.result() for f in fs], time.time())
            """)
        self.assertEqual((status, lines(out)), (0, ["[30, 10, 20] 3.0"]))

    def test_unfinished_jobs_run_at_exit(self):
        # CPython joins executor threads at interpreter exit.
        out, _, status = run("""
            import time
            from concurrent.futures import ThreadPoolExecutor
            def job():
                time.sleep(5)
                print("job done at", time.time())
            ex = ThreadPoolExecutor(max_workers=1)
            ex.submit(job)
            print("main done at", time.time())
            """)
        self.assertEqual(lines(out), ["main done at 0.0", "job done at 5.0"])
        self.assertEqual(status, 0)


class StreamTests(unittest.TestCase):
    """Real loopback sockets under the virtual clock (ports 20900-20909 are
    the tests' own)."""

    def test_ready_io_does_not_move_the_clock(self):
        # A timer is armed for 5 s, but the reply is ready at the next
        # select: it is read at t=0.0, and the clock only moves after.
        out, err, status = run("""
            import asyncio
            async def handle(reader, writer):
                writer.write(await reader.readline())
                writer.close()
            async def main():
                loop = asyncio.get_running_loop()
                server = await asyncio.start_server(handle, "127.0.0.1", 20900)
                reader, writer = await asyncio.open_connection("127.0.0.1", 20900)
                loop.call_later(5, lambda: None)
                writer.write(b"ping\\n")
                print(await reader.readline(), loop.time())
                await asyncio.sleep(5)
                print(await reader.read(), loop.time())
                writer.close()
                server.close()
            asyncio.run(main())
            """)
        self.assertEqual((status, err), (0, ""))
        self.assertEqual(lines(out), ["b'ping\\n' 0.0", "b'' 5.0"])

    def test_iterations_are_deterministic(self):
        # The same counts on every run: a connection takes 4 iterations
        # and data reaches the peer's reader 2 iterations after the write.
        source = """
            import asyncio
            ticks = 0
            async def ticker():
                global ticks
                while True:
                    ticks += 1
                    await asyncio.sleep(0)
            async def handle(reader, writer):
                print("handler", ticks)
                print("got", await reader.readline(), ticks)
                writer.close()
            async def main():
                t = asyncio.create_task(ticker())
                server = await asyncio.start_server(handle, "127.0.0.1", 20901)
                before = ticks
                reader, writer = await asyncio.open_connection("127.0.0.1", 20901)
                print("connect took", ticks - before)
                writer.write(b"x\\n")
                await reader.read()
                writer.close()
                server.close()
                t.cancel()
            asyncio.run(main())
            """
        first = run(source)
        self.assertEqual(first[2], 0, first[1])
        self.assertEqual(lines(first[0]),
                         ["handler 8", "connect took 4", "got b'x\\n' 10"])
        for _ in range(3):
            self.assertEqual(run(source), first)

    def test_connection_refused(self):
        out, err, status = run("""
            import asyncio
            asyncio.run(asyncio.open_connection("127.0.0.1", 20902))
            """)
        self.assertEqual(status, 1)
        self.assertEqual(lines(err)[-1], "ConnectionRefusedError: [Errno 111]"
                         " Connect call failed ('127.0.0.1', 20902)")


class SubprocessTests(unittest.TestCase):
    def test_sleep_exits_at_its_virtual_time(self):
        out, err, status = run("""
            import asyncio
            async def main():
                loop = asyncio.get_running_loop()
                proc = await asyncio.create_subprocess_exec("sleep", "2.5")
                print(await proc.wait(), loop.time())
                proc = await asyncio.create_subprocess_exec("sleep", "30")
                await asyncio.sleep(1)
                proc.kill()
                print(await proc.wait(), loop.time())
            asyncio.run(main())
            """)
        self.assertEqual((status, err), (0, ""))
        self.assertEqual(lines(out), ["0 2.5", "-9 3.5"])

    def test_program_output_and_status(self):
        out, err, status = run("""
            import asyncio
            PIPE = asyncio.subprocess.PIPE
            async def main():
                proc = await asyncio.create_subprocess_exec("echo", "a", "b", stdout=PIPE)
                print(await proc.communicate(), proc.returncode)
                proc = await asyncio.create_subprocess_exec("cat", stdin=PIPE, stdout=PIPE)
                print(await proc.communicate(b"copied"), proc.returncode)
                proc = await asyncio.create_subprocess_exec("false")
                print(await proc.wait())
            asyncio.run(main())
            """)
        self.assertEqual((status, err), (0, ""))
        self.assertEqual(lines(out), ["(b'a b\\n', None) 0",
                                      "(b'copied', None) 0", "1"])

    def test_cat_left_waiting_is_a_deadlock(self):
        out, err, status = run("""
            import asyncio
            async def main():
                proc = await asyncio.create_subprocess_exec(
                    "cat", stdin=asyncio.subprocess.PIPE)
                await proc.wait()
            asyncio.run(main())
            """)
        self.assertEqual(status, 3)
        self.assertEqual(lines(err)[-1], "Deadlock: 1 task waiting forever")

    def test_no_placeholder_outlives_the_run(self):
        # A `sleep 100` never waited for is killed at exit: no stray sleep.
        out, err, status = run("""
            import asyncio, sys
            async def main():
                proc = await asyncio.create_subprocess_exec("sleep", "100")
                print(proc.pid)
            asyncio.run(main())
            """)
        self.assertEqual(status, 0, err)
        pid = int(out)
        self.assertFalse(os.path.exists(f"/proc/{pid}"))


class DeadlockTests(unittest.TestCase):
    def test_report_and_status(self):
        out, err, status = run("""
            import asyncio
            async def waiter(ev):
                await ev.wait()
            async def main():
                ev = asyncio.Event()
                t = asyncio.create_task(waiter(ev), name="w1")
                asyncio.create_task(waiter(ev))
                await asyncio.sleep(1.5)
                print("before")
                await t
            asyncio.run(main())
            """)
        self.assertEqual(status, 3)
        self.assertEqual(out, "before\n")
        # create_task(name=) still takes a Task-N number, so the third task
        # is Task-3.
        self.assertEqual(lines(err), [
            "loopscope: deadlock at t=1.5: nothing is ready and nothing is"
            " scheduled",
            "  Task-1 is waiting", "  w1 is waiting", "  Task-3 is waiting",
            "Deadlock: 3 tasks waiting forever"])

    def test_single_task(self):
        out, err, status = run("""
            import asyncio
            async def main():
                await asyncio.get_running_loop().create_future()
            asyncio.run(main())
            """)
        self.assertEqual(status, 3)
        self.assertEqual(lines(err)[-1], "Deadlock: 1 task waiting forever")

    def test_workers_run_before_a_deadlock_is_declared(self):
        out, err, status = run("""
            import asyncio, time
            from concurrent.futures import ThreadPoolExecutor
            ex = ThreadPoolExecutor(max_workers=1)
            def job():
                time.sleep(2)
                print("job", time.time())
            async def main():
                ex.submit(job)   # not awaited: nothing wakes the loop
                await asyncio.Event().wait()
            asyncio.run(main())
            """)
        self.assertEqual((status, out), (3, "job 2.0\n"))
        self.assertTrue(err.startswith("loopscope: deadlock at t=2.0:"))


class DeterminismTests(unittest.TestCase):
    def test_sets_of_tasks_iterate_in_a_stable_order(self):
        # all_tasks() in creation order, wait()'s sets in argument order,
        # TaskGroup cancelling its tasks in creation order.
        out, _, status = run("""
            import asyncio
            async def nap(name, d):
                try:
                    await asyncio.sleep(d)
                except asyncio.CancelledError:
                    print("cancelled", name)
                    raise
            async def fail():
                await asyncio.sleep(1)
                raise ValueError("x")
            async def main():
                ts = [asyncio.create_task(nap(f"t{i}", 1), name=f"t{i}")
                      for i in range(8)]
                print([t.get_name() for t in asyncio.all_tasks()])
                done, pending = await asyncio.wait(ts[::-1])
                print([t.get_name() for t in done])
                try:
                    async with asyncio.TaskGroup() as tg:
                        for i in range(6):
                            tg.create_task(nap(f"g{i}", 5))
                        tg.create_task(fail())
                except ExceptionGroup as eg:
                    print(eg)
            asyncio.run(main())
            """)
        self.assertEqual(status, 0)
        names = [f"t{i}" for i in range(8)]
        self.assertEqual(lines(out), [
            str(["Task-1"] + names), str(names[::-1])]
            + [f"cancelled g{i}" for i in range(6)]
            + ["unhandled errors in a TaskGroup (1 sub-exception)"])

    def test_run_cancels_leftover_tasks_in_creation_order(self):
        out, _, status = run("""
            import asyncio
            async def leftover(i):
                try:
                    await asyncio.sleep(10)
                finally:
                    print("cleanup", i)
            async def main():
                for i in range(12):
                    asyncio.create_task(leftover(i))
                await asyncio.sleep(1)
            asyncio.run(main())
            """)
        self.assertEqual((status, lines(out)),
                         (0, [f"cleanup {i}" for i in range(12)]))


class ProgramTests(unittest.TestCase):
    def test_argv_file_and_path(self):
        out, _, status = run("""
            import os, sys
            print(sys.argv[1:], os.path.basename(__file__), __name__)
            print(sys.path[0] == os.path.dirname(os.path.realpath(__file__)))
            print(os.cpu_count())
            """, "x", "y")
        self.assertEqual((status, lines(out)),
                         (0, ["['x', 'y'] scenario.py __main__", "True", "4"]))

    def test_uncaught_exception(self):
        out, err, status = run("""
            print("start")
            def f():
                return {}["x"]
            f()
            """)
        self.assertEqual((status, out), (1, "start\n"))
        err_lines = lines(err)
        self.assertEqual(err_lines[0], "Traceback (most recent call last):")
        self.assertTrue(err_lines[1].startswith('  File "')
                        and err_lines[1].endswith('scenario.py", line 5,'
                                                  ' in <module>'))
        self.assertEqual(err_lines[-1], "KeyError: 'x'")
        self.assertIn("in <module>", err)
        self.assertNotIn("vclock", err)

    def test_deterministic_twice(self):
        source = """
            import asyncio, time
            async def worker(i):
                for k in range(3):
                    await asyncio.sleep(0)
                    print(i, k)
                await asyncio.to_thread(time.sleep, i / 10)
                print(i, "done", time.time())
            async def main():
                await asyncio.gather(*(worker(i) for i in range(6)))
            asyncio.run(main())
            """
        self.assertEqual(run(source), run(source))

    def test_never_retrieved_and_run_twice(self):
        out, err, status = run("""
            import asyncio
            async def boom():
                raise RuntimeError("lost")
            async def main():
                asyncio.create_task(boom())
                await asyncio.sleep(0.1)
            asyncio.run(main())
            asyncio.run(main())
            print("end")
            """)
        self.assertEqual((status, out), (0, "end\n"))
        self.assertEqual(err.count("Task exception was never retrieved"), 2)
        self.assertEqual(lines(err)[-1], "RuntimeError: lost")


class CompareTests(unittest.TestCase):
    """compare.py, with stand-in simulators written as small scripts."""

    def compare(self, fake_body, scenario):
        with tempfile.TemporaryDirectory() as folder:
            fake = os.path.join(folder, "fake_loopscope")
            with open(fake, "w") as f:
                f.write(f"#!{sys.executable}\n" + textwrap.dedent(fake_body))
            os.chmod(fake, 0o755)
            path = os.path.join(folder, "scenario.py")
            with open(path, "w") as f:
                f.write(textwrap.dedent(scenario))
            proc = subprocess.run(
                [sys.executable, os.path.join(HERE, "compare.py"),
                 "--loopscope", fake, path],
                capture_output=True, text=True, timeout=120)
            return proc.stdout, proc.returncode

    SCENARIO = """
        import asyncio
        async def main():
            await asyncio.sleep(1)
            print("t =", asyncio.get_running_loop().time())
            raise KeyError("k")
        asyncio.run(main())
        """

    def test_agreeing_runs_pass(self):
        # A "simulator" that is the harness itself must agree with it.
        out, status = self.compare(f"""
            import os, sys
            assert sys.argv[1] == "run"
            os.execv(sys.executable, [sys.executable, {VCLOCK!r}] + sys.argv[2:])
            """, self.SCENARIO)
        self.assertEqual(status, 0, out)
        self.assertTrue(out.startswith("ok "))

    def test_differences_are_reported(self):
        out, status = self.compare("""
            import sys
            print("t = 1.0000001")
            sys.stderr.write("KeyError: 'j'\\n")
            sys.exit(2)
            """, self.SCENARIO)
        self.assertEqual(status, 1)
        self.assertIn("MISMATCH", out)
        self.assertIn("-t = 1.0", out)
        self.assertIn("+t = 1.0000001", out)
        self.assertIn("exit status: python3 vclock.py 1, loopscope run 2", out)
        self.assertIn("\"KeyError: 'k'\"", out)


if __name__ == "__main__":
    unittest.main()
