#!/usr/bin/env python3
"""Check corpus programs and lessons against the rules they must follow.

`python3 check_corpus.py [--no-plain] [--jobs N] FILE...` checks each file:

1. Shape: a first line that is a comment (corpus) or a docstring (lessons),
   5 to 40 lines for corpus files.
2. Subset: the syntax stays inside LANGUAGE.md's subset (no yield, match,
   generator expressions, set displays, walrus, del, decorators
   other than @staticmethod/@property/@classmethod), imports only asyncio,
   time, random, sys and ThreadPoolExecutor, and uses only the builtins the
   subset lists.
3. Determinism: two runs under vclock.py give identical stdout, stderr and
   exit status.
4. Plain CPython: unless --no-plain, the file also runs under plain python3
   (real time, 60 s limit). A file whose first line contains "[vclock-only"
   is expected to differ (and the marker says why); any other file must
   print the same stdout with the same exit status.

Exit status 0 when every file passes, 1 otherwise.
"""

import argparse
import ast
import concurrent.futures
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
VCLOCK = os.path.join(HERE, "vclock.py")

ALLOWED_MODULES = {"asyncio", "time", "random", "sys", "concurrent.futures",
                   "asyncio.subprocess"}
ALLOWED_BUILTINS = {
    "print", "len", "range", "str", "repr", "int", "float", "bool", "list",
    "tuple", "dict", "isinstance", "sum", "min", "max", "abs", "round",
    "enumerate", "zip", "sorted", "any", "all", "type", "hasattr",
    "getattr", "BaseException", "Exception", "ValueError", "TypeError",
    "RuntimeError", "KeyError", "IndexError", "ZeroDivisionError",
    "AttributeError", "NameError", "AssertionError", "TimeoutError",
    "RecursionError", "KeyboardInterrupt", "StopAsyncIteration",
    "ExceptionGroup", "OverflowError", "True", "False", "None",
    # Streams and subprocesses raise these (LANGUAGE.md, asyncio surface).
    "OSError", "ConnectionError", "ConnectionRefusedError",
    "ConnectionResetError", "BrokenPipeError", "FileNotFoundError",
    "ProcessLookupError", "EOFError",
    "staticmethod", "property", "classmethod", "__name__", "__file__",
}
ALLOWED_DECORATORS = {"staticmethod", "property", "classmethod"}
FORBIDDEN_NODES = {
    ast.Yield: "yield", ast.YieldFrom: "yield from", ast.GeneratorExp:
    "generator expression", ast.SetComp: "set comprehension", ast.Set:
    "set display", ast.NamedExpr: "walrus", ast.Delete: "del",
    ast.Match: "match",
}


def subset_problems(source, tree):
    """Returns a list of `line: problem` strings for uses outside the
    subset (a heuristic: it checks names, not types). Lines marked
    `# noqa` (a deliberate NameError, say) are not checked."""
    problems = []
    defined = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef,
                             ast.ClassDef)):
            defined.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            defined.add(node.id)
        elif isinstance(node, ast.arg):
            defined.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            defined.add(node.name)
        elif isinstance(node, ast.alias):
            defined.add((node.asname or node.name).split(".")[0])
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        kind = FORBIDDEN_NODES.get(type(node))
        if kind:
            problems.append(f"{line}: {kind} is outside the subset")
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name not in ALLOWED_MODULES:
                    problems.append(f"{line}: import {alias.name}")
        elif isinstance(node, ast.ImportFrom):
            if node.module == "concurrent.futures":
                if [a.name for a in node.names] != ["ThreadPoolExecutor"]:
                    problems.append(f"{line}: from concurrent.futures"
                                    " imports only ThreadPoolExecutor")
            elif node.module not in ("asyncio", "asyncio.subprocess"):
                problems.append(f"{line}: from {node.module} import")
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for dec in node.decorator_list:
                if not (isinstance(dec, ast.Name)
                        and dec.id in ALLOWED_DECORATORS):
                    problems.append(f"{line}: decorator")
            if node.args.kwarg is not None:
                problems.append(f"{line}: **kwargs parameter")
        elif isinstance(node, (ast.While, ast.For, ast.AsyncFor)):
            if node.orelse:
                problems.append(f"{line}: loop else")
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            if node.id not in defined and node.id not in ALLOWED_BUILTINS:
                problems.append(f"{line}: builtin {node.id}")
        elif isinstance(node, ast.Attribute) and isinstance(node.value,
                                                            ast.Name):
            if node.value.id == "sys" and node.attr != "stderr":
                problems.append(f"{line}: sys.{node.attr}")
        elif isinstance(node, ast.Call) and any(
                k.arg is None for k in node.keywords):
            problems.append(f"{line}: **mapping in a call")
    lines = source.splitlines()
    return [p for p in problems
            if "# noqa" not in lines[int(p.split(":")[0]) - 1]]


def run(command, cwd, timeout=60):
    try:
        p = subprocess.run(command, cwd=cwd, capture_output=True,
                           timeout=timeout)
        return p.stdout, p.stderr, p.returncode
    except subprocess.TimeoutExpired:
        return b"", b"", "timeout"


def check(path, plain, corpus_shape):
    """Checks one file; returns (path, list of problems, notes)."""
    problems, notes = [], []
    with open(path, encoding="utf-8") as f:
        source = f.read()
    lines = source.splitlines()
    first = lines[0] if lines else ""
    if corpus_shape:
        if not first.startswith("# "):
            problems.append("first line is not a comment")
        if not 5 <= len(lines) <= 40:
            problems.append(f"{len(lines)} lines (want 5-40)")
    elif not first.startswith('"""'):
        problems.append("first line does not open a docstring")
    try:
        tree = ast.parse(source, path)
    except SyntaxError as e:
        return path, [f"syntax error: {e}"], notes
    problems += subset_problems(source, tree)

    folder, name = os.path.split(os.path.abspath(path))
    a = run([sys.executable, VCLOCK, name], folder)
    b = run([sys.executable, VCLOCK, name], folder)
    if a != b:
        problems.append("two vclock runs differ")
    if a[2] == "timeout":
        problems.append("vclock run timed out")
    if plain:
        # Corpus files say "[vclock-only: why]" in their first line; a lesson
        # says in its docstring that python3 "would hang forever".
        head = lines[0] if corpus_shape else source[:800]
        vclock_only = "[vclock-only" in head or "hang here forever" in head
        p = run([sys.executable, name], folder, timeout=60)
        same = p[0] == a[0] and p[2] == a[2]
        if not same and not vclock_only:
            problems.append(f"plain python3 differs (status {p[2]} versus"
                            f" {a[2]})")
        elif same and vclock_only:
            notes.append("marked vclock-only but plain python3 agreed")
        elif not same:
            notes.append("differs from plain python3, as marked")
    return path, problems, notes


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-plain", action="store_true",
                        help="skip the plain python3 comparison")
    parser.add_argument("--lessons", action="store_true",
                        help="files are lessons (docstring, any length)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("files", nargs="+")
    args = parser.parse_args(argv[1:])
    failed = 0
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        results = pool.map(lambda p: check(p, not args.no_plain,
                                           not args.lessons), args.files)
        for path, problems, notes in results:
            status = "FAIL" if problems else "ok"
            print(f"{status} {path}" + "".join(f"\n    {p}" for p in problems)
                  + "".join(f"\n    note: {n}" for n in notes), flush=True)
            failed += bool(problems)
    print(f"{len(args.files) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
