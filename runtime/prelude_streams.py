"""Streams and subprocesses for loopscope, simulated in memory.

This file runs inside loopscope's asyncio module right after
prelude_asyncio.py (mod_streams.c loads it), so everything defined there
(Future, gather, sleep...) is at hand. Nothing here touches a real socket or
starts a real process: a small simulated kernel below keeps sockets, pipes
and child processes in memory, and a simulated epoll instance per event
loop reports their readiness to the loop's select phase through the
runtime's I/O hook (rt_loop_set_io).

Above the kernel, the code follows CPython 3.11's asyncio (selector_events,
streams, base_subprocess, unix_events, subprocess) call for call: every
call_soon, create_task and await that CPython makes is made here too, in
the same order, because the number of loop iterations between a write and
the peer's read is what decides how a scenario's prints interleave.

The model of time, shared with the CPython harness tests/fidelity/vclock.py:
  * What one iteration does to the simulated world is seen by the select
    of the next: data sent is in the peer's buffer at once and makes the
    peer readable; a connection is established (or refused) during
    connect(); closing sends FIN, or RST when unread data is left.
  * The simulated programs run in no time: echo, true and false have
    written their output and exited when create_subprocess_exec returns
    from starting them; sleep N exits at virtual time start + N; cat copies
    what it is given at once and exits when its stdin is closed. A signal
    (kill, terminate) ends a process at once. The exit is reported by the
    next select, then takes the same hops as with CPython's default
    ThreadedChildWatcher.
  * epoll is level-triggered and keeps CPython's order of ready file
    descriptors: a file joins the ready list when it becomes ready (or when
    registered already ready) unless it is on it, and a reported file stays
    on it until a later scan finds it idle.
  * Client ports are ephemeral ports counted from 50000, skipping ports in
    use; pids are counted from 1000; file descriptors are the lowest free
    from 6. None of these is what a real system gives, so fidelity
    scenarios do not print them.
"""

# --------------------------------------------------------------------------
# Constants

PIPE = -1
STDOUT = -2
DEVNULL = -3

_EVENT_READ = 1
_EVENT_WRITE = 2

_EPOLLIN = 0x001
_EPOLLOUT = 0x004
_EPOLLERR = 0x008
_EPOLLHUP = 0x010

_AF_INET = 2
_SOCK_STREAM = 1
_IPPROTO_TCP = 6
_SOL_SOCKET = 1
_SO_ERROR = 4
_SHUT_RD = 0
_SHUT_WR = 1
_SHUT_RDWR = 2

_DEFAULT_LIMIT = 2 ** 16
_LOG_THRESHOLD_FOR_CONNLOST_WRITES = 5

_ECONNRESET = 104
_ECONNREFUSED = 111

_SIGNAL_NAMES = {2: 'SIGINT', 9: 'SIGKILL', 15: 'SIGTERM'}


class IncompleteReadError(EOFError):
    """Incomplete read error: `partial` holds the bytes read before the end
    of the stream, `expected` how many were wanted (None if unknown)."""
    __module__ = 'asyncio.exceptions'

    def __init__(self, partial, expected):
        shown = 'undefined' if expected is None else repr(expected)
        super().__init__(f'{len(partial)} bytes read on a total of '
                         f'{shown} expected bytes')
        self.partial = partial
        self.expected = expected


class LimitOverrunError(Exception):
    """The buffer limit was reached while looking for a separator;
    `consumed` is how many bytes are to be consumed."""
    __module__ = 'asyncio.exceptions'

    def __init__(self, message, consumed):
        super().__init__(message)
        self.consumed = consumed


def _set_result_unless_cancelled(fut, result):
    if fut.cancelled():
        return
    fut.set_result(result)


def _check_ipv4(host):
    """True for a dotted-quad IPv4 address, the only host form simulated."""
    if not isinstance(host, str):
        return False
    parts = host.split('.')
    if len(parts) != 4:
        return False
    for part in parts:
        if not part.isdigit() or int(part) > 255:
            return False
    return True


def _resolve(host, port):
    """_ensure_resolved for the hosts the simulation knows: a numeric IPv4
    address resolves at once (asyncio's _ipaddr_info shortcut, no executor
    job); name lookups are not simulated."""
    if port is None:
        port = 0
    elif isinstance(port, str):
        port = int(port) if port else 0
    if host is None or not _check_ipv4(host):
        raise NotImplementedError(
            f'only numeric IPv4 hosts such as 127.0.0.1 are simulated in '
            f'scenarios, not {host!r}')
    return [(_AF_INET, _SOCK_STREAM, _IPPROTO_TCP, '', (host, port))]


# --------------------------------------------------------------------------
# The simulated kernel: file descriptors, sockets, pipes, processes

class _File:
    """An open file in the simulated kernel: a socket or a pipe end. Keys
    of epoll instances watching it are woken when its state changes."""

    def __init__(self):
        self.fd = _kernel._new_fd(self)
        self._watchers = []      # _Key objects of selectors watching it
        self._closed = False

    def fileno(self):
        return self.fd

    def _poll(self):
        return 0

    def _wake(self, flags):
        """A wake-up of the file's wait queue (ep_poll_callback): flags 0
        wakes every watcher, else only those registered for them."""
        for key in list(self._watchers):
            key.sel._callback(key, flags)

    def _release(self):
        if not self._closed:
            self._closed = True
            _kernel._free_fd(self.fd)


class _Socket(_File):
    """A TCP socket on the simulated loopback interface."""

    family = _AF_INET
    type = _SOCK_STREAM
    proto = _IPPROTO_TCP

    def __init__(self):
        super().__init__()
        self._state = 'new'      # new, listening, connected, refused, closed
        self._laddr = None       # (host, port) once bound
        self._raddr = None       # the peer's address once connected
        self._peer = None        # the peer socket once connected
        self._rbuf = b''         # received, not yet read
        self._rd_shut = False    # the peer's FIN arrived
        self._wr_shut = False    # our FIN was sent
        self._err = 0            # pending error (_SO_ERROR)
        self._reset = False      # the connection was reset
        self._backlog = []       # listening: connections not yet accepted
        self._max_backlog = 0

    def __repr__(self):
        laddr = self._laddr if self._laddr is not None else ('0.0.0.0', 0)
        text = (f'<socket.socket fd={self.fd}, family=2, type=1, proto=6, '
                f'laddr={laddr!r}')
        if self._raddr is not None and self._state == 'connected':
            text += f', raddr={self._raddr!r}'
        return text + '>'

    def setblocking(self, flag):
        pass

    def setsockopt(self, *args):
        pass

    def getsockname(self):
        return self._laddr if self._laddr is not None else ('0.0.0.0', 0)

    def getpeername(self):
        if self._state != 'connected' or self._raddr is None:
            raise OSError(107, 'Transport endpoint is not connected')
        return self._raddr

    def getsockopt(self, level, option):
        if level == _SOL_SOCKET and option == _SO_ERROR:
            err = self._err
            self._err = 0
            return err
        return 0

    def bind(self, address):
        """Binds to (host, port): 127.x.x.x or 0.0.0.0 only; port 0 takes
        an ephemeral port; a port in use is EADDRINUSE (98), whatever the
        host, since SO_REUSEADDR does not share a listening port."""
        host, port = address
        if host != '0.0.0.0' and not host.startswith('127.'):
            raise OSError(99, 'Cannot assign requested address')
        if port == 0:
            port = _kernel._ephemeral_port()
        elif _kernel._port_in_use(port):
            raise OSError(98, 'Address already in use')
        self._laddr = (host, port)
        _kernel._ports[port] = self

    def listen(self, backlog=128):
        self._state = 'listening'
        self._max_backlog = max(backlog, 0) + 1

    def connect(self, address):
        """Non-blocking connect: the loopback handshake completes (or is
        refused) before this returns, and it always reports "in
        progress", as Linux does."""
        host, port = address
        if self._laddr is None:
            self._laddr = ('127.0.0.1', _kernel._ephemeral_port())
            _kernel._ports[self._laddr[1]] = self
        listener = _kernel._listener(host, port)
        if listener is None or len(listener._backlog) >= listener._max_backlog:
            self._state = 'refused'
            self._err = _ECONNREFUSED
            self._reset = True
            self._wake(0)
        else:
            conn = _Socket()
            conn._state = 'connected'
            conn._laddr = (host, port)
            conn._raddr = self._laddr
            conn._peer = self
            self._state = 'connected'
            self._raddr = (host, port)
            self._peer = conn
            self._wake(0)
            listener._backlog.append(conn)
            listener._wake(_EPOLLIN)
        raise BlockingIOError(115, 'Operation now in progress')

    def accept(self):
        """The oldest established connection of the accept queue, as
        (socket, peer address); EAGAIN when there is none."""
        if self._state != 'listening':
            raise OSError(22, 'Invalid argument')
        if not self._backlog:
            raise BlockingIOError(11, 'Resource temporarily unavailable')
        conn = self._backlog.pop(0)
        return conn, conn._raddr

    def send(self, data):
        """Puts every byte into the peer's receive buffer at once (buffers
        never fill) and wakes the peer's readers. A pending error is
        raised first; sending to a closed socket succeeds but resets the
        connection, as the peer's kernel answers with RST."""
        if self._err:
            err = self._err
            self._err = 0
            raise OSError(err, 'Connection reset by peer')
        if self._state != 'connected' or self._wr_shut or self._reset:
            raise BrokenPipeError(32, 'Broken pipe')
        peer = self._peer
        if peer._closed:
            # Nobody reads there any more: the peer's kernel answers RST.
            self._err = _ECONNRESET
            self._reset = True
            self._wake(0)
            return len(data)
        peer._rbuf += data
        peer._wake(_EPOLLIN)
        return len(data)

    def recv(self, n):
        """Up to n received bytes; then a pending error (a reset); then b''
        once the peer's FIN came or the connection is gone; else EAGAIN."""
        if self._rbuf:
            data = self._rbuf[:n]
            self._rbuf = self._rbuf[n:]
            return data
        if self._err:
            err = self._err
            self._err = 0
            raise OSError(err, 'Connection reset by peer')
        if self._rd_shut or self._reset or self._state != 'connected':
            return b''
        raise BlockingIOError(11, 'Resource temporarily unavailable')

    def shutdown(self, how):
        if self._state != 'connected':
            raise OSError(107, 'Transport endpoint is not connected')
        if how in (_SHUT_WR, _SHUT_RDWR) and not self._wr_shut:
            self._wr_shut = True
            self._send_fin()

    def _send_fin(self):
        peer = self._peer
        if peer is not None and not peer._closed:
            peer._rd_shut = True
            peer._wake(0)

    def close(self):
        """Sends FIN, or RST when received data was never read (Linux's
        tcp_close); a listening socket resets the connections still in its
        accept queue. The port is free again at once."""
        if self._closed:
            return
        if self._state == 'connected':
            peer = self._peer
            if self._rbuf and peer is not None and not peer._closed:
                # Unread data: the connection is reset, not closed.
                peer._err = _ECONNRESET
                peer._reset = True
                peer._wake(0)
            elif not self._wr_shut:
                self._send_fin()
        elif self._state == 'listening':
            for conn in self._backlog:
                client = conn._peer
                if client is not None and not client._closed:
                    client._err = _ECONNRESET
                    client._reset = True
                    client._wake(0)
            self._backlog = []
        if self._laddr is not None and \
                _kernel._ports.get(self._laddr[1]) is self:
            del _kernel._ports[self._laddr[1]]
        self._state = 'closed'
        self._watchers = []
        self._release()

    def _poll(self):
        """tcp_poll's answer: readable with data, a FIN or an error;
        writable once connected; HUP when both directions are shut or the
        connection is gone; ERR while an error is pending."""
        if self._closed:
            return 0
        if self._state == 'listening':
            return _EPOLLIN if self._backlog else 0
        mask = 0
        if self._state == 'connected':
            mask |= _EPOLLOUT
            if self._rbuf or self._rd_shut:
                mask |= _EPOLLIN
            if self._rd_shut and self._wr_shut:
                mask |= _EPOLLHUP
        if self._reset or self._state == 'refused':
            mask |= _EPOLLIN | _EPOLLOUT | _EPOLLHUP
        if self._err:
            mask |= _EPOLLERR
        return mask


