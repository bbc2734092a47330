"""Small standard-library modules that asyncio programs often import.

Each section below, from a '# module NAME' line to the next, is the source
of one module, run the first time a scenario imports it (vm_import). They
do what the CPython modules of the same name do for the everyday calls;
what they lack is refused with an AttributeError naming it.
"""

# module __future__
annotations = True
division = True
print_function = True

# module math
# The rest of math, in Python (C gives sqrt, exp, the trigonometry, log,
# floor, ceil, fabs and isclose).
tau = 2 * pi


def isnan(x):
    return x != x


def isinf(x):
    return x == inf or x == -inf


def isfinite(x):
    return not isnan(x) and not isinf(x)


def trunc(x):
    return int(x)


def copysign(x, y):
    x = abs(float(x))
    if y < 0 or (y == 0 and str(float(y)).startswith('-')):
        return -x
    return x


def degrees(x):
    return x * 180.0 / pi


def radians(x):
    return x * pi / 180.0


def hypot(*coordinates):
    return sqrt(sum(float(c) * c for c in coordinates))


def dist(p, q):
    return hypot(*[a - b for a, b in zip(p, q)])


def pow(x, y):
    return float(x) ** float(y)


def _integer(name, n):
    if isinstance(n, float):
        raise TypeError("'float' object cannot be interpreted as an integer")
    return n


def gcd(*integers):
    result = 0
    for n in integers:
        a, b = abs(_integer('gcd', n)), result
        while b:
            a, b = b, a % b
        result = a
    return result


def lcm(*integers):
    result = 1
    for n in integers:
        n = abs(_integer('lcm', n))
        if n == 0 or result == 0:
            result = 0
        else:
            result = result * n // gcd(result, n)
    return result


def factorial(n):
    _integer('factorial', n)
    if n < 0:
        raise ValueError('factorial() not defined for negative values')
    result = 1
    for i in range(2, n + 1):
        result *= i
    return result


def comb(n, k):
    if k < 0 or n < 0:
        raise ValueError('k must be a non-negative integer' if k < 0 else
                         'n must be a non-negative integer')
    if k > n:
        return 0
    k = min(k, n - k)
    result = 1
    for i in range(1, k + 1):
        result = result * (n - k + i) // i
    return result


def perm(n, k=None):
    if k is None:
        k = n
    if k > n:
        return 0
    result = 1
    for i in range(n - k + 1, n + 1):
        result *= i
    return result


def prod(iterable, *, start=1):
    result = start
    for x in iterable:
        result = result * x
    return result


def fsum(iterable):
    # Shewchuk's exact partial sums: the correctly rounded total.
    partials = []
    for x in iterable:
        x = float(x)
        kept = []
        for y in partials:
            if abs(x) < abs(y):
                x, y = y, x
            hi = x + y
            lo = y - (hi - x)
            if lo:
                kept.append(lo)
            x = hi
        kept.append(x)
        partials = kept
    return sum(partials, 0.0)


def modf(x):
    x = float(x)
    whole = float(int(x))
    return (x - whole, whole)


def isqrt(n):
    if n < 0:
        raise ValueError('isqrt() argument must be nonnegative')
    x = int(sqrt(n))
    while x * x > n:
        x -= 1
    while (x + 1) * (x + 1) <= n:
        x += 1
    return x

# module random
# CPython's algorithms over the Mersenne Twister in C (random(),
# getrandbits(), _seed()), so that a seeded run prints python3's numbers.
import math as _math

_gauss_next = None


def seed(a=None, version=2):
    global _gauss_next
    _seed(a)
    _gauss_next = None


def _randbelow(n):
    k = n.bit_length()
    r = getrandbits(k)
    while r >= n:
        r = getrandbits(k)
    return r


def _index(x, what):
    if isinstance(x, bool) or not isinstance(x, int):
        if isinstance(x, float) and x == int(x):
            return int(x)
        raise ValueError(f'non-integer {what} for randrange()')
    return x


def randrange(start, stop=None, step=1):
    istart = _index(start, 'arg 1')
    if stop is None:
        if step != 1:
            raise TypeError('Missing a non-None stop argument')
        if istart > 0:
            return _randbelow(istart)
        raise ValueError('empty range for randrange()')
    istop = _index(stop, 'stop')
    width = istop - istart
    istep = _index(step, 'step')
    if istep == 1:
        if width > 0:
            return istart + _randbelow(width)
        raise ValueError(f'empty range for randrange() ({istart}, {istop}, '
                         f'{width})')
    if istep > 0:
        n = (width + istep - 1) // istep
    elif istep < 0:
        n = (width + istep + 1) // istep
    else:
        raise ValueError('zero step for randrange()')
    if n <= 0:
        raise ValueError('empty range for randrange()')
    return istart + istep * _randbelow(n)


def randint(a, b):
    return randrange(a, b + 1)


def choice(seq):
    if not len(seq):
        raise IndexError('Cannot choose from an empty sequence')
    return seq[_randbelow(len(seq))]


def shuffle(x):
    for i in range(len(x) - 1, 0, -1):
        j = _randbelow(i + 1)
        x[i], x[j] = x[j], x[i]


def sample(population, k, *, counts=None):
    if isinstance(population, (set, frozenset, dict)):
        raise TypeError('Population must be a sequence.  For dicts or sets, '
                        'use sorted(d).')
    n = len(population)
    if counts is not None:
        cum_counts = []
        total = 0
        for c in counts:
            total += c
            cum_counts.append(total)
        if len(cum_counts) != n:
            raise ValueError('The number of counts does not match the '
                             'population')
        total = cum_counts.pop()
        if total <= 0:
            raise ValueError('Total of counts must be greater than zero')
        selections = sample(range(total), k=k)
        return [population[_bisect_right(cum_counts, s)] for s in selections]
    if not 0 <= k <= n:
        raise ValueError('Sample larger than population or is negative')
    result = [None] * k
    setsize = 21
    if k > 5:
        setsize += 4 ** _ceil(_log(k * 3, 4))
    if n <= setsize:
        pool = list(population)
        for i in range(k):
            j = _randbelow(n - i)
            result[i] = pool[j]
            pool[j] = pool[n - i - 1]
    else:
        selected = set()
        for i in range(k):
            j = _randbelow(n)
            while j in selected:
                j = _randbelow(n)
            selected.add(j)
            result[i] = population[j]
    return result


