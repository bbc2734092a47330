#!/usr/bin/env python3
"""Bad input gets a clear message, a documented exit status and no crash.

`python3 check_errors.py --loopscope BIN cases/NAME.py` runs one scenario
case; `python3 check_errors.py --loopscope BIN --cli` runs the command-line
cases listed below. Both run from this folder, so that paths print as
`cases/NAME.py`.

A scenario case starts with comment lines that say what must happen:

    # Bad input: what the case is about (free text)
    # args: check            the command (default: run); the file comes last
    # exit: 2                the exit status
    # stderr: LINE           a line that stderr must contain, in this order
    # stdout: LINE           a line stdout must contain (else it must be empty)

In LINE, {file} is the path as given on the command line and {abspath} the
absolute path (what tracebacks show). A file without an `exit:` line must
run cleanly with no output (the empty file). Every run gets a time limit:
a hang fails the case, and so does a crash (a signal, or an exit status
other than the expected one), which is also how AddressSanitizer's and
UndefinedBehaviorSanitizer's reports fail it.
"""

import argparse
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TIMEOUT = 60


def run(binary, args):
    """Runs loopscope; returns (status, stdout, stderr)."""
    try:
        p = subprocess.run([binary] + args, cwd=HERE, capture_output=True,
                           timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return None, "", f"(no answer within {TIMEOUT} s)"
    return (p.returncode, p.stdout.decode("utf-8", "replace"),
            p.stderr.decode("utf-8", "replace"))


def contains_in_order(text, wanted):
    """The first wanted line that is missing (in order), or None."""
    lines = text.splitlines()
    pos = 0
    for want in wanted:
        while pos < len(lines) and lines[pos] != want:
            pos += 1
        if pos == len(lines):
            return want
        pos += 1
    return None


def report(name, status, out, err, why):
    print(f"FAIL {name}: {why}")
    print(f"  exit status: {status}")
    print("  stdout:\n" + "".join(f"    {l}\n" for l in out.splitlines()))
    print("  stderr:\n" + "".join(f"    {l}\n" for l in err.splitlines()))
    return False


def check(name, result, exit_status, stderr_lines=(), stdout_lines=None):
    status, out, err = result
    if status is None:
        return report(name, status, out, err, "it hangs")
    if status < 0:
        return report(name, status, out, err, f"killed by signal {-status}")
    if status != exit_status:
        return report(name, status, out, err,
                      f"exit status {status}, want {exit_status}")
    missing = contains_in_order(err, stderr_lines)
    if missing is not None:
        return report(name, status, out, err,
                      f"stderr lacks the line {missing!r}")
    if stdout_lines is None:
        if out:
            return report(name, status, out, err, "stdout should be empty")
    else:
        missing = contains_in_order(out, stdout_lines)
        if missing is not None:
            return report(name, status, out, err,
                          f"stdout lacks the line {missing!r}")
    print(f"ok {name}")
    return True


def scenario_case(binary, rel):
    path = os.path.join(HERE, rel)
    with open(path, "rb") as f:
        header = f.read().decode("utf-8", "replace").splitlines()
    args, status, errs, outs = ["run"], 0, [], None
    subst = {"{file}": rel, "{abspath}": os.path.realpath(path)}

    def expand(s):
        for k, v in subst.items():
            s = s.replace(k, v)
        return s

    for line in header:
        if not line.startswith("# "):
            continue
        key, _, value = line[2:].partition(": ")
        if key == "args":
            args = value.split()
        elif key == "exit":
            status = int(value)
        elif key == "stderr":
            errs.append(expand(value))
        elif key == "stdout":
            outs = (outs or []) + [expand(value)]
    return check(rel, run(binary, args + [rel]), status, errs, outs)


def cli_cases(binary, tmp):
    """Arguments and trace files that are wrong, each with its message."""
    good = os.path.join("cases", "runtime_deep_recursion_in_task.py")
    out_png = os.path.join(tmp, "out.png")
    traces = os.path.join("traces")
    usage = "Try 'loopscope --help' for more information."
    cases = [
        ("no arguments", [], 2, ["usage: loopscope [--help] [--version] COMMAND [ARGS]"]),
        ("unknown command", ["frobnicate"], 2,
         ["loopscope: unknown command 'frobnicate'", usage]),
        ("unknown option", ["run", "--bogus", good], 2,
         ["loopscope: unknown option '--bogus'", usage]),
        ("missing file argument", ["run"], 2, ["loopscope: run: missing FILE.py", usage]),
        ("file that does not exist", ["run", "no_such_file.py"], 2,
         ["loopscope: cannot read 'no_such_file.py': No such file or directory"]),
        ("a directory", ["run", "cases"], 2,
         ["loopscope: cannot read 'cases': Is a directory"]),
        ("check of a good file", ["check", good], 0, []),
        ("version", ["--version"], 0, None),
        ("bad step", ["render", good, "--step", "abc", "-o", out_png], 2,
         ["loopscope render: bad step 'abc'"]),
        ("step out of range", ["render", good, "--step", "99999", "-o", out_png], 2,
         None),
        ("bad size", ["render", good, "--size", "0x0", "--step", "1", "-o", out_png], 2,
         ["loopscope render: bad size '0x0' (WxH, e.g. 1280x720)"]),
        ("bad theme", ["view", "--theme", "purple", good], 2,
         ["loopscope view: unknown theme 'purple' (dark or light)"]),
        ("bad trace format", ["trace", good, "--format", "xml"], 2, None),
        ("trace output nowhere", ["trace", good, "-o", os.path.join(tmp, "no", "x.jsonl")], 2,
         None),
        ("not a trace", ["render", os.path.join(traces, "not_a_trace.jsonl"), "--step", "0",
                         "-o", out_png], 2,
         ["traces/not_a_trace.jsonl:1: not a loopscope trace: the first line must be its "
          "header (with \"format\":\"loopscope-trace\")"]),
        ("broken JSON in a trace", ["render", os.path.join(traces, "bad_json.jsonl"),
                                    "--step", "0", "-o", out_png], 2,
         ["traces/bad_json.jsonl:2:37: bad JSON: expected a key in quotes, found '}'"]),
        ("unknown event kind", ["render", os.path.join(traces, "unknown_kind.jsonl"),
                                "--step", "0", "-o", out_png], 2,
         ["traces/unknown_kind.jsonl:2:18: unknown event kind 'loop.explode'"]),
        ("truncated trace", ["render", os.path.join(traces, "truncated.jsonl"),
                             "--step", "0", "-o", out_png], 2,
         ["traces/truncated.jsonl:3: truncated last line: the file ends in the middle of "
          "an event (was the run cut short?)"]),
        ("newer trace version", ["render", os.path.join(traces, "newer_version.jsonl"),
                                 "--step", "0", "-o", out_png], 2,
         None),
        ("golden trace that is not a trace", ["trace", good, "--check",
                                              os.path.join(traces, "not_a_trace.jsonl")],
         2, None),
    ]
    ok = True
    for name, args, status, errs in cases:
        result = run(binary, args)
        if errs is None:
            # Only the status and a one-line message naming the problem.
            errs = []
            if status != 0 and result[0] == status and not result[2].strip():
                ok = report(name, *result, "no message on stderr") and ok
                continue
        ok = check(name, result, status, errs,
                   None if status else result[1].splitlines()) and ok
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--loopscope", required=True)
    ap.add_argument("--cli", action="store_true")
    ap.add_argument("files", nargs="*")
    a = ap.parse_args()
    binary = os.path.abspath(a.loopscope)
    ok = True
    if a.cli:
        with tempfile.TemporaryDirectory() as tmp:
            ok = cli_cases(binary, tmp)
    for f in a.files:
        rel = os.path.relpath(os.path.abspath(f), HERE)
        ok = scenario_case(binary, rel) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
