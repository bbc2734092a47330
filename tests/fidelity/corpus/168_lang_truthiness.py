# Language: truthiness of values; and/or return operands; not; conditional expressions.
values = [0, 1, -1, 0.0, "", "0", " ", [], [0], (), {}, {"a": 0}, None, True, False]
print([bool(v) for v in values])
print(0 or "default", "set" or "default", [] or [], None and 1, 1 and 2, 0 and 1)
print(not 0, not "x", not [], not None)
name = ""
print(name or "anonymous", "yes" if [0] else "no", "yes" if {} else "no")
count = 0
if not count:
    print("count is falsy")
items = [1]
while items:
    print("popped", items.pop())
