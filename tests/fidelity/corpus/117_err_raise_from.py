# Errors: raise ... from sets __cause__; raise from None hides the context but keeps __context__.
def parse(text):
    try:
        return int(text)
    except ValueError as e:
        raise RuntimeError(f"cannot parse {text!r}") from e


def quiet(text):
    try:
        return int(text)
    except ValueError:
        raise RuntimeError("quiet failure") from None


for f in [parse, quiet]:
    try:
        f("x1")
    except RuntimeError as e:
        print(repr(e))
        print(" cause:", repr(e.__cause__))
        print(" context:", repr(e.__context__))
        print(" suppress:", e.__suppress_context__)
