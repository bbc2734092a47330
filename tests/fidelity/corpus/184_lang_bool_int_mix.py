# Language: bools behave as ints in arithmetic, sums, indexing and formatting.
print(True + True, True * 3, False - 1, True / 2, -True)
print(sum([True, False, True]), [10, 20][True], max(False, True), f"{True:d}", f"{False:>5}")
print(str(True), repr(False), int(True), float(True), True == 1, False == 0)
print(len([x for x in [1, 0, 2, 0] if x]), {True: "yes", 1: "one"})
