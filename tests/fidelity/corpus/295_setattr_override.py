# A class's own __setattr__ runs for every attribute store, object.__setattr__ and super().__setattr__ store past it; delattr() removes.
class Audited:
    def __init__(self, name):
        self.name = name

    def __setattr__(self, attr, value):
        print(f"set {attr} = {value!r}")
        super().__setattr__(attr, value)


class ReadOnly:
    def __init__(self, x):
        object.__setattr__(self, "x", x)

    def __setattr__(self, attr, value):
        raise AttributeError(f"{type(self).__name__} is read-only ({attr})")


a = Audited("first")
a.count = 3
setattr(a, "count", 4)
print(a.name, a.count)
delattr(a, "count")
print(hasattr(a, "count"))
r = ReadOnly(1)
try:
    r.x = 2
except AttributeError as e:
    print("AttributeError:", e)
print(r.x)
