# Language: float printing uses the shortest repr: 0.1+0.2, 1e16, 1e-5, 2.5, integers-as-floats, big and small exponents.
values = [0.1 + 0.2, 0.1 * 3, 1 / 3, 2 / 3, 1e16, 1e15, 123456789012345678.0,
          1e-4, 1e-5, 0.00001234, 2.5, 3.0, -0.5, 100.0, 1e22, 1e-300 * 1e-10,
          5e-324, 1.7976931348623157e308, 2 ** 0.5, 10 / 4, 7 / 7]
for v in values:
    print(v, repr(v), str(v))
print(0.1 + 0.2 == 0.3, round(0.1 + 0.2, 10) == 0.3)
print(float(10 ** 16), float(2 ** 53 + 1))
