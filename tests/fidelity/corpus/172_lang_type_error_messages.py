# Language: TypeError messages for unsupported operand types, calls and subscripts.
n = 5
items = [1]


def attempt(label, fn):
    try:
        fn()
    except TypeError as e:
        print(f"{label}: {e}")


attempt("int + str", lambda: 1 + "a")
attempt("str + int", lambda: "a" + 1)
attempt("list - list", lambda: [1] - [1])
attempt("str * float", lambda: "a" * 2.0)
attempt("None + 1", lambda: None + 1)
attempt("dict + dict", lambda: {} + {})
attempt("unary", lambda: -"a")
attempt("call int", lambda: n())
attempt("subscript int", lambda: n[0])
attempt("len int", lambda: len(5))
attempt("list index str", lambda: items["0"])
attempt("compare", lambda: [] < 1)
attempt("iterate", lambda: [x for x in 5])
attempt("unhashable", lambda: {[1]: 2})
