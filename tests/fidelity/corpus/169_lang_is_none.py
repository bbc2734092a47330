# Language: is / is not with None, True and False, versus ==; identity of small values is not tested.
def find(xs, target):
    for i, x in enumerate(xs):
        if x == target:
            return i
    return None


r = find([5, 6], 6)
missing = find([5, 6], 7)
print(r, missing, r is None, missing is None, missing is not None)
print(None == None, None is None, None == 0, None == False, not None)
flag = 1 > 0
print(flag is True, flag == 1, (1 > 2) is False)
a = [1, 2]
b = a
c = [1, 2]
print(a is b, a is c, a == c, a is not c)
