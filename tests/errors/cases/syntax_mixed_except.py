# Bad input: except and except* on one try.
# exit: 2
# stderr: {file}:8:1: cannot have both 'except' and 'except*' on the same 'try'
try:
    pass
except ValueError:
    pass
except* TypeError:
    pass
