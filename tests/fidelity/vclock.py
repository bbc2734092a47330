#!/usr/bin/env python3
"""Run a scenario under CPython's real asyncio on loopscope's virtual clock.

`python3 vclock.py FILE.py [ARGS...]` runs FILE.py as `__main__`, the way
`python3 FILE.py ARGS...` would (same sys.argv, __file__ and sys.path[0]),
but with time replaced by the virtual clock of docs LANGUAGE.md ("The time
model"). Its output is the reference that loopscope's own runtime must
reproduce byte for byte, so every rule below is also a rule of the C runtime:

* The clock starts at 0.0. loop.time(), time.time(), time.monotonic() and
  time.perf_counter() (and their _ns variants) all read it. Running code
  costs nothing; only waiting moves the clock.
* The event loop's selector never really waits. select(0) leaves the clock
  alone. select(t) with t > 0 moves towards now + t, running the executor
  workers that wake on the way one at a time, in order of (wake time, order
  in which they went to sleep), and returns early as soon as one of them
  scheduled a callback on the loop; otherwise it ends at exactly now + t.
  select(None) does the same with no end; if no worker can ever wake, the
  program is deadlocked: a report goes to stderr and the process exits 3.
* time.sleep(d) on the loop's thread blocks everything for d seconds: the
  clock moves to now + d, running the workers due in between.
* concurrent.futures.ThreadPoolExecutor (and so asyncio's default
  executor) is replaced by a deterministic pool. Jobs run on real threads,
  but a baton makes sure that exactly one thread runs at a time: a
  submitted job runs at once until it blocks in time.sleep or ends; a
  worker that finishes takes the next queued job while still holding the
  baton.
* os.cpu_count() returns 4 and random is seeded with 0.

Nothing here copies asyncio: the loop is CPython's own selector event loop,
given a selector that moves the virtual clock instead of sleeping. A few
hooks make CPython's own address-ordered choices (sets of tasks)
deterministic; they are described under "Determinism" below.
"""

import asyncio
import asyncio.taskgroups
import asyncio.tasks
import builtins
import concurrent.futures
import concurrent.futures.thread
import heapq
import importlib.machinery
import itertools
import math
import operator
import os
import random
import selectors
import signal
import sys
import threading
import time
import types
import weakref

# The deadlock report's exit status, as loopscope's headless runs use it.
DEADLOCK_STATUS = 3


def _fail(message):
    """Reports a harness limitation and stops at once with status 4, so that
    compare.py shows it instead of hanging until its timeout."""
    sys.stdout.flush()
    sys.stderr.write(f"vclock: {message}\n")
    sys.stderr.flush()
    os._exit(4)


# ---------------------------------------------------------------------------
# The world: the virtual clock, the sleeping workers and the baton.
# ---------------------------------------------------------------------------