def _bisect_right(a, x, lo=0, hi=None):
    if hi is None:
        hi = len(a)
    while lo < hi:
        mid = (lo + hi) // 2
        if x < a[mid]:
            hi = mid
        else:
            lo = mid + 1
    return lo


def _ceil(x):
    i = int(x)
    return i + 1 if i < x else i


def _log(x, base):
    return _math.log(x) / _math.log(base)


def choices(population, weights=None, *, cum_weights=None, k=1):
    n = len(population)
    if cum_weights is None:
        if weights is None:
            n += 0.0
            return [population[int(random() * n)] for i in range(k)]
        cum_weights = []
        total = 0
        for w in weights:
            total += w
            cum_weights.append(total)
    elif weights is not None:
        raise TypeError('Cannot specify both weights and cumulative weights')
    if len(cum_weights) != n:
        raise ValueError('The number of weights does not match the population')
    total = cum_weights[-1] + 0.0
    if total <= 0.0:
        raise ValueError('Total of weights must be greater than zero')
    hi = n - 1
    return [population[_bisect_right(cum_weights, random() * total, 0, hi)]
            for i in range(k)]


def uniform(a, b):
    return a + (b - a) * random()


def triangular(low=0.0, high=1.0, mode=None):
    u = random()
    try:
        c = 0.5 if mode is None else (mode - low) / (high - low)
    except ZeroDivisionError:
        return low
    if u > c:
        u = 1.0 - u
        c = 1.0 - c
        low, high = high, low
    return low + (high - low) * (u * c) ** 0.5


def gauss(mu=0.0, sigma=1.0):
    global _gauss_next
    z = _gauss_next
    _gauss_next = None
    if z is None:
        x2pi = random() * 2.0 * _math.pi
        g2rad = _math.sqrt(-2.0 * _math.log(1.0 - random()))
        z = _math.cos(x2pi) * g2rad
        _gauss_next = _math.sin(x2pi) * g2rad
    return mu + z * sigma


def normalvariate(mu=0.0, sigma=1.0):
    magic = 4 * _math.exp(-0.5) / _math.sqrt(2.0)
    while True:
        u1 = random()
        u2 = 1.0 - random()
        z = magic * (u1 - 0.5) / u2
        zz = z * z / 4.0
        if zz <= -_math.log(u2):
            break
    return mu + z * sigma


def expovariate(lambd):
    return -_math.log(1.0 - random()) / lambd

# module threading
# What asyncio programs ask of threading: the current thread's name (the
# names CPython's ThreadPoolExecutor gives its workers, "asyncio_0" for the
# loop's default executor) and locks around shared state.
class Thread:
    def __init__(self, name, ident):
        self.name = name
        self.ident = ident
        self.native_id = ident
        self.daemon = name != 'MainThread'

    def getName(self):
        return self.name

    def is_alive(self):
        return True

    def __repr__(self):
        state = 'started daemon' if self.daemon else 'started'
        return f'<{type(self).__name__}({self.name}, {state} {self.ident})>'


class _MainThread(Thread):
    pass


_main = _MainThread('MainThread', 1)
_threads = {}


def current_thread():
    name, ident = _current()
    if ident == 1:
        return _main
    if ident not in _threads:
        _threads[ident] = Thread(name, ident)
    return _threads[ident]


def main_thread():
    return _main


def get_ident():
    return _current()[1]


def get_native_id():
    return _current()[1]


def active_count():
    return 1 + len(_threads)


class Lock:
    """A lock for state shared by executor jobs. Jobs switch threads only
    where they block (time.sleep), so a lock taken and released around
    plain code is never contended; blocking on a held lock is refused."""

    def __init__(self):
        self._owner = None
        self._count = 0

    def acquire(self, blocking=True, timeout=-1):
        me = get_ident()
        if self._count and self._owner != me:
            if not blocking:
                return False
            raise RuntimeError('waiting for a threading.Lock held by '
                               'another thread is not supported in scenarios')
        if self._count and not self._reentrant:
            if not blocking:
                return False
            raise RuntimeError('a threading.Lock acquired twice by one '
                               'thread deadlocks')
        self._owner = me
        self._count += 1
        return True

    _reentrant = False

    def release(self):
        if not self._count:
            raise RuntimeError('release unlocked lock')
        self._count -= 1
        if not self._count:
            self._owner = None

    def locked(self):
        return self._count > 0

    def __enter__(self):
        self.acquire()
        return True

    def __exit__(self, *exc):
        self.release()


class RLock(Lock):
    _reentrant = True


class Event:
    def __init__(self):
        self._flag = False

    def is_set(self):
        return self._flag

    def set(self):
        self._flag = True

    def clear(self):
        self._flag = False

    def wait(self, timeout=None):
        return self._flag

# module contextlib
# Context managers made from generators, and the small helpers asyncio
# programs use.
class _GeneratorContextManager:
    def __init__(self, func, args, kwds):
        self.gen = func(*args, **kwds)

    def __enter__(self):
        try:
            return next(self.gen)
        except StopIteration:
            raise RuntimeError("generator didn't yield") from None

    def __exit__(self, typ, value, traceback):
        if typ is None:
            try:
                next(self.gen)
            except StopIteration:
                return False
            raise RuntimeError("generator didn't stop")
        if value is None:
            value = typ()
        try:
            self.gen.throw(value)
        except StopIteration as exc:
            return exc is not value
        except RuntimeError as exc:
            if exc is value:
                return False
            if isinstance(value, StopIteration) and exc.__cause__ is value:
                return False
            raise
        except BaseException as exc:
            if exc is not value:
                raise
            return False
        raise RuntimeError("generator didn't stop after throw()")


