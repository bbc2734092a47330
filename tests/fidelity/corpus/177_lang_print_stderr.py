# Language: print(..., file=sys.stderr) writes to stderr; stdout holds only the other lines.
import sys

print("to stdout 1")
print("to stderr 1", file=sys.stderr)
print("to stdout 2")
print("warning:", 42, sep=" ", end="!\n", file=sys.stderr)
print("last stderr line", file=sys.stderr)
