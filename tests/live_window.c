/*
 * live_window.c - a stand-in for `loopscope view FILE.py` until the
 * interpreter exists: opens the window on a live run whose "runtime" is a
 * replay of a trace's events, delivered through the world's hook from the
 * window's scenario thread.
 *
 * usage: live_window TRACE.jsonl [--stall N] [view options]
 *   --stall N: after N events the run stops emitting and never returns,
 *   as a scenario that never awaits would (a busy loop): the window must
 *   stay responsive and say that the loop is blocked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model.h"
#include "window.h"

typedef struct replay {
    rt_trace *tr;
    long stall; /* events before stalling, -1: never */
} replay;

static int run(void *arg, rt_event_hook hook, void *hook_data)
{
    replay *r = arg;
    for (size_t i = 0; i < r->tr->len; i++) {
        if (r->stall >= 0 && (long)i == r->stall)
            for (;;) {
                /* Busy forever, like `while True: pass` in a step. */
                struct timespec ts = {1, 0};
                nanosleep(&ts, NULL);
            }
        hook(hook_data, &r->tr->events[i]);
        if (i % 16 == 0) {
            struct timespec ts = {0, 1000000};
            nanosleep(&ts, NULL);
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: live_window TRACE.jsonl [--stall N] [view options]\n");
        return 2;
    }
    replay r = {NULL, -1};
    rt_trace_error err;
    if (rt_trace_read(argv[1], 0, &r.tr, &err)) {
        rt_trace_error_print(&err, stderr);
        return 2;
    }
    int first = 2;
    if (argc > 3 && strcmp(argv[2], "--stall") == 0) {
        r.stall = atol(argv[3]);
        first = 4;
    }
    sim_live_run live = {r.tr->scenario, r.tr->source, r.tr->source_len, r.tr->clock, run, &r};
    /* The view options: argv[0] must be the command name. */
    char *vargv[32] = {"view"};
    int vargc = 1;
    for (int i = first; i < argc && vargc < 31; i++)
        vargv[vargc++] = argv[i];
    vargv[vargc] = NULL;
    int rc = sim_view_live(&live, vargc, vargv);
    /* A stalled run still holds the trace: do not free it under it. */
    if (r.stall < 0)
        rt_trace_free(r.tr);
    return rc;
}
