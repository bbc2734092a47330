# Language: tuple unpacking in assignments, loops and swaps; unpacking errors.
a, b = 1, 2
a, b = b, a
print(a, b)
(x, y), z = (3, 4), 5
print(x, y, z)
for i, (name, score) in enumerate([("ann", 9), ("bob", 7)]):
    print(i, name, score)
t = 1,
print(t, len(t), type(t).__name__, (1, 2) + (3,), (0,) * 3)
first, rest = [1, [2, 3, 4]]
print(first, rest)
try:
    p, q = [1, 2, 3]
except ValueError as e:
    print("ValueError:", e)
try:
    p, q, r = "ab"
except ValueError as e:
    print("ValueError:", e)
