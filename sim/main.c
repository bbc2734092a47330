/*
 * main.c - the loopscope command line: one executable that runs a scenario
 * as python3 would, checks it, records and exports traces, opens the
 * window, renders frames and runs the benchmarks. This file parses the
 * command and its options, then hands over to the subcommand.
 *
 * Exit statuses (the usual Unix conventions, documented in --help and
 * README): 0 success, 1 the scenario raised, 2 bad input (a bad argument,
 * an unreadable or invalid file), 3 deadlock.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "rt.h"
#include "sim.h"
#include "window.h"

static const char usage_text[] =
    "usage: loopscope [--help] [--version] COMMAND [ARGS]\n"
    "       loopscope FILE.py|TRACE.jsonl   (same as: loopscope view FILE)\n"
    "\n"
    "Watch asyncio's event loop run a Python scenario, step by step.\n"
    "\n"
    "Commands:\n"
    "  run FILE.py [--real-time]\n"
    "      Run the scenario headless on the virtual clock and print exactly\n"
    "      what `python3 FILE.py` prints. --real-time: sleeps really wait.\n"
    "  check FILE.py\n"
    "      Parse and compile only; report every error as file:line:col.\n"
    "  trace FILE.py [-o OUT] [--format jsonl|chrome] [--check GOLDEN]\n"
    "      Record every step of the run (JSON Lines, or Chrome Trace Event\n"
    "      format for ui.perfetto.dev). --check compares with a golden\n"
    "      trace and shows the first difference (exit 1 when they differ).\n"
    "  view FILE.py|TRACE.jsonl [--theme dark|light] [--projector]\n"
    "       [--font NAME] [--size WxH]\n"
    "      Open the window and step through the run.\n"
    "  render FILE.py|TRACE.jsonl (--step N | --all) -o OUT\n"
    "       [--size WxH] [--theme dark|light] [--projector]\n"
    "      Draw what the window shows at step N into a PNG (no display\n"
    "      needed); --all writes every step into the folder OUT.\n"
    "  bench [--quick] [--no-cpython]\n"
    "      Measure the runtime against CPython, measured in the same run,\n"
    "      and the window's drawing and seeking.\n"
    "  bench --scenarios [--quick] [--no-cpython] [--reps N]\n"
    "      Time whole scenarios (bench/scenarios) against CPython, with\n"
    "      peak memory, and the cost of tracing; say which goals are met.\n"
    "\n"
    "Options:\n"
    "  -h, --help      show this help and exit\n"
    "  -V, --version   show the version and exit\n"
    "\n"
    "Exit status: 0 success, 1 the scenario raised an exception, 2 bad\n"
    "input (arguments, unreadable file, syntax error), 3 deadlock.\n";

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "loopscope: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'loopscope --help' for more information.\n");
    return RT_EXIT_BAD_INPUT;
}

/* Ctrl-C during `run` raises KeyboardInterrupt in the scenario at its
 * next loop turn, as in Python (a second one ends the process). */
static rt_scenario_probe run_probe;

static void on_sigint(int sig)
{
    if (atomic_load_explicit(&run_probe.interrupt, memory_order_relaxed))
        _exit(130);
    atomic_store_explicit(&run_probe.interrupt, 1, memory_order_relaxed);
}

/* loopscope run / check. */
static int cmd_run(int argc, char **argv, bool check)
{
    static const struct option opts[] = {
        {"real-time", no_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool real_time = false;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        switch (c) {
        case 'r':
            real_time = true;
            break;
        case 'h':
            fputs(usage_text, stdout);
            return RT_EXIT_OK;
        default:
            return usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return usage_error("%s: missing FILE.py", check ? "check" : "run");
    if (optind + 1 < argc)
        return usage_error("unexpected argument '%s'", argv[optind + 1]);
    rt_scenario_options o = {0};
    o.path = argv[optind];
    o.real_time = real_time;
    o.check_only = check;
    o.probe = &run_probe;
    signal(SIGINT, on_sigint);
    return rt_scenario_run(&o);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage_text, stderr);
        return RT_EXIT_BAD_INPUT;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        fputs(usage_text, stdout);
        return RT_EXIT_OK;
    }
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
        printf("loopscope %s\n", LOOPSCOPE_VERSION);
        return RT_EXIT_OK;
    }
    if (!strcmp(cmd, "run"))
        return cmd_run(argc - 1, argv + 1, false);
    if (!strcmp(cmd, "check"))
        return cmd_run(argc - 1, argv + 1, true);
    if (!strcmp(cmd, "bench"))
        return sim_bench_main(argc - 1, argv + 1);
    if (!strcmp(cmd, "trace"))
        return sim_trace_main(argc - 1, argv + 1);
    bool view = !strcmp(cmd, "view"), render = !strcmp(cmd, "render");
    size_t n = strlen(cmd);
    bool file = cmd[0] != '-' &&
                ((n > 3 && !strcmp(cmd + n - 3, ".py")) ||
                 (n > 6 && !strcmp(cmd + n - 6, ".jsonl")));
    if (file && !getenv("DISPLAY") && !getenv("WAYLAND_DISPLAY") &&
        !strcmp(cmd + n - 3, ".py")) {
        /* `loopscope FILE.py` on a machine without a display: show what
         * can be shown, the run's output, and say how to see more. */
        fprintf(stderr,
                "loopscope: no display (DISPLAY is not set), so no window: "
                "running %s headless instead.\n"
                "  To see the steps: 'loopscope render %s --step N -o "
                "step.png', or 'loopscope trace %s'.\n\n",
                cmd, cmd, cmd);
        char *run_argv[] = {"run", argv[1], NULL};
        int rc = cmd_run(2, run_argv, false);
        return rc;
    }
    if (view || render || file) {
#ifdef LOOPSCOPE_WITH_SDL
        if (render)
            return sim_render_main(argc - 1, argv + 1);
        return view ? sim_view_main(argc - 1, argv + 1)
                    : sim_view_main(argc, argv);
#else
        fprintf(stderr, "loopscope: this loopscope was built without the "
                        "window (LOOPSCOPE_WITH_SDL=OFF); use 'loopscope "
                        "run' or 'loopscope trace'\n");
        return RT_EXIT_BAD_INPUT;
#endif
    }
    return usage_error("unknown command '%s'", cmd);
}
