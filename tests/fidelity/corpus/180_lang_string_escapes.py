# Language: string escapes and reprs: quotes, newlines, tabs, backslashes, unicode, repr choosing quotes.
strings = ["plain", "it's", 'say "hi"', "both ' and \"", "line1\nline2", "tab\there",
           "back\\slash", "\x41\u00e9\u03b1", "", " ", "\0"]
for s in strings:
    print(repr(s), len(s))
print("line1\nline2")
print(r"raw \n stays", len(r"\n"))
print("a" "b" 'c', """triple "quoted" string""")
print("\u20ac".encode(), "caf\u00e9".upper())
