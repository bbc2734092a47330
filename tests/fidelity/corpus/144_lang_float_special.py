# Language: inf, nan and -0.0: printing, comparisons and arithmetic.
inf = float("inf")
nan = float("nan")
print(inf, -inf, nan, -0.0, 0.0)
print(inf > 1e308, -inf < -1e308, inf == inf, nan == nan, nan != nan)
print(inf + 1, inf - inf, inf * 0, 1 / inf, -1 / inf)
print(-0.0 == 0.0, str(-0.0), repr(-0.0 * 1), 0.0 * -1)
print(float("-inf"), float("Infinity"), float("  nan  "), float("1e500"))
print(abs(-0.0), abs(-inf), max(1.0, inf), min(-inf, 0))
print(f"{inf:.2f} {nan:.3f} {-0.0:.1f} {inf:>6}")
print(int(2.9), int(-2.9), round(-0.5), round(0.5), round(1.5))
try:
    int(inf)
except OverflowError as e:
    print("OverflowError:", e)
try:
    int(nan)
except ValueError as e:
    print("ValueError:", e)
