#!/usr/bin/env bash
# repeat.sh - determinism under load: records each LESSON N times at once
# (`loopscope trace LESSON --check tests/golden/<stem>.jsonl`), so that
# executor threads of several runs compete for the cores, and fails when
# any run differs from the golden trace (printing the difference).
#
# usage: repeat.sh LOOPSCOPE N LESSON.py...
set -u
loopscope=$1
n=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
for lesson in "$@"; do
    stem=$(basename "$lesson" .py)
    pids=()
    for i in $(seq 1 "$n"); do
        "$loopscope" trace "$lesson" --check "$here/$stem.jsonl" >"$work/$stem.$i" 2>&1 &
        pids+=($!)
    done
    for i in $(seq 1 "$n"); do
        if ! wait "${pids[$((i - 1))]}"; then
            echo "repeat: run $i of $stem differs from its golden trace:"
            cat "$work/$stem.$i"
            status=1
        fi
    done
done
[ "$status" -eq 0 ] && echo "repeat: $# lessons x $n runs, all identical to their golden traces"
exit "$status"