class _Pipe:
    """A pipe's buffer and how many ends of each side are open."""

    def __init__(self):
        self.buf = b''
        self.readers = 0
        self.writers = 0
        self.read_file = None    # the parent's read end, if it has one
        self.write_file = None   # the parent's write end, if it has one
        self.consumer = None     # the process reading it (cat), if any

    def write(self, data):
        """Appends to the pipe (EPIPE when nobody can read it any more),
        wakes the parent's read end and lets a reading child (cat) run."""
        if self.readers == 0:
            raise BrokenPipeError(32, 'Broken pipe')
        self.buf += data
        if self.read_file is not None:
            self.read_file._wake(_EPOLLIN)
        if self.consumer is not None:
            self.consumer._consume()
        return len(data)

    def close_reader(self):
        """One read end fewer; the last one gives the write end POLLERR."""
        self.readers -= 1
        if self.readers == 0 and self.write_file is not None:
            self.write_file._wake(0)

    def close_writer(self):
        """One write end fewer; the last one gives the read end POLLHUP
        (end of file) and ends a cat reading it."""
        self.writers -= 1
        if self.writers == 0:
            if self.read_file is not None:
                self.read_file._wake(0)
            if self.consumer is not None:
                self.consumer._consume()


class _PipeEnd(_File):
    """The parent's end of a child's pipe, as Popen's stdin / stdout /
    stderr file objects."""

    def __init__(self, pipe, reading):
        super().__init__()
        self._pipe = pipe
        self._reading = reading
        if reading:
            pipe.readers += 1
            pipe.read_file = self
        else:
            pipe.writers += 1
            pipe.write_file = self

    def __repr__(self):
        mode = 'rb' if self._reading else 'wb'
        return f"<_io.FileIO name={self.fd} mode='{mode}' closefd=True>"

    @property
    def closed(self):
        return self._closed

    def read(self, n):
        pipe = self._pipe
        if pipe.buf:
            data = pipe.buf[:n]
            pipe.buf = pipe.buf[n:]
            return data
        if pipe.writers == 0:
            return b''
        raise BlockingIOError(11, 'Resource temporarily unavailable')

    def write(self, data):
        return self._pipe.write(data)

    def close(self):
        if self._closed:
            return
        self._watchers = []
        self._release()
        if self._reading:
            self._pipe.read_file = None
            self._pipe.close_reader()
        else:
            self._pipe.write_file = None
            self._pipe.close_writer()

    def _poll(self):
        """pipe_poll: the read end is readable with data and hangs up
        once no writer is left; the write end is always writable (the
        buffer never fills) and in error once no reader is left."""
        if self._closed:
            return 0
        pipe = self._pipe
        if self._reading:
            mask = _EPOLLIN if pipe.buf else 0
            if pipe.writers == 0:
                mask |= _EPOLLHUP
            return mask
        if pipe.readers == 0:
            return _EPOLLOUT | _EPOLLERR
        return _EPOLLOUT


class _Popen:
    """A simulated child process, with the little of subprocess.Popen that
    asyncio uses (pid, stdin, stdout, stderr, returncode, poll and
    signals)."""

    def __init__(self, args, stdin, stdout, stderr):
        args = list(args)
        for arg in args:
            if not isinstance(arg, (str, bytes)):
                raise TypeError(f'expected str, bytes or os.PathLike '
                                f'object, not {type(arg).__name__}')
        program = args[0] if isinstance(args[0], str) else args[0].decode()
        name = program.split('/')[-1]
        if name not in _PROGRAMS or ('/' in program and program not in (
                '/bin/' + name, '/usr/bin/' + name)):
            raise FileNotFoundError(2, 'No such file or directory', args[0])
        self.args = args
        self.pid = _kernel._new_pid()
        self.returncode = None
        self._status = None      # the exit status once it exited
        self._exited_at = None   # virtual time of the exit
        self._exit_at = None     # virtual time of a coming timed exit
        self._watch = None       # (loop, callback, args) of the watcher
        self._reported = False
        self._program = name
        self.stdin = self.stdout = self.stderr = None
        # The child's side of its standard files: a _Pipe, 'null'
        # (DEVNULL), or 'fd0', 'fd1', 'fd2': the scenario's own stdin,
        # stdout and stderr, inherited.
        self._in = 'fd0'
        self._out = 'fd1'
        self._err = 'fd2'
        if stdin == PIPE:
            pipe = _Pipe()
            pipe.readers = 1
            self.stdin = _PipeEnd(pipe, False)
            self._in = pipe
        elif stdin == DEVNULL:
            self._in = 'null'
        if stdout == PIPE:
            pipe = _Pipe()
            pipe.writers = 1
            self.stdout = _PipeEnd(pipe, True)
            self._out = pipe
        elif stdout == DEVNULL:
            self._out = 'null'
        if stderr == STDOUT:
            self._err = self._out
            if isinstance(self._out, _Pipe):
                self._out.writers += 1
        elif stderr == PIPE:
            pipe = _Pipe()
            pipe.writers = 1
            self.stderr = _PipeEnd(pipe, True)
            self._err = pipe
        elif stderr == DEVNULL:
            self._err = 'null'
        _kernel._procs.append(self)
        _PROGRAMS[name](self, [a if isinstance(a, str) else a.decode()
                               for a in args[1:]])

    # -- what a program does --------------------------------------------

    def _write(self, which, text):
        target = self._out if which == 1 else self._err
        data = text.encode() if isinstance(text, str) else text
        if isinstance(target, _Pipe):
            if target.readers > 0:
                target.write(data)
        elif target == 'fd1':
            _vc_write_fd(1, data)
        elif target == 'fd2':
            _vc_write_fd(2, data)

    def _exit(self, status):
        """The process ends: its files close in descriptor order (stdin,
        stdout, stderr), waking whoever watches the other ends."""
        if self._status is not None:
            return
        self._status = status
        self._exited_at = _kernel._time()
        if isinstance(self._in, _Pipe):
            self._in.consumer = None
            self._in.close_reader()
        for target in (self._out, self._err):
            if isinstance(target, _Pipe):
                target.close_writer()

    def _consume(self):
        """cat: copies its stdin to its stdout as soon as data arrives, and
        exits once stdin is at its end."""
        pipe = self._in
        if self._status is not None or not isinstance(pipe, _Pipe):
            return
        if pipe.buf:
            data = pipe.buf
            pipe.buf = b''
            self._write(1, data)
        if pipe.writers == 0:
            self._exit(0)

    # -- Popen's interface ----------------------------------------------

    def poll(self):
        """Popen.poll(): the status once the child exited (a real Popen
        reaps it then, ahead of the child watcher)."""
        if self.returncode is None and self._status is not None:
            self.returncode = self._status
        return self.returncode

    def send_signal(self, sig):
        """Popen.send_signal: ignored once the child exited; otherwise
        the child dies at once with status -sig."""
        self.poll()
        if self.returncode is not None:
            return
        self._exit_at = None
        self._exit(-sig)

    def terminate(self):
        self.send_signal(15)

    def kill(self):
        self.send_signal(9)

    def __repr__(self):
        return f'<Popen: returncode: {self.returncode} args: {self.args!r}>'


# The simulated programs: each gets its process and its arguments (str)
# when it starts, writes its output at once and either exits (_exit) or
# says when it will (sleep's _exit_at) or waits for its input (cat).

def _prog_echo(proc, args):
    newline = True
    while args and args[0] in ('-n', '-e', '-E', '-ne', '-en'):
        if 'n' in args[0]:
            newline = False
        args = args[1:]
    proc._write(1, ' '.join(args) + ('\n' if newline else ''))
    proc._exit(0)


def _prog_true(proc, args):
    proc._exit(0)


def _prog_false(proc, args):
    proc._exit(1)


def _sleep_seconds(text):
    units = {'s': 1, 'm': 60, 'h': 3600, 'd': 86400}
    scale = 1
    if text and text[-1] in units:
        scale = units[text[-1]]
        text = text[:-1]
    try:
        value = float(text)
    except ValueError:
        return None
    if value < 0 or value != value:
        return None
    return value * scale


def _prog_sleep(proc, args):
    if not args:
        proc._write(2, "sleep: missing operand\n"
                       "Try 'sleep --help' for more information.\n")
        proc._exit(1)
        return
    total = 0
    for arg in args:
        seconds = _sleep_seconds(arg)
        if seconds is None:
            proc._write(2, f"sleep: invalid time interval '{arg}'\n"
                           "Try 'sleep --help' for more information.\n")
            proc._exit(1)
            return
        total += seconds
    proc._exit_at = _kernel._time() + total


def _prog_cat(proc, args):
    for arg in args:
        if arg != '-':
            proc._write(2, f'cat: {arg}: No such file or directory\n')
            proc._exit(1)
            return
    if isinstance(proc._in, _Pipe):
        proc._in.consumer = proc
        proc._consume()
    else:
        proc._exit(0)


_PROGRAMS = {'echo': _prog_echo, 'true': _prog_true, 'false': _prog_false,
             'sleep': _prog_sleep, 'cat': _prog_cat}


