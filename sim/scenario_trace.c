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
#include <time.h>

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
    /* Most strings have no '/' at all: strchr tells that fastest. */
    if (!strchr(s, '/') || !strstr(s, p->dir))
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
 * event's strings (see the top of this file). Only `name`, `type` and
 * `text` can hold a path: `func` is an identifier. Most events (a task's
 * steps among them) have none of the three, and pass straight through. */
static void portable_event(const portable *p, const rt_event *ev, rt_event_hook hook,
                           void *data)
{
    if ((!ev->name && !ev->type && !ev->text) || !p->len) {
        hook(data, ev);
        return;
    }
    char *name = ev->name ? cut_dir(p, ev->name) : NULL;
    char *type = ev->type ? cut_dir(p, ev->type) : NULL;
    char *text = ev->text ? cut_dir(p, ev->text) : NULL;
    if (!name && !type && !text) {
        hook(data, ev);
        return;
    }
    rt_event copy = *ev;
    copy.name = name ? name : ev->name;
    copy.type = type ? type : ev->type;
    copy.text = text ? text : ev->text;
    hook(data, &copy);
    rt_free(name);
    rt_free(type);
    rt_free(text);
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
          "[--check GOLDEN.jsonl] [--real-time] [--stats]\n", stderr);
    return RT_EXIT_BAD_INPUT;
}

/* A trace written while the scenario runs (`loopscope trace` without
 * --check): every event goes from the runtime's hook straight to the
 * writer, so a run of millions of events costs no memory for them and no
 * second pass. The output file and the writer are opened at the first
 * event, so that a scenario that cannot start (a syntax error) leaves no
 * file and no header behind, as when the trace was written after the run;
 * the bytes are the same as rt_trace_export of the run kept in memory. */
typedef struct stream {
    rt_trace_writer w;      /* the writer, open once `opened` is set */
    const char *out_path;   /* the file to write, or NULL for stdout */
    FILE *out;              /* the open output (stdout or out_path) */
    rt_trace_format format; /* jsonl or chrome */
    const char *name;       /* the scenario's file name, for the header */
    const char *src;        /* its text (borrowed), hashed into the header */
    size_t len;             /* bytes in src */
    rt_clock_mode clock;    /* the run's clock, for the header */
    bool opened;            /* the first event came and the writer is open */
    int open_errno;         /* fopen failed at the first event: its errno */
    int open_rc;            /* rt_trace_writer_open failed: its code */
    portable where;         /* the scenario's folder, cut out of strings */
} stream;

static void write_one(void *data, const rt_event *ev)
{
    rt_trace_writer_event(data, ev);
}

/* stream_hook for the first event, and events with strings. */
static __attribute__((noinline)) void stream_hook_slow(stream *st, const rt_event *ev)
{
    if (!st->opened) {
        if (st->open_errno || st->open_rc)
            return;
        st->out = stdout;
        if (st->out_path && !(st->out = fopen(st->out_path, "w"))) {
            st->open_errno = errno ? errno : EIO;
            return;
        }
        st->open_rc = rt_trace_writer_open(&st->w, st->out, st->format,
                                           st->name, st->src, st->len,
                                           st->clock);
        if (st->open_rc) {
            if (st->out != stdout)
                fclose(st->out);
            st->out = NULL;
            return;
        }
        st->opened = true;
    }
    portable_event(&st->where, ev, write_one, &st->w);
}

/* The run's event hook: opens the output at the first event, then hands
 * each event to the writer (an event without strings, as most are, goes
 * straight there). After a failed open, events are dropped and the
 * failure is reported once the run is over. */
static void stream_hook(void *data, const rt_event *ev)
{
    stream *st = data;
    if (st->opened && !ev->name && !ev->type && !ev->text) {
        rt_trace_writer_event(&st->w, ev);
        return;
    }
    stream_hook_slow(st, ev);
}

static double wall_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* `loopscope trace FILE.py [-o OUT] [--format F]`: runs the scenario with
 * its events streamed to OUT (stdout when NULL). The scenario's own output
 * goes to stdout when the trace goes to a file, else to stderr, so the two
 * never mix. With `stats`, one line on stderr tells how many events were
 * written and how fast. Returns the run's exit status, or 2 when the
 * scenario could not be read or the trace could not be written. */
