/*
 * main.c - the loopscope command line: run, check, trace, view, render,
 * bench. Parses arguments, then hands over to the subcommand.
 */
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "rt.h"

static void usage(FILE *out)
{
    fputs("usage: loopscope [--help] [--version] COMMAND [ARGS]\n", out);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "bench") == 0)
        return sim_bench_main(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        printf("loopscope %s\n", LOOPSCOPE_VERSION);
        return 0;
    }
    usage(argc > 1 && strcmp(argv[1], "--help") == 0 ? stdout : stderr);
    return argc > 1 && strcmp(argv[1], "--help") == 0 ? 0 : 2;
}
