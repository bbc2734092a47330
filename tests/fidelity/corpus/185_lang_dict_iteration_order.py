# Language: dict iteration follows insertion order, deletions keep it, re-inserting moves a key to the end.
d = {}
for k in ["zeta", "alpha", "mid"]:
    d[k] = len(k)
print(list(d.items()))
d.pop("alpha")
d["alpha"] = 0
print(list(d))
d["zeta"] = 99
print(list(d))
counts = {}
for ch in "mississippi":
    counts[ch] = counts.get(ch, 0) + 1
print(counts)
print(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
merged = {"a": 1}
merged.update(b=2)
print(merged, dict(sorted({"b": 1, "a": 2}.items())))
