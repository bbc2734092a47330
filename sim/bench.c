/*
 * bench.c - `loopscope bench`: microbenchmarks of the runtime core with
 * native C coroutines, each printed next to the same figure measured on
 * CPython in the same run (bench/micro_cpython.py), then the window's
 * figures (sim_bench_frames) with their goals. `loopscope bench
 * --scenarios` is another set of figures, in bench_scenarios.c.
 *
 * One line per figure: `name: value unit (cpython VALUE unit, xRATIO)`,
 * where RATIO says how many times faster (or smaller) loopscope is. Every
 * timing is the best of a few repetitions, so that a neighbour stealing
 * the CPU for a moment does not show as a slow runtime. `--quick` shrinks
 * every workload for a smoke test; its numbers mean little.
 *
 * The coroutines here are the smallest possible state machines, so the
 * figures are the cost of the runtime itself: the ready queue, handles,
 * tasks, futures, timers and the executor's baton. No event hook is set:
 * the runtime then does no event work beyond one branch.
 *
 * In a build with the window, the window's own figures follow
 * (sim_bench_frames): frame_ms_1000_tasks (goal <= 8) and
 * seek_ms_100k_events (goal <= 50).
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "rt.h"
#ifdef LOOPSCOPE_WITH_SDL
#include "window.h"
#endif

/* ------------------------------------------------------------------------ */
/* Native coroutines                                                        */
/* ------------------------------------------------------------------------ */

/* A coroutine that yields `left` times (sleep(0)), awaits `fut` if set,
 * then returns. */
typedef struct bcoro {
    rt_object obj;
    int left;       /* bare yields still to make */
    rt_future *fut; /* awaited once after the yields (borrowed) */
} bcoro;

static void bcoro_destroy(rt_object *o) { rt_free(o); }
static const rt_type bcoro_type = {"bcoro", bcoro_destroy};

static rt_coro_status bcoro_resume(rt_object *coro, rt_task *task,
                                   rt_resume how, rt_value in,
                                   rt_value *value, rt_yield *y)
{
    bcoro *c = (bcoro *)coro;
    if (c->left > 0) {
        c->left--;
        y->bare = true;
        return RT_CORO_YIELD;
    }
    if (c->fut && !rt_future_done(c->fut)) {
        y->future = c->fut;
        return RT_CORO_YIELD;
    }
    *value = RT_NONE;
    return RT_CORO_RETURN;
}

static const rt_coro_class bcoro_class = {bcoro_resume, NULL, NULL};

static bcoro *bcoro_new(int left, rt_future *fut)
{
    bcoro *c = rt_malloc(sizeof *c);
    if (!c) {
        fputs("loopscope bench: out of memory\n", stderr);
        exit(1);
    }
    c->obj.refs = 1;
    c->obj.flags = 0;
    c->obj.type = &bcoro_type;
    c->left = left;
    c->fut = fut;
    return c;
}

/* Creates a task and keeps no reference to it or its coroutine: the task
 * lives as long as its handles do. */
static void spawn(rt_loop *loop, int left, rt_future *fut, rt_task **keep)
{
    bcoro *c = bcoro_new(left, fut);
    rt_task *t;
    if (rt_task_new(loop, &c->obj, &bcoro_class, NULL, &t) != RT_OK) {
        fputs("loopscope bench: cannot create a task\n", stderr);
        exit(1);
    }
    rt_object_release(&c->obj);
    if (keep)
        *keep = t;
    else
        rt_task_release(t);
}

/* ------------------------------------------------------------------------ */
/* Harness                                                                  */
/* ------------------------------------------------------------------------ */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct env {
    rt_world *w;
    rt_loop *loop;
} env;

static env env_new(void)
{
    env e;
    if (rt_world_new(NULL, &e.w) != RT_OK || rt_loop_new(e.w, &e.loop) != RT_OK) {
        fputs("loopscope bench: cannot create a world\n", stderr);
        exit(1);
    }
    return e;
}

static void env_free(env *e)
{
    rt_loop_free(e->loop);
    rt_world_free(e->w);
}

/* Runs until nothing is ready or scheduled. */
static void drain(rt_loop *loop)
{
    while (rt_loop_ready_count(loop) > 0 || rt_loop_timer_count(loop) > 0)
        rt_loop_run_once(loop);
}

/* ------------------------------------------------------------------------ */
/* The figures                                                              */
/* ------------------------------------------------------------------------ */

/* ns per resume: `ntasks` tasks take turns, each yielding `rounds` times
 * (CPython: `await asyncio.sleep(0)`). Creation and the final steps are
 * included, as in the CPython version. */
