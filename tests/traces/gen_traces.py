#!/usr/bin/env python3
"""Generates the hand-made loopscope traces in tests/traces/.

The runtime that will record real traces is written in parallel, so these
traces come from a small model of asyncio's scheduling written here: a loop
with a FIFO ready queue and a heapq timer heap ordered on deadlines only,
futures with done callbacks, tasks that step Python generators, and a
one-thread-at-a-time executor. Scenario coroutines are generators that yield
operations (print, sleep, create_task, await ...) tagged with their source
line, so each trace matches the scenario text stored in its header.

The traces are in version 1 of the format, which the reader still reads
(and writes back as version 1): they keep the window's version 1 path
tested. Output follows docs/trace-format.md exactly (keys in the
documented order, only the keys a kind uses, floats as Python prints
them), which is also how the C writer must print them: tests/test_trace.c
reads every file and writes it back byte for byte.

Usage: gen_traces.py [--out DIR] [--large | --large-only]
  writes hello, two_tasks, executor, exception, cancel and deadlock (.jsonl)
  into DIR (default: this directory), the small traces kept in the
  repository; with --large also many_tasks (1,000 tasks) and big (a
  100,000+ event run), which the build generates into its own tree.
"""
import hashlib
import heapq
import json
import os
import sys
from collections import deque

KEY_ORDER = ["loop", "task", "fut", "handle", "job", "executor", "worker",
             "peer", "line", "func", "hkind", "role", "phase", "state", "n",
             "when", "name", "type", "text"]


class Deadlock(Exception):
    pass


class World:
    """The event stream and the id counters of one run."""

    def __init__(self, scenario, source):
        self.scenario = scenario
        self.source = source
        self.lines = []
        self.seq = 0
        self.t = 0.0
        self.ids = {}
        self.task_names = 0
        self.current = None  # the task whose step runs now
        self.def_lines = {}  # function -> line of its def

    def next_id(self, kind):
        self.ids[kind] = self.ids.get(kind, 0) + 1
        return self.ids[kind]

    def emit(self, ev, **kw):
        obj = {"seq": self.seq, "t": self.t, "ev": ev}
        for key in KEY_ORDER:
            v = kw.pop(key, None)
            if v is None or v == "" or (v == 0 and key not in ("worker",)
                                        and not isinstance(v, str)):
                continue
            obj[key] = v
        assert not kw, kw
        self.lines.append(json.dumps(obj, ensure_ascii=False,
                                     separators=(",", ":")))
        self.seq += 1

    def header(self):
        return json.dumps({
            "format": "loopscope-trace", "version": 1,
            "scenario": self.scenario,
            "sha256": hashlib.sha256(self.source.encode()).hexdigest(),
            "clock": "virtual", "source": self.source,
        }, ensure_ascii=False, separators=(",", ":"))

    def write(self, path):
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(self.header() + "\n")
            for line in self.lines:
                f.write(line + "\n")


class Handle:
    def __init__(self, loop, fn, hkind, name=None, task=None, when=None):
        self.loop = loop
        self.fn = fn
        self.hkind = hkind
        self.name = name
        self.task = task
        self.when = when
        self.cancelled = False
        self.id = loop.w.next_id("handle")

    def __lt__(self, other):  # heapq compares deadlines only
        return self.when < other.when

    def cancel(self):
        if not self.cancelled:
            self.cancelled = True
            if self.when is not None:
                self.loop.w.emit("timer.cancel", loop=self.loop.id, handle=self.id)
            else:
                self.loop.w.emit("handle.cancel", loop=self.loop.id, handle=self.id)


