# Language: chained comparisons evaluate each operand once and short-circuit; mixed types and equality.
def v(x):
    print("eval", x)
    return x


print(1 < 2 < 3, 3 > 2 > 2, 1 < 3 > 2, 1 == 1.0 == True)
print(v(1) < v(2) < v(3))
print(v(3) < v(2) < v(1))
x = 5
print(0 <= x < 10, 0 <= x < 5, x != 4 != 5, "a" < "b" < "c", [1] < [1, 0])
print((1, 2) < (1, 3), "abc" < "abd", "Z" < "a", 2 >= 2.0)
try:
    print(1 < "2")
except TypeError as e:
    print("TypeError:", e)
