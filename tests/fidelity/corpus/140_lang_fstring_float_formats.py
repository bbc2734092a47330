# Language: f-string float formats: precision, width, zero padding, sign, exponent, percent.
x = 3.14159
y = -2.5
z = 1234567.891
print(f"{x:.2f}|{x:.0f}|{x:8.3f}|{x:08.3f}|{y:08.3f}")
print(f"{x:+.1f}|{y:+.1f}|{x: .2f}|{y: .2f}")
print(f"{z:e}|{z:.2e}|{z:E}|{0.000123:.1e}")
print(f"{z:g}|{x:g}|{1e-7:g}|{1e20:g}|{100000.0:g}|{1000000.0:g}")
print(f"{0.256:%}|{0.256:.1%}|{1:.0%}")
print(f"{2.5:.0f}|{3.5:.0f}|{0.125:.2f}|{0.375:.2f}")
print(f"{x:10.4f}|{x:<10.2f}|{x:^10.1f}|")
