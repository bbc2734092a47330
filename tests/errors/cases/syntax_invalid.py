# Bad input: a keyword used as a variable.
# exit: 2
# stderr: {file}:6:11: invalid syntax
import asyncio
async def main():
    await = 3
