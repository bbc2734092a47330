/*
 * window.h - the entry points of the window for the command line (no SDL
 * in this header, so main.c compiles the same with or without it).
 *
 *   loopscope view TRACE.jsonl [options]     the interactive window
 *   loopscope render TRACE.jsonl --step N -o OUT.png [options]
 *   loopscope render TRACE.jsonl --all -o DIR [options]
 *   loopscope bench                          (calls sim_bench_frames)
 *
 * A live run (the window open on a scenario while it runs) goes through
 * sim_view_live: the command line supplies a function that runs the
 * scenario with the given event hook; the window calls it on a thread of
 * its own and shows the events as they come.
 */
#ifndef LOOPSCOPE_SIM_WINDOW_H
#define LOOPSCOPE_SIM_WINDOW_H

#include <stddef.h>
#include <stdio.h>

#include "rt.h"

#ifdef __cplusplus
extern "C" {
#endif

/* `loopscope view ...` (argv[0] is "view"). Returns the exit status: 0,
 * or 2 for bad input or when there is no display (after printing a note
 * that suggests `loopscope run` and `loopscope render`). */
int sim_view_main(int argc, char **argv);

/* `loopscope render ...` (argv[0] is "render"): draws steps of a trace
 * with the software renderer into PNG files; needs no display. Returns
 * 0, 2 for bad input, 1 when a file cannot be written. */
int sim_render_main(int argc, char **argv);

/* Window benchmarks for `loopscope bench`: prints
 *   frame_ms_1000_tasks: X ms   (a 1,000-task state at 1920x1080,
 *                                software renderer; goal <= 8)
 *   seek_ms_100k_events: X ms   (worst jump from step 0 to a random step
 *                                of a 100,000-event run; goal <= 50)
 * Returns 0, or 1 when SDL cannot render offscreen. */
int sim_bench_frames(FILE *out);

/* A scenario to run live in the window. */
typedef struct sim_live_run {
    const char *scenario;   /* file name shown in the window */
    const char *source;     /* its text (borrowed for the window's life) */
    size_t source_len;
    rt_clock_mode clock;
    /* Runs the scenario to its end with `hook`/`hook_data` as the world's
     * event hook; called on a thread the window starts (again on reload).
     * `probe` (owned by the window, never NULL) is the run's
     * rt_scenario_probe: the window reads where a busy run is from it,
     * and sets its `interrupt` to stop the run (KeyboardInterrupt in the
     * scenario) when it closes or reloads. Returns the run's exit status. */
    int (*run)(void *arg, rt_event_hook hook, void *hook_data, rt_scenario_probe *probe);
    void *arg;
} sim_live_run;

/* `loopscope view SCENARIO.py`: the window on a live run. `argc/argv`
 * carry the same options as sim_view_main (argv[0] is "view"; a
 * positional argument is ignored). Returns as sim_view_main. */
int sim_view_live(const sim_live_run *run, int argc, char **argv);

#ifdef __cplusplus
}
#endif

#endif /* LOOPSCOPE_SIM_WINDOW_H */
