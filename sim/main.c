/*
 * main.c - the loopscope command line: run, check, trace, view, render,
 * bench. Parses arguments, then hands over to the subcommand.
 */
#include <stdio.h>
#include <string.h>

#include "rt.h"
#include "window.h"

static void usage(FILE *out)
{
    fputs("usage: loopscope [--help] [--version] COMMAND [ARGS]\n", out);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        printf("loopscope %s\n", LOOPSCOPE_VERSION);
        return 0;
    }
    if (argc > 1 && (strcmp(argv[1], "view") == 0 || strcmp(argv[1], "render") == 0)) {
#ifdef LOOPSCOPE_WITH_SDL
        if (strcmp(argv[1], "view") == 0)
            return sim_view_main(argc - 1, argv + 1);
        return sim_render_main(argc - 1, argv + 1);
#else
        fprintf(stderr, "loopscope %s: this loopscope was built without the window "
                        "(LOOPSCOPE_WITH_SDL=OFF)\n", argv[1]);
        return 2;
#endif
    }
    usage(argc > 1 && strcmp(argv[1], "--help") == 0 ? stdout : stderr);
    return argc > 1 && strcmp(argv[1], "--help") == 0 ? 0 : 2;
}
