#!/usr/bin/env python3
"""Compare loopscope with CPython on one scenario.

`python3 compare.py --loopscope PATH/TO/loopscope FILE.py` runs the file
twice, each time from the file's own folder and with a 60-second timeout:

* `python3 vclock.py FILE.py`: CPython's asyncio on the virtual clock, the
  reference;
* `loopscope run FILE.py`: the simulator, headless.

The runs agree when stdout is byte for byte the same, the exit statuses are
equal, and the last lines of stderr (after stripping trailing whitespace)
are equal: that is the traceback's `Type: message` line, a warning, or the
deadlock summary. Only the last line is compared because the rest of a
traceback names CPython's own source files, which loopscope does not have.

Exit status: 0 when they agree, 1 (with a readable report on stdout) when
they differ or a run timed out, 2 on bad arguments.
"""

import argparse
import difflib
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
VCLOCK = os.path.join(HERE, "vclock.py")


class Outcome:
    """What one run produced."""

    def __init__(self, label, stdout, stderr, status):
        self.label = label        # "python3 vclock.py" or "loopscope run"
        self.stdout = stdout      # bytes
        self.stderr = stderr      # bytes
        self.status = status      # exit status, or a string for a failure

    def last_line(self):
        """The last line of stderr after stripping trailing whitespace."""
        text = self.stderr.decode("utf-8", "replace").rstrip()
        return text.splitlines()[-1] if text else ""


def run(label, command, cwd, timeout):
    """Runs command in cwd; a timeout or a missing program becomes a status
    string, so that the report can say what happened."""
    try:
        proc = subprocess.run(command, cwd=cwd, capture_output=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired as e:
        return Outcome(label, e.stdout or b"", e.stderr or b"",
                       f"timeout after {timeout} s")
    except OSError as e:
        return Outcome(label, b"", b"", f"could not run: {e}")
    return Outcome(label, proc.stdout, proc.stderr, proc.returncode)


def report(path, ref, sim):
    """Returns the report of the differences between the two outcomes, or
    an empty string when they agree."""
    parts = []
    if ref.stdout != sim.stdout:
        diff = difflib.unified_diff(
            ref.stdout.decode("utf-8", "replace").splitlines(keepends=True),
            sim.stdout.decode("utf-8", "replace").splitlines(keepends=True),
            fromfile=f"{ref.label} (stdout)",
            tofile=f"{sim.label} (stdout)")
        text = "".join(line if line.endswith("\n") else line + "\n"
                       for line in diff)
        if not text:
            # Same lines, different bytes: a missing final newline, say.
            text = (f"stdout differs only in bytes: {ref.stdout[-40:]!r}"
                    f" versus {sim.stdout[-40:]!r}\n")
        parts.append(text)
    if ref.status != sim.status:
        parts.append(f"exit status: {ref.label} {ref.status},"
                     f" {sim.label} {sim.status}\n")
    if ref.last_line() != sim.last_line():
        parts.append(f"last line of stderr:\n"
                     f"  {ref.label}: {ref.last_line()!r}\n"
                     f"  {sim.label}: {sim.last_line()!r}\n")
    if not isinstance(ref.status, int):
        parts.append(f"{ref.label} did not finish: {ref.status}\n")
    if not parts:
        return ""
    return f"MISMATCH {path}\n" + "".join(parts)


def main(argv):
    parser = argparse.ArgumentParser(
        description="Run a scenario under CPython (vclock.py) and under"
                    " loopscope, and compare stdout, exit status and the"
                    " last line of stderr.")
    parser.add_argument("--loopscope", required=True,
                        help="path to the loopscope executable")
    parser.add_argument("--python", default=sys.executable,
                        help="the CPython to run vclock.py with"
                             " (default: this one)")
    parser.add_argument("--timeout", type=float, default=60.0,
                        help="seconds allowed for each run (default 60)")
    parser.add_argument("file", help="the scenario, FILE.py")
    args = parser.parse_args(argv[1:])

    path = os.path.abspath(args.file)
    if not os.path.isfile(path):
        print(f"compare.py: no such file: {args.file}", file=sys.stderr)
        return 2
    folder, name = os.path.split(path)
    ref = run("python3 vclock.py", [args.python, VCLOCK, name], folder,
              args.timeout)
    sim = run("loopscope run",
              [os.path.abspath(args.loopscope), "run", name], folder,
              args.timeout)
    text = report(args.file, ref, sim)
    if text:
        sys.stdout.write(text)
        return 1
    print(f"ok {args.file} (status {ref.status},"
          f" {len(ref.stdout.splitlines())} lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
