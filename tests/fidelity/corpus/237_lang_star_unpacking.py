# Star-unpacking in assignment and for targets, nested, in functions, and the error for too few values.
a, *b = [1, 2, 3]
print(a, b)
*c, d = "xyz"
print(c, d)
e, *f, g = range(5)
print(e, f, g)
for h, *i in [(1, 2, 3), (4,)]:
    print(h, i)
[j, *k] = (7, 8)
print(j, k)
(l, *m), n = [1, 2], 3
print(l, m, n)
def fn():
    p, *q = 1, 2, 3
    return q
print(fn())
try:
    x, *y, z = [1]
except ValueError as e:
    print(e)