static double await_roundtrip(int ntasks, int rounds)
{
    env e = env_new();
    double t0 = now_s();
    for (int i = 0; i < ntasks; i++)
        spawn(e.loop, rounds, NULL, NULL);
    drain(e.loop);
    double dt = now_s() - t0;
    env_free(&e);
    return dt / ((double)ntasks * rounds) * 1e9;
}

/* ns to create a task, run it to completion and collect it, 1000 at a
 * time. */
static double task_spawn(int n)
{
    env e = env_new();
    double t0 = now_s();
    for (int done = 0; done < n; done += 1000) {
        for (int i = 0; i < 1000; i++)
            spawn(e.loop, 0, NULL, NULL);
        rt_loop_run_once(e.loop);
    }
    double dt = now_s() - t0;
    env_free(&e);
    return dt / n * 1e9;
}

static void noop_cb(rt_loop *loop, rt_handle *h) {}

static void stop_cb(rt_loop *loop, rt_handle *h) { rt_loop_stop(loop); }

/* A small deterministic generator for random deadlines in [0, 1). */
static double rnd(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*s >> 11) * (1.0 / 9007199254740992.0);
}

/* ns per call_later of a new timer with a random delay. */
static double timer_schedule(int n)
{
    env e = env_new();
    double *delays = malloc((size_t)n * sizeof *delays);
    uint64_t s = 1;
    for (int i = 0; i < n; i++)
        delays[i] = rnd(&s) * 1000.0;
    double t0 = now_s();
    for (int i = 0; i < n; i++)
        rt_loop_call_later(e.loop, delays[i], noop_cb, NULL, NULL, RT_NONE,
                           NULL);
    double dt = now_s() - t0;
    free(delays);
    env_free(&e);
    return dt / n * 1e9;
}

/* ns per timer to fire n timers that are all due, with all n pending. */
static double timer_fire(int n)
{
    env e = env_new();
    uint64_t s = 2;
    for (int i = 0; i < n; i++)
        rt_loop_call_at(e.loop, -rnd(&s) * 1000.0, noop_cb, NULL, NULL,
                        RT_NONE, NULL);
    rt_loop_call_soon(e.loop, RT_HANDLE_CALLBACK, stop_cb, NULL, NULL,
                      RT_NONE, NULL);
    double t0 = now_s();
    rt_loop_run_forever(e.loop);
    double dt = now_s() - t0;
    env_free(&e);
    return dt / n * 1e9;
}

/* The executor round trip: a task submits a trivial job whose completion
 * comes back through call_soon_threadsafe, awaits it, and repeats. */
typedef struct xcoro {
    rt_object obj;
    rt_executor *ex;
    rt_loop *loop;
    rt_future *fut; /* the current job's future (owned) */
    int left;       /* round trips still to make */
} xcoro;

static void set_result_ts(rt_loop *loop, rt_handle *h)
{
    rt_future_set_result((rt_future *)h->target, RT_NONE);
}

static void trivial_job(rt_job *job, void *data)
{
    xcoro *c = data;
    rt_loop_call_soon_threadsafe(c->loop, set_result_ts, NULL, &c->fut->obj,
                                 RT_NONE);
}

static rt_coro_status xcoro_resume(rt_object *coro, rt_task *task,
                                   rt_resume how, rt_value in,
                                   rt_value *value, rt_yield *y)
{
    xcoro *c = (xcoro *)coro;
    rt_future_release(c->fut);
    c->fut = NULL;
    if (c->left-- <= 0) {
        *value = RT_NONE;
        return RT_CORO_RETURN;
    }
    if (rt_future_new(c->loop, &c->fut) != RT_OK ||
        rt_executor_submit(c->ex, trivial_job, c, NULL, NULL) != RT_OK) {
        fputs("loopscope bench: cannot submit\n", stderr);
        exit(1);
    }
    y->future = c->fut;
    return RT_CORO_YIELD;
}

static void xcoro_destroy(rt_object *o)
{
    rt_future_release(((xcoro *)o)->fut);
    rt_free(o);
}

static const rt_type xcoro_type = {"xcoro", xcoro_destroy};
static const rt_coro_class xcoro_class = {xcoro_resume, NULL, NULL};

