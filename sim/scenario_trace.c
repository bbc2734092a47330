/*
 * scenario_trace.c - the bridge between scenarios and traces for the
 * command line: `loopscope trace` (record, export, check against a golden
 * trace), and what the window and `render` need to show a scenario file
 * rather than a trace file (run it, keeping its events in memory, or feed
 * a live window with a probe that says where a busy run is). No SDL.
 *
 * Portability. A trace must be byte-identical on every machine, but a few
 * of asyncio's messages name the scenario's absolute path, as CPython's do
 * ("Exception in callback bad() at /home/ann/course/10_x.py:18"). Every
 * event recorded here passes through portable_event, which cuts the
 * scenario's directory out of its strings ("at 10_x.py:18"), so that the
 * trace names the file as its header does: by its base name.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rt.h"
#include "sim.h"
#include "trace.h"

bool sim_is_scenario(const char *path)
{
    size_t n = path ? strlen(path) : 0;
    return n > 3 && strcmp(path + n - 3, ".py") == 0;
}

/* Reads a whole file; NULL (and errno) on failure. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = rt_malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
        if (n + 1 >= cap) {
            char *nb = rt_realloc(buf, cap * 2);
            if (!nb) {
                rt_free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (buf && bad) {
        rt_free(buf);
        errno = EIO;
        return NULL;
    }
    if (buf) {
        buf[n] = 0;
        *len = n;
    }
    return buf;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* ------------------------------------------------------------------------ */
/* Portable events                                                          */
/* ------------------------------------------------------------------------ */

/* The scenario's directory as the runtime spells it (the real path, with
 * a trailing slash), to be cut out of event strings. */
typedef struct portable {
    char dir[PATH_MAX + 1]; /* "" when the path could not be resolved */
    size_t len;
} portable;

static void portable_init(portable *p, const char *path)
{
    char real[PATH_MAX];
    p->dir[0] = '\0';
    p->len = 0;
    if (!realpath(path, real))
        return;
    char *slash = strrchr(real, '/');
    if (!slash)
        return;
    size_t n = (size_t)(slash - real) + 1;
    memcpy(p->dir, real, n);
    p->dir[n] = '\0';
    p->len = n;
}

/* `s` without any occurrence of p->dir, in a new rt_malloc'd string; NULL
 * when s does not contain it (or when out of memory: s is then kept). */
static char *cut_dir(const portable *p, const char *s)
{
    if (!s || !p->len || !strstr(s, p->dir))
        return NULL;
    char *out = rt_malloc(strlen(s) + 1);
    if (!out)
        return NULL;
    char *o = out;
    for (const char *hit; (hit = strstr(s, p->dir)); s = hit + p->len) {
        memcpy(o, s, (size_t)(hit - s));
        o += hit - s;
    }
    strcpy(o, s);
    return out;
}

/* Calls hook(data, ev) with the scenario's directory cut out of the
 * event's strings (see the top of this file). */
static void portable_event(const portable *p, const rt_event *ev, rt_event_hook hook,
                           void *data)
{
    char *name = cut_dir(p, ev->name), *type = cut_dir(p, ev->type);
    char *text = cut_dir(p, ev->text), *func = cut_dir(p, ev->func);
    if (!name && !type && !text && !func) {
        hook(data, ev);
        return;
    }
    rt_event copy = *ev;
    copy.name = name ? name : ev->name;
    copy.type = type ? type : ev->type;
    copy.text = text ? text : ev->text;
    copy.func = func ? func : ev->func;
    hook(data, &copy);
    rt_free(name);
    rt_free(type);
    rt_free(text);
    rt_free(func);
}

/* The hook that keeps every event of a run in a trace in memory. */
typedef struct recorder {
    rt_trace *tr;
    portable where;
} recorder;

static void append_one(void *data, const rt_event *ev)
{
    rt_trace *tr = data;
    if (rt_trace_append(tr, ev) != 0)
        tr->complete = false;
}

static void append_hook(void *data, const rt_event *ev)
{
    recorder *r = data;
    portable_event(&r->where, ev, append_one, r->tr);
}

