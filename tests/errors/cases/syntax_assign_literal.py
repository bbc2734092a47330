# Bad input: = where == was meant.
# exit: 2
# stderr: {file}:5:4: invalid syntax. Maybe you meant '==' or ':=' instead of '='?
x = 1
if x = 1:
    print(x)
