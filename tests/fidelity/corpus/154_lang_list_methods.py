# Language: list methods: append, extend, insert, pop, remove, index, count, sort, reverse; their errors.
xs = [3, 1, 2]
xs.append(5)
xs.extend([1, 9])
xs.insert(0, 7)
xs.insert(-1, 4)
xs.insert(100, 8)
print(xs)
print(xs.pop(), xs.pop(0), xs.pop(-2), xs)
xs.remove(1)
print(xs, xs.index(2), xs.count(1), xs.count(42))
xs.sort()
print(xs)
xs.sort(reverse=True)
print(xs)
xs.reverse()
print(xs, len(xs), sum(xs), 5 in xs)
for bad in [lambda: xs.remove(42), lambda: xs.index(42), lambda: [].pop(), lambda: xs.pop(20)]:
    try:
        bad()
    except (ValueError, IndexError) as e:
        print(type(e).__name__ + ":", e)
