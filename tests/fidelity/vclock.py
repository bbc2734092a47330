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
* Streams and subprocesses use real loopback sockets and real processes,
  made deterministic (see "Real I/O" below): every socket operation waits,
  for real, until its effect is visible on the other side (data in the
  peer's buffer, a connection in the listener's queue, a FIN or a RST
  received), a program is started and, unless it is `sleep` or `cat`,
  waited for until it has exited, and a signal waits until the process is
  dead. The selector then polls the real file descriptors before it moves
  the clock: ready I/O means select() returns at once. `sleep N` runs as a
  real placeholder that the harness ends at virtual time start + N,
  reporting exit status 0; children are watched by a virtual child watcher
  that reports an exit at the first select after it (in order of exit
  time, then pid), with the same call_soon_threadsafe as CPython's default
  ThreadedChildWatcher.

Nothing here copies asyncio: the loop is CPython's own selector event loop,
given a selector that moves the virtual clock instead of sleeping. A few
hooks make CPython's own address-ordered choices (sets of tasks)
deterministic; they are described under "Determinism" below.
"""

import asyncio
import asyncio.taskgroups
import asyncio.tasks
import asyncio.unix_events
import builtins
import fcntl
import concurrent.futures
import concurrent.futures.process
import concurrent.futures.thread
import heapq
import importlib.machinery
import io
import itertools
import math
import operator
import os
import random
import selectors
import select
import signal
import socket
import struct
import subprocess
import sys
import termios
import threading
import time
import types
import weakref

# The real clock and sleep, for the harness's own waits on real I/O (the
# scenario's time functions are replaced by the virtual clock).
_real_monotonic = time.monotonic
_real_sleep = time.sleep

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
        self.io = RealIO(self)   # real sockets and child processes

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

        timeout 0 leaves the clock alone, and so does real I/O that is
        ready now. Otherwise, moves towards now + timeout (no end for None),
        running due workers in order, and returns as soon as one of them
        scheduled a callback on `loop` (call_soon_threadsafe), or stops at
        the exit time of a `sleep N` child if that comes first (a worker
        waking at the same instant runs first). With no end and nothing
        left to wait for, the program is deadlocked and this function does
        not return. Last, children whose exit is due are reported."""
        if (timeout is None or timeout > 0) and not self.io.ready(loop):
            self._wait(loop, timeout)
        self.io.report_exits(loop)

    def _wait(self, loop, timeout):
        start = self.now
        target = math.inf if timeout is None else start + timeout
        while True:
            due = self.io.next_exit(loop)
            if self.sleepers and self.next_wake() <= min(target, due):
                before = loop._vc_wakeups
                self.run_next_sleeper()
                if loop._vc_wakeups != before:
                    return
                continue
            if due <= target and due != math.inf:
                self.now = due
                return
            break
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
        self.io.drain()

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
# Real I/O: loopback sockets and child processes, made deterministic.
#
# CPython's loop learns about I/O from select(), and on a real machine what
# select() sees depends on when the kernel (or a child process) got round
# to it. The harness removes that race by waiting, for real and briefly,
# right after each operation until its effect is visible, so that the state
# of the real world at every select() is exactly the one of loopscope's
# simulated kernel (runtime/prelude_streams.py):
#   * send: the bytes are in the peer's receive buffer (FIONREAD);
#   * connect: the connection is established (or refused) and sits in the
#     listener's accept queue (TCP_INFO);
#   * shutdown(SHUT_WR) and close: the peer got the FIN, or the RST that
#     unread data causes (the peer's TCP state);
#   * a program starts and, unless it is `sleep N` or `cat`, runs to its
#     end before the caller goes on; a signal waits until the process is
#     dead; `cat` has copied what it was given and waits for more, or has
#     exited once its stdin is closed.
# `sleep N` runs as a real `sleep 100000` that the harness kills at virtual
# time start + N, reporting status 0 (a kill or terminate by the scenario
# reports the real status). A virtual child watcher reports every exit at
# the first select after it, with ThreadedChildWatcher's
# call_soon_threadsafe(callback, pid, returncode, *args).
# ---------------------------------------------------------------------------

