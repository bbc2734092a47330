# except*: naked exceptions wrapped, groups split by clause, rest and new raises combined, split/subgroup/derive, syntax limits.
def show(tag, e):
    print(tag, type(e).__name__, repr(e))

def t1():
    try:
        raise ValueError("naked")
    except* ValueError as eg:
        show("t1 caught", eg)
        print(eg.exceptions, eg.message)

def t2():
    try:
        raise ExceptionGroup("g", [ValueError(1), TypeError(2), ValueError(3), KeyError(4)])
    except* ValueError as eg:
        show("t2 V", eg)
    except* (TypeError, KeyError) as eg:
        show("t2 TK", eg)

def t3():
    try:
        try:
            raise ExceptionGroup("g", [ValueError(1), TypeError(2)])
        except* ValueError:
            print("t3 handled V")
    except ExceptionGroup as eg:
        show("t3 rest", eg)

def t4():
    try:
        try:
            raise ExceptionGroup("g", [ValueError(1), TypeError(2)])
        except* ValueError:
            raise RuntimeError("new")
    except ExceptionGroup as eg:
        show("t4 out", eg)
        for e in eg.exceptions:
            show("  part", e)
            print("  ctx", repr(e.__context__))

def t5():
    try:
        try:
            raise ExceptionGroup("g", [ValueError(1), TypeError(2)])
        except* ValueError:
            raise
    except ExceptionGroup as eg:
        show("t5 reraised", eg)

def t6():
    try:
        try:
            raise KeyError("k")
        except* ValueError:
            print("no")
    except KeyError as e:
        show("t6 naked passes", e)

def t7():
    try:
        try:
            raise ValueError("v")
        except* ValueError:
            raise TypeError("t")
    except Exception as e:
        show("t7", e)
        print(repr(e.__context__))

def t8():
    eg = ExceptionGroup("outer", [ValueError(1), ExceptionGroup("inner", [TypeError(2), ValueError(3)])])
    m, r = eg.split(ValueError)
    show("split m", m)
    show("split r", r)
    print(eg.subgroup(lambda e: isinstance(e, TypeError)))
    print(eg.subgroup(OSError))
    print(eg.derive([KeyError(9)]))
    print(BaseExceptionGroup("b", [KeyboardInterrupt()]).__class__.__name__)
    print(BaseExceptionGroup("b", [ValueError()]).__class__.__name__)
    try:
        ExceptionGroup("x", [KeyboardInterrupt()])
    except TypeError as e:
        print("TypeError:", e)
    try:
        ExceptionGroup("x", [])
    except ValueError as e:
        print("ValueError:", e)

def t9():
    try:
        try:
            raise ExceptionGroup("g", [ValueError(1)])
        except* ExceptionGroup:
            pass
    except TypeError as e:
        print("t9", e)

def t10():
    for i in range(2):
        try:
            raise ExceptionGroup("g", [ValueError(i)])
        except* ValueError as eg:
            print("loop", i, eg.exceptions)
        finally:
            print("finally", i)
    try:
        raise ExceptionGroup("g", [ValueError(1)])
    except* ValueError:
        print("matched")
    else:
        print("else")
    try:
        pass
    except* ValueError:
        print("x")
    else:
        print("else ran")

for f in [t1, t2, t3, t4, t5, t6, t7, t8, t9, t10]:
    f()
try:
    raise ExceptionGroup("final", [ValueError("a"), ExceptionGroup("sub", [TypeError("b")])])
except* TypeError as e:
    print("top level", repr(e))
