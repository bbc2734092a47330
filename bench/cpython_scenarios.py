#!/usr/bin/env python3
"""CPython's numbers for the benchmark scenarios, to set loopscope's against.

`python3 bench/cpython_scenarios.py FILE...` runs each scenario under
CPython on the virtual clock (`tests/fidelity/vclock.py FILE`, so the
scenario's own sleeps cost no real time) in a child process, one at a time,
and prints one line per file:

    name wall_seconds peak_rss_kb

* name: the file's name without `.py`;
* wall_seconds: real time from starting the child to reaping it (process
  start-up included), measured with time.perf_counter() in this process;
* peak_rss_kb: the child's peak resident set size, in kilobytes, from the
  rusage that os.wait4() returns for that child (ru_maxrss, which Linux
  reports in kilobytes). It is exact per child, unlike deltas of
  getrusage(RUSAGE_CHILDREN), which only report the largest child so far.

The scenario's stdout goes to /dev/null; a scenario that fails (non-zero
status) is reported on stderr and makes this script exit 1.
"""

import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
VCLOCK = os.path.join(HERE, os.pardir, "tests", "fidelity", "vclock.py")


def measure(path):
    """Runs one scenario; returns (wall seconds, peak RSS in KB, status)."""
    folder, name = os.path.split(os.path.abspath(path))
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, os.path.abspath(VCLOCK), name],
                             cwd=folder, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss, child.returncode


def main(argv):
    if len(argv) < 2:
        sys.stderr.write("usage: cpython_scenarios.py FILE...\n")
        return 2
    failed = False
    for path in argv[1:]:
        wall, rss_kb, status = measure(path)
        name = os.path.splitext(os.path.basename(path))[0]
        print(f"{name} {wall:.3f} {rss_kb}", flush=True)
        if status != 0:
            sys.stderr.write(f"{name}: exit status {status}\n")
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
