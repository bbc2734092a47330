# Language: while loops with accumulators, integer digits, string building and augmented assignment.
n = 9875
digits = []
while n > 0:
    digits.append(n % 10)
    n //= 10
print(digits, sum(digits))
s = ""
i = 0
while len(s) < 10:
    s += str(i)
    i += 2
print(s)
x = 1.0
steps = 0
while x < 100:
    x *= 1.5
    steps += 1
print(steps, x)
total = 0
for k in range(1, 101):
    total += k
print(total)
bits = ""
m = 37
while m:
    bits = str(m % 2) + bits
    m >>= 1
print(bits)
