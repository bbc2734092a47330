# Bad input: a yield outside any function.
# exit: 2
# stderr: {file}:4:1: 'yield' outside function
yield 1
