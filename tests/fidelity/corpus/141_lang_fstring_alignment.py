# Language: f-string alignment and fill: {x:>8}, {x:<5}, {x:^7}, custom fill characters, numbers and strings.
name = "task"
n = 42
print(f"[{name:>8}]")
print(f"[{name:<8}]")
print(f"[{name:^9}]")
print(f"[{name:*^10}]")
print(f"[{name:.<7}]")
print(f"[{n:>6}] [{n:<6}] [{n:^6}] [{n:06}]")
print(f"[{-n:>6}] [{-n:06}] [{n:=+6}]")
print(f"[{name:2}] [{'':3}] [{n:1}]")
width = 7
print(f"[{name:>{width}}] [{n:^{width}}]")
