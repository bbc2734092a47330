# Errors: an uncaught NameError at module level, after some output, exits 1 with the NameError line last.
def total(xs):
    result = 0
    for x in xs:
        result += x
    return result


print(total([1, 2, 3]))
print("next line fails")
print(missing_helper([4]))  # noqa: deliberately undefined
print("not reached")