_TCP_ESTABLISHED = 1
_TCP_SYN_SENT = 2
_TCP_FIN_WAIT1 = 4
_TCP_FIN_WAIT2 = 5
_TCP_CLOSE = 7
_SLEEP_PLACEHOLDER = "100000"


def _tcp_info(sock):
    return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)


def _tcp_state(sock):
    """The TCP state of a socket (tcpi_state), without side effects."""
    return _tcp_info(sock)[0]


def _accept_queue(sock):
    """How many connections wait in a listening socket's accept queue
    (Linux reports it as tcpi_unacked for listeners)."""
    return struct.unpack_from("I", _tcp_info(sock), 24)[0]


def _unread(fd):
    """Bytes waiting in a socket's receive buffer or in a pipe."""
    return struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD,
                                          b"\0\0\0\0"))[0]


def _wait_real(condition, what, limit=10.0):
    """Waits, in real time, until condition() holds; a harness failure
    (status 4) if that takes more than `limit` seconds."""
    deadline = _real_monotonic() + limit
    while not condition():
        if _real_monotonic() > deadline:
            _fail(f"{what} did not happen within {limit} s of real time")
        _real_sleep(0.0002)


def _sleep_seconds(text):
    """A `sleep` operand as coreutils reads it (a number with an optional
    s, m, h or d suffix), or None when it is not one."""
    scale = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    factor = 1
    if text and text[-1] in scale:
        factor = scale[text[-1]]
        text = text[:-1]
    try:
        value = float(text)
    except ValueError:
        return None
    if value < 0 or value != value:
        return None
    return value * factor


def _is_inet(sock):
    return sock.family == socket.AF_INET and sock.type == socket.SOCK_STREAM


