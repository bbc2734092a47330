# Bad input: an indented line where none is expected.
# exit: 2
# stderr: {file}:5:5: unexpected indent
x = 1
    y = 2
