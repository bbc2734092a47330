# Language: int() and float() conversions from strings, floats and bools, with whitespace, signs and bases.
print(int("42"), int(" -7 "), int("+3"), int(3.99), int(-3.99), int(True), int("1_000"))
print(int("ff", 16), int("0x1f", 16), int("101", 2), int("z", 36))
print(float("3.5"), float(" -1e3 "), float(7), float("0.1"), float(False), float("1_0.5"))
print(str(12), str(1.0), str(-0.25), repr(3), bool(0), bool(0.0), bool("0"), bool(""))
print(int(float("12.9")), float(int("12")), 7 / 2, 7 // 2, 6 / 3, type(6 / 3).__name__)
print(1 == 1.0, 2 + True, 0.5 + True, 10 * False)
