# Language: min/max with key and several arguments, sum with start, any/all, abs, and empty-sequence errors.
nums = [4, -7, 2, 9, -1]
print(min(nums), max(nums), min(nums, key=abs), max(nums, key=lambda n: n % 5))
print(max("apple", "fig", "banana", key=len), min(3, 1, 2), max([1.5, 2, 0]))
print(sum(nums), sum([0.1] * 10), sum([1, 2], 10), sum([]))
print(any([0, "", None]), any([0, 1]), all([]), all([1, "a"]), all([1, 0]))
print(abs(-3), abs(2.5), abs(-0.0), abs(True))
try:
    max([])
except ValueError as e:
    print("ValueError:", e)
try:
    min(1)
except TypeError as e:
    print("TypeError:", e)
