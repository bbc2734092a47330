# Language: ** with negative bases and exponents, precedence with unary minus, float results.
print(2 ** 10, 2 ** -1, 2 ** -2, (-2) ** 3, (-2) ** 2, -2 ** 2)
print(2 ** 0.5, 4 ** 0.5, 8 ** (1 / 3), 10 ** -3, 0 ** 0, 0.0 ** 0)
print(2 ** 3 ** 2, (2 ** 3) ** 2, -3 ** -2, 1.5 ** 2)
print(type(2 ** 2).__name__, type(2 ** -2).__name__, 10 ** 18, 2 ** 62)
try:
    print(0 ** -1)
except ZeroDivisionError as e:
    print("ZeroDivisionError:", e)
x = 3
x **= 3
print(x)
