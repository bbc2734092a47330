# Language: str.encode and bytes.decode with UTF-8, bytes literals, lengths and reprs.
s = "héllo €"
b = s.encode()
print(b, len(s), len(b))
print(b.decode(), b.decode("utf-8") == s)
raw = b"plain ascii\n"
print(raw, raw.decode(), len(raw))
print(b"\x00\xff", b"it's", b'say "hi"')
print("tab\there".encode(), "ascii".encode("ascii"))
print(b"abc"[0], b"abc"[1:], b"a" + b"b", b"x" * 3)
print(b"abc" == "abc", b"abc" == "abc".encode())
print(b"caf\xc3\xa9".decode(), "\u00e9".encode("utf-8"))
