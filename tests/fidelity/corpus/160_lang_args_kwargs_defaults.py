# Language: positional, keyword and default arguments, *args, and argument errors.
def describe(name, greeting="hello", *args, punct="!"):
    extra = " ".join([str(a) for a in args])
    return f"{greeting} {name}{punct} {extra}".strip()


print(describe("ana"))
print(describe("bo", "hi"))
print(describe("cy", "hey", 1, 2, 3))
print(describe(greeting="yo", name="di"))
print(describe("ed", punct="?"))
values = ["fi", "sup", "x"]
print(describe(*values))


def mutable_default(item, bucket=[]):
    bucket.append(item)
    return bucket


print(mutable_default(1), mutable_default(2))
for call in [lambda: describe(), lambda: describe("a", name="b"), lambda: describe("a", nope=1)]:
    try:
        call()
    except TypeError as e:
        print("TypeError:", e)