/* us per round trip, in virtual-clock mode (the mode scenarios run in). */
static double executor_roundtrip(int n)
{
    env e = env_new();
    rt_executor *ex;
    rt_executor_new(e.w, 1, "bench", &ex);
    xcoro *c = rt_malloc(sizeof *c);
    c->obj = (rt_object){1, 0, &xcoro_type};
    c->ex = ex;
    c->loop = e.loop;
    c->fut = NULL;
    c->left = 20; /* warm-up: the thread starts */
    rt_task *t;
    rt_task_new(e.loop, &c->obj, &xcoro_class, NULL, &t);
    rt_loop_run_until_complete(e.loop, &t->fut);
    rt_task_release(t);
    c->left = n;
    c->fut = NULL;
    double t0 = now_s();
    rt_task_new(e.loop, &c->obj, &xcoro_class, NULL, &t);
    rt_loop_run_until_complete(e.loop, &t->fut);
    double dt = now_s() - t0;
    rt_task_release(t);
    rt_object_release(&c->obj);
    rt_executor_free(ex);
    env_free(&e);
    return dt / n * 1e6;
}

/* Bytes of heap held by one waiting task: the task, its coroutine, the
 * future it waits on with its callback list, and its share of the loop's
 * ring and handle free list; malloc's own overhead included (mallinfo2). */
static double task_bytes(int n)
{
    env e = env_new();
    rt_future **futs = malloc((size_t)n * sizeof *futs);
    rt_task **tasks = malloc((size_t)n * sizeof *tasks);
    struct mallinfo2 before = mallinfo2();
    for (int i = 0; i < n; i++) {
        rt_future_new(e.loop, &futs[i]);
        spawn(e.loop, 0, futs[i], &tasks[i]);
    }
    rt_loop_run_once(e.loop); /* each task steps once and waits */
    struct mallinfo2 after = mallinfo2();
    double per = (double)(after.uordblks - before.uordblks) / n;
    for (int i = 0; i < n; i++)
        rt_future_set_result(futs[i], RT_NONE);
    drain(e.loop);
    for (int i = 0; i < n; i++) {
        rt_task_release(tasks[i]);
        rt_future_release(futs[i]);
    }
    free(futs);
    free(tasks);
    env_free(&e);
    return per;
}

/* ------------------------------------------------------------------------ */
/* CPython and the report                                                   */
/* ------------------------------------------------------------------------ */

enum { NFIG = 7 };

typedef struct figure {
    const char *name;
    const char *unit;
    double value;
    double cpython; /* < 0: not measured */
} figure;

const char *sim_bench_home(void)
{
    const char *home = getenv("LOOPSCOPE_HOME");
    if (home && *home)
        return home;
#ifdef LOOPSCOPE_SOURCE_DIR
    return LOOPSCOPE_SOURCE_DIR;
#else
    return NULL;
#endif
}

/* Runs bench/micro_cpython.py and reads its `name: value unit` lines into
 * the figures. Returns false when python3 or the script is missing. */
static bool run_cpython(figure *figs, bool quick, char *why, size_t size)
{
    const char *home = sim_bench_home();
    if (!home) {
        snprintf(why, size, "LOOPSCOPE_HOME is not set");
        return false;
    }
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "python3 '%s/bench/micro_cpython.py'%s 2>&1",
             home, quick ? " --quick" : "");
    FILE *p = popen(cmd, "r");
    if (!p) {
        snprintf(why, size, "cannot run python3");
        return false;
    }
    char line[512];
    int got = 0;
    while (fgets(line, sizeof line, p)) {
        for (int i = 0; i < NFIG; i++) {
            size_t len = strlen(figs[i].name);
            if (strncmp(line, figs[i].name, len) == 0 && line[len] == ':') {
                figs[i].cpython = strtod(line + len + 1, NULL);
                got++;
            }
        }
    }
    int status = pclose(p);
    if (got == 0) {
        snprintf(why, size, "%s",
                 status == 127 << 8 ? "python3 not found"
                                    : "bench/micro_cpython.py printed nothing");
        return false;
    }
    return true;
}

static void usage(FILE *out)
{
    fputs("usage: loopscope bench [--quick] [--no-cpython]\n"
          "       loopscope bench --scenarios [--quick] [--no-cpython] "
          "[--reps N]\n"
          "Runtime microbenchmarks, each compared with CPython (python3\n"
          "bench/micro_cpython.py, found through LOOPSCOPE_HOME or the source\n"
          "tree), then the window's figures. --quick: small workloads, for a\n"
          "smoke test. --scenarios: whole scenario files against CPython and\n"
          "the cost of tracing instead (see loopscope bench --scenarios -h).\n",
          out);
}

