# Errors: an exception escaping asyncio.run ends the program with a traceback and exit status 1.
import asyncio


class ConfigError(Exception):
    pass


async def load():
    await asyncio.sleep(0.5)
    raise ConfigError("missing key 'port'")


async def main():
    print("loading")
    await load()
    print("not reached")


asyncio.run(main())
