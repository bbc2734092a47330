# random is CPython's Mersenne Twister: after random.seed(n), random(), randint, choice, shuffle, sample, randrange, choices (with weights), gauss, getrandbits, expovariate, triangular and normalvariate give python3's numbers.
import random
random.seed(42)
print(random.random(), random.randint(1, 100), random.choice("abcdef"), random.uniform(1, 2))
l = list(range(10)); random.shuffle(l); print(l, random.sample(range(100), 5), random.randrange(0, 50, 5))
print(random.gauss(0, 1), random.choices([1, 2, 3], k=4), random.choices("ab", weights=[1, 3], k=5))
random.seed(12345)
print([random.randint(1, 6) for _ in range(10)], random.getrandbits(40), random.sample([1, 2, 3, 4, 5, 6, 7, 8], 3))
random.seed(-7)
print(random.random(), random.expovariate(2.0), random.triangular(0, 10, 3), random.normalvariate(5, 2))
random.seed(2**40 + 3)
print(random.random(), random.sample(range(1000), 30)[:5])
f = (5).bit_length
print(f(), True.bit_length(), (-8).bit_length(), (2.0).is_integer(), getattr(7, "bit_length")())