class _Kernel:
    """What the simulated kernel knows: open files, bound ports and child
    processes. One per interpreter (this module's `_kernel`)."""

    def __init__(self):
        self._files = {}         # fd -> _File
        self._ports = {}         # port -> the socket bound to it
        self._next_port = 50000
        self._next_pid = 1000
        self._procs = []         # children whose exit was not reported

    def _time(self):
        """The clock, read through the running loop (there always is one
        when the simulated world changes)."""
        loop = _get_running_loop()
        return loop.time() if loop is not None else 0.0

    def _new_fd(self, file):
        fd = 6
        while fd in self._files:
            fd += 1
        self._files[fd] = file
        return fd

    def _free_fd(self, fd):
        self._files.pop(fd, None)

    def _file(self, fd):
        return self._files[fd]

    def _new_pid(self):
        pid = self._next_pid
        self._next_pid += 1
        return pid

    def _port_in_use(self, port):
        return port in self._ports

    def _ephemeral_port(self):
        while self._next_port in self._ports:
            self._next_port += 1
        port = self._next_port
        self._next_port += 1
        return port

    def _listener(self, host, port):
        """The socket listening at (host, port), or on every interface at
        that port, or None: then a connection is refused."""
        sock = self._ports.get(port)
        if sock is None or sock._state != 'listening':
            return None
        if sock._laddr[0] in (host, '0.0.0.0'):
            return sock
        return None

    # -- child processes and the watcher --------------------------------

    def _exit_time(self, proc):
        return proc._exited_at if proc._status is not None else proc._exit_at

    def _due(self, loop):
        """Children watched from `loop` that exited or whose timed exit is
        due, in order of exit time then pid."""
        now = loop.time()
        due = []
        for proc in self._procs:
            if proc._watch is None or proc._watch[0] is not loop:
                continue
            if proc._status is not None or (proc._exit_at is not None and
                                            proc._exit_at <= now):
                due.append(proc)
        due.sort(key=lambda p: (self._exit_time(p), p.pid))
        return due

    def _next_exit(self, loop):
        """The earliest coming timed exit (sleep N) watched from `loop`,
        or None: the select does not wait past it."""
        when = None
        for proc in self._procs:
            if (proc._watch is not None and proc._watch[0] is loop and
                    proc._status is None and proc._exit_at is not None):
                if when is None or proc._exit_at < when:
                    when = proc._exit_at
        return when

    def _report_exits(self, loop):
        """At a select: due timed exits happen, then each exit not yet
        reported reaches the watcher, which queues its callback as
        ThreadedChildWatcher's thread would (call_soon_threadsafe)."""
        for proc in self._due(loop):
            if proc._status is None:
                at = proc._exit_at
                proc._exit(0)
                proc._exited_at = at
            proc._reported = True
            self._procs.remove(proc)
            wloop, callback, args = proc._watch
            wloop.call_soon(callback, proc.pid, proc._status, *args)


_kernel = _Kernel()


# --------------------------------------------------------------------------
# The simulated epoll instance of each loop, and the loop's reader and
# writer registrations (selector_events.BaseSelectorEventLoop)

class _IOHandle:
    """What CPython's loop keeps as a reader or writer Handle: queued again
    each time its file is ready, skipped once cancelled."""

    def __init__(self, loop, callback, args):
        self._loop = loop
        self._callback = callback
        self._args = args
        self._cancelled = False
        self._queued = None      # the loop Handle queued last, if pending

    def cancel(self):
        if self._cancelled:
            return
        self._cancelled = True
        queued = self._queued
        self._queued = None
        if queued is not None and queued._vc_queued():
            queued.cancel()
        self._callback = None
        self._args = None

    def cancelled(self):
        return self._cancelled

    def _schedule(self):
        self._queued = self._loop.call_soon(self._callback, *self._args)


class _Key:
    """A registration in a simulated epoll instance: selectors' SelectorKey
    (fileobj, fd, events, data) and the epoll item's ready-list link."""

    def __init__(self, sel, fileobj, events, data):
        self.sel = sel
        self.fileobj = fileobj
        self.fd = fileobj.fd
        self.events = events
        self.data = data
        self.linked = False

    def mask(self):
        """The epoll events it waits for (errors and hang-ups always)."""
        mask = _EPOLLERR | _EPOLLHUP
        if self.events & _EVENT_READ:
            mask |= _EPOLLIN
        if self.events & _EVENT_WRITE:
            mask |= _EPOLLOUT
        return mask


class _Selector:
    """selectors.EpollSelector over the simulated kernel, and the three
    callbacks of the runtime's I/O hook (_vc_ready, _vc_next, _vc_poll)."""

    def __init__(self, loop):
        self._loop = loop
        self._fd_to_key = {}
        self._rdlist = []        # epoll's ready list, in order

    # -- selectors' interface, used by the reader/writer functions below --

    def get_key(self, fd):
        return self._fd_to_key[fd]

    def register(self, fd, events, data):
        key = _Key(self, _kernel._file(fd), events, data)
        self._fd_to_key[fd] = key
        key.fileobj._watchers.append(key)
        if key.fileobj._poll() & key.mask():
            self._link(key)
        return key

    def modify(self, fd, events, data):
        """As EpollSelector.modify: epoll hears of it only when the events
        change, and then links the key if it is ready and not linked."""
        key = self._fd_to_key[fd]
        if events != key.events:
            key.events = events
            if not key.linked and key.fileobj._poll() & key.mask():
                self._link(key)
        key.data = data
        return key

    def unregister(self, fd):
        key = self._fd_to_key.pop(fd)
        if key in key.fileobj._watchers:
            key.fileobj._watchers.remove(key)
        if key.linked:
            key.linked = False
            self._rdlist.remove(key)
        return key

    def _link(self, key):
        key.linked = True
        self._rdlist.append(key)

    def _callback(self, key, flags):
        """ep_poll_callback: a wake-up whose flags the key does not wait
        for is ignored; otherwise an unlinked key joins the ready list
        (even if it turns out not to be ready: the next scan drops it)."""
        if flags and not (flags & key.mask()):
            return
        if not key.linked:
            self._link(key)

    def _scan(self):
        """epoll_wait: every linked key is polled; ready ones are reported
        and linked again at the tail (level-triggered), idle ones drop."""
        keys = self._rdlist
        self._rdlist = []
        ready = []
        for key in keys:
            key.linked = False
            flags = key.fileobj._poll() & key.mask()
            if not flags:
                continue
            self._link(key)
            events = 0
            if flags & ~_EPOLLIN:
                events |= _EVENT_WRITE
            if flags & ~_EPOLLOUT:
                events |= _EVENT_READ
            ready.append((key, events & key.events))
        return ready

    # -- the runtime's I/O hook -----------------------------------------

    def _vc_ready(self):
        # Asked before a select would wait: would epoll_wait return now?
        for key in self._rdlist:
            if key.fileobj._poll() & key.mask():
                return True
        return bool(_kernel._due(self._loop))

    def _vc_next(self):
        return _kernel._next_exit(self._loop)

    def _vc_poll(self):
        # The end of every select: child exits first (the watcher's
        # call_soon_threadsafe happens during CPython's select), then
        # _process_events over what epoll reports, in its order.
        loop = self._loop
        _kernel._report_exits(loop)
        for key, mask in self._scan():
            reader, writer = key.data
            if mask & _EVENT_READ and reader is not None:
                if reader._cancelled:
                    _remove_reader(loop, key.fd)
                else:
                    reader._schedule()
            if mask & _EVENT_WRITE and writer is not None:
                if writer._cancelled:
                    _remove_writer(loop, key.fd)
                else:
                    writer._schedule()

    def _vc_close(self):
        for fd in list(self._fd_to_key):
            self.unregister(fd)
        self._loop = None


def _selector(loop):
    sel = _vc_get_io(loop)
    if sel is None:
        sel = _Selector(loop)
        _vc_set_io(loop, sel)
    return sel


def _check_closed(loop):
    if loop.is_closed():
        raise RuntimeError('Event loop is closed')


# BaseSelectorEventLoop's _add_reader, _remove_reader, _add_writer and
# _remove_writer, as functions of the loop: a file's key holds the reader
# and writer handles; replacing one cancels the old.

def _add_watch(loop, fd, event, slot, callback, args):
    # slot 0: the reader, 1: the writer (the key's data is the pair).
    _check_closed(loop)
    handle = _IOHandle(loop, callback, args)
    sel = _selector(loop)
    key = sel._fd_to_key.get(fd)
    if key is None:
        pair = [None, None]
        pair[slot] = handle
        sel.register(fd, event, tuple(pair))
    else:
        pair = list(key.data)
        old = pair[slot]
        pair[slot] = handle
        sel.modify(fd, key.events | event, tuple(pair))
        if old is not None:
            old.cancel()
    return handle


def _remove_watch(loop, fd, event, slot):
    if loop.is_closed():
        return False
    sel = _selector(loop)
    key = sel._fd_to_key.get(fd)
    if key is None:
        return False
    pair = list(key.data)
    old = pair[slot]
    pair[slot] = None
    mask = key.events & ~event
    if not mask:
        sel.unregister(fd)
    else:
        sel.modify(fd, mask, tuple(pair))
    if old is not None:
        old.cancel()
        return True
    return False


def _add_reader(loop, fd, callback, *args):
    return _add_watch(loop, fd, _EVENT_READ, 0, callback, args)


def _remove_reader(loop, fd):
    return _remove_watch(loop, fd, _EVENT_READ, 0)


def _add_writer(loop, fd, callback, *args):
    return _add_watch(loop, fd, _EVENT_WRITE, 1, callback, args)


def _remove_writer(loop, fd):
    return _remove_watch(loop, fd, _EVENT_WRITE, 1)


def _test_selector_event(loop, fd, event):
    sel = _vc_get_io(loop)
    if sel is None:
        return False
    key = sel._fd_to_key.get(fd)
    return key is not None and bool(key.events & event)


# --------------------------------------------------------------------------
# Protocols

class BaseProtocol:
    def connection_made(self, transport):
        pass

    def connection_lost(self, exc):
        pass

    def pause_writing(self):
        pass

    def resume_writing(self):
        pass


class Protocol(BaseProtocol):
    def data_received(self, data):
        pass

    def eof_received(self):
        pass


class SubprocessProtocol(BaseProtocol):
    def pipe_data_received(self, fd, data):
        pass

    def pipe_connection_lost(self, fd, exc):
        pass

    def process_exited(self):
        pass


# --------------------------------------------------------------------------
# Transports (transports.py, selector_events.py)

class BaseTransport:
    def __init__(self, extra=None):
        if extra is None:
            extra = {}
        self._extra = extra

    def get_extra_info(self, name, default=None):
        return self._extra.get(name, default)