class _AsyncGeneratorContextManager:
    def __init__(self, func, args, kwds):
        self.gen = func(*args, **kwds)

    async def __aenter__(self):
        try:
            return await self.gen.__anext__()
        except StopAsyncIteration:
            raise RuntimeError("generator didn't yield") from None

    async def __aexit__(self, typ, value, traceback):
        if typ is None:
            try:
                await self.gen.__anext__()
            except StopAsyncIteration:
                return False
            raise RuntimeError("generator didn't stop")
        if value is None:
            value = typ()
        try:
            await self.gen.athrow(value)
        except StopAsyncIteration as exc:
            return exc is not value
        except RuntimeError as exc:
            if exc is value:
                return False
            if (isinstance(value, (StopIteration, StopAsyncIteration))
                    and exc.__cause__ is value):
                return False
            raise
        except BaseException as exc:
            if exc is not value:
                raise
            return False
        raise RuntimeError("generator didn't stop after athrow()")


def contextmanager(func):
    def helper(*args, **kwds):
        return _GeneratorContextManager(func, args, kwds)
    helper.__name__ = func.__name__
    helper.__qualname__ = func.__qualname__
    helper.__doc__ = func.__doc__
    helper.__wrapped__ = func
    return helper


def asynccontextmanager(func):
    def helper(*args, **kwds):
        return _AsyncGeneratorContextManager(func, args, kwds)
    helper.__name__ = func.__name__
    helper.__qualname__ = func.__qualname__
    helper.__doc__ = func.__doc__
    helper.__wrapped__ = func
    return helper


class suppress:
    def __init__(self, *exceptions):
        self._exceptions = exceptions

    def __enter__(self):
        pass

    def __exit__(self, exctype, excinst, exctb):
        return exctype is not None and issubclass(exctype, self._exceptions)


class nullcontext:
    def __init__(self, enter_result=None):
        self.enter_result = enter_result

    def __enter__(self):
        return self.enter_result

    def __exit__(self, *excinfo):
        pass

    async def __aenter__(self):
        return self.enter_result

    async def __aexit__(self, *excinfo):
        pass


class closing:
    def __init__(self, thing):
        self.thing = thing

    def __enter__(self):
        return self.thing

    def __exit__(self, *exc_info):
        self.thing.close()


class aclosing:
    def __init__(self, thing):
        self.thing = thing

    async def __aenter__(self):
        return self.thing

    async def __aexit__(self, *exc_info):
        await self.thing.aclose()


class AsyncExitStack:
    """Enters async and plain context managers, and leaves them in the
    reverse order when the stack closes (the common uses of it)."""

    def __init__(self):
        self._exits = []

    async def enter_async_context(self, cm):
        result = await cm.__aenter__()
        self._exits.append((True, cm))
        return result

    def enter_context(self, cm):
        result = cm.__enter__()
        self._exits.append((False, cm))
        return result

    def push_async_callback(self, callback, *args, **kwds):
        self._exits.append((None, (callback, args, kwds)))
        return callback

    async def aclose(self):
        await self.__aexit__(None, None, None)

    async def __aenter__(self):
        return self

    async def __aexit__(self, typ, value, tb):
        unwind = _Unwinding(value)
        while self._exits:
            is_async, cm = self._exits.pop()
            try:
                if is_async is None:
                    callback, args, kwds = cm
                    await callback(*args, **kwds)
                    handled = False
                elif is_async:
                    handled = await cm.__aexit__(*unwind.args())
                else:
                    handled = cm.__exit__(*unwind.args())
            except BaseException as exc:
                unwind.raised(exc)
                continue
            unwind.returned(handled)
        return unwind.result()


class ExitStack:
    def __init__(self):
        self._exits = []

    def enter_context(self, cm):
        result = cm.__enter__()
        self._exits.append(cm)
        return result

    def callback(self, callback, *args, **kwds):
        self._exits.append(_Callback(callback, args, kwds))
        return callback

    def close(self):
        self.__exit__(None, None, None)

    def __enter__(self):
        return self

    def __exit__(self, typ, value, tb):
        unwind = _Unwinding(value)
        while self._exits:
            cm = self._exits.pop()
            try:
                handled = cm.__exit__(*unwind.args())
            except BaseException as exc:
                unwind.raised(exc)
                continue
            unwind.returned(handled)
        return unwind.result()


class _Unwinding:
    """An exit stack's exception as its exits handle, replace or swallow it,
    from the last entered to the first."""

    def __init__(self, value):
        self.value = value
        self.pending = value
        self.suppressed = False

    def args(self):
        p = self.pending
        return (type(p) if p is not None else None, p, None)

    def raised(self, exc):
        self.pending = exc
        self.suppressed = False

    def returned(self, handled):
        if handled and self.pending is not None:
            self.pending = None
            self.suppressed = True

    def result(self):
        if self.pending is not None and self.pending is not self.value:
            raise self.pending
        return self.suppressed or (self.value is not None
                                   and self.pending is None)


class _Callback:
    def __init__(self, callback, args, kwds):
        self._call = (callback, args, kwds)

    def __exit__(self, *exc):
        callback, args, kwds = self._call
        callback(*args, **kwds)
        return False

# module os
# The rest of os, in Python. The environment is empty: a scenario prints
# the same on every machine.
environ = {}
sep = '/'
linesep = '\n'
name = 'posix'
curdir = '.'


def getenv(key, default=None):
    return environ.get(key, default)


class _Path:
    """os.path for names (no file system in scenarios)."""

    sep = '/'

    def join(self, a, *parts):
        path = a
        for part in parts:
            if part.startswith('/'):
                path = part
            elif not path or path.endswith('/'):
                path += part
            else:
                path += '/' + part
        return path

    def split(self, p):
        i = p.rfind('/') + 1
        head, tail = p[:i], p[i:]
        if head and head != '/' * len(head):
            head = head.rstrip('/')
        return head, tail

    def basename(self, p):
        return self.split(p)[1]

    def dirname(self, p):
        return self.split(p)[0]

    def splitext(self, p):
        base = self.basename(p)
        dot = base.rfind('.')
        if dot <= 0 or base[:dot] == '.' * dot:
            return p, ''
        cut = len(p) - len(base) + dot
        return p[:cut], p[cut:]

    def isabs(self, p):
        return p.startswith('/')


path = _Path()

# module sys
_recursion_limit = 1000


def getrecursionlimit():
    return _recursion_limit


