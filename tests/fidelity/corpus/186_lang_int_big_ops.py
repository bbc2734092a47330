# Language: 64-bit integer arithmetic near the limits loopscope supports, bit operations and comparisons.
big = 2 ** 62
print(big, big - 1 + big, -(2 ** 62) * 2, 9223372036854775807)
print(10 ** 18 * 9, 123456789 * 987654321, -17 * 3, 7 - 10)
print(5 & 3, 5 | 3, 5 ^ 3, ~5, 1 << 10, 1024 >> 3, -16 >> 2)
print(abs(-2 ** 62), 2 ** 62 // 3, 2 ** 62 % 1000, (2 ** 62) / 2)
print(int("9223372036854775807"), 3 * 3 == 9, 100 // 7, 100 % 7, 3 - 5 * 2)