class _FlowControlTransport(BaseTransport):
    """transports._FlowControlMixin: writes pause the protocol above the
    high-water mark. Simulated buffers never fill, so it never does."""

    def __init__(self, extra=None, loop=None):
        super().__init__(extra)
        self._loop = loop
        self._protocol_paused = False
        self._high_water = 64 * 1024
        self._low_water = 16 * 1024

    def _maybe_pause_protocol(self):
        size = self.get_write_buffer_size()
        if size <= self._high_water:
            return
        if not self._protocol_paused:
            self._protocol_paused = True
            self._protocol.pause_writing()

    def _maybe_resume_protocol(self):
        if (self._protocol_paused and
                self.get_write_buffer_size() <= self._low_water):
            self._protocol_paused = False
            self._protocol.resume_writing()

    def get_write_buffer_limits(self):
        return (self._low_water, self._high_water)

    def set_write_buffer_limits(self, high=None, low=None):
        if high is None:
            high = 64 * 1024 if low is None else 4 * low
        if low is None:
            low = high // 4
        if not high >= low >= 0:
            raise ValueError(f'high ({high!r}) must be >= low ({low!r}) '
                             f'must be >= 0')
        self._high_water = high
        self._low_water = low
        self._maybe_pause_protocol()


class TransportSocket:
    """What transports and servers hand out instead of their socket."""

    def __init__(self, sock):
        self._sock = sock

    @property
    def family(self):
        return self._sock.family

    @property
    def type(self):
        return self._sock.type

    @property
    def proto(self):
        return self._sock.proto

    def __repr__(self):
        text = (f'<asyncio.TransportSocket fd={self.fileno()}, '
                f'family={self.family}, type={self.type}, '
                f'proto={self.proto}')
        if self.fileno() != -1:
            text += f', laddr={self.getsockname()!r}'
            if self._sock._state == 'connected':
                text += f', raddr={self.getpeername()!r}'
        return text + '>'

    def fileno(self):
        return -1 if self._sock._closed else self._sock.fd

    def getsockname(self):
        return self._sock.getsockname()

    def getpeername(self):
        return self._sock.getpeername()


class _SelectorSocketTransport(_FlowControlTransport):

    max_size = 256 * 1024

    def __init__(self, loop, sock, protocol, waiter=None, extra=None,
                 server=None):
        super().__init__(extra, loop)
        self._extra['socket'] = TransportSocket(sock)
        self._extra['sockname'] = sock.getsockname()
        if 'peername' not in self._extra:
            try:
                self._extra['peername'] = sock.getpeername()
            except OSError:
                self._extra['peername'] = None
        self._sock = sock
        self._sock_fd = sock.fileno()
        self._protocol_connected = False
        self.set_protocol(protocol)
        self._server = server
        self._buffer = b''
        self._conn_lost = 0
        self._closing = False
        self._paused = False
        if self._server is not None:
            self._server._attach()
        self._eof = False
        self._empty_waiter = None
        # Three handles in one iteration: the protocol learns of the
        # connection, then reading starts, then whoever made the transport
        # wakes up (one iteration later still).
        self._loop.call_soon(self._protocol.connection_made, self)
        self._loop.call_soon(self._add_reader, self._sock_fd,
                             self._read_ready)
        if waiter is not None:
            self._loop.call_soon(_set_result_unless_cancelled, waiter, None)

    def __repr__(self):
        info = ['_SelectorSocketTransport']
        if self._sock is None:
            info.append('closed')
        elif self._closing:
            info.append('closing')
        info.append(f'fd={self._sock_fd}')
        if self._loop is not None and not self._loop.is_closed():
            if _test_selector_event(self._loop, self._sock_fd, _EVENT_READ):
                info.append('read=polling')
            else:
                info.append('read=idle')
            state = ('polling' if _test_selector_event(
                self._loop, self._sock_fd, _EVENT_WRITE) else 'idle')
            info.append(f'write=<{state}, bufsize={len(self._buffer)}>')
        return '<' + ' '.join(info) + '>'

    def set_protocol(self, protocol):
        self._protocol = protocol
        self._protocol_connected = True

    def get_protocol(self):
        return self._protocol

    def abort(self):
        self._force_close(None)

    def is_closing(self):
        return self._closing

    def is_reading(self):
        return not self.is_closing() and not self._paused

    def pause_reading(self):
        if not self.is_reading():
            return
        self._paused = True
        _remove_reader(self._loop, self._sock_fd)

    def resume_reading(self):
        if self._closing or not self._paused:
            return
        self._paused = False
        self._add_reader(self._sock_fd, self._read_ready)

    def close(self):
        # Reading stops now; the socket itself closes (and the peer gets
        # its FIN) in the next iteration, in _call_connection_lost.
        if self._closing:
            return
        self._closing = True
        _remove_reader(self._loop, self._sock_fd)
        if not self._buffer:
            self._conn_lost += 1
            _remove_writer(self._loop, self._sock_fd)
            self._loop.call_soon(self._call_connection_lost, None)

    def _fatal_error(self, exc, message='Fatal error on transport'):
        if not isinstance(exc, OSError):
            self._loop.call_exception_handler({
                'message': message,
                'exception': exc,
                'transport': self,
                'protocol': self._protocol,
            })
        self._force_close(exc)

    def _force_close(self, exc):
        if self._conn_lost:
            return
        if self._buffer:
            self._buffer = b''
            _remove_writer(self._loop, self._sock_fd)
        if not self._closing:
            self._closing = True
            _remove_reader(self._loop, self._sock_fd)
        self._conn_lost += 1
        self._loop.call_soon(self._call_connection_lost, exc)

    def _call_connection_lost(self, exc):
        try:
            if self._protocol_connected:
                self._protocol.connection_lost(exc)
        finally:
            self._sock.close()
            self._sock = None
            self._protocol = None
            self._loop = None
            server = self._server
            if server is not None:
                server._detach()
                self._server = None
        if self._empty_waiter is not None:
            self._empty_waiter.set_exception(
                ConnectionError('Connection is closed by peer'))

    def get_write_buffer_size(self):
        return len(self._buffer)

    def _add_reader(self, fd, callback, *args):
        if not self.is_reading():
            return
        _add_reader(self._loop, fd, callback, *args)

    def _read_ready(self):
        # Queued by the select that saw the socket readable: everything
        # received so far goes to the protocol in one piece (up to 256 KiB).
        if self._conn_lost:
            return
        try:
            data = self._sock.recv(self.max_size)
        except (BlockingIOError, InterruptedError):
            return
        except (SystemExit, KeyboardInterrupt):
            raise
        except BaseException as exc:
            self._fatal_error(exc, 'Fatal read error on socket transport')
            return
        if not data:
            self._read_ready__on_eof()
            return
        try:
            self._protocol.data_received(data)
        except (SystemExit, KeyboardInterrupt):
            raise
        except BaseException as exc:
            self._fatal_error(
                exc, 'Fatal error: protocol.data_received() call failed.')

    def _read_ready__on_eof(self):
        try:
            keep_open = self._protocol.eof_received()
        except (SystemExit, KeyboardInterrupt):
            raise
        except BaseException as exc:
            self._fatal_error(
                exc, 'Fatal error: protocol.eof_received() call failed.')
            return
        if keep_open:
            _remove_reader(self._loop, self._sock_fd)
        else:
            self.close()

    def write(self, data):
        if not isinstance(data, bytes):
            raise TypeError(f'data argument must be a bytes-like object, '
                            f'not {type(data).__name__!r}')
        if self._eof:
            raise RuntimeError('Cannot call write() after write_eof()')
        if self._empty_waiter is not None:
            raise RuntimeError('unable to write; sendfile is in progress')
        if not data:
            return
        if self._conn_lost:
            self._conn_lost += 1
            return
        if not self._buffer:
            # Sent at once: the bytes are in the peer's buffer now, and its
            # reader sees them at the next select. Simulated buffers never
            # fill, so the writer callback below is never needed.
            try:
                n = self._sock.send(data)
            except (BlockingIOError, InterruptedError):
                pass
            except (SystemExit, KeyboardInterrupt):
                raise
            except BaseException as exc:
                self._fatal_error(exc,
                                  'Fatal write error on socket transport')
                return
            else:
                data = data[n:]
                if not data:
                    return
            _add_writer(self._loop, self._sock_fd, self._write_ready)
        self._buffer += data
        self._maybe_pause_protocol()

    def writelines(self, list_of_data):
        self.write(b''.join(list_of_data))

    def _write_ready(self):
        if self._conn_lost:
            return
        try:
            n = self._sock.send(self._buffer)
        except (BlockingIOError, InterruptedError):
            pass
        except (SystemExit, KeyboardInterrupt):
            raise
        except BaseException as exc:
            _remove_writer(self._loop, self._sock_fd)
            self._buffer = b''
            self._fatal_error(exc, 'Fatal write error on socket transport')
            if self._empty_waiter is not None:
                self._empty_waiter.set_exception(exc)
        else:
            if n:
                self._buffer = self._buffer[n:]
            self._maybe_resume_protocol()
            if not self._buffer:
                _remove_writer(self._loop, self._sock_fd)
                if self._empty_waiter is not None:
                    self._empty_waiter.set_result(None)
                if self._closing:
                    self._call_connection_lost(None)
                elif self._eof:
                    self._sock.shutdown(_SHUT_WR)

    def write_eof(self):
        if self._closing or self._eof:
            return
        self._eof = True
        if not self._buffer:
            self._sock.shutdown(_SHUT_WR)

    def can_write_eof(self):
        return True


# --------------------------------------------------------------------------
# Servers and connections (base_events.py, selector_events.py)

