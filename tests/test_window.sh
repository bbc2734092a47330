#!/usr/bin/env bash
# test_window.sh - the real window under Xvfb, driven by xdotool.
#
# Starts its own Xvfb on a free display number, opens `loopscope view` on a
# trace with LOOPSCOPE_TEST_LOG=1 (the window then prints "step N" on
# stdout whenever the step changes), sends Right, Right, Left, End, Home
# and q, and checks the step sequence and that the program exited 0.
# Only the processes this script started are stopped, by their ids.
#
# usage: test_window.sh LOOPSCOPE TRACE STEPS
#        test_window.sh --live LOOPSCOPE LESSON.py SPIN.py LINE
#   STEPS: the trace's number of steps (what End must reach)
#   --live: `loopscope view LESSON.py` runs a real scenario live: its
#   events arrive and End reaches the last step. Then SPIN.py, a scenario
#   that loops forever without awaiting: the window stays responsive, says
#   the loop is blocked at LINE (its probe), R stops the run
#   (KeyboardInterrupt) and runs it again, and q stops it and quits.
set -u
live=
if [ "$1" = "--live" ]; then
    live=1
    shift
fi
loopscope=$1
trace=$2
steps=$3
spin_line=${4:-}
work=$(mktemp -d)
xpid=
vpid=

cleanup() {
    [ -n "$vpid" ] && kill "$vpid" 2>/dev/null
    [ -n "$xpid" ] && kill "$xpid" 2>/dev/null
    [ -n "$xpid" ] && wait "$xpid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

fail() {
    echo "test_window: $*" >&2
    echo "--- window output:" >&2
    cat "$work/out" >&2 2>/dev/null
    cat "$work/err" >&2 2>/dev/null
    exit 1
}

# Xvfb picks a display number nobody uses and tells us which (-displayfd):
# safe when several tests or users start servers at the same time.
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$work/display" \
    >"$work/xvfb.log" 2>&1 &
xpid=$!
display=
for _ in $(seq 1 200); do
    display=$(tr -dc '0-9' <"$work/display" 2>/dev/null)
    [ -n "$display" ] && [ -e "/tmp/.X11-unix/X$display" ] && break
    display=
    kill -0 "$xpid" 2>/dev/null || fail "Xvfb did not start"
    sleep 0.05
done
[ -n "$display" ] || fail "Xvfb did not report its display"
export DISPLAY=":$display"
unset WAYLAND_DISPLAY SDL_VIDEODRIVER

# Starts the window with its arguments; sets vpid and wid.
start() {
    : >"$work/out"
    LOOPSCOPE_TEST_LOG=1 "$@" >"$work/out" 2>"$work/err" &
    vpid=$!
    # Wait for the window, then give it the keyboard focus (no window
    # manager here).
    wid=
    for _ in $(seq 1 400); do
        wid=$(xdotool search --name loopscope 2>/dev/null | head -1)
        [ -n "$wid" ] && break
        kill -0 "$vpid" 2>/dev/null || fail "the window exited early"
        sleep 0.05
    done
    [ -n "$wid" ] || fail "no window appeared"
    xdotool windowfocus --sync "$wid" 2>/dev/null || xdotool windowfocus "$wid"
}

# Waits until the log has n lines.
wait_lines() {
    for _ in $(seq 1 400); do
        [ "$(wc -l <"$work/out")" -ge "$1" ] && return 0
        sleep 0.05
    done
    fail "expected $1 lines of output"
}

# Waits until the log has a line equal to $1 (at least $2 of them).
wait_for() {
    for _ in $(seq 1 400); do
        [ "$(grep -cx "$1" "$work/out")" -ge "${2:-1}" ] && return 0
        sleep 0.05
    done
    fail "expected the line '$1' (${2:-1} times)"
}

# Sends q and checks that the window exits 0 within twenty seconds (a
# loaded CI machine under sanitizers is slow).
quit() {
    xdotool key q
    for _ in $(seq 1 400); do
        kill -0 "$vpid" 2>/dev/null || break
        sleep 0.05
    done
    kill -0 "$vpid" 2>/dev/null && fail "q did not quit"
    wait "$vpid"
    status=$?
    vpid=
    [ "$status" -eq 0 ] || fail "exit status $status"
}

if [ -n "$live" ]; then
    lesson=$trace
    spin=$steps
    # A real lesson runs while the window is open: its events arrive, the
    # run finishes, and End reaches its last step.
    start "$loopscope" view "$lesson"
    wait_for "step 0"
    for _ in $(seq 1 400); do
        grep -q '^live finished' "$work/out" && break
        sleep 0.05
    done
    n=$(sed -n 's/^live finished \([0-9]*\) steps$/\1/p' "$work/out")
    [ -n "$n" ] && [ "$n" -gt 5 ] || fail "the live run did not finish with steps"
    xdotool key End
    wait_for "step $n"
    xdotool key Left
    wait_for "step $((n - 1))"
    quit
    # A scenario that never awaits: the window keeps answering and says
    # where the loop is blocked.
    start "$loopscope" view "$spin"
    wait_for "step 0"
    wait_for "live blocked at line $spin_line"
    xdotool key Right
    wait_for "step 1"
    # R interrupts the spinning run and runs the scenario again.
    xdotool key r
    wait_for "live interrupted"
    wait_for "live reloaded"
    wait_for "live blocked at line $spin_line" 2
    # q interrupts it again and the window exits 0 (quit checks).
    quit
    grep -qx "live interrupted" "$work/out" || fail "no interrupt on quit"
    [ "$(grep -cx 'live interrupted' "$work/out")" -eq 2 ] ||
        fail "the run was not interrupted on quit"
    echo "test_window: live ok"
    exit 0
fi

start "$loopscope" view "$trace" --size 1280x720
wait_lines 1
lines=1
for key in Right Right Left End Home; do
    xdotool key "$key"
    lines=$((lines + 1))
    wait_lines "$lines"
done
quit

expected=$(printf 'step 0\nstep 1\nstep 2\nstep 1\nstep %s\nstep 0' "$steps")
actual=$(cat "$work/out")
[ "$actual" = "$expected" ] || fail "step sequence was:
$actual
expected:
$expected"
echo "test_window: ok"
exit 0
