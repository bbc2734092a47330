# Language: classes with __init__, methods, attributes, __str__ and __repr__, used by print, str, repr and f-strings.
class Point:
    def __init__(self, x, y=0):
        self.x = x
        self.y = y

    def moved(self, dx):
        return Point(self.x + dx, self.y)

    def __repr__(self):
        return f"Point({self.x!r}, {self.y!r})"

    def __str__(self):
        return f"({self.x}, {self.y})"


class Plain:
    def __init__(self):
        self.items = []

    def add(self, item):
        self.items.append(item)
        return self


p = Point(1, 2)
print(p, str(p), repr(p), f"{p} {p!r}", [p, Point("a")])
q = p.moved(3)
print(q.x, q.y, p.x, hasattr(q, "x"), hasattr(q, "z"), getattr(q, "z", "none"))
print(Plain().add(1).add(2).items, type(p).__name__)