class World:
    """The virtual clock and everything that moves it.

    One World exists per run; every patched function holds a reference to it
    (there is no module-level singleton). Invariants:

    * `now` only grows.
    * At most one thread runs scenario code at a time: the loop's thread
      (any thread that is not a pool worker) or the one worker it resumed.
      A thread that hands the baton over blocks until it comes back.
    * Every worker is exactly one of: running (holds the baton), sleeping
      (in `sleepers` with a wake time), idle (in its pool's idle list), or
      gone (thread ended).
    """

    def __init__(self):
        self.now = 0.0           # the virtual clock, in seconds
        self.sleepers = []       # heap of (wake time, sleep seq, worker)
        self._sleep_seq = itertools.count()  # ties: order of going to sleep
        self.pools = weakref.WeakSet()       # every pool, for the exit drain
        # Creation order of tasks, for deterministic all_tasks() iteration
        # and deadlock reports (weak, so that the harness never keeps a task
        # alive longer than CPython would).
        self.task_order = weakref.WeakKeyDictionary()
        self._task_seq = itertools.count()

    # -- time functions -----------------------------------------------------

    def time(self):
        """Returns the virtual clock; stands in for time.time and friends."""
        return self.now

    def time_ns(self):
        """Returns the virtual clock in integer nanoseconds, rounded to the
        nearest nanosecond (round(now * 1e9))."""
        return round(self.now * 1e9)

    def sleep(self, secs):
        """Stands in for time.sleep: checks the argument as CPython does, then
        either puts the calling worker to sleep or blocks the loop's thread."""
        if isinstance(secs, float):
            if secs != secs:
                raise ValueError("Invalid value NaN (not a number)")
        else:
            secs = operator.index(secs)
        if secs < 0:
            raise ValueError("sleep length must be non-negative")
        worker = current_worker()
        if worker is not None:
            worker.sleep(secs)
        else:
            self.block(secs)

    # -- the baton ----------------------------------------------------------

    def resume(self, worker):
        """Hands the baton to `worker` and waits until it blocks, goes idle or
        ends. Called on the thread that holds the baton."""
        back = threading.Event()
        worker.back = back
        if not worker.started:
            worker.started = True
            worker.go.set()
            worker.start()
        else:
            worker.go.set()
        back.wait()

    def run_next_sleeper(self):
        """Moves the clock to the earliest sleeping worker's wake time and
        runs it until it blocks again or goes idle."""
        wake, _, worker = heapq.heappop(self.sleepers)
        self.now = wake
        self.resume(worker)

    def next_wake(self):
        """Returns the earliest wake time of a sleeping worker, or inf."""
        return self.sleepers[0][0] if self.sleepers else math.inf

    # -- waiting on the loop's thread ---------------------------------------

    def block(self, secs):
        """time.sleep(secs) on the loop's thread: the loop is blocked while the
        clock moves to now + secs, running the workers due in between."""
        start = self.now
        target = start + secs
        while self.sleepers and self.next_wake() <= target:
            self.run_next_sleeper()
        self.now = start + secs

    def select(self, loop, timeout):
        """What the loop's selector does before polling for real.

        timeout 0 leaves the clock alone. Otherwise, moves towards now +
        timeout (no end for None), running due workers in order, and returns
        as soon as one of them scheduled a callback on `loop`
        (call_soon_threadsafe). With no end and no worker left to wake, the
        program is deadlocked and this function does not return."""
        if timeout is not None and timeout <= 0:
            return
        start = self.now
        target = math.inf if timeout is None else start + timeout
        while self.sleepers and self.next_wake() <= target:
            before = loop._vc_wakeups
            self.run_next_sleeper()
            if loop._vc_wakeups != before:
                return
        if timeout is None:
            self.deadlock(loop)
        self.now = start + timeout

    def run_until(self, done, timeout=None):
        """Blocks the loop's thread until done() is true, moving the clock to
        worker wake-ups in order. With a timeout, gives up at now + timeout
        (leaving the clock there). Returns done()."""
        start = self.now
        target = math.inf if timeout is None else start + timeout
        while not done():
            if not self.sleepers or self.next_wake() > target:
                if timeout is None:
                    self.deadlock(None)
                self.now = start + timeout
                break
            self.run_next_sleeper()
        return done()

    def drain(self):
        """At interpreter exit CPython joins the executors' threads, so every
        job still sleeping or queued runs to its end. Then idle workers are
        told to end so that no thread is left behind."""
        while self.sleepers:
            self.run_next_sleeper()
        for pool in list(self.pools):
            pool._stop_idle_workers()

    # -- tasks --------------------------------------------------------------

    def note_task(self, task):
        """Records a task's creation order."""
        self.task_order[task] = next(self._task_seq)

    def task_key(self, task):
        """Sort key: creation order; tasks created behind the loop's back
        (asyncio.Task(...) called directly) come last, by name."""
        seq = self.task_order.get(task)
        return (0, seq, "") if seq is not None else (1, 0, task.get_name())

    def deadlock(self, loop):
        """Prints the deadlock report and exits with status 3 at once."""
        pending = []
        if loop is not None:
            pending = sorted(_original_all_tasks(loop), key=self.task_key)
        sys.stdout.flush()
        lines = [f"loopscope: deadlock at t={self.now!r}: nothing is ready"
                 " and nothing is scheduled"]
        lines += [f"  {task.get_name()} is waiting" for task in pending]
        n = len(pending)
        lines.append(f"Deadlock: {n} task{'' if n == 1 else 's'} waiting"
                     " forever")
        sys.stderr.write("\n".join(lines) + "\n")
        sys.stderr.flush()
        os._exit(DEADLOCK_STATUS)


# ---------------------------------------------------------------------------
# The deterministic thread pool.
# ---------------------------------------------------------------------------

