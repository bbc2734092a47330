# Language: class attributes versus instance attributes, staticmethod, classmethod and property.
class Counter:
    created = 0

    def __init__(self, name):
        self.name = name
        Counter.created += 1
        self.number = Counter.created

    @property
    def label(self):
        return f"{self.name}#{self.number}"

    @staticmethod
    def describe():
        return "counts instances"

    @classmethod
    def make(cls, name):
        return cls(name.upper())


a = Counter("a")
b = Counter.make("b")
print(a.label, b.label, Counter.created, a.created, Counter.describe(), a.describe())
a.created = 100
print(a.created, Counter.created, b.created)
try:
    a.label = "x"
except AttributeError as e:
    print("AttributeError:", e)
