# Language: unbounded recursion raises RecursionError, which can be caught (only its type is printed).
def down(n):
    return down(n + 1) + 1


def depth(n):
    if n == 0:
        return 0
    return 1 + depth(n - 1)


print(depth(100))
try:
    down(0)
except RecursionError as e:
    print("caught", type(e).__name__, isinstance(e, RuntimeError))
print(depth(200), "recursion works again after the error")