class _Child:
    """A child process started by asyncio, as the harness sees it."""

    def __init__(self, popen, kind, exit_at):
        self.popen = popen       # the subprocess.Popen
        self.kind = kind         # "instant", "sleep" or "cat"
        self.exit_at = exit_at   # sleep: virtual time of its natural exit
        self.exited_at = None    # virtual time it exited, once it did
        self.natural = False     # ended by the harness at exit_at
        self.watch = None        # (loop, callback, args) of the watcher
        self.reported = False

    def exit_time(self):
        return self.exited_at if self.exited_at is not None else self.exit_at

    def really_exited(self):
        """True once the process is dead (it may not be reaped yet)."""
        if self.popen.returncode is not None:
            return True
        try:
            info = os.waitid(os.P_PID, self.popen.pid,
                             os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            return True
        return info is not None

    def wait_dead(self, what):
        _wait_real(self.really_exited, what)


class RealIO:
    """The real sockets and child processes of the run, and the waits that
    make them deterministic (see above)."""

    def __init__(self, world):
        self.world = world
        # Connected sockets by (local address, remote address), weakly, so
        # that the harness never keeps a socket open that CPython would
        # have collected; addresses of connections closed here.
        self.conns = weakref.WeakValueDictionary()
        self.closed = set()
        self.listeners = weakref.WeakValueDictionary()
        self.children = []

    # -- sockets ------------------------------------------------------------

    def note_conn(self, sock):
        try:
            self.conns[(sock.getsockname(), sock.getpeername())] = sock
        except OSError:
            pass

    def peer(self, sock):
        """The other end of a connected socket when it is in this process
        and open (else None), and whether it was here and is closed."""
        try:
            key = (sock.getpeername(), sock.getsockname())
        except OSError:
            return None, False
        other = self.conns.get(key)
        if other is not None and other.fileno() != -1:
            return other, False
        return None, key in self.closed

    def listener_for(self, address):
        host, port = address[:2]
        for name in ((host, port), ("0.0.0.0", port)):
            sock = self.listeners.get(name)
            if sock is not None and sock.fileno() != -1:
                return sock
        return None

    def peer_got_fin(self, peer):
        return (peer.fileno() == -1 or _tcp_state(peer) not in
                (_TCP_ESTABLISHED, _TCP_FIN_WAIT1, _TCP_FIN_WAIT2))

    # -- child processes ----------------------------------------------------

    def plan(self, args, shell, stdin):
        """What to really run for a program, and how the harness treats it:
        (kind, real args, seconds for sleep). cat waits for its input only
        when its stdin is a pipe from the loop."""
        if shell:
            words = args.split() if isinstance(args, str) else []
        else:
            words = list(args)
        words = [w.decode() if isinstance(w, bytes) else w for w in words]
        if not words or not all(isinstance(w, str) for w in words):
            return "instant", args, None
        name = os.path.basename(words[0])
        if name == "sleep" and len(words) > 1:
            seconds = [_sleep_seconds(w) for w in words[1:]]
            if None not in seconds:
                real = ("exec sleep " + _SLEEP_PLACEHOLDER if shell else
                        [words[0], _SLEEP_PLACEHOLDER])
                return "sleep", real, sum(seconds)
        if (name == "cat" and stdin == subprocess.PIPE and
                all(w == "-" for w in words[1:])):
            return "cat", args, None
        return "instant", args, None

    def spawned(self, popen, kind, seconds):
        child = _Child(popen, kind, None)
        self.children.append(child)
        if kind == "sleep":
            child.exit_at = self.world.now + seconds
        elif kind == "instant":
            child.wait_dead(f"the end of {popen.args!r}")
            child.exited_at = self.world.now
        return child

    def child_of(self, popen):
        for child in self.children:
            if child.popen is popen:
                return child
        return None

    def child_by_stdin(self, pipe):
        if pipe is None:
            return None
        for child in self.children:
            if child.popen.stdin is pipe:
                return child
        return None

    def signalled(self, child):
        """A signal went to a child still alive in the model: wait until it
        is dead; it exited now."""
        if child.exited_at is not None:
            return
        child.wait_dead(f"the death of process {child.popen.pid}")
        child.exited_at = self.world.now
        child.exit_at = None

    def settle_cat(self, child):
        """cat copies what it read before it reads again: wait until its
        stdin is empty and it is blocked reading (or dead)."""
        if child.kind != "cat" or child.exited_at is not None:
            return
        stdin = child.popen.stdin

        def idle():
            if child.really_exited():
                return True
            if not stdin.closed and _unread(stdin.fileno()) != 0:
                return False
            try:
                with open(f"/proc/{child.popen.pid}/wchan") as f:
                    wchan = f.read()
            except OSError:
                return True
            return "pipe_read" in wchan or "pipe_wait" in wchan

        _wait_real(idle, f"cat (pid {child.popen.pid}) to copy its input")

    def stdin_closed(self, child):
        """cat ends when its stdin is closed."""
        if child.kind == "cat" and child.exited_at is None:
            child.wait_dead(f"the end of cat (pid {child.popen.pid})")
            child.exited_at = self.world.now

    def _due(self, loop):
        now = self.world.now
        due = [c for c in self.children
               if c.watch is not None and c.watch[0] is loop and
               not c.reported and
               (c.exited_at is not None or
                (c.exit_at is not None and c.exit_at <= now))]
        due.sort(key=lambda c: (c.exit_time(), c.popen.pid))
        return due

    def next_exit(self, loop):
        """The virtual time of the next `sleep N` exit watched by loop."""
        times = [c.exit_at for c in self.children
                 if c.watch is not None and c.watch[0] is loop and
                 c.exited_at is None and c.exit_at is not None]
        return min(times) if times else math.inf

    def ready(self, loop):
        """Whether select() would return something now: a child exit to
        report, or a registered file descriptor ready (polled for real,
        without touching the selector's own epoll state)."""
        if self._due(loop):
            return True
        selector = loop._selector
        if selector is None:
            return False
        poller = select.poll()
        skip = loop._ssock.fileno() if loop._ssock is not None else -1
        count = 0
        for key in selector.get_map().values():
            if key.fd == skip:
                continue
            mask = 0
            if key.events & selectors.EVENT_READ:
                mask |= select.POLLIN
            if key.events & selectors.EVENT_WRITE:
                mask |= select.POLLOUT
            poller.register(key.fd, mask)
            count += 1
        return count > 0 and bool(poller.poll(0))

    def report_exits(self, loop):
        """Ends the `sleep N` placeholders whose time has come, then hands
        every exit due to the watcher's callback, in order of exit time and
        pid, as ThreadedChildWatcher's threads would."""
        for child in self._due(loop):
            pid = child.popen.pid
            if child.exited_at is None:
                os.kill(pid, signal.SIGKILL)
                child.wait_dead(f"the end of sleep (pid {pid})")
                child.exited_at = child.exit_at
                child.natural = True
            try:
                _, status = os.waitpid(pid, 0)
                returncode = os.waitstatus_to_exitcode(status)
            except ChildProcessError:
                returncode = child.popen.returncode
                if returncode is None:
                    returncode = 255
            if child.natural:
                returncode = 0
            child.reported = True
            wloop, callback, args = child.watch
            wloop.call_soon_threadsafe(callback, pid, returncode, *args)

    def drain(self):
        """At exit: no placeholder is left running."""
        for child in self.children:
            if child.kind == "sleep" and not child.really_exited():
                try:
                    os.kill(child.popen.pid, signal.SIGKILL)
                    os.waitpid(child.popen.pid, 0)
                except OSError:
                    pass


class VirtualChildWatcher(asyncio.AbstractChildWatcher):
    """The child watcher of the virtual world: add_child_handler only
    records the callback; RealIO.report_exits calls it."""

    def __init__(self, world):
        self._world = world

    def add_child_handler(self, pid, callback, *args):
        loop = asyncio.get_running_loop()
        for child in self._world.io.children:
            if child.popen.pid == pid:
                child.watch = (loop, callback, args)

    def remove_child_handler(self, pid):
        return True

    def attach_loop(self, loop):
        pass

    def close(self):
        pass

    def is_active(self):
        return True

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_value, exc_traceback):
        pass


