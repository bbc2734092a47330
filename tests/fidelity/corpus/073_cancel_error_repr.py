# Cancellation: CancelledError is a BaseException (not Exception); its str, repr and args.
import asyncio

e = asyncio.CancelledError()
print(repr(e), repr(str(e)), e.args)
e2 = asyncio.CancelledError("why")
print(repr(e2), str(e2), e2.args)
print(isinstance(e, Exception), isinstance(e, BaseException))
print(type(e).__name__)
try:
    try:
        raise asyncio.CancelledError("deep")
    except Exception:
        print("caught by except Exception (wrong)")
except BaseException as b:
    print("caught by except BaseException:", repr(b))
print(asyncio.TimeoutError is TimeoutError)
print(repr(asyncio.InvalidStateError("bad state")))