def setrecursionlimit(limit):
    # Kept for getrecursionlimit(); loopscope's own limit stays 1,000.
    global _recursion_limit
    if not isinstance(limit, int):
        raise TypeError("'float' object cannot be interpreted as an integer")
    if limit < 1:
        raise ValueError('recursion limit must be greater or equal than 1')
    _recursion_limit = limit

# module typing
TYPE_CHECKING = False


class _Form:
    """A typing name (Optional, List, Callable...): subscripting it or
    joining it with | gives it back, as annotations only need it to exist."""

    def __init__(self, name):
        self._name = name

    def __getitem__(self, params):
        return self

    def __or__(self, other):
        return self

    def __ror__(self, other):
        return self

    def __call__(self, *args, **kwargs):
        raise TypeError(f'Cannot instantiate typing.{self._name}')

    def __repr__(self):
        return f'typing.{self._name}'


Any = _Form('Any')
Optional = _Form('Optional')
Union = _Form('Union')
List = _Form('List')
Dict = _Form('Dict')
Tuple = _Form('Tuple')
Set = _Form('Set')
FrozenSet = _Form('FrozenSet')
Deque = _Form('Deque')
DefaultDict = _Form('DefaultDict')
Callable = _Form('Callable')
Awaitable = _Form('Awaitable')
Coroutine = _Form('Coroutine')
Iterable = _Form('Iterable')
Iterator = _Form('Iterator')
AsyncIterable = _Form('AsyncIterable')
AsyncIterator = _Form('AsyncIterator')
AsyncGenerator = _Form('AsyncGenerator')
Generator = _Form('Generator')
Sequence = _Form('Sequence')
MutableSequence = _Form('MutableSequence')
Mapping = _Form('Mapping')
MutableMapping = _Form('MutableMapping')
Type = _Form('Type')
Literal = _Form('Literal')
Final = _Form('Final')
ClassVar = _Form('ClassVar')
NoReturn = _Form('NoReturn')
Hashable = _Form('Hashable')
Sized = _Form('Sized')
TypeAlias = _Form('TypeAlias')
Annotated = _Form('Annotated')


class Generic:
    pass


class Protocol:
    pass


class TypeVar:
    def __init__(self, name, *constraints, bound=None, covariant=False,
                 contravariant=False):
        self.__name__ = name

    def __repr__(self):
        return f'~{self.__name__}'


def cast(typ, val):
    return val


def NewType(name, tp):
    def new_type(x):
        return x
    new_type.__name__ = name
    return new_type


def overload(func):
    return func


def final(f):
    return f


def runtime_checkable(cls):
    return cls


def no_type_check(arg):
    return arg


def get_type_hints(obj):
    return dict(getattr(obj, '__annotations__', {}))

# module dataclasses
class _MissingType:
    def __repr__(self):
        return 'MISSING'


MISSING = _MissingType()


class FrozenInstanceError(AttributeError):
    pass


class Field:
    def __init__(self, default, default_factory, init, repr, hash, compare,
                 metadata, kw_only):
        self.name = None
        self.type = None
        self.default = default
        self.default_factory = default_factory
        self.init = init
        self.repr = repr
        self.hash = hash
        self.compare = compare
        self.metadata = metadata
        self.kw_only = kw_only

    def __repr__(self):
        return (f'Field(name={self.name!r},type={self.type!r},'
                f'default={self.default!r},'
                f'default_factory={self.default_factory!r},'
                f'init={self.init!r},repr={self.repr!r},hash={self.hash!r},'
                f'compare={self.compare!r},metadata={self.metadata!r},'
                f'kw_only={self.kw_only!r})')


def field(*, default=MISSING, default_factory=MISSING, init=True, repr=True,
          hash=None, compare=True, metadata=None, kw_only=False):
    if default is not MISSING and default_factory is not MISSING:
        raise ValueError('cannot specify both default and default_factory')
    return Field(default, default_factory, init, repr, hash, compare,
                 metadata, kw_only)


def _own_annotations(cls):
    own = cls.__dict__.get('__annotations__')
    return own if own is not None else {}


def _collect_fields(cls, kw_only):
    fields = {}
    for base in cls.__mro__[-1:0:-1]:
        base_fields = base.__dict__.get('__dataclass_fields__')
        if base_fields is not None:
            fields.update(base_fields)
    for name, ann in _own_annotations(cls).items():
        if ann.startswith('ClassVar') or ann.startswith('typing.ClassVar'):
            continue
        default = cls.__dict__.get(name, MISSING)
        if isinstance(default, Field):
            f = default
        else:
            f = field(default=default)
        f.name = name
        f.type = ann
        if kw_only:
            f.kw_only = True
        if isinstance(f.default, (list, dict, set)):
            raise ValueError(f'mutable default {type(f.default)!r} for field '
                             f'{name} is not allowed: use default_factory')
        if f.default is MISSING:
            if name in cls.__dict__:
                delattr(cls, name)
        else:
            setattr(cls, name, f.default)
        fields[name] = f
    return fields


def _init_args(cls, fields, args, kwargs):
    """Binds __init__'s arguments to the fields as the __init__ that
    CPython's dataclasses writes would, with the same errors."""
    where = f'{cls.__qualname__}.__init__()'
    positional = [f for f in fields if f.init and not f.kw_only]
    if len(args) > len(positional):
        required = [f for f in positional if f.default is MISSING
                    and f.default_factory is MISSING]
        if len(required) == len(positional):
            takes = f'{len(positional) + 1}'
        else:
            takes = f'from {len(required) + 1} to {len(positional) + 1}'
        raise TypeError(f'{where} takes {takes} positional arguments but '
                        f'{len(args) + 1} were given')
    values = {}
    for f, value in zip(positional, args):
        values[f.name] = value
    for name, value in kwargs.items():
        known = False
        for f in fields:
            if f.name == name and f.init:
                known = True
        if not known:
            raise TypeError(f"{where} got an unexpected keyword argument "
                            f"'{name}'")
        if name in values:
            raise TypeError(f"{where} got multiple values for argument "
                            f"'{name}'")
        values[name] = value
    missing = [f.name for f in fields
               if f.init and f.name not in values and f.default is MISSING
               and f.default_factory is MISSING]
    if missing:
        quoted = [f"'{m}'" for m in missing]
        if len(quoted) == 1:
            names = quoted[0]
        elif len(quoted) == 2:
            names = f'{quoted[0]} and {quoted[1]}'
        else:
            names = ', '.join(quoted[:-1]) + f', and {quoted[-1]}'
        s = '' if len(missing) == 1 else 's'
        kind = 'keyword-only' if fields[0].kw_only else 'positional'
        raise TypeError(f'{where} missing {len(missing)} required {kind} '
                        f'argument{s}: {names}')
    for f in fields:
        if f.name not in values:
            if f.default_factory is not MISSING:
                values[f.name] = f.default_factory()
            elif f.default is not MISSING:
                values[f.name] = f.default
    return values