class Loop:
    def __init__(self, w):
        self.w = w
        self.id = w.next_id("loop")
        self.ready = deque()
        self.timers = []
        self.threadsafe = deque()
        self.stopping = False
        self.iteration = 0
        self.executor = None
        w.emit("loop.create", loop=self.id)

    def call_soon(self, fn, hkind, name=None, task=None, peer=None):
        h = Handle(self, fn, hkind, name, task)
        self.ready.append(h)
        self.w.emit("handle.schedule", loop=self.id, task=task and task.id,
                    handle=h.id, peer=peer, hkind=hkind, name=name)
        return h

    def call_at(self, when, fn, name, task=None, fut=None):
        h = Handle(self, fn, "callback", name, task, when)
        heapq.heappush(self.timers, h)
        self.w.emit("timer.arm", loop=self.id, task=task and task.id,
                    fut=fut and fut.id, handle=h.id, when=when, name=name)
        return h

    def run_once(self):
        w = self.w
        self.iteration += 1
        w.emit("loop.iteration", loop=self.id, n=self.iteration)
        while self.timers and self.timers[0].cancelled:
            heapq.heappop(self.timers)
        ex = self.executor
        if self.ready or self.stopping or self.threadsafe:
            timeout = 0
        elif self.timers:
            timeout = max(0, self.timers[0].when - w.t)
        else:
            timeout = None
        wake = ex.next_wake() if ex else None
        if timeout is None and wake is None:
            w.emit("loop.phase", loop=self.id, phase="select")
            w.emit("loop.deadlock", loop=self.id)
            raise Deadlock()
        deadline = None if timeout is None else w.t + timeout
        w.emit("loop.phase", loop=self.id, phase="select",
               when=deadline if timeout else None)
        if timeout != 0:
            if wake is not None and (deadline is None or wake <= deadline):
                w.emit("clock.advance", when=wake, text="worker")
                w.t = wake
                ex.wake_due()
            elif deadline is not None:
                w.emit("clock.advance", when=deadline, text="timer")
                w.t = deadline
        while self.threadsafe:
            fn, name = self.threadsafe.popleft()
            self.call_soon(fn, "threadsafe", name)
        w.emit("loop.phase", loop=self.id, phase="timers")
        end = w.t + 1e-9
        while self.timers and self.timers[0].when < end:
            h = heapq.heappop(self.timers)
            if h.cancelled:
                continue
            self.ready.append(h)
            w.emit("timer.fire", loop=self.id, handle=h.id, when=h.when)
        ntodo = len(self.ready)
        w.emit("loop.phase", loop=self.id, phase="ready", n=ntodo)
        for _ in range(ntodo):
            h = self.ready.popleft()
            if h.cancelled:
                continue
            w.emit("handle.run", loop=self.id, task=h.task and h.task.id,
                   handle=h.id, hkind=h.hkind, name=h.name)
            h.fn()

    def run_until_complete(self, task):
        self.w.emit("loop.run", loop=self.id, text="run_until_complete")

        def stop():
            self.w.emit("loop.stop", loop=self.id)
            self.stopping = True

        task.add_done_callback(stop, "_run_until_complete_cb")
        while not self.stopping:
            self.run_once()
        self.stopping = False


class Future:
    def __init__(self, loop, role, name, creator=None, job=None):
        self.loop = loop
        self.id = loop.w.next_id("future")
        self.state = None
        self.result = None
        self.exc = None
        self.cancel_msg = None
        self.callbacks = []
        loop.w.emit("future.create", loop=loop.id, task=creator and creator.id,
                    fut=self.id, job=job, role=role, name=name)

    def add_done_callback(self, fn, name, hkind="done", task=None):
        if self.state:
            self.loop.call_soon(fn, hkind, name, task)
        else:
            self.callbacks.append((fn, name, hkind, task))

    def _finish(self, state, result=None, exc=None, text=None):
        self.state = state
        self.result = result
        self.exc = exc
        self._report(state, exc, text)
        for fn, name, hkind, task in self.callbacks:
            self.loop.call_soon(fn, hkind, name, task)
        self.callbacks = []

    def _report(self, state, exc, text):
        self.loop.w.emit("future.done", loop=self.loop.id, fut=self.id,
                         state=state, type=exc and exc[0],
                         text=exc[1] if exc else text)

    def set_result(self, value, text=None):
        self._finish("result", value, text=text if text is not None else repr(value))

    def set_exception(self, exc):
        self._finish("exception", exc=exc)

    def cancel(self, msg=None):
        if self.state:
            return False
        self.cancel_msg = msg
        self._finish("cancelled")
        return True


