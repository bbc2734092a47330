# Deep recursion is a RecursionError, not a crash.
# exit: 1
# stderr: RecursionError: maximum recursion depth exceeded
def down(n):
    return down(n + 1)
down(0)
