# Language: dicts keep insertion order; update, pop, setdefault, get, items, keys, values, and KeyError.
d = {"b": 2, "a": 1}
d["c"] = 3
d["b"] = 20
print(d, list(d), list(d.keys()), list(d.values()))
print(d.get("a"), d.get("z"), d.get("z", 0))
print(d.setdefault("a", 100), d.setdefault("d", 4), d)
d.update({"a": 10, "e": 5})
d.update([("f", 6)])
print(d)
print(d.pop("b"), d.pop("zz", "default"), d)
for k, v in d.items():
    print(k, v, end="; ")
print()
print(len(d), "a" in d, 10 in d, dict(x=1, y=2), dict([("k", "v")]))
try:
    d.pop("missing")
except KeyError as e:
    print("KeyError:", e)
try:
    print(d["nope"])
except KeyError as e:
    print("KeyError:", e, repr(e))
