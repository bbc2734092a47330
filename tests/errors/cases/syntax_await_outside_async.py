# Bad input: await in a plain function.
# exit: 2
# stderr: {file}:6:5: 'await' outside async function
import asyncio
def main():
    await asyncio.sleep(1)
