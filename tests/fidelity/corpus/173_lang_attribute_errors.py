# Language: AttributeError messages for missing attributes and methods on built-in and user objects.
class Box:
    def __init__(self):
        self.content = 1


def attempt(fn):
    try:
        fn()
    except AttributeError as e:
        print("AttributeError:", e)


attempt(lambda: Box().missing)
attempt(lambda: Box().content.real.nothing)
attempt(lambda: "s".push("x"))
attempt(lambda: [].add(1))
attempt(lambda: None.x)
attempt(lambda: (5).append)
attempt(lambda: {}.first)
b = Box()
b.extra = 2
print(b.content, b.extra, getattr(b, "extra"), hasattr(b, "push"))