class Task(Future):
    def __init__(self, loop, gen, func, line, creator=None, name=None):
        w = loop.w
        self.loop = loop
        self.id = w.next_id("task")
        w.task_names += 1
        self.name = name or "Task-%d" % w.task_names
        self.gen = gen
        self.func = func
        self.state = None
        self.callbacks = []
        self.waiting = None
        self.cancel_msg = None
        self.cancel_requested = False
        # Where the coroutine resumes: its def line before the first step.
        self.resume_line = w.def_lines.get(func)
        self.resume_func = func
        w.emit("task.create", loop=loop.id, task=self.id,
               peer=creator and creator.id, line=line, func=func, name=self.name)
        loop.call_soon(lambda: self.step(), "step", None, self)

    def _report(self, state, exc, text):
        self.loop.w.emit("task.done", loop=self.loop.id, task=self.id,
                         state=state, type=exc and exc[0],
                         text=exc[1] if exc else text)

    def wakeup(self, fut):
        if fut.state == "cancelled":
            self.step(throw=("CancelledError", fut.cancel_msg or ""))
        elif fut.state == "exception":
            self.step(throw=fut.exc)
        else:
            self.step(value=fut.result)

    def step(self, value=None, throw=None):
        w = self.loop.w
        w.current = self
        if throw and throw[0] == "CancelledError" and self.cancel_requested:
            w.emit("task.cancel_deliver", loop=self.loop.id, task=self.id,
                   line=self.resume_line, func=self.resume_func)
        w.emit("task.step", loop=self.loop.id, task=self.id,
               line=self.resume_line, func=self.resume_func,
               type=throw and throw[0], text=throw and throw[1])
        try:
            if throw:
                op = self.gen.throw(TaskExc(*throw))
            else:
                op = self.gen.send(value)
            while True:
                try:
                    result = self.perform(op)
                except TaskExc as e:
                    op = self.gen.throw(e)
                    continue
                if result is SUSPEND:
                    return
                op = self.gen.send(result)
        except StopIteration as e:
            self.set_result(e.value, text=repr(e.value))
        except TaskExc as e:
            if e.type == "CancelledError":
                self.cancel_msg = e.text
                self._finish("cancelled")
            else:
                self.set_exception((e.type, e.text))
        finally:
            w.current = None

    def suspend_on(self, fut, line, func, role, name, peer=None):
        self.resume_line = line
        self.resume_func = func
        self.waiting = fut
        self.loop.w.emit("task.suspend", loop=self.loop.id, task=self.id,
                         fut=None if peer else fut and fut.id,
                         peer=peer and peer.id, line=line, func=func,
                         role=role, name=name)
        if fut is not None:
            fut.add_done_callback(lambda: self.wakeup(fut), None, "wakeup", self)
        return SUSPEND

    def cancel(self, msg=None, by=None):
        self.cancel_requested = True
        self.loop.w.emit("task.cancel_request", loop=self.loop.id, task=self.id,
                         peer=by and by.id, n=1, text=msg)
        if self.waiting is not None and not self.waiting.state:
            self.waiting.cancel(msg)

    def perform(self, op):
        """Runs one operation the coroutine yielded; returns its value or
        SUSPEND."""
        w = self.loop.w
        kind, line, func = op[0], op[1], op[2]
        args = op[3:]
        loop = self.loop
        if kind == "print":
            w.emit("output", task=self.id, line=line, name="stdout", text=args[0])
            return None
        if kind == "create_task":
            gen, cfunc, name = args
            return Task(loop, gen, cfunc, line, self, name)
        if kind == "sleep":
            delay = args[0]
            label = "sleep(%s)" % _num(delay)
            if delay <= 0:
                self.resume_line, self.resume_func = line, func
                w.emit("task.suspend", loop=loop.id, task=self.id, line=line,
                       func=func, role="yield", name="sleep(0)")
                loop.call_soon(lambda: self.step(), "step", None, self)
                return SUSPEND
            fut = Future(loop, "sleep", label, self)
            self.sleep_handle = loop.call_at(
                w.t + delay, lambda: fut.state or fut.set_result(None), label, self, fut)
            return self.suspend_on(fut, line, func, "sleep", label)
        if kind == "await_task":
            t = args[0]
            if t.state:
                return self.resume_from(t, line, func)
            self.suspend_on(t, line, func, "task", t.name, peer=t)
            return SUSPEND
        if kind == "future":
            role, name = args
            fut = Future(loop, role, name, self)
            return self.suspend_on(fut, line, func, role, name)
        if kind == "gather":
            tasks = args[0]
            fut = Future(loop, "gather", "gather(%d)" % len(tasks), self)
            left = [len(tasks)]

            def child_done():
                left[0] -= 1
                if left[0] == 0:
                    fut.set_result(None, text="[...]")
            for t in tasks:
                t.add_done_callback(child_done, "_done_callback", "done")
            return self.suspend_on(fut, line, func, "gather", fut_name(fut, tasks))
        if kind == "raise":
            etype, text = args
            w.emit("exc.raise", task=self.id, line=line, func=func, type=etype, text=text)
            raise TaskExc(etype, text)
        if kind == "propagate":  # the exception leaves func for its caller
            etype, caller, cline = args
            w.emit("exc.propagate", task=self.id, line=cline, func=func,
                   name=caller, type=etype)
            return None
        if kind == "catch":
            w.emit("exc.catch", task=self.id, line=line, func=func, type=args[0])
            return None
        if kind == "cancel":
            args[0].cancel(args[1], self)
            return None
        if kind == "cancel_timer":
            self.sleep_handle.cancel()
            return None
        if kind == "executor":
            return self.run_in_executor(line, func, *args)
        raise ValueError(kind)

    def resume_from(self, t, line, func):
        if t.state == "exception":
            raise TaskExc(*t.exc)
        return t.result

    def run_in_executor(self, line, func, fn_name, job_ops, result):
        loop = self.loop
        if loop.executor is None:
            loop.executor = Executor(loop, 8, "asyncio")
        job = loop.executor.submit(fn_name, job_ops, result)
        fut = Future(loop, "job", fn_name, self, job=job.id)
        job.future = fut
        return self.suspend_on(fut, line, func, "job", fn_name)


