# Sets print in CPython's order: its hash values for ints, floats and tuples, its table (collisions, deleted slots reused, growth), set displays of constants, and the order each set operation inserts in.
print({3, 1, 2}, {10, 2, 33, 17, 1}, {-1, -2, 0}, set([100, 5, 37]))
print({x % 7 for x in range(30)}, {x * 8 for x in range(6)})
print({1.5, 2.0, 0.5, -0.25}, {(1, 2), (0, 1), (2, 0)}, {True, 0, 2})
print({2**61 - 1, 0, 2**62, 2**61}, {1e20, 3.14159, -0.0})

s = set()
for x in [1, 9, 17]:
    s.add(x)
s.discard(1)
s.discard(9)
s.add(25)
s.add(7)
print(s)

a = {5, 21, 13, 8, 40, 3}
b = {21, 8, 99, 1, 64}
print(a | b, b | a, a & b, b & a, a - b, b - a, a ^ b, b ^ a)
print(a.union([7, 15], b), a.intersection(b, [8, 21, 5]), a.difference(b, [3]))
print(a.symmetric_difference([1, 2, 3]), sorted(a), len(a | b))
c = set(a)
c |= {100, 200, 36}
c &= {100, 5, 36, 3, 8, 77}
print(c)
c ^= {1, 2, 3, 5}
c -= {100}
print(c, c.pop(), c)
big = set(range(0, 200, 7))
big.difference_update(range(0, 200, 3))
print(big)
d = {}
d[40] = 1
d[3] = 2
print(set(d), frozenset({4, 3, 12}), {frozenset({1, 2}): "fs"})
print({1, 2, 3} == {3, 2, 1}, {1, 2} < {1, 2, 3}, {1, 2, 3} >= {3}, {1}.isdisjoint([2, 3]))
e = {9, 1, 17}
print([x for x in e], list(e), tuple(e), max(e), sum(e))
