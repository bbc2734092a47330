# Language: exception args, str and repr for built-in exceptions with zero, one and several arguments.
excs = [ValueError(), ValueError("one"), ValueError("a", 1), KeyError("k"), KeyError(),
        KeyError("a", "b"), IndexError(3), TypeError(None), RuntimeError(""), Exception([1, 2]),
        TimeoutError(), ZeroDivisionError("z"), BaseException("base")]
for e in excs:
    print(type(e).__name__, e.args, repr(str(e)), repr(e))