/* Window figure goals (issue 5 point 6): at most this many ms. */
static const struct {
    const char *name;
    double goal;
} window_goals[] = {
    {"frame_ms_1000_tasks", 8.0},
    {"seek_ms_100k_events", 50.0},
};

/* Prints the window's figures (sim_bench_frames) and a verdict on each
 * goal, or a note when this build or this machine cannot draw. */
static void window_figures(bool quick)
{
#ifdef LOOPSCOPE_WITH_SDL
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    int rc = mem ? sim_bench_frames(mem) : 1;
    if (mem)
        fclose(mem);
    if (text)
        fputs(text, stdout);
    if (rc != 0)
        printf("note: no window figures (SDL cannot render offscreen "
               "here)\n");
    for (size_t i = 0; rc == 0 && i < sizeof window_goals /
                                            sizeof window_goals[0]; i++) {
        const char *name = window_goals[i].name;
        size_t n = strlen(name);
        const char *p = text;
        while (p && (strncmp(p, name, n) != 0 || p[n] != ':')) {
            p = strchr(p, '\n');
            p = p ? p + 1 : NULL;
        }
        double v = p ? strtod(p + n + 1, NULL) : -1;
        printf("goal %s: %.3f ms, goal <= %g ms: %s\n", name, v,
               window_goals[i].goal,
               v < 0   ? "not measured"
               : quick ? "not judged (--quick)"
               : v <= window_goals[i].goal ? "met"
                                           : "MISSED");
    }
    free(text);
#else
    (void)quick;
    printf("note: no window figures (this loopscope was built without SDL: "
           "LOOPSCOPE_WITH_SDL=OFF)\n");
#endif
}

static double best_of(int reps, double (*fn)(int), int arg)
{
    double best = fn(arg);
    for (int i = 1; i < reps; i++) {
        double v = fn(arg);
        if (v < best)
            best = v;
    }
    return best;
}

static double best_of2(int reps, double (*fn)(int, int), int a, int b)
{
    double best = fn(a, b);
    for (int i = 1; i < reps; i++) {
        double v = fn(a, b);
        if (v < best)
            best = v;
    }
    return best;
}

/* `loopscope bench [--quick] [--no-cpython]`, or with --scenarios
 * sim_bench_scenarios_main. Exit status 0, or 2 on bad arguments. */
int sim_bench_main(int argc, char **argv)
{
    bool quick = false, cpython = true;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--scenarios") == 0)
            return sim_bench_scenarios_main(argc, argv);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            quick = true;
        } else if (strcmp(argv[i], "--no-cpython") == 0) {
            cpython = false;
        } else if (strcmp(argv[i], "--help") == 0 ||
                   strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "loopscope bench: unknown option '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    figure figs[NFIG] = {
        {"await_roundtrip_1k_ns", "ns", 0, -1},
        {"await_roundtrip_100k_ns", "ns", 0, -1},
        {"task_spawn_ns", "ns", 0, -1},
        {"timer_schedule_ns", "ns", 0, -1},
        {"timer_fire_1m_ns", "ns", 0, -1},
        {"executor_roundtrip_us", "us", 0, -1},
        {"task_bytes", "bytes", 0, -1},
    };
    char why[128] = "";
    bool have_cpython = cpython && run_cpython(figs, quick, why, sizeof why);
    if (!cpython)
        snprintf(why, sizeof why, "--no-cpython");

    const int k = quick ? 20 : 1, reps = quick ? 1 : 3;
    figs[0].value = best_of2(reps, await_roundtrip, 1000, 2000 / k);
    figs[1].value = best_of2(reps, await_roundtrip, 100000 / k, 20);
    figs[2].value = best_of(reps, task_spawn, 1000000 / k);
    figs[3].value = best_of(reps, timer_schedule, 1000000 / k);
    figs[4].value = best_of(reps, timer_fire, 1000000 / k);
    figs[5].value = best_of(reps, executor_roundtrip, 20000 / k);
    figs[6].value = task_bytes(100000 / k);

    for (int i = 0; i < NFIG; i++) {
        figure *f = &figs[i];
        if (f->cpython > 0 && f->value > 0)
            printf("%s: %.1f %s (cpython %.1f %s, x%.1f)\n", f->name, f->value,
                   f->unit, f->cpython, f->unit, f->cpython / f->value);
        else
            printf("%s: %.1f %s\n", f->name, f->value, f->unit);
    }
    if (!have_cpython)
        printf("note: no CPython comparison (%s)\n", why);
    fflush(stdout);
    window_figures(quick);
    if (quick)
        printf("note: --quick workloads are too small for meaningful "
               "figures\n");
    return 0;
}
