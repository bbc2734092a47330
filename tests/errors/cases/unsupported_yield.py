# Bad input: generators are outside the scenario subset.
# exit: 2
# stderr: {file}:5:5: 'yield' is not supported in scenarios
def numbers():
    yield 1
