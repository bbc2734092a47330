# Language: hasattr and getattr with defaults on objects, modules, methods and exceptions.
import asyncio


class Config:
    def __init__(self):
        self.port = 8080

    def show(self):
        return f"port={self.port}"


c = Config()
print(hasattr(c, "port"), hasattr(c, "host"), getattr(c, "port"), getattr(c, "host", "localhost"))
print(getattr(c, "show")(), hasattr(asyncio, "sleep"), hasattr(asyncio, "nonexistent"))
print(hasattr("s", "upper"), getattr([1, 2], "count")(1), hasattr(ValueError("x"), "args"))
try:
    getattr(c, "host")
except AttributeError as e:
    print("AttributeError:", e)
