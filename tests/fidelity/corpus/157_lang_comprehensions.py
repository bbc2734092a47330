# Language: list and dict comprehensions: conditions, nesting, conditional expressions, ranges.
squares = [x * x for x in range(6)]
evens = [x for x in range(10) if x % 2 == 0]
pairs = [(x, y) for x in range(3) for y in range(x)]
flags = ["even" if x % 2 == 0 else "odd" for x in range(4)]
table = {x: x ** 3 for x in range(4)}
inverted = {v: k for k, v in {"a": 1, "b": 2}.items()}
matrix = [[r * 3 + c for c in range(3)] for r in range(3)]
transposed = [[row[i] for row in matrix] for i in range(3)]
flat = [n for row in matrix for n in row if n % 4 != 0]
print(squares, evens)
print(pairs)
print(flags, table, inverted)
print(matrix, transposed)
print(flat)
print([c.upper() for c in "abc"], {k: len(k) for k in ["one", "three"]})
