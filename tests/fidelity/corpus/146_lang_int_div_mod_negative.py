# Language: floor division and modulo with negative operands follow the sign of the divisor.
pairs = [(7, 2), (-7, 2), (7, -2), (-7, -2), (0, 3), (-1, 5), (6, 3), (-6, 3)]
for a, b in pairs:
    print(f"{a:>3} // {b:>2} = {a // b:>3}   {a:>3} % {b:>2} = {a % b:>3}   {a} / {b} = {a / b}")
print(7.5 // 2, -7.5 // 2, 7.5 % 2, -7.5 % 2, 7 % -2.5)
print(-7 // 2.0, 1e300 // 1e-10)
for a, b in [(5, 0), (5.0, 0), (0, 0)]:
    try:
        print(a % b)
    except ZeroDivisionError as e:
        print("ZeroDivisionError:", e)
try:
    print(5 // 0)
except ZeroDivisionError as e:
    print("ZeroDivisionError:", e)
