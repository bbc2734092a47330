# Language: f-string conversions and integer formats: {x!r}, {x!s}, {x=}, {x:,}, {x:_}, {x:x}, {x:b}, {x:o}.
s = "it's"
n = 1234567
f = 1234.5
items = [1, "a"]
print(f"{s!r} {s!s} {s}")
print(f"{items} {items!r}")
print(f"{n=} {s=} {f=}")
print(f"{n + 1 = }")
print(f"{n:,} {f:,} {f:,.2f} {n:_}")
print(f"{255:x} {255:X} {255:#x} {5:b} {5:08b} {8:o} {-255:x}")
print(f"{{literal braces}} {n!r:>10}")
print(f"{'nested ' + s.upper()}")
print(f"{True} {None} {3 > 2!r}")