_STOP = object()   # the job that tells an idle worker to end


class _Worker(threading.Thread):
    """One pool thread. It runs only while it holds the baton: `go` is set by
    whoever resumes it, and `back` is the resumer's event, set when the
    worker blocks, goes idle or ends."""

    def __init__(self, world, pool, name, job):
        super().__init__(name=name, daemon=True)
        self.world = world
        self.pool = pool
        self.job = job           # a _WorkItem, _STOP, or None while idle
        self.go = threading.Event()
        self.back = None         # the resumer's event, while it waits
        self.started = False     # whether the thread was started

    def _hand_back(self):
        """Gives the baton back to whoever resumed this worker."""
        back, self.back = self.back, None
        self.go.clear()
        back.set()

    def _block(self):
        """Gives the baton back and waits to be resumed."""
        self._hand_back()
        self.go.wait()

    def sleep(self, secs):
        """time.sleep in a job: wake at now + secs, baton back to the loop."""
        world = self.world
        heapq.heappush(world.sleepers,
                       (world.now + secs, next(world._sleep_seq), self))
        self._block()

    def run(self):
        """Runs jobs until told to stop. A finished job's future callbacks run
        here (asyncio's wrap_future uses call_soon_threadsafe); then the next
        queued job starts at once, still holding the baton."""
        self.go.wait()
        try:
            while True:
                job, self.job = self.job, None
                if job is _STOP:
                    break
                if job is None:
                    # Resumed with nothing to do: should not happen.
                    self._block()
                    continue
                job.run()
                job = None
                self.job = self.pool._job_finished(self)
                if self.job is None:
                    if self.pool._shutdown:
                        break
                    self.pool._idle.append(self)
                    self._block()
        finally:
            self.pool._threads.discard(self)
            self._hand_back()


class VirtualFuture(concurrent.futures.Future):
    """A concurrent.futures.Future whose result() and exception(), called on
    the loop's thread, move the virtual clock (blocking the loop) until the
    job is done instead of waiting for real."""

    def __init__(self, world):
        super().__init__()
        self._vc_world = world

    def _vc_wait(self, timeout):
        if self.done():
            return
        if current_worker() is not None:
            _fail("a job waited for another job's future; only time.sleep"
                  " may block a worker under the virtual clock")
        self._vc_world.run_until(self.done, timeout)

    def result(self, timeout=None):
        self._vc_wait(timeout)
        return super().result(timeout=0)

    def exception(self, timeout=None):
        self._vc_wait(timeout)
        return super().exception(timeout=0)