def _install_real_io(world):
    """Wraps the socket, Popen and pipe-transport operations whose effects
    the harness waits for (see "Real I/O" above)."""
    io = world.io
    sock_class = socket.socket
    original = {name: getattr(sock_class, name) for name in
                ("connect", "accept", "send", "sendall", "shutdown", "close",
                 "listen")}

    def connect(sock, address):
        if not _is_inet(sock) or sock.gettimeout() != 0.0:
            return original["connect"](sock, address)
        listener = io.listener_for(address)
        before = _accept_queue(listener) if listener is not None else 0
        try:
            return original["connect"](sock, address)
        except BlockingIOError:
            _wait_real(lambda: _tcp_state(sock) != _TCP_SYN_SENT,
                       f"a connection to {address!r}")
            if _tcp_state(sock) == _TCP_ESTABLISHED:
                io.note_conn(sock)
                if listener is not None:
                    _wait_real(lambda: _accept_queue(listener) > before,
                               f"a connection queued at {address!r}")
            raise

    def accept(sock):
        conn, address = original["accept"](sock)
        if _is_inet(conn):
            io.note_conn(conn)
        return conn, address

    def send_with(name):
        def send(sock, data, *args):
            if not _is_inet(sock):
                return original[name](sock, data, *args)
            peer, gone = io.peer(sock)
            before = _unread(peer.fileno()) if peer is not None else 0
            n = original[name](sock, data, *args)
            sent = len(data) if n is None else n
            if peer is not None:
                _wait_real(lambda: _unread(peer.fileno()) >= before + sent,
                           "data reaching the peer")
            elif gone:
                _wait_real(lambda: _tcp_state(sock) == _TCP_CLOSE,
                           "the reset of a connection to a closed socket")
            return n
        return send

    def shutdown(sock, how):
        peer = io.peer(sock)[0] if _is_inet(sock) else None
        original["shutdown"](sock, how)
        if peer is not None and how in (socket.SHUT_WR, socket.SHUT_RDWR):
            _wait_real(lambda: io.peer_got_fin(peer), "a FIN reaching the peer")

    def close(sock):
        peer = None
        if _is_inet(sock) and sock.fileno() != -1:
            peer = io.peer(sock)[0]
            try:
                io.closed.add((sock.getsockname(), sock.getpeername()))
            except OSError:
                pass
        original["close"](sock)
        if peer is not None:
            _wait_real(lambda: io.peer_got_fin(peer),
                       "a FIN or a reset reaching the peer")

    def listen(sock, *args):
        original["listen"](sock, *args)
        if _is_inet(sock):
            io.listeners[sock.getsockname()] = sock

    sock_class.connect = connect
    sock_class.accept = accept
    sock_class.send = send_with("send")
    sock_class.sendall = send_with("sendall")
    sock_class.shutdown = shutdown
    sock_class.close = close
    sock_class.listen = listen

    unix = asyncio.unix_events
    start = unix._UnixSubprocessTransport._start

    def _start(self, args, shell, stdin, stdout, stderr, bufsize, **kwargs):
        kind, real_args, seconds = io.plan(args, shell, stdin)
        start(self, real_args, shell, stdin, stdout, stderr, bufsize,
              **kwargs)
        io.spawned(self._proc, kind, seconds)

    unix._UnixSubprocessTransport._start = _start

    send_signal = subprocess.Popen.send_signal

    def popen_send_signal(popen, sig):
        send_signal(popen, sig)
        child = io.child_of(popen)
        if child is not None:
            io.signalled(child)

    subprocess.Popen.send_signal = popen_send_signal

    pipe_class = unix._UnixWritePipeTransport
    pipe_write = pipe_class.write
    pipe_write_ready = pipe_class._write_ready
    pipe_lost = pipe_class._call_connection_lost

    def write(self, data):
        child = io.child_by_stdin(self._pipe)
        pipe_write(self, data)
        if child is not None:
            io.settle_cat(child)

    def _write_ready(self):
        child = io.child_by_stdin(self._pipe)
        pipe_write_ready(self)
        if child is not None:
            io.settle_cat(child)

    def _call_connection_lost(self, exc):
        child = io.child_by_stdin(self._pipe)
        try:
            pipe_lost(self, exc)
        finally:
            if child is not None:
                io.stdin_closed(child)

    pipe_class.write = write
    pipe_class._write_ready = _write_ready
    pipe_class._call_connection_lost = _call_connection_lost


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


