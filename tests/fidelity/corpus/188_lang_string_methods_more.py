# Language: str methods on edge cases: empty strings, case of non-letters, format with numbers, in with join.
print(repr("".strip()), repr("".upper()), "".split(","), "".join([]) == "")
print("123abc".upper(), "ÀÉÎ".lower(), "MiXeD".lower().startswith("mix"))
print("a-b-c".replace("-", ""), "aaa".replace("a", "b", 2), "abc".find("c", -1))
print("{:05d}|{:+d}|{:x}|{:,}".format(42, 7, 255, 10 ** 6))
print("{0}{1}{0}".format("ab", "cd"), "{:^9}".format("mid"), "{!r:>6}".format("q"))
print("x".join("abc"), ",".join([str(i) for i in range(4)]))
words = "the quick brown fox".split()
print(len(words), words[-1].upper(), " ".join(words[::-1]), "-".join(sorted(words)))
