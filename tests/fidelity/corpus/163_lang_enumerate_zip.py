# Language: enumerate (with start) and zip (shortest wins), tuples and dicts built from them.
names = ["ann", "bob", "cat"]
ages = [31, 25]
for i, n in enumerate(names):
    print(i, n)
for i, n in enumerate(names, 1):
    print(f"#{i} {n}")
print(list(zip(names, ages)))
print(dict(zip(names, ages)))
print(list(enumerate("ab")), list(zip()), list(zip([1, 2, 3], "xyz", [True, False, None])))
for (i, name), age in zip(enumerate(names), ages):
    print(i, name, age)
pairs = list(zip(range(3), range(10, 13)))
print(pairs, tuple(range(3)), list(range(5, 0, -2)), list(range(0)))
