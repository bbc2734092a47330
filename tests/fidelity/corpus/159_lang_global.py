# Language: global declarations, reading globals without global, and UnboundLocalError being a NameError.
counter = 0
label = "start"


def bump():
    global counter
    counter += 1
    return counter


def read_only():
    return label + "!"


def broken():
    total = counter + 1
    counter = total
    return counter


bump()
bump()
print(counter, read_only())
try:
    broken()
except NameError as e:
    print(type(e).__name__, isinstance(e, NameError), e)
