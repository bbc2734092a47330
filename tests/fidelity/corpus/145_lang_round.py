# Language: round() uses banker's rounding and float representation: round(2.675, 2) is 2.67.
print(round(0.5), round(1.5), round(2.5), round(-1.5), round(-2.5))
print(round(2.675, 2), round(1.005, 2), round(0.125, 2), round(0.375, 2))
print(round(3.14159, 3), round(3.14159, 0), round(1234.5678, -2), round(1250, -2))
print(round(7), round(7.0), type(round(7.0)).__name__, type(round(7.0, 1)).__name__)
print(round(-0.4), round(-0.6), round(1e16 + 0.5))
print(round(123.456, 1), round(123.456, -1), round(5, 2), round(0.1 + 0.2, 2))
