# The language at large: % formatting (right-aligned strings, flags), str.format and f-string specs, string methods, numbers and their hashes, math (gcd, factorial, fsum...), classes with properties, static and class methods, closures, unpacking and errors.
import math
print("%s is %d years and %.2f%%" % ("Bob", 42, 99.5), "%-5s|%5s|" % ("a", "b"), "%x %o %e" % (255, 8, 12345.678))
print("{:>10}|{:<10}|{:^10}|".format("r", "l", "c"), "{0}{1}{0}".format("a", "b"), "{name}!".format(name="x"))
print(f"{3.14159:.3f} {42:05d} {1234567:,} {0.25:.1%} {255:#x} {5:b} {'s'!r:>5}")
print("a,b,,c".split(","), " x  y ".split(), "abc".title(), "Hello".swapcase(), "abc".center(9, "*"), "x".zfill(4))
print("hello world".capitalize(), "a-b-c".rsplit("-", 1), "abc".partition("b"), "tab\tx".expandtabs(4), "ab".isalpha(), "12".isdigit())
print(sorted([("b", 2), ("a", 3), ("c", 1)], key=lambda p: p[1], reverse=True), sorted("hello"), list(reversed([1, 2, 3])))
print(divmod(-7, 2), -7 // 2, -7 % 2, 7 / 2, 2 ** -1, round(2.5), round(3.5), round(2.675, 2), abs(-3.5), int("42"), int("ff", 16), float("1e3"))
print(math.sqrt(16), math.pi, math.floor(-2.5), math.ceil(2.1), math.gcd(12, 18), math.factorial(10), math.inf, -math.inf, math.isnan(float("nan")))
print(1e16, 1e-7, 123456789.123, 0.1 + 0.2, 1/3, 2.0, -0.0, float("inf"), 10**15, 3 * 1.1)
print(bin(10), oct(8), hex(255), chr(65), ord("a"), bool(""), bool([0]), str(None), repr("it's"), repr('say "hi"'))
print(list(enumerate("ab", 1)), dict(zip("ab", [1, 2])), list(map(str, [1, 2])), list(filter(None, [0, 1, 2])), any([]), all([]))
print(max([3, 1, 2], key=lambda x: -x), min("bca"), sum([0.1] * 10), sum([[1], [2]], []), len({"a": 1}), [1, 2, 3][::-1], "abcdef"[1:5:2])
x = [1, 2, 3, 4, 5]
x[1:3] = [9]
del x[0]
print(x, x.index(4), [i * j for i in range(3) for j in range(3) if i != j], {k: v for k, v in [(1, 2)]})
class Animal:
    sound = "..."
    def __init__(self, name):
        self.name = name
    def speak(self):
        return f"{self.name} says {self.sound}"
    @property
    def upper(self):
        return self.name.upper()
    @staticmethod
    def kind():
        return "animal"
    @classmethod
    def make(cls, n):
        return cls(n)
    def __repr__(self):
        return f"{type(self).__name__}({self.name!r})"
class Dog(Animal):
    sound = "woof"
    def speak(self):
        return super().speak() + "!"
d = Dog.make("rex")
print(d.speak(), d.upper, Dog.kind(), d, isinstance(d, Animal), issubclass(Dog, Animal), type(d).__mro__)
def counter():
    n = 0
    def inc():
        nonlocal n
        n += 1
        return n
    return inc
c = counter(); c(); print(c(), (lambda *a, **k: (a, k))(1, b=2))
a, *rest = [1, 2, 3]; (p, q), r = (1, 2), 3
print(a, rest, p, q, r, 1 < 2 < 3, 1 < 3 < 2, "b" in "abc", [1] * 3, (1,) * 2, None is None)
try:
    int("x")
except ValueError as e:
    print(e)
try:
    [].pop()
except IndexError as e:
    print(e)
try:
    {}["missing"]
except KeyError as e:
    print(repr(e), str(e))
print(str(1.0), str(10.0**20), str(1.5e-10), 1_000_000, 0o17, 0b101, 0xff, 7 // 0.5, 2**62)
print(isinstance(True, int), True + True, 3 == 3.0, hash(3) == hash(3.0), int(3.99), int(-3.99), float(7), complex if False else "nocomplex")
print("%05s|%-6r|%3s|%s" % ("ab", "x", "toolong", 5))
print("%+d %05.1f %-8.3e|" % (5, 3.14159, 1234.5))
print(hash(-1), hash(1.5), hash((1, 2)), hash(2**61))
import math
print(math.fsum([0.1] * 10), math.prod([1, 2, 3, 4]), math.comb(10, 3), math.perm(5, 2), math.lcm(4, 6), math.isqrt(17), math.hypot(3, 4), math.degrees(math.pi), math.trunc(-2.7), math.copysign(2, -0.0), math.atan2(1, 1), math.isinf(math.inf), math.isfinite(1.0), math.modf(2.5), math.tau)