class VirtualThreadPoolExecutor(concurrent.futures.Executor):
    """A drop-in ThreadPoolExecutor with deterministic scheduling.

    install() makes a subclass named ThreadPoolExecutor whose `_world` is the
    run's World (scenario code creates pools without knowing the harness).

    Keeps ThreadPoolExecutor's API and defaults: max_workers defaults to
    min(32, os.cpu_count() + 4) (8, as os.cpu_count() is 4), threads are
    named `<prefix>_<n>`, submit() returns a concurrent.futures.Future,
    shutdown(wait=True, cancel_futures=False), and `with` shuts down on exit.
    """

    _counter = itertools.count().__next__   # default prefixes, as CPython
    _world = None                            # set by install()'s subclass

    def __init__(self, max_workers=None, thread_name_prefix="",
                 initializer=None, initargs=()):
        if max_workers is None:
            max_workers = min(32, (os.cpu_count() or 1) + 4)
        if max_workers <= 0:
            raise ValueError("max_workers must be greater than 0")
        if initializer is not None and not callable(initializer):
            raise TypeError("initializer must be a callable")
        self._max_workers = max_workers
        self._thread_name_prefix = (thread_name_prefix or
                                    f"ThreadPoolExecutor-{self._counter()}")
        self._initializer = initializer
        self._initargs = initargs
        self._queue = []          # FIFO of _WorkItems waiting for a worker
        self._idle = []           # idle workers, longest idle first
        self._threads = set()     # live workers
        self._nthreads = 0        # threads ever started (for their names)
        self._active = 0          # jobs submitted and not yet finished
        self._when_done = []      # callbacks for when _active drops to 0
        self._shutdown = False
        self._world.pools.add(self)

    def submit(self, fn, /, *args, **kwargs):
        """Schedules fn(*args, **kwargs). If a worker is idle (the one idle
        longest) or another thread may start, the job starts at once and
        this call returns when it blocks or ends; otherwise it is queued."""
        if self._shutdown:
            raise RuntimeError("cannot schedule new futures after shutdown")
        future = VirtualFuture(self._world)
        item = concurrent.futures.thread._WorkItem(future, fn, args, kwargs)
        self._active += 1
        if self._idle:
            worker = self._idle.pop(0)
            worker.job = item
        elif len(self._threads) < self._max_workers:
            self._nthreads += 1
            worker = _Worker(self._world, self,
                             f"{self._thread_name_prefix}_{self._nthreads - 1}",
                             item)
            if self._initializer is not None:
                init, initargs = self._initializer, self._initargs
                item.fn = _with_initializer(init, initargs, fn)
            self._threads.add(worker)
        else:
            self._queue.append(item)
            return future
        self._world.resume(worker)
        return future

    def _job_finished(self, worker):
        """Called by a worker after each job: returns the next queued job, or
        None, firing the `when done` callbacks once nothing is left."""
        self._active -= 1
        if self._queue:
            return self._queue.pop(0)
        if self._active == 0 and self._when_done:
            callbacks, self._when_done = self._when_done, []
            for callback in callbacks:
                callback()
        return None

    def _vc_when_done(self, callback):
        """Calls callback() (in the thread that finishes the last job) once no
        job is queued or running; at once if that is already so."""
        if self._active == 0:
            callback()
        else:
            self._when_done.append(callback)

    def _stop_idle_workers(self):
        """Ends every idle worker's thread."""
        while self._idle:
            worker = self._idle.pop(0)
            worker.job = _STOP
            self._world.resume(worker)

    def shutdown(self, wait=True, *, cancel_futures=False):
        """Refuses new jobs; with cancel_futures, cancels the queued ones; with
        wait, blocks the loop's thread (the clock moves to worker wake-ups)
        until every job of this pool is done."""
        self._shutdown = True
        if cancel_futures:
            queued, self._queue = self._queue, []
            for item in queued:
                item.future.cancel()
                self._active -= 1
        if wait and current_worker() is None:
            self._world.run_until(lambda: self._active == 0)
        if current_worker() is None:
            self._stop_idle_workers()


def _with_initializer(init, initargs, fn):
    """Wraps a new thread's first job so that the pool's initializer runs
    first on that thread, as ThreadPoolExecutor does."""
    def first_job(*args, **kwargs):
        init(*initargs)
        return fn(*args, **kwargs)
    return first_job


def current_worker():
    """Returns the pool worker running this code, or None on the loop's
    thread (any thread that is not a pool worker)."""
    thread = threading.current_thread()
    return thread if isinstance(thread, _Worker) else None


# ---------------------------------------------------------------------------
# The event loop: CPython's selector loop with a virtual-time selector.
# ---------------------------------------------------------------------------

class VirtualSelector(selectors.DefaultSelector):
    """The real selector, asked only to poll (select(0)), after the virtual
    clock moved as World.select says. The loop's self-pipe is registered
    here as usual, so call_soon_threadsafe still wakes the loop."""

    def __init__(self, world):
        super().__init__()
        self._world = world
        self._loop_ref = None    # weak reference to the owning loop

    def select(self, timeout=None):
        loop = self._loop_ref() if self._loop_ref is not None else None
        if loop is not None:
            self._world.select(loop, timeout)
        return super().select(0)


