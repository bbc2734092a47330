# Bad input: bytes that are not UTF-8.
# exit: 2
# stderr: {file}:4:8: invalid UTF-8 in the source (byte 0xff)
print("ÿ")
