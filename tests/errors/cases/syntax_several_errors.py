# Bad input: check reports every error, each with its place.
# args: check
# exit: 2
# stderr: {file}:7:5: 'return' outside function
# stderr: {file}:9:5: 'break' outside loop
class A:
    return 1
if True:
    break