def _process_class(cls, init, repr, eq, order, unsafe_hash, frozen,
                   kw_only):
    fields_by_name = _collect_fields(cls, kw_only)
    fields = list(fields_by_name.values())
    seen_default = False
    for f in fields:
        if not f.init or f.kw_only:
            continue
        if f.default is not MISSING or f.default_factory is not MISSING:
            seen_default = True
        elif seen_default:
            raise TypeError(f"non-default argument '{f.name}' follows "
                            f"default argument")
    cls.__dataclass_fields__ = fields_by_name

    if init and '__init__' not in cls.__dict__:
        def __init__(self, *args, **kwargs):
            values = _init_args(cls, fields, args, kwargs)
            for name, value in values.items():
                object.__setattr__(self, name, value)
            post = getattr(self, '__post_init__', None)
            if post is not None:
                post()
        __init__.__qualname__ = f'{cls.__qualname__}.__init__'
        cls.__init__ = __init__

    if repr and '__repr__' not in cls.__dict__:
        def __repr__(self):
            shown = ', '.join(f'{f.name}={getattr(self, f.name)!r}'
                              for f in fields if f.repr)
            return f'{type(self).__qualname__}({shown})'
        cls.__repr__ = __repr__

    def key(obj):
        return tuple(getattr(obj, f.name) for f in fields if f.compare)

    if eq and '__eq__' not in cls.__dict__:
        def __eq__(self, other):
            if other.__class__ is self.__class__:
                return key(self) == key(other)
            return NotImplemented
        cls.__eq__ = __eq__

    if order:
        def compare(name, test):
            def method(self, other):
                if other.__class__ is self.__class__:
                    return test(key(self), key(other))
                return NotImplemented
            method.__name__ = name
            return method
        cls.__lt__ = compare('__lt__', lambda a, b: a < b)
        cls.__le__ = compare('__le__', lambda a, b: a <= b)
        cls.__gt__ = compare('__gt__', lambda a, b: a > b)
        cls.__ge__ = compare('__ge__', lambda a, b: a >= b)

    if frozen:
        def __setattr__(self, name, value):
            raise FrozenInstanceError(f"cannot assign to field '{name}'")
        cls.__setattr__ = __setattr__

    if unsafe_hash or (eq and frozen):
        def __hash__(self):
            return hash(key(self))
        cls.__hash__ = __hash__
    elif eq and '__hash__' not in cls.__dict__:
        cls.__hash__ = None
    return cls


def dataclass(cls=None, *, init=True, repr=True, eq=True, order=False,
              unsafe_hash=False, frozen=False, match_args=True,
              kw_only=False, slots=False):
    def wrap(c):
        return _process_class(c, init, repr, eq, order, unsafe_hash, frozen,
                              kw_only)
    if cls is None:
        return wrap
    return wrap(cls)


def is_dataclass(obj):
    cls = obj if isinstance(obj, type) else type(obj)
    return hasattr(cls, '__dataclass_fields__')


def fields(class_or_instance):
    try:
        found = class_or_instance.__dataclass_fields__
    except AttributeError:
        raise TypeError('must be called with a dataclass type or '
                        'instance') from None
    return tuple(found.values())


def _as(obj, make):
    if hasattr(type(obj), '__dataclass_fields__'):
        return make([(f.name, _as(getattr(obj, f.name), make))
                     for f in fields(obj)])
    if isinstance(obj, list):
        return [_as(v, make) for v in obj]
    if isinstance(obj, tuple):
        return tuple(_as(v, make) for v in obj)
    if isinstance(obj, dict):
        return {_as(k, make): _as(v, make) for k, v in obj.items()}
    return obj


def asdict(obj):
    if not is_dataclass(obj) or isinstance(obj, type):
        raise TypeError('asdict() should be called on dataclass instances')
    return _as(obj, dict)


def astuple(obj):
    if not is_dataclass(obj) or isinstance(obj, type):
        raise TypeError('astuple() should be called on dataclass instances')
    return _as(obj, lambda pairs: tuple(v for _, v in pairs))


def replace(obj, **changes):
    for f in fields(obj):
        if f.init and f.name not in changes:
            changes[f.name] = getattr(obj, f.name)
    return type(obj)(**changes)

# module functools
WRAPPER_ASSIGNMENTS = ('__module__', '__name__', '__qualname__', '__doc__')
WRAPPER_UPDATES = ('__dict__',)


class partial:
    """A callable with some arguments filled in: partial(f, 1)(2) is f(1, 2)."""

    def __init__(self, func, *args, **keywords):
        if not callable(func):
            raise TypeError('the first argument must be callable')
        if isinstance(func, partial):
            args = func.args + args
            merged = dict(func.keywords)
            merged.update(keywords)
            keywords = merged
            func = func.func
        self.func = func
        self.args = args
        self.keywords = keywords

    def __call__(self, *args, **keywords):
        merged = dict(self.keywords)
        merged.update(keywords)
        return self.func(*self.args, *args, **merged)

    def __repr__(self):
        parts = [repr(self.func)]
        parts += [repr(a) for a in self.args]
        parts += [f'{k}={v!r}' for k, v in self.keywords.items()]
        return f"functools.partial({', '.join(parts)})"


def update_wrapper(wrapper, wrapped, assigned=WRAPPER_ASSIGNMENTS,
                   updated=WRAPPER_UPDATES):
    for name in assigned:
        if hasattr(wrapped, name):
            setattr(wrapper, name, getattr(wrapped, name))
    wrapper.__wrapped__ = wrapped
    return wrapper


