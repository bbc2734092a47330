# Language: built-in error messages: division by zero, KeyError, IndexError, NameError, tuple index.
def check(x):
    assert x, "x is falsy"


def attempt(label, fn):
    try:
        fn()
    except Exception as e:
        print(f"{label}: {type(e).__name__}: {e}")


attempt("int div", lambda: 1 / 0)
attempt("float div", lambda: 1.0 / 0)
attempt("floor div", lambda: 1 // 0)
attempt("modulo", lambda: 1 % 0)
attempt("dict", lambda: {"a": 1}["x"])
attempt("dict int key", lambda: {}[3])
attempt("list", lambda: [1, 2][5])
attempt("list neg", lambda: [][-1])
attempt("tuple", lambda: (1,)[1])
attempt("str", lambda: "ab"[9])
attempt("name", lambda: undefined_name)  # noqa: deliberately undefined
attempt("assert", lambda: check(0))