static int stream_trace(const char *path, bool real_time, const char *out_path,
                        rt_trace_format format, bool stats)
{
    stream st = {0};
    size_t len = 0;
    char *src = slurp(path, &len);
    if (!src) {
        fprintf(stderr, "loopscope: cannot read '%s': %s\n", path,
                strerror(errno));
        return RT_EXIT_BAD_INPUT;
    }
    /* Fail before running when OUT cannot be written (without truncating
     * it: a scenario that does not compile leaves it as it was). */
    bool existed = out_path && access(out_path, F_OK) == 0;
    if (out_path) {
        FILE *probe = fopen(out_path, "a");
        if (!probe) {
            fprintf(stderr, "loopscope trace: cannot write '%s': %s\n",
                    out_path, strerror(errno));
            free(src);
            return RT_EXIT_BAD_INPUT;
        }
        fclose(probe);
    }
    st.out_path = out_path;
    st.format = format;
    portable_init(&st.where, path);
    st.name = base_name(path);
    st.src = src;
    st.len = len;
    st.clock = real_time ? RT_CLOCK_REAL : RT_CLOCK_VIRTUAL;
    rt_scenario_options o = {0};
    o.path = path;
    o.real_time = real_time;
    o.hook = stream_hook;
    o.hook_data = &st;
    o.probe = &trace_probe;
    o.out = out_path ? stdout : stderr;
    o.err = stderr;
    double t0 = wall_seconds();
    signal(SIGINT, on_sigint);
    int status = rt_scenario_run(&o);
    signal(SIGINT, SIG_DFL);
    double dt = wall_seconds() - t0;
    free(src);
    if (st.open_errno) {
        fprintf(stderr, "loopscope trace: cannot write '%s': %s\n", out_path,
                strerror(st.open_errno));
        return RT_EXIT_BAD_INPUT;
    }
    if (st.open_rc) {
        fprintf(stderr, "loopscope trace: cannot start the trace: %s\n",
                rt_strerror(st.open_rc));
        return RT_EXIT_BAD_INPUT;
    }
    if (!st.opened) {
        /* The scenario did not start: its error is printed. */
        if (out_path && !existed)
            unlink(out_path);
        return status;
    }
    /* A run cut short without a run.end stays cut short, as in
     * rt_trace_export: close must not invent an end. */
    st.w.ended = true;
    uint64_t count = st.w.count;
    int w = rt_trace_writer_close(&st.w, status, "");
    if (st.out != stdout && fclose(st.out) != 0 && !w)
        w = RT_EIO;
    if (w) {
        fprintf(stderr, "loopscope trace: writing the trace failed: %s\n",
                rt_strerror(w));
        return RT_EXIT_BAD_INPUT;
    }
    if (stats)
        fprintf(stderr,
                "loopscope trace: %llu events in %.3f s (%.2f million "
                "events/s)\n",
                (unsigned long long)count, dt,
                dt > 0 ? (double)count / dt / 1e6 : 0.0);
    return status;
}

int sim_trace_main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},
        {"format", required_argument, NULL, 'f'},
        {"check", required_argument, NULL, 'c'},
        {"real-time", no_argument, NULL, 'r'},
        {"stats", no_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *out_path = NULL, *golden = NULL;
    rt_trace_format format = RT_TRACE_JSONL;
    bool real_time = false, stats = false;
    int c;
    optind = 1;
    opterr = 0;
    /* Options may come before or after FILE.py (GNU getopt permutes). */
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
        case 's':
            stats = true;
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

    if (!golden)
        return stream_trace(path, real_time, out_path, format, stats);

    /* With --check, the scenario's own output would only be noise, and
     * the whole run is kept in memory to be compared event by event. */
    FILE *devnull = fopen("/dev/null", "w");
    rt_trace *tr = NULL;
    int status = 0;
    signal(SIGINT, on_sigint);
    int rc = sim_run_to_trace(path, real_time, devnull ? devnull : stderr,
                              stderr, &trace_probe, &tr, &status);
    signal(SIGINT, SIG_DFL);
    if (devnull)
        fclose(devnull);
    if (rc)
        return rc;
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
