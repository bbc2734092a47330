# Bad input: return at module level.
# exit: 2
# stderr: {file}:4:1: 'return' outside function
return 5