class VirtualProcessPoolExecutor(VirtualThreadPoolExecutor):
    """ProcessPoolExecutor under the time model: its jobs run as a thread
    pool's (what a scenario observes is the same), with os.cpu_count()
    workers by default, as CPython's process pool has."""

    _process_counter = itertools.count().__next__

    def __init__(self, max_workers=None, mp_context=None, initializer=None,
                 initargs=(), *, max_tasks_per_child=None):
        if max_workers is None:
            max_workers = os.cpu_count() or 1
        super().__init__(max_workers,
                         f"ProcessPoolExecutor-{self._process_counter()}",
                         initializer, initargs)


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
    """The default policy, making VirtualEventLoops, with the virtual child
    watcher."""

    def __init__(self, world):
        super().__init__()
        self._vc_world = world
        self._loop_factory = lambda: VirtualEventLoop(world)

    def _init_watcher(self):
        if self._watcher is None:
            self._watcher = VirtualChildWatcher(self._vc_world)


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
    process_class = type("ProcessPoolExecutor", (VirtualProcessPoolExecutor,),
                         {"_world": world,
                          "__module__": "concurrent.futures.process"})
    concurrent.futures.ProcessPoolExecutor = process_class
    concurrent.futures.process.ProcessPoolExecutor = process_class
    all_tasks = _make_all_tasks(world)
    asyncio.tasks.all_tasks = asyncio.all_tasks = all_tasks
    asyncio.tasks.wait = asyncio.wait = _ordered_wait
    asyncio.tasks.as_completed = asyncio.as_completed = _ordered_as_completed
    asyncio.taskgroups.TaskGroup.__init__ = _ordered_taskgroup_init
    asyncio.set_event_loop_policy(VirtualEventLoopPolicy(world))
    _install_real_io(world)
    # Unbuffered standard streams (as with PYTHONUNBUFFERED=1): what a child
    # that inherits them writes then lands after everything printed before,
    # whatever the environment says about buffering.
    sys.stdout = _unbuffered(sys.stdout, 1)
    sys.stderr = _unbuffered(sys.stderr, 2)


def _unbuffered(stream, fd):
    """A text stream on `fd` that writes every piece at once."""
    stream.flush()
    raw = io.FileIO(fd, "w", closefd=False)
    return io.TextIOWrapper(raw, encoding=stream.encoding,
                            errors=stream.errors, write_through=True)


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
