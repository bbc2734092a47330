# Language: lambda with sorted(key=, reverse=); sort stability; sorting tuples and strings.
words = ["pear", "Fig", "apple", "kiwi", "banana", "date"]
print(sorted(words))
print(sorted(words, key=lambda w: w.lower()))
print(sorted(words, key=len))
print(sorted(words, key=len, reverse=True))
print(sorted(words, key=lambda w: (len(w), w)))
people = [("ann", 31), ("bob", 25), ("cat", 31), ("dan", 25)]
print(sorted(people, key=lambda p: p[1]))
print(sorted(people, key=lambda p: -p[1]))
print(sorted([3, 1, 2], reverse=True), sorted("hello"), sorted((5, -1, 0)))
double = lambda x: x * 2
print(double(4), (lambda a, b=1: a + b)(2), sorted({"b": 1, "a": 2}))
