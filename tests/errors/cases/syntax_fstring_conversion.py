# Bad input: an f-string conversion Python does not have.
# exit: 2
# stderr: {file}:5:12: f-string: invalid conversion character: expected 's', 'r', or 'a'
x = 1
print(f"{x!z}")
