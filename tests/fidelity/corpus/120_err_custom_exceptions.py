# Errors: custom exception classes: str(), repr(), args, a custom __str__, and catching by base class.
class AppError(Exception):
    pass


class NotFound(AppError):
    def __init__(self, key):
        self.key = key
        self.args = (key,)

    def __str__(self):
        return f"not found: {self.key}"


errors = [AppError(), AppError("one"), AppError("a", 2), NotFound("cfg")]
for e in errors:
    print(repr(str(e)), repr(e), e.args)
for e in errors:
    try:
        raise e
    except AppError as caught:
        print("caught as AppError:", type(caught).__name__, isinstance(caught, Exception))
