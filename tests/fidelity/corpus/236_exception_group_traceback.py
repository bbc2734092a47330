# An uncaught exception group: the boxed traceback with nested groups, chained causes and notes.
def f():
    try:
        raise KeyError("k")
    except KeyError as e:
        raise ValueError("v") from e
try:
    f()
except ValueError as e:
    eg = ExceptionGroup("outer", [e, ExceptionGroup("inner", [TypeError("t"), OSError("o")])])
    e2 = RuntimeError("r")
    e2.add_note("note one")
    raise ExceptionGroup("top", [eg, e2])