class VirtualEventLoop(asyncio.SelectorEventLoop):
    """asyncio's own Unix selector loop, reading the virtual clock."""

    def __init__(self, world):
        selector = VirtualSelector(world)
        self._vc_world = world
        self._vc_wakeups = 0     # call_soon_threadsafe calls so far
        super().__init__(selector)
        selector._loop_ref = weakref.ref(self)
        # CLOCK_MONOTONIC's resolution on Linux: timers due within 1 ns of
        # the clock fire in the same pass.
        self._clock_resolution = 1e-09

    def time(self):
        return self._vc_world.now

    def create_task(self, coro, *, name=None, context=None):
        task = super().create_task(coro, name=name, context=context)
        self._vc_world.note_task(task)
        return task

    def _write_to_self(self):
        # Only call_soon_threadsafe writes to the self-pipe: counting those
        # writes tells the selector that a worker scheduled a callback.
        self._vc_wakeups += 1
        super()._write_to_self()

    async def shutdown_default_executor(self):
        # CPython shuts the default executor down from a helper thread that
        # joins the workers; here the pool itself reports when its last job
        # is done, with the same call_soon_threadsafe the thread would make,
        # so the loop keeps running (and the clock moves) meanwhile.
        self._executor_shutdown_called = True
        executor = self._default_executor
        if executor is None:
            return
        done = self.create_future()

        def set_done():
            if not done.done():
                done.set_result(None)

        def all_jobs_done():
            if not self.is_closed():
                self.call_soon_threadsafe(set_done)

        executor._vc_when_done(all_jobs_done)
        await done
        executor.shutdown(wait=True)


class VirtualEventLoopPolicy(asyncio.DefaultEventLoopPolicy):
    """The default policy, making VirtualEventLoops."""

    def __init__(self, world):
        super().__init__()
        self._loop_factory = lambda: VirtualEventLoop(world)


# ---------------------------------------------------------------------------
# Determinism: CPython's sets of tasks, put in a stable order.
#
# asyncio keeps tasks in sets in a few places, and a set of tasks iterates in
# an order that follows object addresses. Where that order shows in what a
# program prints, the harness substitutes the order loopscope uses:
#   * all_tasks(): creation order (so also asyncio.run's final cancellation);
#   * asyncio.wait(): done and pending iterate in the order the awaitables
#     were passed;
#   * as_completed(): coroutines are wrapped in tasks in the order passed;
#   * TaskGroup: aborting cancels the group's tasks in creation order.
# ---------------------------------------------------------------------------

_original_all_tasks = asyncio.tasks.all_tasks
_original_wait = asyncio.tasks.wait
_original_as_completed = asyncio.tasks.as_completed
_original_taskgroup_init = asyncio.taskgroups.TaskGroup.__init__


class _OrderedTaskSet(set):
    """A set that iterates in a given order (the order of `ordered`,
    restricted to current members), and prints like a plain set."""

    def __init__(self, items, ordered):
        super().__init__(items)
        self._order = list(ordered)

    def __iter__(self):
        return iter([item for item in self._order if item in self])

    def __repr__(self):
        if not self:
            return "set()"
        return "{" + ", ".join(repr(item) for item in self) + "}"


class _InsertionOrderedSet:
    """The little of a set that TaskGroup uses (add, discard, iteration,
    len), iterating in insertion order."""

    def __init__(self):
        self._items = {}         # dict keys keep insertion order

    def add(self, item):
        self._items[item] = None

    def discard(self, item):
        self._items.pop(item, None)

    def __contains__(self, item):
        return item in self._items

    def __iter__(self):
        return iter(list(self._items))

    def __len__(self):
        return len(self._items)


def _make_all_tasks(world):
    def all_tasks(loop=None):
        """Return a set of all tasks for the loop."""
        if loop is None:
            loop = asyncio.events.get_running_loop()
        tasks = _original_all_tasks(loop)
        return _OrderedTaskSet(tasks, sorted(tasks, key=world.task_key))
    return all_tasks


async def _ordered_wait(fs, *, timeout=None,
                        return_when=asyncio.ALL_COMPLETED):
    """asyncio.wait, with done and pending iterating in argument order."""
    if asyncio.isfuture(fs) or asyncio.iscoroutine(fs):
        return await _original_wait(fs, timeout=timeout,
                                    return_when=return_when)
    given = list(fs)
    done, pending = await _original_wait(given, timeout=timeout,
                                         return_when=return_when)
    return _OrderedTaskSet(done, given), _OrderedTaskSet(pending, given)


def _ordered_as_completed(fs, *, timeout=None):
    """asyncio.as_completed, wrapping coroutines in tasks in argument order
    (CPython wraps them in the order of a set)."""
    if not (asyncio.isfuture(fs) or asyncio.iscoroutine(fs)):
        loop = asyncio.events._get_event_loop()
        wrapped = {}
        for f in fs:
            if f not in wrapped:
                wrapped[f] = asyncio.ensure_future(f, loop=loop)
        fs = list(wrapped.values())
    yield from _original_as_completed(fs, timeout=timeout)


