# Bad input: break with no loop around it.
# exit: 2
# stderr: {file}:5:5: 'break' outside loop
if True:
    break
