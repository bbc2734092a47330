# Language: closures capture variables by reference; nonlocal rebinds; late binding in loops.
def make_counter():
    count = 0

    def increment(step=1):
        nonlocal count
        count += step
        return count
    return increment


c1 = make_counter()
c2 = make_counter()
print(c1(), c1(), c1(10), c2())
funcs = [lambda: i for i in range(3)]
print([f() for f in funcs])
bound = [lambda i=i: i for i in range(3)]
print([f() for f in bound])


def outer():
    x = "outer"

    def inner():
        return x
    x = "changed"
    return inner()


print(outer())
