/*
 * sim.h - the command line's shared pieces beyond run/check (no SDL):
 * `loopscope trace`, and loading what the window shows, which may be a
 * trace file or a scenario file run on the spot (scenario_trace.c). The
 * window's own entry points are in window.h.
 */
#ifndef LOOPSCOPE_SIM_H
#define LOOPSCOPE_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "rt.h"
#include "trace.h"

/* `loopscope trace ...` (argv[0] is "trace"): records a scenario's run as
 * JSON Lines or Chrome JSON, or checks it against a golden trace (exit 1
 * when they differ). Returns the exit status. */
int sim_trace_main(int argc, char **argv);

/* Does the path name a scenario (FILE.py) rather than a trace? */
bool sim_is_scenario(const char *path);

/* Runs a scenario with every event kept in a new trace (*trace), its
 * output going to out/err and `probe` (may be NULL) passed to the run;
 * *status is the run's exit status. Event strings name the scenario's
 * file without its directory, so that the trace is the same on every
 * machine. Returns 0, or RT_EXIT_BAD_INPUT (message printed) when it could
 * not run at all. */
int sim_run_to_trace(const char *path, bool real_time, FILE *out, FILE *err,
                     rt_scenario_probe *probe, rt_trace **trace, int *status);

/* What the window or render shows: a trace file read, or a scenario run
 * now (its output discarded). Returns 0 or RT_EXIT_BAD_INPUT after
 * printing why. */
int sim_load(const char *path, rt_trace **out);

/* A scenario prepared for a live run in the window (the fields match
 * sim_live_run in window.h). */
typedef struct sim_live_source {
    const char *name;  /* file name without directory */
    char *text;        /* its source (owned) */
    size_t len;
    /* Runs the scenario with `hook` seeing every event (strings made
     * portable, as in a recorded trace) and `probe` (may be NULL)
     * publishing where it is; setting probe->interrupt stops it with
     * KeyboardInterrupt. Returns the run's exit status. */
    int (*run)(void *arg, rt_event_hook hook, void *hook_data, rt_scenario_probe *probe);
    void *arg;         /* the path (borrowed) */
} sim_live_source;

/* Reads the scenario at `path` (which must outlive src) into src. Returns
 * 0, or RT_EXIT_BAD_INPUT after printing why it cannot be read. */
int sim_live_prepare(const char *path, sim_live_source *src);

/* Frees what sim_live_prepare allocated. */
void sim_live_release(sim_live_source *src);

#endif /* LOOPSCOPE_SIM_H */
