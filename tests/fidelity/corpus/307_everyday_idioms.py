# Everyday idioms: unbound methods as keys and in map, format_map, max with key=d.get, zip(*pairs), divmod of floats, pow with a modulus, round to tens, unpacking in displays, bytes and str conversions, __lt__ for sorting, sys.version_info.
words = ["b", "A", "c"]
print(sorted(words, key=str.lower), list(map(str.upper, words)), list(map(len, words)))
print(f"{1234567.891:,.2f}", "{a}-{b}".format(**{"a": 1, "b": 2}), "x".join(map(str, range(3))))
d = {"x": 3, "y": 1}
print(max(d, key=d.get), sorted(d.items(), key=lambda kv: kv[1]), list(zip(*[(1, 2), (3, 4)])))
print(divmod(7.5, 2), pow(2, 10, 1000), round(-0.5), round(1234.5678, -2))
print(list(reversed(range(5))), [*range(3), *"ab"], {**{"a": 1}, "b": 2}, str(b"hi", "utf-8"), bytes([65, 66]), ord("€"), "€".encode())
class P:
    def __init__(self, x): self.x = x
    def __lt__(self, o): return self.x < o.x
    def __repr__(self): return f"P({self.x})"
print(sorted([P(3), P(1)]), min(P(2), P(0)), isinstance(3, (int, float)), callable(print))
import sys
print(sys.version_info[:2] >= (3, 8), sys.maxsize, sys.platform)
print("{a}-{b}!".format_map({"a": 1, "b": [2]}), "{x:>4}|".format_map(dict(x="r")))
