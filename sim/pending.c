/*
 * pending.c - placeholders for the subcommands whose code lands next
 * (trace, view, render): each says so plainly and exits with status 2.
 */
#include <stdio.h>

#include "sim.h"

static int not_yet(const char *what)
{
    fprintf(stderr, "loopscope: '%s' is not available in this build yet\n",
            what);
    return 2;
}

int sim_trace_main(int argc, char **argv) { return not_yet("trace"); }
int sim_view_main(int argc, char **argv) { return not_yet("view"); }
int sim_render_main(int argc, char **argv) { return not_yet("render"); }
