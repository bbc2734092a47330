# Containers nested 100,000 deep: repr, == and str raise RecursionError as in CPython, never crash; self-containing lists print [...].
l = []
for i in range(100000):
    l = [l]
try:
    s = repr(l)
except RecursionError as e:
    print("repr:", e)
a = []
b = []
for i in range(100000):
    a = [a]
    b = [b]
try:
    print(a == b)
except RecursionError as e:
    print("eq:", e)
d = {}
for i in range(100000):
    d = {"k": d}
try:
    print(len(str(d)))
except RecursionError as e:
    print("str:", e)
x = []
x.append(x)
print(x, {1: x})