class Server:
    """What create_server() and start_server() return."""

    def __init__(self, loop, sockets, protocol_factory, backlog):
        self._loop = loop
        self._sockets = sockets
        self._active_count = 0
        self._waiters = []
        self._protocol_factory = protocol_factory
        self._backlog = backlog
        self._serving = False
        self._serving_forever_fut = None

    def __repr__(self):
        return f'<Server sockets={self.sockets!r}>'

    def _attach(self):
        self._active_count += 1

    def _detach(self):
        self._active_count -= 1
        if self._active_count == 0 and self._sockets is None:
            self._wakeup()

    def _wakeup(self):
        waiters = self._waiters
        self._waiters = None
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(waiter)

    def _start_serving(self):
        if self._serving:
            return
        self._serving = True
        for sock in self._sockets:
            sock.listen(self._backlog)
            _add_reader(self._loop, sock.fileno(), _accept_connection,
                        self._loop, self._protocol_factory, sock, self,
                        self._backlog)

    def get_loop(self):
        return self._loop

    def is_serving(self):
        return self._serving

    @property
    def sockets(self):
        if self._sockets is None:
            return ()
        return tuple(TransportSocket(s) for s in self._sockets)

    def close(self):
        sockets = self._sockets
        if sockets is None:
            return
        self._sockets = None
        for sock in sockets:
            _remove_reader(self._loop, sock.fileno())
            sock.close()
        self._serving = False
        if (self._serving_forever_fut is not None and
                not self._serving_forever_fut.done()):
            self._serving_forever_fut.cancel()
            self._serving_forever_fut = None
        if self._active_count == 0:
            self._wakeup()

    async def start_serving(self):
        self._start_serving()
        await sleep(0)

    async def serve_forever(self):
        if self._serving_forever_fut is not None:
            raise RuntimeError(
                f'server {self!r} is already being awaited on '
                f'serve_forever()')
        if self._sockets is None:
            raise RuntimeError(f'server {self!r} is closed')
        self._start_serving()
        self._serving_forever_fut = _vc_future(self._loop, 'stream',
                                               'serve_forever')
        try:
            await self._serving_forever_fut
        except CancelledError:
            try:
                self.close()
                await self.wait_closed()
            finally:
                raise
        finally:
            self._serving_forever_fut = None

    async def wait_closed(self):
        if self._sockets is None or self._waiters is None:
            return
        waiter = _vc_future(self._loop, 'stream', 'wait_closed')
        self._waiters.append(waiter)
        await waiter

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        self.close()
        await self.wait_closed()


def _accept_connection(loop, protocol_factory, sock, server, backlog):
    # Called once per iteration in which the listening socket is readable:
    # every queued connection is accepted, each in a task of its own (which
    # takes a Task-N number, as in CPython).
    for _ in range(backlog):
        try:
            conn, addr = sock.accept()
            conn.setblocking(False)
        except (BlockingIOError, InterruptedError, ConnectionAbortedError):
            return None
        else:
            extra = {'peername': addr}
            accept = _accept_connection2(loop, protocol_factory, conn, extra,
                                         server)
            loop.create_task(accept)


async def _accept_connection2(loop, protocol_factory, conn, extra, server):
    try:
        protocol = protocol_factory()
        waiter = _vc_future(loop, 'stream', 'connection_made')
        transport = _SelectorSocketTransport(loop, conn, protocol, waiter,
                                             extra, server)
        try:
            await waiter
        except BaseException:
            transport.close()
            raise
    except (SystemExit, KeyboardInterrupt):
        raise
    except BaseException:
        pass


async def _create_server_getaddrinfo(loop, host, port, family, flags):
    infos = _resolve(host, port)
    if not infos:
        raise OSError(f'getaddrinfo({host!r}) returned empty list')
    return infos


async def _loop_create_server(loop, protocol_factory, host=None, port=None,
                              *, family=0, flags=1, sock=None, backlog=100,
                              ssl=None, reuse_address=None, reuse_port=None,
                              ssl_handshake_timeout=None,
                              ssl_shutdown_timeout=None, start_serving=True):
    if ssl is not None:
        raise NotImplementedError('ssl is not simulated in scenarios')
    if sock is not None:
        raise NotImplementedError('sock= is not simulated in scenarios')
    if host is None and port is None:
        raise ValueError('Neither host/port nor sock were specified')
    if host == '' or host is None:
        raise NotImplementedError(
            'a server without a host binds every interface through '
            'getaddrinfo, which is not simulated; give a host such as '
            '127.0.0.1')
    elif isinstance(host, str):
        hosts = [host]
    else:
        hosts = list(host)
    # The address lookup runs as a gathered task, as in CPython: it takes a
    # Task-N number, and the server is listening three iterations later
    # (and returned after one more, the sleep(0) below).
    fs = [_create_server_getaddrinfo(loop, h, port, family, flags)
          for h in hosts]
    infos = await gather(*fs)
    seen = []
    for group in infos:
        for info in group:
            if info not in seen:
                seen.append(info)
    sockets = []
    completed = False
    try:
        for af, socktype, proto, canonname, sa in seen:
            sock = _Socket()
            sockets.append(sock)
            try:
                sock.bind(sa)
            except OSError as err:
                raise OSError(err.errno, 'error while attempting to bind on '
                              'address %r: %s' % (sa, err.strerror.lower())
                              ) from None
        completed = True
    finally:
        if not completed:
            for sock in sockets:
                sock.close()
    server = Server(loop, sockets, protocol_factory, backlog)
    if start_serving:
        server._start_serving()
        await sleep(0)
    return server


def _sock_connect(loop, fut, sock, address):
    # connect() always says "in progress": the socket becomes writable (the
    # connection made or refused) at the next select, which runs
    # _sock_connect_cb; the done callback then stops watching it.
    fd = sock.fileno()
    try:
        sock.connect(address)
    except (BlockingIOError, InterruptedError):
        handle = _add_writer(loop, fd, _sock_connect_cb, loop, fut, sock,
                             address)

        def write_done(f):
            if not handle.cancelled():
                _remove_writer(loop, fd)

        fut.add_done_callback(write_done)
    except (SystemExit, KeyboardInterrupt):
        raise
    except BaseException as exc:
        fut.set_exception(exc)
    else:
        fut.set_result(None)


def _sock_connect_cb(loop, fut, sock, address):
    if fut.done():
        return
    try:
        err = sock.getsockopt(_SOL_SOCKET, _SO_ERROR)
        if err != 0:
            raise OSError(err, f'Connect call failed {address}')
    except (BlockingIOError, InterruptedError):
        pass
    except (SystemExit, KeyboardInterrupt):
        raise
    except BaseException as exc:
        fut.set_exception(exc)
    else:
        fut.set_result(None)


async def _loop_sock_connect(loop, sock, address):
    resolved = _resolve(address[0], address[1])
    address = resolved[0][4]
    fut = _vc_future(loop, 'stream', 'connect')
    _sock_connect(loop, fut, sock, address)
    return await fut


async def _connect_sock(loop, exceptions, addr_info):
    my_exceptions = []
    exceptions.append(my_exceptions)
    family, type_, proto, _, address = addr_info
    sock = None
    try:
        sock = _Socket()
        sock.setblocking(False)
        await _loop_sock_connect(loop, sock, address)
        return sock
    except OSError as exc:
        my_exceptions.append(exc)
        if sock is not None:
            sock.close()
        raise
    except BaseException:
        if sock is not None:
            sock.close()
        raise


async def _loop_create_connection(loop, protocol_factory, host=None,
                                  port=None, *, ssl=None, family=0, proto=0,
                                  flags=0, sock=None, local_addr=None,
                                  server_hostname=None,
                                  ssl_handshake_timeout=None,
                                  ssl_shutdown_timeout=None,
                                  happy_eyeballs_delay=None,
                                  interleave=None):
    if ssl is not None:
        raise NotImplementedError('ssl is not simulated in scenarios')
    if sock is not None or local_addr is not None:
        raise NotImplementedError('sock= and local_addr= are not simulated '
                                  'in scenarios')
    if host is None and port is None:
        raise ValueError(
            'host and port was not specified and no sock specified')
    infos = _resolve(host, port)
    exceptions = []
    for addrinfo in infos:
        try:
            sock = await _connect_sock(loop, exceptions, addrinfo)
            break
        except OSError:
            continue
    if sock is None:
        flat = []
        for sub in exceptions:
            flat.extend(sub)
        if len(flat) == 1:
            raise flat[0]
        model = str(flat[0])
        if all(str(exc) == model for exc in flat):
            raise flat[0]
        raise OSError('Multiple exceptions: ' +
                      ', '.join(str(exc) for exc in flat))
    return await _create_connection_transport(loop, sock, protocol_factory)


async def _create_connection_transport(loop, sock, protocol_factory):
    sock.setblocking(False)
    protocol = protocol_factory()
    waiter = _vc_future(loop, 'stream', 'connection_made')
    transport = _SelectorSocketTransport(loop, sock, protocol, waiter)
    try:
        await waiter
    except BaseException:
        transport.close()
        raise
    return transport, protocol


# --------------------------------------------------------------------------
# Streams (streams.py)

class FlowControlMixin(Protocol):
    """Flow control for StreamWriter.drain(): pause_writing,
    resume_writing and connection_lost."""

    def __init__(self, loop=None):
        if loop is None:
            loop = get_event_loop()
        self._loop = loop
        self._paused = False
        self._drain_waiters = []
        self._connection_lost = False

    def pause_writing(self):
        self._paused = True

    def resume_writing(self):
        self._paused = False
        for waiter in self._drain_waiters:
            if not waiter.done():
                waiter.set_result(None)

    def connection_lost(self, exc):
        self._connection_lost = True
        if not self._paused:
            return
        for waiter in self._drain_waiters:
            if not waiter.done():
                if exc is None:
                    waiter.set_result(None)
                else:
                    waiter.set_exception(exc)

    async def _drain_helper(self):
        if self._connection_lost:
            raise ConnectionResetError('Connection lost')
        if not self._paused:
            return
        waiter = _vc_future(self._loop, 'stream', 'drain')
        self._drain_waiters.append(waiter)
        try:
            await waiter
        finally:
            self._drain_waiters.remove(waiter)

    def _get_close_waiter(self, stream):
        raise NotImplementedError


class StreamReaderProtocol(FlowControlMixin):
    """Adapts a Protocol to a StreamReader; on the server side, it calls
    client_connected_cb (a coroutine becomes a task). CPython holds the
    reader through a weak reference; here the reference is plain, which
    only matters to a scenario that drops its reader and keeps writing."""

    def __init__(self, stream_reader, client_connected_cb=None, loop=None):
        super().__init__(loop=loop)
        self._stream_reader = stream_reader
        self._reject_connection = False
        self._stream_writer = None
        self._task = None
        self._transport = None
        self._client_connected_cb = client_connected_cb
        self._over_ssl = False
        self._closed = _vc_future(self._loop, 'stream', 'wait_closed')

    def connection_made(self, transport):
        self._transport = transport
        reader = self._stream_reader
        if reader is not None:
            reader.set_transport(transport)
        if self._client_connected_cb is not None:
            self._stream_writer = StreamWriter(transport, self, reader,
                                               self._loop)
            res = self._client_connected_cb(reader, self._stream_writer)
            if iscoroutine(res):
                loop = self._loop

                def callback(task):
                    exc = task.exception()
                    if exc is not None:
                        loop.call_exception_handler({
                            'message': 'Unhandled exception in '
                                       'client_connected_cb',
                            'exception': exc,
                            'transport': transport,
                        })
                        transport.close()

                self._task = self._loop.create_task(res)
                self._task.add_done_callback(callback)

    def connection_lost(self, exc):
        reader = self._stream_reader
        if reader is not None:
            if exc is None:
                reader.feed_eof()
            else:
                reader.set_exception(exc)
        if not self._closed.done():
            if exc is None:
                self._closed.set_result(None)
            else:
                self._closed.set_exception(exc)
                # CPython's __del__ of the protocol marks it retrieved, so
                # an error nobody waits for is never reported.
                self._closed.exception()
        super().connection_lost(exc)
        self._stream_reader = None
        self._stream_writer = None
        self._task = None
        self._transport = None

    def data_received(self, data):
        reader = self._stream_reader
        if reader is not None:
            reader.feed_data(data)

    def eof_received(self):
        reader = self._stream_reader
        if reader is not None:
            reader.feed_eof()
        return True

    def _get_close_waiter(self, stream):
        return self._closed


