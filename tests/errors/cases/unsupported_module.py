# Bad input: a module scenarios cannot import.
# exit: 2
# stderr: {file}:4:8: module 'signal' is not supported in scenarios (available: asyncio, time, random, sys, os, math, typing, concurrent.futures, functools, collections, heapq, itertools, dataclasses, threading, contextlib)
import signal
