# Bad input: a bracket that is never closed.
# exit: 2
# stderr: {file}:5:10: '[' was never closed
import asyncio
values = [1, 2,
print(values)
