/*
 * bench_scenarios.c - `loopscope bench --scenarios`: whole scenario files
 * (the .py files of bench/scenarios) timed under `loopscope run` and under CPython in
 * the same run, and the cost of tracing one of them.
 *
 * Both sides are measured the same way, by the same code: a child process
 * started with posix_spawn in the scenario's folder, the wall time from
 * just before the spawn to just after wait4 reaps it (process start-up
 * included), and the child's peak resident set size from the rusage that
 * wait4 returns (exact per child). CPython runs the file under the
 * tests' virtual-clock harness (tests/fidelity/vclock.py), loopscope runs
 * it with `loopscope run` (the virtual clock is its default), so neither
 * side really sleeps. The two sides alternate, scenario by scenario and
 * repetition by repetition, so that a busy neighbour slows both; each
 * figure is the best of the repetitions.
 *
 * Each run's stdout is kept and compared between the two sides: a figure
 * for a scenario whose output differs from CPython's compares different
 * work, and is flagged as such.
 *
 * The trace figures run `loopscope trace FILE -o /dev/null --stats` on the
 * sleep(0) scenario (every event through the JSON Lines writer, as a real
 * `loopscope trace` does), and set its wall time against the untraced run.
 *
 * `--quick` runs copies of the scenarios with every workload size (a
 * top-level `NAME = INTEGER` line) divided by 100, in a temporary folder:
 * a smoke test of the whole path whose numbers mean little.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "rt.h"

extern char **environ;

/* ------------------------------------------------------------------------ */
/* Measuring one child process                                              */
/* ------------------------------------------------------------------------ */

/* What one child did. `out` and `err` are NUL-terminated (malloc'd). */
typedef struct child {
    double wall;   /* seconds from spawning to reaping */
    long rss_kb;   /* peak resident set size (ru_maxrss, kilobytes) */
    int status;    /* exit status; 128 + N when killed by signal N */
    char *out;     /* everything it wrote on stdout */
    char *err;     /* everything it wrote on stderr */
} child;