int sim_run_to_trace(const char *path, bool real_time, FILE *out, FILE *err,
                     rt_scenario_probe *probe, rt_trace **trace, int *status)
{
    size_t len = 0;
    char *src = slurp(path, &len);
    if (!src) {
        fprintf(stderr, "loopscope: cannot read '%s': %s\n", path,
                strerror(errno));
        return RT_EXIT_BAD_INPUT;
    }
    rt_trace *tr = rt_trace_new(base_name(path), src, len,
                                real_time ? RT_CLOCK_REAL : RT_CLOCK_VIRTUAL);
    rt_free(src);
    if (!tr) {
        fprintf(stderr, "loopscope: out of memory\n");
        return RT_EXIT_BAD_INPUT;
    }
    recorder rec = {tr, {{0}, 0}};
    portable_init(&rec.where, path);
    rt_scenario_options o = {0};
    o.path = path;
    o.real_time = real_time;
    o.hook = append_hook;
    o.hook_data = &rec;
    o.probe = probe;
    o.out = out;
    o.err = err;
    int st = rt_scenario_run(&o);
    if (st == RT_EXIT_BAD_INPUT && tr->len == 0) {
        rt_trace_free(tr);
        return RT_EXIT_BAD_INPUT;
    }
    *trace = tr;
    *status = st;
    return 0;
}