class StreamWriter:
    """Wraps a transport: write, writelines, drain, close, wait_closed."""

    def __init__(self, transport, protocol, reader, loop):
        self._transport = transport
        self._protocol = protocol
        self._reader = reader
        self._loop = loop
        self._complete_fut = self._loop.create_future()
        self._complete_fut.set_result(None)

    def __repr__(self):
        info = ['StreamWriter', f'transport={self._transport!r}']
        if self._reader is not None:
            info.append(f'reader={self._reader!r}')
        return '<' + ' '.join(info) + '>'

    @property
    def transport(self):
        return self._transport

    def write(self, data):
        self._transport.write(data)

    def writelines(self, data):
        self._transport.writelines(data)

    def write_eof(self):
        return self._transport.write_eof()

    def can_write_eof(self):
        return self._transport.can_write_eof()

    def close(self):
        return self._transport.close()

    def is_closing(self):
        return self._transport.is_closing()

    async def wait_closed(self):
        await self._protocol._get_close_waiter(self)

    def get_extra_info(self, name, default=None):
        return self._transport.get_extra_info(name, default)

    async def drain(self):
        if self._reader is not None:
            exc = self._reader.exception()
            if exc is not None:
                raise exc
        if self._transport.is_closing():
            await sleep(0)
        await self._protocol._drain_helper()


class StreamReader:
    """Buffers what a transport receives for read(), readline(),
    readexactly(), readuntil() and `async for`. A read that finds too little
    waits on one future (_waiter) until feed_data() or feed_eof() comes:
    only one coroutine may wait at a time, as in CPython."""

    def __init__(self, limit=_DEFAULT_LIMIT, loop=None):
        if limit <= 0:
            raise ValueError('Limit cannot be <= 0')
        self._limit = limit
        if loop is None:
            loop = get_event_loop()
        self._loop = loop
        self._buffer = b''
        self._eof = False
        self._waiter = None
        self._exception = None
        self._transport = None
        self._paused = False

    def __repr__(self):
        info = ['StreamReader']
        if self._buffer:
            info.append(f'{len(self._buffer)} bytes')
        if self._eof:
            info.append('eof')
        if self._limit != _DEFAULT_LIMIT:
            info.append(f'limit={self._limit}')
        if self._waiter:
            info.append(f'waiter={self._waiter!r}')
        if self._exception:
            info.append(f'exception={self._exception!r}')
        if self._transport:
            info.append(f'transport={self._transport!r}')
        if self._paused:
            info.append('paused')
        return '<' + ' '.join(info) + '>'

    def exception(self):
        return self._exception

    def set_exception(self, exc):
        self._exception = exc
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.cancelled():
                waiter.set_exception(exc)

    def _wakeup_waiter(self):
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.cancelled():
                waiter.set_result(None)

    def set_transport(self, transport):
        if self._transport is not None:
            raise AssertionError('Transport already set')
        self._transport = transport

    def _maybe_resume_transport(self):
        if self._paused and len(self._buffer) <= self._limit:
            self._paused = False
            self._transport.resume_reading()

    def feed_eof(self):
        self._eof = True
        self._wakeup_waiter()

    def at_eof(self):
        return self._eof and not self._buffer

    def feed_data(self, data):
        if self._eof:
            raise AssertionError('feed_data after feed_eof')
        if not data:
            return
        self._buffer += data
        self._wakeup_waiter()
        if (self._transport is not None and not self._paused and
                len(self._buffer) > 2 * self._limit):
            try:
                self._transport.pause_reading()
            except NotImplementedError:
                self._transport = None
            else:
                self._paused = True

    async def _wait_for_data(self, func_name):
        if self._waiter is not None:
            raise RuntimeError(
                f'{func_name}() called while another coroutine is '
                f'already waiting for incoming data')
        if self._eof:
            raise AssertionError('_wait_for_data after EOF')
        if self._paused:
            self._paused = False
            self._transport.resume_reading()
        self._waiter = _vc_future(self._loop, 'stream', func_name)
        try:
            await self._waiter
        finally:
            self._waiter = None

    async def readline(self):
        sep = b'\n'
        seplen = len(sep)
        try:
            line = await self.readuntil(sep)
        except IncompleteReadError as e:
            return e.partial
        except LimitOverrunError as e:
            if self._buffer.startswith(sep, e.consumed):
                self._buffer = self._buffer[e.consumed + seplen:]
            else:
                self._buffer = b''
            self._maybe_resume_transport()
            raise ValueError(e.args[0])
        return line

    async def readuntil(self, separator=b'\n'):
        seplen = len(separator)
        if seplen == 0:
            raise ValueError('Separator should be at least one-byte string')
        if self._exception is not None:
            raise self._exception
        offset = 0
        while True:
            buflen = len(self._buffer)
            if buflen - offset >= seplen:
                isep = self._buffer.find(separator, offset)
                if isep != -1:
                    break
                offset = buflen + 1 - seplen
                if offset > self._limit:
                    raise LimitOverrunError(
                        'Separator is not found, and chunk exceed the limit',
                        offset)
            if self._eof:
                chunk = self._buffer
                self._buffer = b''
                raise IncompleteReadError(chunk, None)
            await self._wait_for_data('readuntil')
        if isep > self._limit:
            raise LimitOverrunError(
                'Separator is found, but chunk is longer than limit', isep)
        chunk = self._buffer[:isep + seplen]
        self._buffer = self._buffer[isep + seplen:]
        self._maybe_resume_transport()
        return chunk

    async def read(self, n=-1):
        if self._exception is not None:
            raise self._exception
        if n == 0:
            return b''
        if n < 0:
            blocks = []
            while True:
                block = await self.read(self._limit)
                if not block:
                    break
                blocks.append(block)
            return b''.join(blocks)
        if not self._buffer and not self._eof:
            await self._wait_for_data('read')
        data = self._buffer[:n]
        self._buffer = self._buffer[n:]
        self._maybe_resume_transport()
        return data

    async def readexactly(self, n):
        if n < 0:
            raise ValueError('readexactly size can not be less than zero')
        if self._exception is not None:
            raise self._exception
        if n == 0:
            return b''
        while len(self._buffer) < n:
            if self._eof:
                incomplete = self._buffer
                self._buffer = b''
                raise IncompleteReadError(incomplete, n)
            await self._wait_for_data('readexactly')
        data = self._buffer[:n]
        self._buffer = self._buffer[n:]
        self._maybe_resume_transport()
        return data

    def __aiter__(self):
        return self

    async def __anext__(self):
        val = await self.readline()
        if val == b'':
            raise StopAsyncIteration
        return val


async def open_connection(host=None, port=None, *, limit=_DEFAULT_LIMIT,
                          **kwds):
    loop = get_running_loop()
    reader = StreamReader(limit=limit, loop=loop)
    protocol = StreamReaderProtocol(reader, loop=loop)
    transport, _ = await _loop_create_connection(
        loop, lambda: protocol, host, port, **kwds)
    writer = StreamWriter(transport, protocol, reader, loop)
    return reader, writer


async def start_server(client_connected_cb, host=None, port=None, *,
                       limit=_DEFAULT_LIMIT, **kwds):
    loop = get_running_loop()

    def factory():
        reader = StreamReader(limit=limit, loop=loop)
        protocol = StreamReaderProtocol(reader, client_connected_cb,
                                        loop=loop)
        return protocol

    return await _loop_create_server(loop, factory, host, port, **kwds)


# --------------------------------------------------------------------------
# Pipes and subprocess transports (unix_events.py, base_subprocess.py)

class _UnixReadPipeTransport(BaseTransport):

    max_size = 256 * 1024

    def __init__(self, loop, pipe, protocol, waiter=None, extra=None):
        super().__init__(extra)
        self._extra['pipe'] = pipe
        self._loop = loop
        self._pipe = pipe
        self._fileno = pipe.fileno()
        self._protocol = protocol
        self._closing = False
        self._paused = False
        self._loop.call_soon(self._protocol.connection_made, self)
        self._loop.call_soon(self._add_reader, self._fileno,
                             self._read_ready)
        if waiter is not None:
            self._loop.call_soon(_set_result_unless_cancelled, waiter, None)

    def __repr__(self):
        info = ['_UnixReadPipeTransport']
        if self._pipe is None:
            info.append('closed')
        elif self._closing:
            info.append('closing')
        info.append(f'fd={self._fileno}')
        if self._pipe is not None:
            polling = _test_selector_event(self._loop, self._fileno,
                                           _EVENT_READ)
            info.append('polling' if polling else 'idle')
        else:
            info.append('closed')
        return '<' + ' '.join(info) + '>'

    def _add_reader(self, fd, callback):
        if not self.is_reading():
            return
        _add_reader(self._loop, fd, callback)

    def is_reading(self):
        return not self._paused and not self._closing

    def _read_ready(self):
        try:
            data = self._pipe.read(self.max_size)
        except (BlockingIOError, InterruptedError):
            pass
        except OSError as exc:
            self._fatal_error(exc, 'Fatal read error on pipe transport')
        else:
            if data:
                self._protocol.data_received(data)
            else:
                self._closing = True
                _remove_reader(self._loop, self._fileno)
                self._loop.call_soon(self._protocol.eof_received)
                self._loop.call_soon(self._call_connection_lost, None)

    def pause_reading(self):
        if not self.is_reading():
            return
        self._paused = True
        _remove_reader(self._loop, self._fileno)

    def resume_reading(self):
        if self._closing or not self._paused:
            return
        self._paused = False
        _add_reader(self._loop, self._fileno, self._read_ready)

    def set_protocol(self, protocol):
        self._protocol = protocol

    def get_protocol(self):
        return self._protocol

    def is_closing(self):
        return self._closing

    def close(self):
        if not self._closing:
            self._close(None)

    def _fatal_error(self, exc, message='Fatal error on pipe transport'):
        if not (isinstance(exc, OSError) and exc.errno == 5):
            self._loop.call_exception_handler({
                'message': message,
                'exception': exc,
                'transport': self,
                'protocol': self._protocol,
            })
        self._close(exc)

    def _close(self, exc):
        self._closing = True
        _remove_reader(self._loop, self._fileno)
        self._loop.call_soon(self._call_connection_lost, exc)

    def _call_connection_lost(self, exc):
        try:
            self._protocol.connection_lost(exc)
        finally:
            self._pipe.close()
            self._pipe = None
            self._protocol = None
            self._loop = None


