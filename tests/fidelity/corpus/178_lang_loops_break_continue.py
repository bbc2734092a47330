# Language: for and while loops with break and continue; iterating strings, tuples, dicts and ranges.
for ch in "abcdef":
    if ch == "b":
        continue
    if ch == "e":
        break
    print(ch, end=" ")
print()
n = 0
while True:
    n += 1
    if n % 2:
        continue
    if n > 6:
        break
    print("even", n)
for k in {"x": 1, "y": 2}:
    print("key", k)
for item in (1, "two", 3.0):
    print(type(item).__name__, end=" ")
print()
for i in range(10, 0, -3):
    print(i, end=",")
print()