def fut_name(fut, tasks):
    return "gather(%d tasks)" % len(tasks)


class TaskExc(Exception):
    def __init__(self, type_, text):
        super().__init__(type_, text)
        self.type = type_
        self.text = text


SUSPEND = object()


def _num(x):
    return repr(x) if isinstance(x, float) and not x.is_integer() else str(int(x))


class Job:
    def __init__(self, ex, fn, ops, result):
        self.id = ex.loop.w.next_id("job")
        self.fn = fn
        self.ops = list(ops)
        self.result = result
        self.worker = None
        self.wake = None
        self.future = None


class Executor:
    """A pool whose jobs run one at a time (the virtual-clock rules)."""

    def __init__(self, loop, max_workers, name):
        self.loop = loop
        self.id = loop.w.next_id("executor")
        self.max = max_workers
        self.name = name
        self.workers = []   # the job on each worker, or None
        self.queue = deque()
        loop.w.emit("exec.create", executor=self.id, n=max_workers, name=name)

    def submit(self, fn, ops, result):
        w = self.loop.w
        job = Job(self, fn, ops, result)
        self.queue.append(job)
        w.emit("exec.submit", executor=self.id, job=job.id, n=len(self.queue), name=fn)
        self.start_queued()
        return job

    def start_queued(self):
        w = self.loop.w
        while self.queue:
            idle = [i for i, j in enumerate(self.workers) if j is None]
            if idle:
                i = idle[0]
            elif len(self.workers) < self.max:
                i = len(self.workers)
                self.workers.append(None)
                w.emit("exec.thread", executor=self.id, worker=i,
                       name="%s_%d" % (self.name, i))
            else:
                return
            job = self.queue.popleft()
            job.worker = i
            self.workers[i] = job
            w.emit("exec.start", executor=self.id, job=job.id, worker=i)
            self.run(job)

    def run(self, job):
        """Runs the job until it blocks or ends."""
        w = self.loop.w
        while job.ops:
            op = job.ops.pop(0)
            if op[0] == "print":
                w.emit("output", line=op[2], name="stdout", text=op[1])
            elif op[0] == "sleep":
                job.wake = w.t + op[1]
                w.emit("exec.block", executor=self.id, job=job.id, worker=job.worker,
                       when=job.wake, text="time.sleep(%s)" % _num(op[1]))
                return
        w.emit("exec.done", executor=self.id, job=job.id, worker=job.worker,
               state="result")
        self.workers[job.worker] = None
        fut = job.future
        self.loop.threadsafe.append(
            (lambda: fut.set_result(job.result), "_call_set_state"))
        self.start_queued()

    def next_wake(self):
        wakes = [j.wake for j in self.workers if j is not None and j.wake is not None]
        return min(wakes) if wakes else None

    def wake_due(self):
        w = self.loop.w
        for job in sorted((j for j in self.workers if j and j.wake is not None
                           and j.wake <= w.t), key=lambda j: j.wake):
            job.wake = None
            w.emit("exec.wake", executor=self.id, job=job.id, worker=job.worker)
            self.run(job)

    def shutdown(self):
        self.loop.w.emit("exec.shutdown", executor=self.id, n=1)