static void child_free(child *c)
{
    free(c->out);
    free(c->err);
    c->out = c->err = NULL;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* A growing byte buffer for a pipe's contents. */
typedef struct bytes {
    char *p;
    size_t len, cap;
} bytes;

/* Reads what is available on `fd` into `b`. Returns false at end of file
 * (or on an error, which ends the reading the same way). */
static bool drain_fd(int fd, bytes *b)
{
    if (b->cap - b->len < 4096) {
        size_t cap = b->cap ? b->cap * 2 : 8192;
        char *p = realloc(b->p, cap);
        if (!p)
            return false;
        b->p = p;
        b->cap = cap;
    }
    ssize_t n = read(fd, b->p + b->len, b->cap - b->len - 1);
    if (n < 0 && errno == EINTR)
        return true;
    if (n <= 0)
        return false;
    b->len += (size_t)n;
    return true;
}

static char *bytes_text(bytes *b)
{
    if (!b->p)
        return strdup("");
    b->p[b->len] = '\0';
    return b->p;
}

/* Runs argv (argv[0] looked up on PATH) in folder `dir` with stdin from
 * /dev/null and stdout and stderr captured, and measures it. Returns 0, or
 * an errno value when the child could not be started (nothing to free
 * then). */
static int run_child(const char *dir, char *const argv[], child *c)
{
    memset(c, 0, sizeof *c);
    int out[2], err[2];
    if (pipe2(out, O_CLOEXEC) != 0)
        return errno;
    if (pipe2(err, O_CLOEXEC) != 0) {
        int e = errno;
        close(out[0]);
        close(out[1]);
        return e;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err[1], 2);
    posix_spawn_file_actions_addchdir_np(&fa, dir);
    pid_t pid;
    double t0 = now_s();
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(out[1]);
    close(err[1]);
    if (rc != 0) {
        close(out[0]);
        close(err[0]);
        return rc;
    }
    /* Read both pipes to their ends before reaping, so that a child with
     * much to say never blocks on a full pipe. */
    bytes ob = {0}, eb = {0};
    struct pollfd pf[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
    int open = 2;
    while (open > 0) {
        if (poll(pf, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int i = 0; i < 2; i++) {
            if (pf[i].fd >= 0 && pf[i].revents &&
                !drain_fd(pf[i].fd, i ? &eb : &ob)) {
                close(pf[i].fd);
                pf[i].fd = -1;
                open--;
            }
        }
    }
    for (int i = 0; i < 2; i++)
        if (pf[i].fd >= 0)
            close(pf[i].fd);
    int status = 0;
    struct rusage ru;
    while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR) {
    }
    c->wall = now_s() - t0;
    c->rss_kb = ru.ru_maxrss;
    c->status = WIFEXITED(status) ? WEXITSTATUS(status)
                                  : 128 + WTERMSIG(status);
    c->out = bytes_text(&ob);
    c->err = bytes_text(&eb);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* The scenarios and their goals                                            */
/* ------------------------------------------------------------------------ */

/* One benchmark scenario with its goals (issue 3). */
typedef struct scenario {
    const char *file;  /* in bench/scenarios/ */
    const char *fig;   /* the figure name's stem */
    double speed_goal; /* loopscope at least this many times faster */
    double mem_goal;   /* peak RSS at least this many times smaller, or 0 */
} scenario;

static const scenario scenarios[] = {
    {"a_sleep0_pingpong.py", "sleep0_1k_tasks_x_1k", 10, 0},
    {"b_many_sleepers.py", "sleepers_100k", 5, 2},
    {"c_timers_and_cancels.py", "timers_100k_half_cancelled", 5, 0},
    {"d_compute.py", "compute", 1, 0},
};
enum { NSCEN = sizeof scenarios / sizeof scenarios[0] };

/* The traced run's goals (issue 4 point 6). */
#define TRACE_SLOWDOWN_GOAL 1.5 /* at most this times the untraced run */
#define TRACE_RATE_GOAL 2.0     /* at least this many million events/s */

/* Best figures of one scenario over the repetitions. */
typedef struct result {
    double ls_s, py_s;     /* best wall seconds; < 0: not measured */
    long ls_kb, py_kb;     /* smallest peak RSS seen, kilobytes */
    bool ls_ok, py_ok;     /* every run exited 0 */
    bool differs;          /* stdout differed between the sides */
    char *ls_out, *py_out; /* the first run's stdout of each side */
    char why[160];         /* the first failure, for the report */
} result;

/* Best traced run of the sleep(0) scenario. */
typedef struct trace_result {
    double s;          /* best wall seconds; < 0: not measured */
    uint64_t events;   /* events written (from --stats) */
    bool ok;           /* every run exited 0 and matched the output */
    char why[160];
} trace_result;

static void keep_best(double *best, long *best_kb, const child *c)
{
    if (*best < 0 || c->wall < *best)
        *best = c->wall;
    if (*best_kb <= 0 || c->rss_kb < *best_kb)
        *best_kb = c->rss_kb;
}

/* The last line of a child's stderr, for a failure report. */
static void last_line(const char *text, char *buf, size_t size)
{
    size_t n = strlen(text);
    while (n && text[n - 1] == '\n')
        n--;
    size_t s = n;
    while (s && text[s - 1] != '\n')
        s--;
    snprintf(buf, size, "%.*s", (int)(n - s), text + s);
}

/* Records one side's run of a scenario into `r`. */
static void record(result *r, bool py, const char *file, const child *c)
{
    double *best = py ? &r->py_s : &r->ls_s;
    long *kb = py ? &r->py_kb : &r->ls_kb;
    bool *ok = py ? &r->py_ok : &r->ls_ok;
    char **out = py ? &r->py_out : &r->ls_out;
    if (c->status != 0) {
        if (*ok && !r->why[0]) {
            char line[120];
            last_line(c->err, line, sizeof line);
            snprintf(r->why, sizeof r->why, "%s under %s: exit %d (%s)", file,
                     py ? "CPython" : "loopscope", c->status, line);
        }
        *ok = false;
        return;
    }
    keep_best(best, kb, c);
    if (!*out)
        *out = strdup(c->out);
}

/* ------------------------------------------------------------------------ */
/* --quick: scaled-down copies                                              */
/* ------------------------------------------------------------------------ */

/* Copies `src` to `dst`, dividing the integer of every top-level line of
 * the form `UPPER_NAME = DIGITS` by `k` (at least 1 is kept). Returns 0 or
 * an errno value. */
static int copy_scaled(const char *src, const char *dst, long k)
{
    FILE *in = fopen(src, "r");
    if (!in)
        return errno;
    FILE *out = fopen(dst, "w");
    if (!out) {
        int e = errno;
        fclose(in);
        return e;
    }
    char line[1024];
    while (fgets(line, sizeof line, in)) {
        char name[64];
        long v;
        char rest[8];
        int end = 0;
        if (line[0] >= 'A' && line[0] <= 'Z' &&
            sscanf(line, "%63[A-Z0-9_] = %ld%n", name, &v, &end) == 2 &&
            sscanf(line + end, " %7s", rest) != 1) {
            v /= k;
            fprintf(out, "%s = %ld\n", name, v > 0 ? v : 1);
        } else {
            fputs(line, out);
        }
    }
    int e = ferror(in) ? EIO : 0;
    fclose(in);
    if (fclose(out) != 0 && !e)
        e = errno;
    return e;
}

/* ------------------------------------------------------------------------ */
/* The report                                                               */
/* ------------------------------------------------------------------------ */

/* Prints the verdict on one goal; `quick` runs are never judged. */
static void verdict(const char *fig, bool measured, bool met, bool quick,
                    const char *what)
{
    printf("goal %s: %s: %s\n", fig, what,
           !measured ? "not measured"
           : quick   ? "not judged (--quick)"
           : met     ? "met"
                     : "MISSED");
}

/* Prints the figures and goals of one scenario. */
static void report(const scenario *sc, const result *r, bool quick)
{
    bool have_py = r->py_s > 0 && r->py_ok;
    bool have_ls = r->ls_s > 0 && r->ls_ok;
    if (!have_ls) {
        printf("%s_s: failed (%s)\n", sc->fig, r->why);
        return;
    }
    if (have_py)
        printf("%s_s: %.3f s (cpython %.3f s, x%.2f)\n", sc->fig, r->ls_s,
               r->py_s, r->py_s / r->ls_s);
    else
        printf("%s_s: %.3f s\n", sc->fig, r->ls_s);
    if (have_py)
        printf("%s_peak_mb: %.1f MB (cpython %.1f MB, x%.2f)\n", sc->fig,
               r->ls_kb / 1024.0, r->py_kb / 1024.0,
               (double)r->py_kb / (double)r->ls_kb);
    else
        printf("%s_peak_mb: %.1f MB\n", sc->fig, r->ls_kb / 1024.0);
    if (r->differs)
        printf("warning: %s prints something else under loopscope than "
               "under CPython: the figures compare different work\n",
               sc->file);
    char what[160];
    double speed = have_py ? r->py_s / r->ls_s : 0;
    snprintf(what, sizeof what, "x%.2f faster than CPython, goal >= x%g",
             speed, sc->speed_goal);
    verdict(sc->fig, have_py && !r->differs, speed >= sc->speed_goal, quick,
            what);
    if (sc->mem_goal > 0) {
        double mem = have_py ? (double)r->py_kb / (double)r->ls_kb : 0;
        char fig[96];
        snprintf(fig, sizeof fig, "%s_peak", sc->fig);
        snprintf(what, sizeof what,
                 "x%.2f less memory than CPython, goal >= x%g", mem,
                 sc->mem_goal);
        verdict(fig, have_py && !r->differs, mem >= sc->mem_goal, quick,
                what);
    }
}

/* Reads the event count from `loopscope trace --stats`'s last words on
 * stderr ("loopscope trace: N events in ..."). */
static bool parse_stats(const char *err, uint64_t *events)
{
    const char *p = strstr(err, "loopscope trace: ");
    unsigned long long n;
    if (!p || sscanf(p, "loopscope trace: %llu events", &n) != 1)
        return false;
    *events = n;
    return true;
}

/* ------------------------------------------------------------------------ */
/* Entry point                                                              */
/* ------------------------------------------------------------------------ */

static void usage(FILE *out)
{
    fputs("usage: loopscope bench --scenarios [--quick] [--no-cpython] "
          "[--reps N]\n"
          "Times `loopscope run` on each bench/scenarios/*.py against CPython\n"
          "(tests/fidelity/vclock.py) in the same run, and the cost of a\n"
          "traced run. Both sides: a child process, wall time around it,\n"
          "peak RSS from wait4; best of N repetitions (default 3).\n"
          "--quick: workloads divided by 100, one repetition (smoke test).\n",
          out);
}

/* Removes the quick copies and their folder. */
static void remove_dir(const char *dir)
{
    char path[4096];
    for (int i = 0; i < NSCEN; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, scenarios[i].file);
        unlink(path);
    }
    rmdir(dir);
}

int sim_bench_scenarios_main(int argc, char **argv)
{
    bool quick = false, cpython = true;
    int reps = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) {
            quick = true;
        } else if (!strcmp(argv[i], "--no-cpython")) {
            cpython = false;
        } else if (!strcmp(argv[i], "--scenarios")) {
            /* the option that brought us here */
        } else if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
            reps = atoi(argv[++i]);
            if (reps < 1 || reps > 100) {
                fprintf(stderr, "loopscope bench: --reps wants 1 to 100\n");
                return 2;
            }
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "loopscope bench: unknown option '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    if (!reps)
        reps = quick ? 1 : 3;
    const char *home = sim_bench_home();
    if (!home) {
        fputs("loopscope bench: cannot find the source tree (set "
              "LOOPSCOPE_HOME)\n",
              stderr);
        return 2;
    }
    char self[4096], dir[4096], vclock[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) {
        fprintf(stderr, "loopscope bench: cannot find my own executable: %s\n",
                strerror(errno));
        return 2;
    }
    self[n] = '\0';
    snprintf(vclock, sizeof vclock, "%s/tests/fidelity/vclock.py", home);
    snprintf(dir, sizeof dir, "%s/bench/scenarios", home);
    char tmp[4096] = "";
    if (quick) {
        const char *t = getenv("TMPDIR");
        snprintf(tmp, sizeof tmp, "%s/loopscope-bench-XXXXXX",
                 t && *t ? t : "/tmp");
        if (!mkdtemp(tmp)) {
            fprintf(stderr, "loopscope bench: cannot make a folder: %s\n",
                    strerror(errno));
            return 2;
        }
        for (int i = 0; i < NSCEN; i++) {
            char src[4096 + 64], dst[4096 + 64];
            snprintf(src, sizeof src, "%s/%s", dir, scenarios[i].file);
            snprintf(dst, sizeof dst, "%s/%s", tmp, scenarios[i].file);
            int e = copy_scaled(src, dst, 100);
            if (e) {
                fprintf(stderr, "loopscope bench: cannot copy '%s': %s\n",
                        src, strerror(e));
                remove_dir(tmp);
                return 2;
            }
        }
        snprintf(dir, sizeof dir, "%s", tmp);
    }

    result res[NSCEN];
    trace_result tr = {-1, 0, true, ""};
    for (int i = 0; i < NSCEN; i++)
        res[i] = (result){-1, -1, 0, 0, true, true, false, NULL, NULL, ""};
    char py_why[160] = "";
    bool have_python = cpython;
    for (int rep = 0; rep < reps; rep++) {
        for (int i = 0; i < NSCEN; i++) {
            const scenario *sc = &scenarios[i];
            result *r = &res[i];
            child c;
            if (have_python) {
                char *py[] = {"python3", vclock, (char *)sc->file, NULL};
                int e = run_child(dir, py, &c);
                if (e) {
                    snprintf(py_why, sizeof py_why, "cannot run python3: %s",
                             strerror(e));
                    have_python = false;
                } else {
                    record(r, true, sc->file, &c);
                    child_free(&c);
                }
            }
            char *ls[] = {self, "run", (char *)sc->file, NULL};
            int e = run_child(dir, ls, &c);
            if (e) {
                fprintf(stderr, "loopscope bench: cannot run '%s': %s\n",
                        self, strerror(e));
                return 2;
            }
            record(r, false, sc->file, &c);
            child_free(&c);
            if (i != 0)
                continue;
            /* The traced run of the sleep(0) scenario, right after its
             * untraced run. */
            char *tl[] = {self, "trace", (char *)sc->file, "-o", "/dev/null",
                          "--stats", NULL};
            e = run_child(dir, tl, &c);
            uint64_t events = 0;
            if (e || c.status != 0 || !parse_stats(c.err, &events)) {
                if (tr.ok)
                    snprintf(tr.why, sizeof tr.why, "%s",
                             e ? strerror(e) : "loopscope trace failed");
                tr.ok = false;
            } else {
                if (r->ls_out && strcmp(c.out, r->ls_out) != 0 && tr.ok) {
                    snprintf(tr.why, sizeof tr.why,
                             "the traced run printed something else");
                    tr.ok = false;
                }
                if (tr.s < 0 || c.wall < tr.s) {
                    tr.s = c.wall;
                    tr.events = events;
                }
            }
            if (!e)
                child_free(&c);
        }
    }
    if (quick)
        remove_dir(tmp);

    printf("scenarios: best of %d; wall time of a child process (start-up "
           "included), peak RSS from wait4\n",
           reps);
    for (int i = 0; i < NSCEN; i++) {
        result *r = &res[i];
        r->differs = r->py_out && r->ls_out && strcmp(r->py_out, r->ls_out);
        report(&scenarios[i], r, quick);
        if (r->why[0])
            printf("note: %s\n", r->why);
        free(r->py_out);
        free(r->ls_out);
    }

    /* The trace figures. */
    const result *a = &res[0];
    bool have_tr = tr.ok && tr.s > 0 && a->ls_s > 0 && a->ls_ok;
    double slow = have_tr ? tr.s / a->ls_s : 0;
    double rate = have_tr ? (double)tr.events / tr.s / 1e6 : 0;
    if (have_tr) {
        printf("trace_%s_s: %.3f s (untraced %.3f s, x%.2f)\n",
               scenarios[0].fig, tr.s, a->ls_s, slow);
        printf("trace_events_per_s: %.2f M/s (%llu events in %.3f s)\n", rate,
               (unsigned long long)tr.events, tr.s);
    } else {
        printf("trace_%s_s: failed (%s)\n", scenarios[0].fig,
               tr.why[0] ? tr.why : "no untraced run to compare with");
    }
    char what[160];
    snprintf(what, sizeof what, "x%.2f the untraced run, goal <= x%g", slow,
             TRACE_SLOWDOWN_GOAL);
    char fig[96];
    snprintf(fig, sizeof fig, "trace_%s", scenarios[0].fig);
    verdict(fig, have_tr, slow <= TRACE_SLOWDOWN_GOAL, quick, what);
    snprintf(what, sizeof what,
             "%.2f million events/s, goal >= %g million", rate,
             TRACE_RATE_GOAL);
    verdict("trace_events_per_s", have_tr, rate >= TRACE_RATE_GOAL, quick,
            what);

    if (!have_python)
        printf("note: no CPython comparison (%s)\n",
               cpython ? py_why : "--no-cpython");
    if (quick)
        printf("note: --quick workloads are too small for meaningful "
               "figures\n");
    return 0;
}