def wraps(wrapped, assigned=WRAPPER_ASSIGNMENTS, updated=WRAPPER_UPDATES):
    def decorate(wrapper):
        return update_wrapper(wrapper, wrapped, assigned, updated)
    return decorate


_NOTHING = object()


def reduce(function, iterable, initial=_NOTHING):
    items = iter(iterable)
    if initial is _NOTHING:
        try:
            value = next(items)
        except StopIteration:
            raise TypeError('reduce() of empty iterable with no initial '
                            'value') from None
    else:
        value = initial
    for item in items:
        value = function(value, item)
    return value


class _CacheInfo:
    def __init__(self, hits, misses, maxsize, currsize):
        self.hits = hits
        self.misses = misses
        self.maxsize = maxsize
        self.currsize = currsize

    def __repr__(self):
        return (f'CacheInfo(hits={self.hits}, misses={self.misses}, '
                f'maxsize={self.maxsize}, currsize={self.currsize})')


class _Cached:
    """A function with a memory of its results, least recently used first
    to go when maxsize is reached."""

    def __init__(self, func, maxsize):
        self.__wrapped__ = func
        self._maxsize = maxsize
        self._results = {}
        self._hits = 0
        self._misses = 0
        update_wrapper(self, func)

    def __call__(self, *args, **kwargs):
        key = (args, tuple(sorted(kwargs.items())))
        if key in self._results:
            self._hits += 1
            value = self._results.pop(key)
            self._results[key] = value
            return value
        self._misses += 1
        value = self.__wrapped__(*args, **kwargs)
        if self._maxsize != 0:
            self._results[key] = value
            if (self._maxsize is not None
                    and len(self._results) > self._maxsize):
                del self._results[next(iter(self._results))]
        return value

    def cache_info(self):
        return _CacheInfo(self._hits, self._misses, self._maxsize,
                          len(self._results))

    def cache_clear(self):
        self._results = {}
        self._hits = 0
        self._misses = 0


def lru_cache(maxsize=128, typed=False):
    if callable(maxsize) and not isinstance(maxsize, int):
        return _Cached(maxsize, 128)
    if maxsize is not None and maxsize < 0:
        maxsize = 0

    def decorate(func):
        return _Cached(func, maxsize)
    return decorate


def cache(func):
    return _Cached(func, None)


def cmp_to_key(mycmp):
    class K:
        def __init__(self, obj):
            self.obj = obj

        def __lt__(self, other):
            return mycmp(self.obj, other.obj) < 0

        def __gt__(self, other):
            return mycmp(self.obj, other.obj) > 0

        def __eq__(self, other):
            return mycmp(self.obj, other.obj) == 0

        def __le__(self, other):
            return mycmp(self.obj, other.obj) <= 0

        def __ge__(self, other):
            return mycmp(self.obj, other.obj) >= 0
    return K

# module heapq
def heappush(heap, item):
    heap.append(item)
    _sift_toward_root(heap, 0, len(heap) - 1)


def heappop(heap):
    last = heap.pop()
    if not heap:
        return last
    top = heap[0]
    heap[0] = last
    _sift_to_leaf(heap, 0)
    return top


def heapreplace(heap, item):
    top = heap[0]
    heap[0] = item
    _sift_to_leaf(heap, 0)
    return top


def heappushpop(heap, item):
    if heap and heap[0] < item:
        item, heap[0] = heap[0], item
        _sift_to_leaf(heap, 0)
    return item


