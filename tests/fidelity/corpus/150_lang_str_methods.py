# Language: everyday str methods: join, strip, replace, find, count, startswith, endswith, upper, lower.
s = "  Hello, asyncio World!  "
t = s.strip()
print(repr(t), repr(s.strip(" !H")), repr("xxhixx".strip("x")))
print(t.upper(), t.lower())
print(t.replace("o", "0"), t.replace("o", "0", 1), t.replace("zz", "y"))
print(t.find("o"), t.find("o", 5), t.find("zz"), t.find(""), t.find("World"))
print(t.count("o"), t.count("l"), t.count(""), "aaaa".count("aa"))
print(t.startswith("Hello"), t.startswith("World", 15), t.endswith("!"), t.endswith(("x", "!")))
print("-".join(["a", "b", "c"]), "".join(["x", "y"]), ", ".join([]), " ".join("abc"))
print("abc" * 3, "a" + "b", "ab" in "cabd", "z" not in "abc", len("héllo"))
print("{} and {}".format("this", "that"), "{1}-{0}".format("a", "b"), "{x}!".format(x=5))
print("{:>6}|{:.2f}|{!r}".format("r", 2.0, "q"))
