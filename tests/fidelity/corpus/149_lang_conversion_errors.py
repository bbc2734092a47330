# Language: conversion error messages: int('abc'), float('x'), int(None), int('1.5'), bad bases.
tries = [("int", "abc"), ("int", "1.5"), ("int", ""), ("float", "x"), ("float", ""),
         ("int", None), ("float", None), ("int", [1]), ("float", "1,5")]
for kind, value in tries:
    try:
        if kind == "int":
            int(value)
        else:
            float(value)
    except (ValueError, TypeError) as e:
        print(f"{kind}({value!r}): {type(e).__name__}: {e}")
try:
    int("12", 1)
except ValueError as e:
    print("ValueError:", e)
try:
    int("9", 8)
except ValueError as e:
    print("ValueError:", e)
