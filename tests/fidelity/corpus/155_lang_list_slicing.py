# Language: list slicing, negative indexes, steps, slice assignment copies, concatenation and repetition.
xs = list(range(10))
print(xs[2:5], xs[-3:], xs[::3], xs[::-2], xs[7:2:-1], xs[-1], xs[-10])
ys = xs[:]
ys[0] = 99
print(xs[0], ys[0], xs == list(range(10)))
zs = xs[2:4] + [None] * 2
print(zs, len(zs))
nested = [[0] * 2 for _ in range(2)]
nested[0][1] = 5
print(nested)
alias = [[0] * 2] * 2
alias[0][1] = 5
print(alias)
a, b, c = [1, 2, 3]
first, second = xs[:2]
print(a + b + c, first, second)
try:
    print(xs[10])
except IndexError as e:
    print("IndexError:", e)
print(xs[10:], [] == [], [1, 2] < [1, 3], [1, 2] == [1, 2.0])
