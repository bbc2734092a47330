# Errors: the order of try / except / else / finally, with and without an exception, and return in finally.
def attempt(fail):
    log = []
    try:
        log.append("try")
        if fail:
            raise ValueError("x")
    except ValueError:
        log.append("except")
    else:
        log.append("else")
    finally:
        log.append("finally")
    return log


def finally_wins():
    try:
        return "from try"
    finally:
        print("finally runs before the return completes")


print(attempt(False))
print(attempt(True))
print(finally_wins())
