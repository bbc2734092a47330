#!/usr/bin/env python3
"""Checks loopscope's Chrome Trace Event exports (chrome_*.json in DIR).

Perfetto and chrome://tracing accept a file when it is one JSON object
with a traceEvents list whose events carry ph/pid/tid/ts; slices on one
track must nest or follow each other (never overlap partially), and each
flow needs its start and its end, each inside a slice of its own track.
"""
import glob
import json
import os
import sys


def check(path):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    assert doc.get("displayTimeUnit") == "ms", "displayTimeUnit"
    events = doc["traceEvents"]
    assert isinstance(events, list) and events, "traceEvents"
    slices = {}
    flows = {}
    names = set()
    for e in events:
        ph = e["ph"]
        assert e["pid"] == 1, e
        assert isinstance(e["tid"], int), e
        if ph == "M":
            if e["name"] == "thread_name":
                names.add(e["tid"])
            continue
        assert isinstance(e["ts"], (int, float)), e
        e["ts"] = round(e["ts"] * 1000)  # integer nanoseconds
        if ph == "X":
            assert e["dur"] > 0, e
            dur = round(e["dur"] * 1000)
            slices.setdefault(e["tid"], []).append((e["ts"], e["ts"] + dur, e["name"]))
        elif ph in ("s", "f"):
            flows.setdefault(e["id"], {})[ph] = e
            if ph == "f":
                assert e.get("bp") == "e", e
        elif ph == "i":
            assert e.get("s") == "t", e
        else:
            raise AssertionError("unexpected ph %r" % ph)
    for tid, lst in slices.items():
        assert tid in names, "track %d has no thread_name" % tid
        lst.sort(key=lambda s: (s[0], -s[1]))
        stack = []
        for a, b, name in lst:
            while stack and stack[-1][1] <= a:
                stack.pop()
            if stack:
                assert b <= stack[-1][1], \
                    "slices overlap on track %d: %r and %r" % (tid, stack[-1], (a, b, name))
            stack.append((a, b, name))

    def inside(e):
        return any(a <= e["ts"] <= b for a, b, _ in slices.get(e["tid"], []))

    for fid, pair in flows.items():
        assert set(pair) == {"s", "f"}, "flow %s lacks an end: %r" % (fid, pair)
        s, f = pair["s"], pair["f"]
        assert s["ts"] <= f["ts"], (s, f)
        assert s["name"] == f["name"] and s["cat"] == f["cat"], (s, f)
        assert inside(s), "flow start outside a slice: %r" % s
        assert inside(f), "flow end outside a slice: %r" % f
    return len(events), len(flows)


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else "."
    files = sorted(glob.glob(os.path.join(d, "chrome_*.json")))
    assert files, "no chrome_*.json in " + d
    for path in files:
        n, nflows = check(path)
        print("%s: %d events, %d flows: ok" % (os.path.basename(path), n, nflows))


if __name__ == "__main__":
    main()
