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
#        test_window.sh --live LIVE_WINDOW TRACE STEPS
#   STEPS: the trace's number of steps (what End must reach)
#   --live: LIVE_WINDOW (tests/live_window.c) replays TRACE as a live run;
#   the script checks that the run's events arrive (End reaches STEPS),
#   then that a run which stalls leaves the window responsive and says the
#   loop is blocked.
set -u
live=
if [ "$1" = "--live" ]; then
    live=1
    shift
fi
loopscope=$1
trace=$2
steps=$3
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
    for _ in $(seq 1 100); do
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
    for _ in $(seq 1 100); do
        [ "$(wc -l <"$work/out")" -ge "$1" ] && return 0
        sleep 0.05
    done
    fail "expected $1 lines of output"
}

# Waits until the log has a line equal to $1.
wait_for() {
    for _ in $(seq 1 100); do
        grep -qx "$1" "$work/out" && return 0
        sleep 0.05
    done
    fail "expected the line '$1'"
}

# Sends q and checks that the window exits 0 within five seconds.
quit() {
    xdotool key q
    for _ in $(seq 1 100); do
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
    # A whole run arrives while the window is open.
    start "$loopscope" "$trace"
    wait_for "step 0"
    wait_for "live finished"
    xdotool key End
    wait_for "step $steps"
    quit
    # A run that stops emitting (a step that never awaits): the window
    # keeps answering and says the loop is blocked.
    start "$loopscope" "$trace" --stall 20
    wait_for "step 0"
    wait_for "live blocked"
    xdotool key Right
    wait_for "step 1"
    quit
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