def asyncio_run(w, main_gen, main_line):
    """asyncio.run(main()): a loop, Task-1, run until it is done, close."""
    loop = Loop(w)
    status, text = 0, "ok"
    try:
        main = Task(loop, main_gen, "main", main_line)
        loop.run_until_complete(main)
        if main.state == "exception":
            w.emit("exc.unhandled", task=main.id, type=main.exc[0], text=main.exc[1])
            status, text = 1, "exception"
    except Deadlock:
        return 3, "deadlock"
    if loop.executor:
        loop.executor.shutdown()
    w.emit("loop.close", loop=loop.id)
    return status, text


def finish(w, status, text):
    w.emit("run.end", n=status, text=text)


# --------------------------------------------------------------------------
# The scenarios
# --------------------------------------------------------------------------

HELLO = '''import asyncio

async def main():
    print('Hello ...')
    await asyncio.sleep(1)
    print('... World!')

asyncio.run(main())
'''


def hello():
    w = World("01_hello.py", HELLO)
    w.def_lines = {'main': 3}

    def main():
        yield ("print", 4, "main", "Hello ...")
        yield ("sleep", 5, "main", 1)
        yield ("print", 6, "main", "... World!")
    finish(w, *asyncio_run(w, main(), 8))
    return w


TWO_TASKS = '''import asyncio

async def say_after(delay, what):
    await asyncio.sleep(delay)
    print(what)

async def main():
    task1 = asyncio.create_task(say_after(1, 'hello'))
    task2 = asyncio.create_task(say_after(2, 'world'))
    print("started")
    await task1
    await task2
    print("finished after 2 seconds, not 3")

asyncio.run(main())
'''


def two_tasks():
    w = World("03_two_tasks.py", TWO_TASKS)
    w.def_lines = {'say_after': 3, 'main': 7}

    def say_after(delay, what):
        yield ("sleep", 4, "say_after", delay)
        yield ("print", 5, "say_after", what)

    def main():
        t1 = yield ("create_task", 8, "main", say_after(1, "hello"), "say_after", None)
        t2 = yield ("create_task", 9, "main", say_after(2, "world"), "say_after", None)
        yield ("print", 10, "main", "started")
        yield ("await_task", 11, "main", t1)
        yield ("await_task", 12, "main", t2)
        yield ("print", 13, "main", "finished after 2 seconds, not 3")
    finish(w, *asyncio_run(w, main(), 15))
    return w


EXECUTOR = '''import asyncio
import time

def blocking_io():
    print("blocking_io: start")
    time.sleep(1)
    print("blocking_io: done")
    return "data"

async def ticker():
    for i in range(3):
        print("tick", i)
        await asyncio.sleep(0.4)

async def main():
    loop = asyncio.get_running_loop()
    tick = asyncio.create_task(ticker())
    result = await loop.run_in_executor(None, blocking_io)
    print("main: got", result)
    await tick

asyncio.run(main())
'''


