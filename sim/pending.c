/*
 * pending.c - a placeholder for the trace subcommand until trace_cmd.c
 * lands: it says so plainly and exits with status 2.
 */
#include <stdio.h>

#include "sim.h"

int sim_trace_main(int argc, char **argv)
{
    fprintf(stderr, "loopscope: 'trace' is not available in this build yet\n");
    return 2;
}