int sim_load(const char *path, rt_trace **out)
{
    if (sim_is_scenario(path)) {
        /* What the scenario prints is in the trace (and on the screen):
         * keep it off the terminal, except the reason why it could not run
         * at all. */
        FILE *devnull = fopen("/dev/null", "w");
        FILE *err = tmpfile();
        int status = 0;
        int rc = sim_run_to_trace(path, false, devnull ? devnull : stdout,
                                  err ? err : stderr, NULL, out, &status);
        if (devnull)
            fclose(devnull);
        if (err) {
            if (rc) {
                char buf[4096];
                size_t n;
                rewind(err);
                while ((n = fread(buf, 1, sizeof buf, err)) > 0)
                    fwrite(buf, 1, n, stderr);
            }
            fclose(err);
        }
        return rc;
    }
    rt_trace_error err;
    if (rt_trace_read(path, 0, out, &err) != 0) {
        rt_trace_error_print(&err, stderr);
        return RT_EXIT_BAD_INPUT;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* loopscope trace                                                          */
/* ------------------------------------------------------------------------ */

/* Ctrl-C while recording raises KeyboardInterrupt in the scenario at its
 * next loop turn, as `loopscope run` does, so a run that never ends still
 * leaves a complete trace saying where it was stopped (a second Ctrl-C
 * ends the process). A signal handler can only reach a static. */
static rt_scenario_probe trace_probe;

static void on_sigint(int sig)
{
    (void)sig;
    if (atomic_load_explicit(&trace_probe.interrupt, memory_order_relaxed))
        _exit(130);
    atomic_store_explicit(&trace_probe.interrupt, 1, memory_order_relaxed);
}

static int trace_usage(const char *msg, const char *arg)
{
    if (msg) {
        fputs("loopscope trace: ", stderr);
        fprintf(stderr, msg, arg);
        fputc('\n', stderr);
    }
    fputs("usage: loopscope trace FILE.py [-o OUT] [--format jsonl|chrome] "
          "[--check GOLDEN.jsonl] [--real-time]\n", stderr);
    return RT_EXIT_BAD_INPUT;
}

int sim_trace_main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},
        {"format", required_argument, NULL, 'f'},
        {"check", required_argument, NULL, 'c'},
        {"real-time", no_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *out_path = NULL, *golden = NULL;
    rt_trace_format format = RT_TRACE_JSONL;
    bool real_time = false;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'o':
            out_path = optarg;
            break;
        case 'f':
            if (!strcmp(optarg, "jsonl"))
                format = RT_TRACE_JSONL;
            else if (!strcmp(optarg, "chrome"))
                format = RT_TRACE_CHROME;
            else
                return trace_usage("unknown format '%s' (jsonl or chrome)",
                                   optarg);
            break;
        case 'c':
            golden = optarg;
            break;
        case 'r':
            real_time = true;
            break;
        case 'h':
            trace_usage(NULL, NULL);
            return RT_EXIT_OK;
        default:
            return trace_usage("unknown or incomplete option '%s'",
                               argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return trace_usage("missing FILE.py", NULL);
    if (optind + 1 < argc)
        return trace_usage("unexpected argument '%s'", argv[optind + 1]);
    const char *path = argv[optind];
    if (!sim_is_scenario(path))
        return trace_usage("'%s' is not a scenario (a .py file)", path);

    /* With --check, the scenario's own output would only be noise. With
     * the trace on stdout, it goes to stderr so the two do not mix. */
    FILE *devnull = fopen("/dev/null", "w");
    FILE *sout = golden ? devnull : (out_path ? stdout : stderr);
    rt_trace *tr = NULL;
    int status = 0;
    signal(SIGINT, on_sigint);
    int rc = sim_run_to_trace(path, real_time, sout ? sout : stderr, stderr,
                              &trace_probe, &tr, &status);
    signal(SIGINT, SIG_DFL);
    if (devnull)
        fclose(devnull);
    if (rc)
        return rc;
    if (golden) {
        rt_trace *g = NULL;
        rt_trace_error err;
        if (rt_trace_read(golden, 0, &g, &err) != 0) {
            rt_trace_error_print(&err, stderr);
            rt_trace_free(tr);
            return RT_EXIT_BAD_INPUT;
        }
        int diff = rt_trace_compare(g, tr, stdout);
        if (!diff)
            printf("trace matches %s (%zu events)\n", golden, tr->len);
        rt_trace_free(g);
        rt_trace_free(tr);
        return diff ? 1 : RT_EXIT_OK;
    }
    FILE *out = stdout;
    if (out_path && !(out = fopen(out_path, "w"))) {
        fprintf(stderr, "loopscope trace: cannot write '%s': %s\n", out_path,
                strerror(errno));
        rt_trace_free(tr);
        return RT_EXIT_BAD_INPUT;
    }
    int w = rt_trace_export(tr, out, format);
    if (out != stdout && fclose(out) != 0)
        w = RT_EIO;
    rt_trace_free(tr);
    if (w) {
        fprintf(stderr, "loopscope trace: writing the trace failed: %s\n",
                rt_strerror(w));
        return RT_EXIT_BAD_INPUT;
    }
    return status;
}

/* ------------------------------------------------------------------------ */
/* Live runs for the window                                                 */
/* ------------------------------------------------------------------------ */

/* What a live run's hook forwards to: the window's hook, with portable
 * strings as in a recorded trace. */
typedef struct live_fwd {
    rt_event_hook hook;
    void *data;
    portable where;
} live_fwd;

static void live_hook(void *data, const rt_event *ev)
{
    live_fwd *f = data;
    portable_event(&f->where, ev, f->hook, f->data);
}

/* sim_live_source.run: runs the scenario on the window's run thread, its
 * output going to the terminal as `loopscope run` would print it. */
static int live_run(void *arg, rt_event_hook hook, void *hook_data, rt_scenario_probe *probe)
{
    const char *path = arg;
    live_fwd fwd = {hook, hook_data, {{0}, 0}};
    portable_init(&fwd.where, path);
    rt_scenario_options o = {0};
    o.path = path;
    o.hook = live_hook;
    o.hook_data = &fwd;
    o.probe = probe;
    return rt_scenario_run(&o);
}

int sim_live_prepare(const char *path, sim_live_source *src)
{
    size_t len = 0;
    char *text = slurp(path, &len);
    if (!text) {
        fprintf(stderr, "loopscope: cannot read '%s': %s\n", path,
                strerror(errno));
        return RT_EXIT_BAD_INPUT;
    }
    src->text = text;
    src->len = len;
    src->name = base_name(path);
    src->run = live_run;
    src->arg = (void *)path;
    return 0;
}

void sim_live_release(sim_live_source *src)
{
    rt_free(src->text);
    src->text = NULL;
}
