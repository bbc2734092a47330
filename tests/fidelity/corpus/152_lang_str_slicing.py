# Language: string indexing and slicing with negative indexes and steps; index errors.
s = "asyncio!"
print(s[0], s[-1], s[-2], s[3])
print(s[1:4], s[:3], s[5:], s[-3:], s[:-3], s[:])
print(s[::2], s[1::2], s[::-1], s[-1:-4:-1], s[6:2:-2])
print(repr(s[10:]), repr(s[4:2]), s[-100:3], s[2:100])
print(s[len(s) - 1], s[0:len(s):3])
try:
    print(s[8])
except IndexError as e:
    print("IndexError:", e)
try:
    s[0] = "A"
except TypeError as e:
    print("TypeError:", e)
