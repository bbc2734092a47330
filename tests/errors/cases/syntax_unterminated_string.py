# Bad input: a string with no closing quote.
# exit: 2
# stderr: {file}:4:7: unterminated string literal (detected at line 4)
print("hello)