def _ordered_taskgroup_init(self, *args, **kwargs):
    _original_taskgroup_init(self, *args, **kwargs)
    self._tasks = _InsertionOrderedSet()


# ---------------------------------------------------------------------------
# Installing the world and running the scenario.
# ---------------------------------------------------------------------------

def install(world):
    """Replaces the time functions, os.cpu_count, the thread pool class, the
    event loop policy and asyncio's set-ordered spots (see "Determinism"),
    and seeds random. Called once per process."""
    for name in ("time", "monotonic", "perf_counter"):
        setattr(time, name, world.time)
    for name in ("time_ns", "monotonic_ns", "perf_counter_ns"):
        setattr(time, name, world.time_ns)
    time.sleep = world.sleep
    os.cpu_count = lambda: 4
    random.seed(0)
    pool_class = type("ThreadPoolExecutor", (VirtualThreadPoolExecutor,),
                      {"_world": world, "__module__": "concurrent.futures"})
    concurrent.futures.ThreadPoolExecutor = pool_class
    concurrent.futures.thread.ThreadPoolExecutor = pool_class
    all_tasks = _make_all_tasks(world)
    asyncio.tasks.all_tasks = asyncio.all_tasks = all_tasks
    asyncio.tasks.wait = asyncio.wait = _ordered_wait
    asyncio.tasks.as_completed = asyncio.as_completed = _ordered_as_completed
    asyncio.taskgroups.TaskGroup.__init__ = _ordered_taskgroup_init
    asyncio.set_event_loop_policy(VirtualEventLoopPolicy(world))


def _strip_harness_frames(exc, seen=None):
    """Removes this file's frames from an exception's traceback (and from
    its cause and context), so that the traceback reads as python3 would
    print it."""
    if seen is None:
        seen = set()
    if exc is None or id(exc) in seen:
        return
    seen.add(id(exc))
    here = os.path.realpath(__file__)

    def ours(tb):
        return os.path.realpath(tb.tb_frame.f_code.co_filename) == here

    tb = exc.__traceback__
    while tb is not None and ours(tb):
        tb = tb.tb_next
    head = tb
    while tb is not None:
        nxt = tb.tb_next
        while nxt is not None and ours(nxt):
            nxt = nxt.tb_next
        tb.tb_next = nxt
        tb = nxt
    exc.__traceback__ = head
    _strip_harness_frames(exc.__cause__, seen)
    _strip_harness_frames(exc.__context__, seen)


def run_scenario(world, path, args):
    """Runs the file at `path` as __main__ with sys.argv = [path] + args.
    Returns the exit status; an uncaught exception is printed as python3
    prints it (status 1)."""
    abspath = os.path.abspath(path)
    with open(abspath, "rb") as f:
        source = f.read()
    code = compile(source, abspath, "exec", dont_inherit=True)
    module = types.ModuleType("__main__")
    module.__dict__.update(
        __file__=abspath, __cached__=None, __builtins__=builtins,
        __loader__=importlib.machinery.SourceFileLoader("__main__", abspath),
        __spec__=None, __package__=None, __annotations__={})
    # Keep the harness's own module importable under another name: it is
    # the running __main__ and must outlive the swap.
    sys.modules["_vclock_harness"] = sys.modules.get("__main__")
    sys.modules["__main__"] = module
    sys.argv[:] = [path] + list(args)
    sys.path[0] = os.path.dirname(os.path.realpath(abspath))
    try:
        exec(code, module.__dict__)
    except SystemExit:
        world.drain()
        raise
    except BaseException as exc:
        _strip_harness_frames(exc)
        sys.last_type, sys.last_value = type(exc), exc
        sys.last_traceback = exc.__traceback__
        sys.excepthook(type(exc), exc, exc.__traceback__)
        exc = None
        world.drain()
        sys.stdout.flush()
        sys.stderr.flush()
        if isinstance(sys.last_value, KeyboardInterrupt):
            # CPython ends an uncaught KeyboardInterrupt by dying of SIGINT.
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGINT)
        return 1
    world.drain()
    return 0


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        sys.stderr.write("usage: vclock.py FILE.py [ARGS...]\n")
        return 2
    world = World()
    install(world)
    return run_scenario(world, argv[1], argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