def executor():
    w = World("06_run_in_executor.py", EXECUTOR)
    w.def_lines = {'ticker': 10, 'main': 15}

    def ticker():
        for i in range(3):
            yield ("print", 12, "ticker", "tick %d" % i)
            yield ("sleep", 13, "ticker", 0.4)

    def main():
        tick = yield ("create_task", 17, "main", ticker(), "ticker", None)
        result = yield ("executor", 18, "main", "blocking_io",
                        [("print", "blocking_io: start", 5), ("sleep", 1),
                         ("print", "blocking_io: done", 7)], "data")
        yield ("print", 19, "main", "main: got %s" % result)
        yield ("await_task", 20, "main", tick)
    finish(w, *asyncio_run(w, main(), 22))
    return w


EXCEPTION = '''import asyncio

async def parse(text):
    if not text.isdigit():
        raise ValueError(f"not a number: {text!r}")
    return int(text)

async def worker(text):
    await asyncio.sleep(0.5)
    return await parse(text)

async def main():
    task = asyncio.create_task(worker("forty-two"))
    try:
        value = await task
    except ValueError as e:
        print("main caught:", e)

asyncio.run(main())
'''


def exception():
    w = World("07_error_handling.py", EXCEPTION)
    w.def_lines = {'worker': 8, 'main': 12, 'parse': 3}
    msg = "not a number: 'forty-two'"

    def worker():
        yield ("sleep", 9, "worker", 0.5)
        try:
            yield ("raise", 5, "parse", "ValueError", msg)
        except TaskExc:
            yield ("propagate", 0, "parse", "ValueError", "worker", 10)
            raise

    def main():
        task = yield ("create_task", 13, "main", worker(), "worker", None)
        try:
            yield ("await_task", 15, "main", task)
        except TaskExc as e:
            yield ("propagate_from", 15, "main", task, e.type)
            yield ("catch", 16, "main", e.type)
            yield ("print", 17, "main", "main caught: " + e.text)
    finish(w, *asyncio_run(w, main(), 19))
    return w


CANCEL = '''import asyncio

async def slow():
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        print("slow: cancelled while sleeping")
        raise

async def main():
    task = asyncio.create_task(slow())
    await asyncio.sleep(1)
    task.cancel("too slow")
    try:
        await task
    except asyncio.CancelledError:
        print("main: the task was cancelled")

asyncio.run(main())
'''


def cancel():
    w = World("14_cancellation.py", CANCEL)
    w.def_lines = {'slow': 3, 'main': 10}

    def slow():
        try:
            yield ("sleep", 5, "slow", 10)
        except TaskExc as e:
            yield ("cancel_timer", 5, "slow")
            yield ("catch", 6, "slow", e.type)
            yield ("print", 7, "slow", "slow: cancelled while sleeping")
            yield ("raise", 8, "slow", "CancelledError", e.text)

    def main():
        task = yield ("create_task", 11, "main", slow(), "slow", None)
        yield ("sleep", 12, "main", 1)
        yield ("cancel", 13, "main", task, "too slow")
        try:
            yield ("await_task", 15, "main", task)
        except TaskExc as e:
            yield ("propagate_from", 15, "main", task, e.type)
            yield ("catch", 16, "main", e.type)
            yield ("print", 17, "main", "main: the task was cancelled")
    finish(w, *asyncio_run(w, main(), 19))
    return w


DEADLOCK = '''import asyncio

async def waiter(event):
    print("waiter: waiting for the event")
    await event.wait()
    print("waiter: never printed")

async def main():
    event = asyncio.Event()
    task = asyncio.create_task(waiter(event))
    await asyncio.sleep(0.5)
    print("main: waiting for the waiter (nobody sets the event)")
    await task

asyncio.run(main())
'''