def heapify(x):
    for i in range(len(x) // 2 - 1, -1, -1):
        _sift_to_leaf(x, i)


def nlargest(n, iterable, key=None):
    return sorted(iterable, key=key, reverse=True)[:n]


def nsmallest(n, iterable, key=None):
    return sorted(iterable, key=key)[:n]


def _sift_toward_root(heap, root, pos):
    # Move heap[pos] up while it is smaller than its parent.
    item = heap[pos]
    while pos > root:
        parent = (pos - 1) >> 1
        if item < heap[parent]:
            heap[pos] = heap[parent]
            pos = parent
        else:
            break
    heap[pos] = item


def _sift_to_leaf(heap, pos):
    # CPython's way: take the smaller child up all the way to a leaf, then
    # move the item up from there (fewer comparisons, and the same layout
    # as CPython's heapq, which programs that print heaps can see).
    end = len(heap)
    start = pos
    item = heap[pos]
    child = 2 * pos + 1
    while child < end:
        right = child + 1
        if right < end and not heap[child] < heap[right]:
            child = right
        heap[pos] = heap[child]
        pos = child
        child = 2 * pos + 1
    heap[pos] = item
    _sift_toward_root(heap, start, pos)

# module collections
class deque:
    """A double-ended queue (a list here: fine for the sizes of a lesson)."""

    def __init__(self, iterable=(), maxlen=None):
        if maxlen is not None and maxlen < 0:
            raise ValueError('maxlen must be non-negative')
        self._items = []
        self._maxlen = maxlen
        self.extend(iterable)

    @property
    def maxlen(self):
        return self._maxlen

    def append(self, x):
        self._items.append(x)
        if self._maxlen is not None and len(self._items) > self._maxlen:
            self._items.pop(0)

    def appendleft(self, x):
        self._items.insert(0, x)
        if self._maxlen is not None and len(self._items) > self._maxlen:
            self._items.pop()

    def extend(self, iterable):
        for x in list(iterable):
            self.append(x)

    def extendleft(self, iterable):
        for x in list(iterable):
            self.appendleft(x)

    def pop(self):
        if not self._items:
            raise IndexError('pop from an empty deque')
        return self._items.pop()

    def popleft(self):
        if not self._items:
            raise IndexError('pop from an empty deque')
        return self._items.pop(0)

    def clear(self):
        self._items = []

    def copy(self):
        return deque(self._items, self._maxlen)

    def count(self, x):
        return self._items.count(x)

    def index(self, x, *args):
        return self._items.index(x, *args)

    def insert(self, i, x):
        if self._maxlen is not None and len(self._items) >= self._maxlen:
            raise IndexError('deque already at its maximum size')
        self._items.insert(i, x)

    def remove(self, value):
        if value not in self._items:
            raise ValueError(f'{value!r} is not in deque')
        self._items.remove(value)

    def reverse(self):
        self._items.reverse()

    def rotate(self, n=1):
        if self._items:
            n = n % len(self._items)
            if n:
                self._items = self._items[-n:] + self._items[:-n]

    def __len__(self):
        return len(self._items)

    def __bool__(self):
        return len(self._items) > 0

    def __iter__(self):
        return iter(list(self._items))

    def __reversed__(self):
        return iter(self._items[::-1])

    def __contains__(self, x):
        return x in self._items

    def __getitem__(self, i):
        if isinstance(i, slice):
            raise TypeError('sequence index must be integer, not \'slice\'')
        try:
            return self._items[i]
        except IndexError:
            raise IndexError('deque index out of range') from None

    def __setitem__(self, i, x):
        self._items[i] = x

    def __delitem__(self, i):
        del self._items[i]

    def __eq__(self, other):
        return isinstance(other, deque) and self._items == other._items

    def __repr__(self):
        if self._maxlen is None:
            return f'deque({self._items!r})'
        return f'deque({self._items!r}, maxlen={self._maxlen})'


class _DictLike:
    """What defaultdict, Counter and OrderedDict share: a dict inside."""

    def __len__(self):
        return len(self._data)

    def __iter__(self):
        return iter(list(self._data))

    def __contains__(self, key):
        return key in self._data

    def __getitem__(self, key):
        if key in self._data:
            return self._data[key]
        return self.__missing__(key)

    def __missing__(self, key):
        raise KeyError(key)

    def __setitem__(self, key, value):
        self._data[key] = value

    def __delitem__(self, key):
        del self._data[key]

    def __eq__(self, other):
        if isinstance(other, _DictLike):
            other = other._data
        return self._data == other

    def __bool__(self):
        return len(self._data) > 0

    def keys(self):
        return self._data.keys()

    def values(self):
        return self._data.values()

    def items(self):
        return self._data.items()

    def get(self, key, default=None):
        return self._data.get(key, default)

    def pop(self, key, *default):
        return self._data.pop(key, *default)

    def popitem(self):
        return self._data.popitem()

    def setdefault(self, key, default=None):
        return self._data.setdefault(key, default)

    def update(self, other=(), **kwargs):
        if isinstance(other, _DictLike):
            other = other._data
        self._data.update(other)
        self._data.update(kwargs)

    def clear(self):
        self._data.clear()


def _name_of(factory):
    if factory is None:
        return 'None'
    return repr(factory)


class defaultdict(_DictLike):
    """A dict that makes a missing key's value with default_factory()."""

    def __init__(self, default_factory=None, *args, **kwargs):
        if default_factory is not None and not callable(default_factory):
            raise TypeError('first argument must be callable or None')
        self.default_factory = default_factory
        self._data = dict(*args, **kwargs)

    def __missing__(self, key):
        if self.default_factory is None:
            raise KeyError(key)
        value = self.default_factory()
        self._data[key] = value
        return value

    def copy(self):
        return defaultdict(self.default_factory, self._data)

    def __repr__(self):
        return f'defaultdict({_name_of(self.default_factory)}, {self._data!r})'


class OrderedDict(_DictLike):
    def __init__(self, *args, **kwargs):
        self._data = dict(*args, **kwargs)

    def move_to_end(self, key, last=True):
        value = self._data.pop(key)
        if last:
            self._data[key] = value
        else:
            rest = self._data
            self._data = {key: value}
            self._data.update(rest)

    def popitem(self, last=True):
        if not self._data:
            raise KeyError('dictionary is empty')
        key = list(self._data)[-1 if last else 0]
        return key, self._data.pop(key)

    def copy(self):
        return OrderedDict(self._data)

    def __repr__(self):
        if not self._data:
            return 'OrderedDict()'
        return f'OrderedDict({list(self._data.items())!r})'


class Counter(_DictLike):
    """Counts of things: Counter('abca')['a'] is 2."""

    def __init__(self, iterable=None, **kwargs):
        self._data = {}
        self.update(iterable, **kwargs)

    def __missing__(self, key):
        return 0

    def update(self, iterable=None, **kwargs):
        if iterable is not None:
            if isinstance(iterable, (dict, _DictLike)):
                for key, n in iterable.items():
                    self._data[key] = self._data.get(key, 0) + n
            else:
                for key in iterable:
                    self._data[key] = self._data.get(key, 0) + 1
        for key, n in kwargs.items():
            self._data[key] = self._data.get(key, 0) + n

    def subtract(self, iterable=None, **kwargs):
        if iterable is not None:
            if isinstance(iterable, (dict, _DictLike)):
                for key, n in iterable.items():
                    self._data[key] = self._data.get(key, 0) - n
            else:
                for key in iterable:
                    self._data[key] = self._data.get(key, 0) - 1
        for key, n in kwargs.items():
            self._data[key] = self._data.get(key, 0) - n

    def most_common(self, n=None):
        ranked = sorted(self._data.items(), key=lambda kv: kv[1],
                        reverse=True)
        return ranked if n is None else ranked[:n]

    def elements(self):
        out = []
        for key, n in self._data.items():
            for _ in range(n):
                out.append(key)
        return iter(out)

    def total(self):
        return sum(self._data.values())

    def copy(self):
        return Counter(self._data)

    def __add__(self, other):
        result = Counter()
        for key, n in self._data.items():
            if n + other[key] > 0:
                result[key] = n + other[key]
        for key, n in other.items():
            if key not in self._data and n > 0:
                result[key] = n
        return result

    def __sub__(self, other):
        result = Counter()
        for key, n in self._data.items():
            if n - other[key] > 0:
                result[key] = n - other[key]
        for key, n in other.items():
            if key not in self._data and n < 0:
                result[key] = -n
        return result

    def __repr__(self):
        if not self._data:
            return 'Counter()'
        return f'Counter({dict(self.most_common())!r})'


def namedtuple(typename, field_names, *, rename=False, defaults=None,
               module=None):
    """A class of records with named fields that unpack like tuples."""
    if isinstance(field_names, str):
        field_names = field_names.replace(',', ' ').split()
    fields = tuple(field_names)
    defaults = tuple(defaults) if defaults is not None else ()

    class Record:
        _fields = fields
        _field_defaults = dict(zip(fields[len(fields) - len(defaults):],
                                   defaults))

        def __init__(self, *args, **kwargs):
            if len(args) > len(fields):
                raise TypeError(f'{typename}.__new__() takes '
                                f'{len(fields) + 1} positional arguments but '
                                f'{len(args) + 1} were given')
            values = list(args)
            for name in fields[len(args):]:
                if name in kwargs:
                    values.append(kwargs.pop(name))
                elif name in self._field_defaults:
                    values.append(self._field_defaults[name])
                else:
                    raise TypeError(f"{typename}.__new__() missing 1 required "
                                    f"positional argument: '{name}'")
            if kwargs:
                name = next(iter(kwargs))
                raise TypeError(f"{typename}.__new__() got an unexpected "
                                f"keyword argument '{name}'")
            object.__setattr__(self, '_values', tuple(values))
            for name, value in zip(fields, values):
                object.__setattr__(self, name, value)

        def __setattr__(self, name, value):
            raise AttributeError("can't set attribute")

        def __iter__(self):
            return iter(self._values)

        def __len__(self):
            return len(self._values)

        def __getitem__(self, i):
            return self._values[i]

        def __eq__(self, other):
            if isinstance(other, Record):
                other = other._values
            return self._values == other

        def __lt__(self, other):
            if isinstance(other, Record):
                other = other._values
            return self._values < other

        def __hash__(self):
            return hash(self._values)

        def __repr__(self):
            inner = ', '.join(f'{n}={v!r}' for n, v in zip(fields,
                                                             self._values))
            return f'{typename}({inner})'

        def _asdict(self):
            return dict(zip(fields, self._values))

        def _replace(self, **changes):
            current = self._asdict()
            current.update(changes)
            return Record(**current)

        @classmethod
        def _make(cls, iterable):
            return cls(*iterable)

    Record.__name__ = typename
    Record.__qualname__ = typename
    return Record

# module itertools
class count:
    def __init__(self, start=0, step=1):
        self._next = start
        self._step = step

    def __iter__(self):
        return self

    def __next__(self):
        value = self._next
        self._next += self._step
        return value

    def __repr__(self):
        if self._step == 1:
            return f'count({self._next!r})'
        return f'count({self._next!r}, {self._step!r})'


class cycle:
    def __init__(self, iterable):
        self._items = list(iterable)
        self._i = 0

    def __iter__(self):
        return self

    def __next__(self):
        if not self._items:
            raise StopIteration
        value = self._items[self._i]
        self._i = (self._i + 1) % len(self._items)
        return value


class repeat:
    def __init__(self, obj, times=None):
        self._obj = obj
        self._left = times

    def __iter__(self):
        return self

    def __next__(self):
        if self._left is not None:
            if self._left <= 0:
                raise StopIteration
            self._left -= 1
        return self._obj


class chain:
    def __init__(self, *iterables):
        self._sources = iter(iterables)
        self._current = iter(())

    @classmethod
    def from_iterable(cls, iterables):
        result = cls()
        result._sources = iter(iterables)
        return result

    def __iter__(self):
        return self

    def __next__(self):
        while True:
            try:
                return next(self._current)
            except StopIteration:
                self._current = iter(next(self._sources))


class islice:
    def __init__(self, iterable, *args):
        bounds = slice(*args)
        self._it = iter(iterable)
        self._next = bounds.start or 0
        self._stop = bounds.stop
        self._step = bounds.step or 1
        self._i = 0

    def __iter__(self):
        return self

    def __next__(self):
        if self._stop is not None and self._next >= self._stop:
            raise StopIteration
        while self._i < self._next:
            next(self._it)
            self._i += 1
        value = next(self._it)
        self._i += 1
        self._next += self._step
        return value


def accumulate(iterable, func=None, *, initial=None):
    out = []
    total = initial
    if initial is not None:
        out.append(initial)
    for x in iterable:
        if total is None and not out:
            total = x
        elif func is None:
            total = total + x
        else:
            total = func(total, x)
        out.append(total)
    return iter(out)


def product(*iterables, repeat=1):
    pools = [tuple(p) for p in iterables] * repeat
    result = [()]
    for pool in pools:
        result = [r + (x,) for r in result for x in pool]
    return iter(result)


def permutations(iterable, r=None):
    pool = tuple(iterable)
    n = len(pool)
    r = n if r is None else r
    out = []

    def build(prefix, used):
        if len(prefix) == r:
            out.append(tuple(pool[i] for i in prefix))
            return
        for i in range(n):
            if i not in used:
                build(prefix + [i], used | {i})
    if r <= n:
        build([], set())
    return iter(out)


def combinations(iterable, r):
    pool = tuple(iterable)
    out = []

    def build(start, prefix):
        if len(prefix) == r:
            out.append(tuple(prefix))
            return
        for i in range(start, len(pool)):
            build(i + 1, prefix + [pool[i]])
    build(0, [])
    return iter(out)


def zip_longest(*iterables, fillvalue=None):
    lists = [list(it) for it in iterables]
    longest = max((len(x) for x in lists), default=0)
    return iter([tuple(x[i] if i < len(x) else fillvalue for x in lists)
                 for i in range(longest)])


def pairwise(iterable):
    items = list(iterable)
    return iter([(items[i], items[i + 1]) for i in range(len(items) - 1)])


def starmap(function, iterable):
    return iter([function(*args) for args in iterable])


def takewhile(predicate, iterable):
    out = []
    for x in iterable:
        if not predicate(x):
            break
        out.append(x)
    return iter(out)


def dropwhile(predicate, iterable):
    out = []
    dropping = True
    for x in iterable:
        if dropping and predicate(x):
            continue
        dropping = False
        out.append(x)
    return iter(out)


def groupby(iterable, key=None):
    groups = []
    for x in iterable:
        k = x if key is None else key(x)
        if groups and groups[-1][0] == k:
            groups[-1][1].append(x)
        else:
            groups.append((k, [x]))
    return iter([(k, iter(items)) for k, items in groups])
