# Language: assert passes silently, fails with AssertionError (with or without a message).
def check(x):
    assert x > 0, f"x must be positive, got {x}"
    return x


print(check(3))
try:
    check(-1)
except AssertionError as e:
    print("AssertionError:", e, e.args)
try:
    assert 1 == 2
except AssertionError as e:
    print("bare AssertionError:", repr(e), repr(str(e)))
assert True
print("done")