def deadlock():
    w = World("18_deadlock.py", DEADLOCK)
    w.def_lines = {'waiter': 3, 'main': 8}

    def waiter():
        yield ("print", 4, "waiter", "waiter: waiting for the event")
        yield ("future", 5, "waiter", "event", "Event.wait()")
        yield ("print", 6, "waiter", "waiter: never printed")

    def main():
        task = yield ("create_task", 10, "main", waiter(), "waiter", None)
        yield ("sleep", 11, "main", 0.5)
        yield ("print", 12, "main", "main: waiting for the waiter (nobody sets the event)")
        yield ("await_task", 13, "main", task)
    finish(w, *asyncio_run(w, main(), 15))
    return w


MANY = '''import asyncio

async def worker(i):
    await asyncio.sleep(i % 10 * 0.1)
    return i

async def main():
    tasks = [asyncio.create_task(worker(i)) for i in range(1000)]
    results = await asyncio.gather(*tasks)
    print(sum(results))

asyncio.run(main())
'''


def many_tasks(n=1000):
    w = World("bench_1000_tasks.py", MANY.replace("1000", str(n)))
    w.def_lines = {'worker': 3, 'main': 7}

    def worker(i):
        yield ("sleep", 4, "worker", i % 10 * 0.1)
        return i

    def main():
        tasks = []
        for i in range(n):
            t = yield ("create_task", 8, "main", worker(i), "worker", None)
            tasks.append(t)
        yield ("gather", 9, "main", tasks)
        yield ("print", 10, "main", str(sum(range(n))))
    finish(w, *asyncio_run(w, main(), 12))
    return w


BIG = '''import asyncio

async def worker(i):
    for k in range(100):
        await asyncio.sleep((i * 7 + k) % 13 * 0.01)
        if k % 25 == 0:
            print("worker", i, "round", k)

async def main():
    tasks = [asyncio.create_task(worker(i)) for i in range(NTASKS)]
    for t in tasks:
        await t
    print("all done")

asyncio.run(main())
'''


def big(ntasks=110):
    w = World("bench_big.py", BIG.replace("NTASKS", str(ntasks)))
    w.def_lines = {'worker': 3, 'main': 9}

    def worker(i):
        for k in range(100):
            yield ("sleep", 5, "worker", (i * 7 + k) % 13 * 0.01)
            if k % 25 == 0:
                yield ("print", 7, "worker", "worker %d round %d" % (i, k))

    def main():
        tasks = []
        for i in range(ntasks):
            t = yield ("create_task", 10, "main", worker(i), "worker", None)
            tasks.append(t)
        for t in tasks:
            yield ("await_task", 12, "main", t)
        yield ("print", 13, "main", "all done")
    finish(w, *asyncio_run(w, main(), 15))
    return w


# "propagate_from" is performed by the awaiting task: the exception that
# ended the awaited task arrives at the await.
_orig_perform = Task.perform


def _perform(self, op):
    if op[0] == "propagate_from":
        _, line, func, child, etype = op
        self.loop.w.emit("exc.propagate", task=self.id, peer=child.id, line=line,
                         func=child.func, name=func, type=etype)
        return None
    if op[0] == "propagate":
        _, _, func, etype, caller, cline = op
        self.loop.w.emit("exc.propagate", task=self.id, line=cline, func=func,
                         name=caller, type=etype)
        return None
    return _orig_perform(self, op)


Task.perform = _perform


def main(argv):
    out = os.path.dirname(os.path.abspath(__file__))
    want_large = "--large" in argv or "--large-only" in argv
    if "--out" in argv:
        out = argv[argv.index("--out") + 1]
    os.makedirs(out, exist_ok=True)
    if "--large-only" not in argv:
        for name, fn in [("hello", hello), ("two_tasks", two_tasks),
                         ("executor", executor), ("exception", exception),
                         ("cancel", cancel), ("deadlock", deadlock)]:
            fn().write(os.path.join(out, name + ".jsonl"))
    if want_large:
        many_tasks().write(os.path.join(out, "many_tasks.jsonl"))
        w = big()
        assert w.seq >= 100000, w.seq
        w.write(os.path.join(out, "big.jsonl"))


if __name__ == "__main__":
    main(sys.argv[1:])
