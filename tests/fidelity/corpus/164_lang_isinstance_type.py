# Language: isinstance with classes and tuples, bool being an int, type(x).__name__.
class Animal:
    pass


class Dog(Animal):
    pass


values = [1, 2.0, "s", True, None, [1], (1,), {"a": 1}, Dog(), Animal(), ValueError("v")]
for v in values:
    print(type(v).__name__, isinstance(v, int), isinstance(v, (float, str)), isinstance(v, Animal))
print(isinstance(True, int), isinstance(1, bool), type(True) is bool, type(1) is int)
print(isinstance(ValueError(), Exception), isinstance(KeyError(), (IndexError, KeyError)))
print(type(3).__name__, type(3.0).__name__, type("").__name__, type(Dog()).__name__)