class _UnixWritePipeTransport(_FlowControlTransport):

    def __init__(self, loop, pipe, protocol, waiter=None, extra=None):
        super().__init__(extra, loop)
        self._extra['pipe'] = pipe
        self._pipe = pipe
        self._fileno = pipe.fileno()
        self._protocol = protocol
        self._buffer = b''
        self._conn_lost = 0
        self._closing = False
        self._loop.call_soon(self._protocol.connection_made, self)
        # Watching the write end for reading tells when the reader closed.
        self._loop.call_soon(_add_reader, self._loop, self._fileno,
                             self._read_ready)
        if waiter is not None:
            self._loop.call_soon(_set_result_unless_cancelled, waiter, None)

    def __repr__(self):
        info = ['_UnixWritePipeTransport']
        if self._pipe is None:
            info.append('closed')
        elif self._closing:
            info.append('closing')
        info.append(f'fd={self._fileno}')
        if self._pipe is not None:
            polling = _test_selector_event(self._loop, self._fileno,
                                           _EVENT_WRITE)
            info.append('polling' if polling else 'idle')
            info.append(f'bufsize={len(self._buffer)}')
        else:
            info.append('closed')
        return '<' + ' '.join(info) + '>'

    def get_write_buffer_size(self):
        return len(self._buffer)

    def _read_ready(self):
        if self._buffer:
            self._close(BrokenPipeError())
        else:
            self._close()

    def write(self, data):
        if not data:
            return
        if self._conn_lost or self._closing:
            self._conn_lost += 1
            return
        if not self._buffer:
            try:
                n = self._pipe.write(data)
            except (BlockingIOError, InterruptedError):
                n = 0
            except (SystemExit, KeyboardInterrupt):
                raise
            except BaseException as exc:
                self._conn_lost += 1
                self._fatal_error(exc, 'Fatal write error on pipe transport')
                return
            if n == len(data):
                return
            elif n > 0:
                data = data[n:]
            _add_writer(self._loop, self._fileno, self._write_ready)
        self._buffer += data
        self._maybe_pause_protocol()

    def _write_ready(self):
        try:
            n = self._pipe.write(self._buffer)
        except (BlockingIOError, InterruptedError):
            pass
        except (SystemExit, KeyboardInterrupt):
            raise
        except BaseException as exc:
            self._buffer = b''
            self._conn_lost += 1
            _remove_writer(self._loop, self._fileno)
            self._fatal_error(exc, 'Fatal write error on pipe transport')
        else:
            if n == len(self._buffer):
                self._buffer = b''
                _remove_writer(self._loop, self._fileno)
                self._maybe_resume_protocol()
                if self._closing:
                    _remove_reader(self._loop, self._fileno)
                    self._call_connection_lost(None)
                return
            elif n > 0:
                self._buffer = self._buffer[n:]

    def can_write_eof(self):
        return True

    def write_eof(self):
        if self._closing:
            return
        self._closing = True
        if not self._buffer:
            _remove_reader(self._loop, self._fileno)
            self._loop.call_soon(self._call_connection_lost, None)

    def set_protocol(self, protocol):
        self._protocol = protocol

    def get_protocol(self):
        return self._protocol

    def is_closing(self):
        return self._closing

    def close(self):
        if self._pipe is not None and not self._closing:
            self.write_eof()

    def abort(self):
        self._close(None)

    def _fatal_error(self, exc, message='Fatal error on pipe transport'):
        if not isinstance(exc, OSError):
            self._loop.call_exception_handler({
                'message': message,
                'exception': exc,
                'transport': self,
                'protocol': self._protocol,
            })
        self._close(exc)

    def _close(self, exc=None):
        self._closing = True
        if self._buffer:
            _remove_writer(self._loop, self._fileno)
        self._buffer = b''
        _remove_reader(self._loop, self._fileno)
        self._loop.call_soon(self._call_connection_lost, exc)

    def _call_connection_lost(self, exc):
        try:
            self._protocol.connection_lost(exc)
        finally:
            self._pipe.close()
            self._pipe = None
            self._protocol = None
            self._loop = None


async def _loop_connect_read_pipe(loop, protocol_factory, pipe):
    protocol = protocol_factory()
    waiter = _vc_future(loop, 'process', 'pipe')
    transport = _UnixReadPipeTransport(loop, pipe, protocol, waiter)
    try:
        await waiter
    except BaseException:
        transport.close()
        raise
    return transport, protocol


async def _loop_connect_write_pipe(loop, protocol_factory, pipe):
    protocol = protocol_factory()
    waiter = _vc_future(loop, 'process', 'pipe')
    transport = _UnixWritePipeTransport(loop, pipe, protocol, waiter)
    try:
        await waiter
    except BaseException:
        transport.close()
        raise
    return transport, protocol


class WriteSubprocessPipeProto(BaseProtocol):

    def __init__(self, proc, fd):
        self.proc = proc
        self.fd = fd
        self.pipe = None
        self.disconnected = False

    def connection_made(self, transport):
        self.pipe = transport

    def __repr__(self):
        return f'<{type(self).__name__} fd={self.fd} pipe={self.pipe!r}>'

    def connection_lost(self, exc):
        self.disconnected = True
        self.proc._pipe_connection_lost(self.fd, exc)
        self.proc = None

    def pause_writing(self):
        self.proc._protocol.pause_writing()

    def resume_writing(self):
        self.proc._protocol.resume_writing()


class ReadSubprocessPipeProto(WriteSubprocessPipeProto):

    def data_received(self, data):
        self.proc._pipe_data_received(self.fd, data)

    def eof_received(self):
        pass


class _UnixSubprocessTransport(BaseTransport):
    """base_subprocess.BaseSubprocessTransport with unix_events' _start:
    starts the child (a _Popen), connects its pipes in a task, and forwards
    what the pipes and the child watcher report to the protocol, holding it
    back (_pending_calls) until the pipes are connected."""

    def __init__(self, loop, protocol, args, shell, stdin, stdout, stderr,
                 bufsize, waiter=None, extra=None):
        super().__init__(extra)
        self._closed = False
        self._protocol = protocol
        self._loop = loop
        self._proc = None
        self._pid = None
        self._returncode = None
        self._exit_waiters = []
        self._pending_calls = []
        self._pipes = {}
        self._finished = False
        if stdin == PIPE:
            self._pipes[0] = None
        if stdout == PIPE:
            self._pipes[1] = None
        if stderr == PIPE:
            self._pipes[2] = None
        try:
            self._proc = _Popen(args, stdin, stdout, stderr)
        except BaseException:
            self.close()
            raise
        self._pid = self._proc.pid
        self._extra['subprocess'] = self._proc
        self._loop.create_task(self._connect_pipes(waiter))

    def __repr__(self):
        info = ['_UnixSubprocessTransport']
        if self._closed:
            info.append('closed')
        if self._pid is not None:
            info.append(f'pid={self._pid}')
        if self._returncode is not None:
            info.append(f'returncode={self._returncode}')
        elif self._pid is not None:
            info.append('running')
        else:
            info.append('not started')
        stdin = self._pipes.get(0)
        if stdin is not None:
            info.append(f'stdin={stdin.pipe}')
        stdout = self._pipes.get(1)
        stderr = self._pipes.get(2)
        if stdout is not None and stderr is stdout:
            info.append(f'stdout=stderr={stdout.pipe}')
        else:
            if stdout is not None:
                info.append(f'stdout={stdout.pipe}')
            if stderr is not None:
                info.append(f'stderr={stderr.pipe}')
        return '<' + ' '.join(info) + '>'

    def set_protocol(self, protocol):
        self._protocol = protocol

    def get_protocol(self):
        return self._protocol

    def is_closing(self):
        return self._closed

    def close(self):
        if self._closed:
            return
        self._closed = True
        for proto in self._pipes.values():
            if proto is None:
                continue
            proto.pipe.close()
        if (self._proc is not None and self._returncode is None and
                self._proc.poll() is None):
            try:
                self._proc.kill()
            except ProcessLookupError:
                pass

    def get_pid(self):
        return self._pid

    def get_returncode(self):
        return self._returncode

    def get_pipe_transport(self, fd):
        if fd in self._pipes:
            return self._pipes[fd].pipe
        return None

    def _check_proc(self):
        if self._proc is None:
            raise ProcessLookupError()

    def send_signal(self, signal):
        self._check_proc()
        self._proc.send_signal(signal)

    def terminate(self):
        self._check_proc()
        self._proc.terminate()

    def kill(self):
        self._check_proc()
        self._proc.kill()

    async def _connect_pipes(self, waiter):
        # A task of its own: each pipe takes two iterations to connect, and
        # what the pipes and the child watcher report meanwhile waits in
        # _pending_calls until the protocol is connected.
        try:
            proc = self._proc
            loop = self._loop
            if proc.stdin is not None:
                _, pipe = await _loop_connect_write_pipe(
                    loop, lambda: WriteSubprocessPipeProto(self, 0),
                    proc.stdin)
                self._pipes[0] = pipe
            if proc.stdout is not None:
                _, pipe = await _loop_connect_read_pipe(
                    loop, lambda: ReadSubprocessPipeProto(self, 1),
                    proc.stdout)
                self._pipes[1] = pipe
            if proc.stderr is not None:
                _, pipe = await _loop_connect_read_pipe(
                    loop, lambda: ReadSubprocessPipeProto(self, 2),
                    proc.stderr)
                self._pipes[2] = pipe
            loop.call_soon(self._protocol.connection_made, self)
            for callback, data in self._pending_calls:
                loop.call_soon(callback, *data)
            self._pending_calls = None
        except (SystemExit, KeyboardInterrupt):
            raise
        except BaseException as exc:
            if waiter is not None and not waiter.cancelled():
                waiter.set_exception(exc)
        else:
            if waiter is not None and not waiter.cancelled():
                waiter.set_result(None)

    def _call(self, cb, *data):
        if self._pending_calls is not None:
            self._pending_calls.append((cb, data))
        else:
            self._loop.call_soon(cb, *data)

    def _pipe_connection_lost(self, fd, exc):
        self._call(self._protocol.pipe_connection_lost, fd, exc)
        self._try_finish()

    def _pipe_data_received(self, fd, data):
        self._call(self._protocol.pipe_data_received, fd, data)

    def _process_exited(self, returncode):
        self._returncode = returncode
        if self._proc.returncode is None:
            self._proc.returncode = returncode
        self._call(self._protocol.process_exited)
        self._try_finish()

    async def _wait(self):
        if self._returncode is not None:
            return self._returncode
        waiter = _vc_future(self._loop, 'process', f'wait (pid {self._pid})')
        self._exit_waiters.append(waiter)
        return await waiter

    def _try_finish(self):
        if self._returncode is None:
            return
        if all(p is not None and p.disconnected
               for p in self._pipes.values()):
            self._finished = True
            self._call(self._call_connection_lost, None)

    def _call_connection_lost(self, exc):
        try:
            self._protocol.connection_lost(exc)
        finally:
            for waiter in self._exit_waiters:
                if not waiter.cancelled():
                    waiter.set_result(self._returncode)
            self._exit_waiters = None
            self._loop = None
            self._proc = None
            self._protocol = None


class _ChildWatcher:
    """CPython 3.11's default ThreadedChildWatcher, seen from the loop: the
    exit of a child reaches `callback` through call_soon_threadsafe (here:
    at the select that sees the exit, see _Kernel._report_exits)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass

    def is_active(self):
        return True

    def add_child_handler(self, pid, callback, *args):
        loop = get_running_loop()
        _selector(loop)          # its selects report the exit
        for proc in _kernel._procs:
            if proc.pid == pid:
                proc._watch = (loop, callback, args)


_child_watcher = _ChildWatcher()


def _child_watcher_callback(pid, returncode, transp):
    # _UnixSelectorEventLoop._child_watcher_callback: skip one iteration
    # for the callbacks (call_soon_threadsafe(call_soon, ...)), so that a
    # child's exit reaches _process_exited two iterations after the select
    # that saw it.
    loop = transp._loop
    loop.call_soon(loop.call_soon, transp._process_exited, returncode)


async def _make_subprocess_transport(loop, protocol, args, shell, stdin,
                                     stdout, stderr, bufsize):
    with _child_watcher as watcher:
        waiter = _vc_future(loop, 'process', 'start')
        transp = _UnixSubprocessTransport(loop, protocol, args, shell, stdin,
                                          stdout, stderr, bufsize,
                                          waiter=waiter)
        watcher.add_child_handler(transp.get_pid(), _child_watcher_callback,
                                  transp)
        try:
            await waiter
        except (SystemExit, KeyboardInterrupt):
            raise
        except BaseException:
            transp.close()
            await transp._wait()
            raise
    return transp


def _check_subprocess_options(universal_newlines, bufsize, text, encoding,
                              errors, kwargs):
    if universal_newlines:
        raise ValueError('universal_newlines must be False')
    if bufsize != 0:
        raise ValueError('bufsize must be 0')
    if text:
        raise ValueError('text must be False')
    if encoding is not None:
        raise ValueError('encoding must be None')
    if errors is not None:
        raise ValueError('errors must be None')
    for name in kwargs:
        raise NotImplementedError(f'{name}= is not simulated in scenarios')


def _check_std(name, value):
    if value not in (None, PIPE, DEVNULL) and not (name == 'stderr' and
                                                   value == STDOUT):
        raise NotImplementedError(
            f'{name}={value!r} is not simulated in scenarios (use None, '
            f'asyncio.subprocess.PIPE or DEVNULL)')


async def _loop_subprocess_exec(loop, protocol_factory, program, *args,
                                stdin=PIPE, stdout=PIPE, stderr=PIPE,
                                universal_newlines=False, shell=False,
                                bufsize=0, encoding=None, errors=None,
                                text=None, **kwargs):
    if shell:
        raise ValueError('shell must be False')
    _check_subprocess_options(universal_newlines, bufsize, text, encoding,
                              errors, kwargs)
    for name, value in (('stdin', stdin), ('stdout', stdout),
                        ('stderr', stderr)):
        _check_std(name, value)
    popen_args = (program,) + args
    protocol = protocol_factory()
    transport = await _make_subprocess_transport(
        loop, protocol, popen_args, False, stdin, stdout, stderr, bufsize)
    return transport, protocol


async def _loop_subprocess_shell(loop, protocol_factory, cmd, *,
                                 stdin=PIPE, stdout=PIPE, stderr=PIPE,
                                 universal_newlines=False, shell=True,
                                 bufsize=0, encoding=None, errors=None,
                                 text=None, **kwargs):
    if not isinstance(cmd, (bytes, str)):
        raise ValueError('cmd must be a string')
    if not shell:
        raise ValueError('shell must be True')
    _check_subprocess_options(universal_newlines, bufsize, text, encoding,
                              errors, kwargs)
    for name, value in (('stdin', stdin), ('stdout', stdout),
                        ('stderr', stderr)):
        _check_std(name, value)
    if isinstance(cmd, bytes):
        cmd = cmd.decode()
    for ch in '|&;<>()$`\\"\'*?[]#~=%{}\n':
        if ch in cmd:
            raise NotImplementedError(
                f'only simple commands (a program and its arguments) are '
                f'simulated by create_subprocess_shell, not {cmd!r}')
    words = cmd.split()
    if not words:
        words = ['true']
    protocol = protocol_factory()
    transport = await _make_subprocess_transport(
        loop, protocol, tuple(words), True, stdin, stdout, stderr, bufsize)
    return transport, protocol


# --------------------------------------------------------------------------
# asyncio.subprocess

class SubprocessStreamProtocol(FlowControlMixin):
    """Like StreamReaderProtocol, but for a subprocess."""

    def __init__(self, limit, loop):
        super().__init__(loop=loop)
        self._limit = limit
        self.stdin = self.stdout = self.stderr = None
        self._transport = None
        self._process_exited = False
        self._pipe_fds = []
        self._stdin_closed = _vc_future(self._loop, 'process', 'stdin closed')

    def __repr__(self):
        info = ['SubprocessStreamProtocol']
        if self.stdin is not None:
            info.append(f'stdin={self.stdin!r}')
        if self.stdout is not None:
            info.append(f'stdout={self.stdout!r}')
        if self.stderr is not None:
            info.append(f'stderr={self.stderr!r}')
        return '<' + ' '.join(info) + '>'

    def connection_made(self, transport):
        self._transport = transport
        stdout_transport = transport.get_pipe_transport(1)
        if stdout_transport is not None:
            self.stdout = StreamReader(limit=self._limit, loop=self._loop)
            self.stdout.set_transport(stdout_transport)
            self._pipe_fds.append(1)
        stderr_transport = transport.get_pipe_transport(2)
        if stderr_transport is not None:
            self.stderr = StreamReader(limit=self._limit, loop=self._loop)
            self.stderr.set_transport(stderr_transport)
            self._pipe_fds.append(2)
        stdin_transport = transport.get_pipe_transport(0)
        if stdin_transport is not None:
            self.stdin = StreamWriter(stdin_transport, protocol=self,
                                      reader=None, loop=self._loop)

    def pipe_data_received(self, fd, data):
        if fd == 1:
            reader = self.stdout
        elif fd == 2:
            reader = self.stderr
        else:
            reader = None
        if reader is not None:
            reader.feed_data(data)

    def pipe_connection_lost(self, fd, exc):
        if fd == 0:
            pipe = self.stdin
            if pipe is not None:
                pipe.close()
            self.connection_lost(exc)
            if exc is None:
                self._stdin_closed.set_result(None)
            else:
                self._stdin_closed.set_exception(exc)
                self._stdin_closed.exception()
            return
        if fd == 1:
            reader = self.stdout
        elif fd == 2:
            reader = self.stderr
        else:
            reader = None
        if reader is not None:
            if exc is None:
                reader.feed_eof()
            else:
                reader.set_exception(exc)
        if fd in self._pipe_fds:
            self._pipe_fds.remove(fd)
        self._maybe_close_transport()

    def process_exited(self):
        self._process_exited = True
        self._maybe_close_transport()

    def _maybe_close_transport(self):
        if len(self._pipe_fds) == 0 and self._process_exited:
            self._transport.close()
            self._transport = None

    def _get_close_waiter(self, stream):
        if stream is self.stdin:
            return self._stdin_closed


class Process:
    """What create_subprocess_exec() returns."""

    def __init__(self, transport, protocol, loop):
        self._transport = transport
        self._protocol = protocol
        self._loop = loop
        self.stdin = protocol.stdin
        self.stdout = protocol.stdout
        self.stderr = protocol.stderr
        self.pid = transport.get_pid()

    def __repr__(self):
        return f'<Process {self.pid}>'

    @property
    def returncode(self):
        return self._transport.get_returncode()

    async def wait(self):
        return await self._transport._wait()

    def send_signal(self, signal):
        self._transport.send_signal(signal)

    def terminate(self):
        self._transport.terminate()

    def kill(self):
        self._transport.kill()

    async def _feed_stdin(self, input):
        try:
            self.stdin.write(input)
            await self.stdin.drain()
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.stdin.close()

    async def _noop(self):
        return None

    async def _read_stream(self, fd):
        transport = self._transport.get_pipe_transport(fd)
        if fd == 2:
            stream = self.stderr
        else:
            stream = self.stdout
        output = await stream.read()
        transport.close()
        return output

    async def communicate(self, input=None):
        # Three coroutines gathered, so three tasks (and Task-N numbers) even
        # when a pipe is absent. Without input, stdin is left open: a child
        # that reads it (cat) then never ends.
        if input is not None:
            stdin = self._feed_stdin(input)
        else:
            stdin = self._noop()
        if self.stdout is not None:
            stdout = self._read_stream(1)
        else:
            stdout = self._noop()
        if self.stderr is not None:
            stderr = self._read_stream(2)
        else:
            stderr = self._noop()
        stdin, stdout, stderr = await gather(stdin, stdout, stderr)
        await self.wait()
        return (stdout, stderr)


async def create_subprocess_shell(cmd, stdin=None, stdout=None, stderr=None,
                                  limit=_DEFAULT_LIMIT, **kwds):
    loop = get_running_loop()
    protocol_factory = lambda: SubprocessStreamProtocol(limit=limit,
                                                        loop=loop)
    transport, protocol = await _loop_subprocess_shell(
        loop, protocol_factory, cmd, stdin=stdin, stdout=stdout,
        stderr=stderr, **kwds)
    return Process(transport, protocol, loop)


async def create_subprocess_exec(program, *args, stdin=None, stdout=None,
                                 stderr=None, limit=_DEFAULT_LIMIT, **kwds):
    loop = get_running_loop()
    protocol_factory = lambda: SubprocessStreamProtocol(limit=limit,
                                                        loop=loop)
    transport, protocol = await _loop_subprocess_exec(
        loop, protocol_factory, program, *args, stdin=stdin, stdout=stdout,
        stderr=stderr, **kwds)
    return Process(transport, protocol, loop)
