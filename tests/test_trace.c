/*
 * test_trace.c - the trace layer: SHA-256, Python float reprs, the JSON
 * Lines writer (byte for byte against the hand-made traces), the reader's
 * error messages, the golden compare, the Chrome export, allocation
 * failure, and the speed goals (2 million events a second written,
 * 100,000 events read in well under 100 ms).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "trace.h"

#include "float_cases.h"

static const char *const TRACES[] = {"hello", "two_tasks", "executor", "exception",
                                     "cancel", "deadlock", "many_tasks"};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The directory where the build puts generated traces and exports. */
static const char *out_dir(void)
{
    const char *d = getenv("LOOPSCOPE_TRACE_OUT");
    return d && *d ? d : ".";
}

/* A hand-made trace: the small ones are in tests/traces/, the large one
 * (many_tasks) is generated into the build tree. */
static char *trace_path(const char *name)
{
    static char buf[4096];
    if (strcmp(name, "many_tasks") == 0)
        snprintf(buf, sizeof buf, "%s/%s.jsonl", out_dir(), name);
    else
        snprintf(buf, sizeof buf, "%s/tests/traces/%s.jsonl",
                 LOOPSCOPE_SOURCE_DIR, name);
    return buf;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = malloc((size_t)n + 1);
    *len = fread(p, 1, (size_t)n, f);
    p[*len] = '\0';
    fclose(f);
    return p;
}

/* ------------------------------------------------------------------------ */

static void test_sha256(void **state)
{
    (void)state;
    char hex[65];
    rt_sha256_hex("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    rt_sha256_hex("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    rt_sha256_hex(m, strlen(m), hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    /* One million 'a', fed in uneven pieces to exercise the buffering. */
    rt_sha256 s;
    uint8_t sum[32];
    char chunk[997];
    memset(chunk, 'a', sizeof chunk);
    rt_sha256_init(&s);
    size_t left = 1000000;
    for (size_t k = 1; left; k = k % 900 + 13) {
        size_t n = k < left ? k : left;
        rt_sha256_update(&s, chunk, n);
        left -= n;
    }
    rt_sha256_final(&s, sum);
    static const uint8_t want[32] = {0xcd, 0xc7, 0x6e, 0x5c, 0x99, 0x14, 0xfb, 0x92,
                                     0x81, 0xa1, 0xc7, 0xe2, 0x84, 0xd7, 0x3e, 0x67,
                                     0xf1, 0x80, 0x9a, 0x48, 0xa4, 0x97, 0x20, 0x0e,
                                     0x04, 0x6d, 0x39, 0xcc, 0xc7, 0x11, 0x2c, 0xd0};
    assert_memory_equal(sum, want, 32);
}

static void test_float_repr(void **state)
{
    (void)state;
    char buf[40];
    for (size_t i = 0; i < sizeof float_cases / sizeof float_cases[0]; i++) {
        rt_trace_float_repr(float_cases[i].v, buf);
        if (strcmp(buf, float_cases[i].repr) != 0)
            fail_msg("repr(%a): got %s, Python prints %s", float_cases[i].v, buf,
                     float_cases[i].repr);
    }
    rt_trace_float_repr(0.0, buf);
    assert_string_equal(buf, "0.0");
    rt_trace_float_repr(-0.0, buf);
    assert_string_equal(buf, "-0.0");
    rt_trace_float_repr(1.0 / 0.0, buf);
    assert_string_equal(buf, "inf");
}

/* Every hand-made trace reads and writes back byte for byte: the writer
 * prints exactly what Python's json.dumps printed. */
static void check_roundtrip(const char *path)
{
    size_t len;
    char *want = slurp(path, &len);
    assert_non_null(want);
    rt_trace *tr;
    rt_trace_error err;
    int rc = rt_trace_read(path, 0, &tr, &err);
    if (rc)
        fail_msg("%s:%d: %s", err.file, err.line, err.message);
    assert_true(tr->complete);
    char *got = NULL;
    size_t got_len = 0;
    FILE *f = open_memstream(&got, &got_len);
    assert_int_equal(rt_trace_export(tr, f, RT_TRACE_JSONL), 0);
    fclose(f);
    assert_int_equal(got_len, len);
    assert_memory_equal(got, want, len);
    free(got);
    free(want);
    rt_trace_free(tr);
}

static void test_roundtrip(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof TRACES / sizeof TRACES[0]; i++)
        check_roundtrip(trace_path(TRACES[i]));
    char big[4096];
    snprintf(big, sizeof big, "%s/big.jsonl", out_dir());
    check_roundtrip(big);
}

/* The writer as the world's hook: keys in order, zero keys left out,
 * worker 0 kept, a loop left out when it is the loop of the event before
 * (version 2), run.end added by close. */
static void test_writer(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    rt_trace_writer w;
    const char *src = "print('hi')\n";
    assert_int_equal(rt_trace_writer_open(&w, f, RT_TRACE_JSONL, "hi.py", src, strlen(src),
                                          RT_CLOCK_VIRTUAL), 0);
    rt_event e1 = {.kind = RT_EV_TASK_SUSPEND, .seq = 0, .t = 1e-5, .loop = 1,
                   .task = 2, .future = 3, .worker = -1, .line = 7, .func = "main",
                   .kind2 = RT_ROLE_SLEEP, .name = "sleep(1)"};
    rt_event e2 = {.kind = RT_EV_EXEC_START, .seq = 1, .t = 0.1 + 0.2, .executor = 1,
                   .job = 4, .worker = 0};
    rt_event e3 = {.kind = RT_EV_OUTPUT, .seq = 2, .t = 0.1 + 0.2, .worker = -1, .task = 1,
                   .name = "stdout", .text = "a \"q\" \\ \n\t\x01 h\xc3\xa9"};
    rt_event e4 = {.kind = RT_EV_LOOP_PHASE, .seq = 3, .t = 2.0, .loop = 1,
                   .kind2 = RT_PHASE_SELECT, .worker = -1};
    rt_trace_writer_hook(&w, &e1);
    rt_trace_writer_hook(&w, &e2);
    rt_trace_writer_hook(&w, &e3);
    rt_trace_writer_hook(&w, &e4);
    assert_int_equal(rt_trace_writer_close(&w, 1, "exception"), 0);
    fclose(f);
    char sha[65];
    rt_sha256_hex(src, strlen(src), sha);
    char want[2048];
    snprintf(want, sizeof want,
             "{\"format\":\"loopscope-trace\",\"version\":2,\"scenario\":\"hi.py\","
             "\"sha256\":\"%s\",\"clock\":\"virtual\",\"source\":\"print('hi')\\n\"}\n"
             "{\"seq\":0,\"t\":1e-05,\"ev\":\"task.suspend\",\"loop\":1,"
             "\"task\":2,\"fut\":3,\"line\":7,\"func\":\"main\",\"role\":\"sleep\","
             "\"name\":\"sleep(1)\"}\n"
             "{\"seq\":1,\"t\":0.30000000000000004,\"ev\":\"exec.start\",\"job\":4,"
             "\"executor\":1,\"worker\":0}\n"
             "{\"seq\":2,\"t\":0.30000000000000004,\"ev\":\"output\",\"task\":1,\"name\":\"stdout\","
             "\"text\":\"a \\\"q\\\" \\\\ \\n\\t\\u0001 h\xc3\xa9\"}\n"
             "{\"seq\":3,\"t\":2.0,\"ev\":\"loop.phase\",\"phase\":\"select\"}\n"
             "{\"seq\":4,\"t\":2.0,\"ev\":\"run.end\",\"n\":1,\"text\":\"exception\"}\n",
             sha);
    assert_string_equal(text, want);

    /* It reads back into the same events. */
    rt_trace *tr;
    rt_trace_error err;
    int rc = rt_trace_parse(text, len, "mem", 0, &tr, &err);
    if (rc)
        fail_msg("%s:%d: %s", err.file, err.line, err.message);
    assert_int_equal(tr->len, 5);
    assert_string_equal(tr->events[2].text, e3.text);
    assert_int_equal(tr->events[0].kind2, RT_ROLE_SLEEP);
    assert_int_equal(tr->events[1].worker, 0);
    assert_int_equal(tr->events[0].worker, -1);
    assert_int_equal(tr->events[3].loop, 1); /* left out, read back */
    assert_true(tr->events[1].t == 0.1 + 0.2);
    rt_trace_free(tr);
    free(text);
}

static void test_format_event(void **state)
{
    (void)state;
    rt_event e = {.kind = RT_EV_TIMER_ARM, .seq = 12, .t = 0.0, .loop = 1, .task = 1,
                  .future = 1, .handle = 2, .when = 1.0, .name = "sleep(1)", .worker = -1};
    char buf[256];
    const char *want = "{\"seq\":12,\"t\":0.0,\"ev\":\"timer.arm\",\"loop\":1,\"task\":1,"
                       "\"fut\":1,\"handle\":2,\"when\":1.0,\"name\":\"sleep(1)\"}\n";
    size_t n = rt_trace_format_event(&e, buf, sizeof buf);
    assert_int_equal(n, strlen(want));
    assert_string_equal(buf, want);
    /* Too small: truncated, NUL-terminated, full length returned. */
    char small[10];
    assert_int_equal(rt_trace_format_event(&e, small, sizeof small), strlen(want));
    assert_int_equal(strlen(small), 9);
    assert_memory_equal(small, want, 9);
}

/* A random string for the comparison below: empty, short names, every
 * byte that needs escaping, UTF-8, and now and then one longer than the
 * writer's buffer (64 KiB), which takes the writer's slow way. */
static const char *random_string(uint64_t *seed, char *buf, size_t size)
{
    *seed = *seed * 6364136223846793005ULL + 1442695040888963407ULL;
    unsigned r = (unsigned)(*seed >> 33);
    switch (r % 8) {
    case 0: return NULL;
    case 1: return "";
    case 2: return "Task-17";
    case 3: return "a \"q\" \\ \n\t\x01\x1f h\xc3\xa9 \x7f";
    default: break;
    }
    size_t n = r % 7 == 0 ? 70000 + r % 5000 : r % 40;
    if (n >= size)
        n = size - 1;
    for (size_t i = 0; i < n; i++) {
        *seed = *seed * 6364136223846793005ULL + 1442695040888963407ULL;
        unsigned char c = (unsigned char)(*seed >> 40);
        buf[i] = (char)(c ? c : 'x');
    }
    buf[n] = '\0';
    return buf;
}

/* A coherent-looking stream for version 2's defaults: tasks created with
 * their first step, stepping (mostly from the handle queued for them, at
 * the position they suspended at), suspending on futures or yielding,
 * woken by handle.schedule, renamed, cancelled, printing; two loops; now
 * and then a task id beyond what the defaults track, a line or function
 * of 0 or "" where the task's position has one, and a func of equal text
 * at another address. Every value is one the reader accepts. Strings are
 * static or owned by `pool` (freed by the caller). */
typedef struct gen {
    uint64_t seed;
    uint64_t tasks, handles, futs;
    uint64_t pending[64]; /* task id -> a handle queued for it */
    double t;
    char **pool;          /* strings made for events, freed at the end */
    size_t npool, cappool;
} gen;

static uint64_t gen_rand(gen *g)
{
    g->seed = g->seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return g->seed >> 16;
}

static const char *gen_keep(gen *g, const char *s)
{
    if (g->npool == g->cappool) {
        g->cappool = g->cappool ? 2 * g->cappool : 1024;
        g->pool = realloc(g->pool, g->cappool * sizeof *g->pool);
    }
    return g->pool[g->npool++] = strdup(s);
}

static void gen_event(gen *g, size_t seq, rt_event *e)
{
    static const char *const funcs[] = {"main", "worker", "fetch", "<module>"};
    uint64_t r = gen_rand(g);
    memset(e, 0, sizeof *e);
    e->seq = seq;
    e->worker = -1;
    if (r % 9 == 0)
        g->t += (double)(r % 7) * 0.125;
    e->t = g->t;
    e->loop = (r >> 8) % 10 == 0 ? 2 : (r >> 8) % 37 == 0 ? 0 : 1;
    uint64_t task = g->tasks ? 1 + (r >> 12) % g->tasks : 0;
    if ((r >> 20) % 97 == 0)
        task = seq + 5000; /* beyond what the defaults track */
    e->task = task;
    e->line = (r >> 24) % 11 == 0 ? 0 : (int)(10 + (r >> 28) % 4);
    int f = (int)((r >> 32) % 13);
    e->func = f < 4 ? funcs[f] : f < 10 ? funcs[0] : f == 10 ? NULL : f == 11 ? "" :
              gen_keep(g, funcs[1]); /* equal text, another address */
    switch ((r >> 40) % 11) {
    case 0:
        e->kind = RT_EV_TASK_CREATE;
        e->task = ++g->tasks;
        e->handle = ++g->handles;
        e->peer = task;
        e->name = gen_keep(g, "Task-x");
        if (g->tasks < 64)
            g->pending[g->tasks] = e->handle;
        break;
    case 1: case 2: case 3:
        e->kind = RT_EV_TASK_STEP;
        e->handle = task < 64 && (r >> 44) % 5 ? g->pending[task] : (r >> 44) % 100;
        if ((r >> 50) % 13 == 0) {
            e->type = "CancelledError";
            e->text = (r >> 54) % 2 ? "why" : NULL;
        }
        break;
    case 4: case 5: case 6:
        e->kind = RT_EV_TASK_SUSPEND;
        if ((r >> 44) % 3) {
            e->kind2 = RT_ROLE_YIELD;
            e->handle = (r >> 46) % 17 ? ++g->handles : 0;
            if (task < 64)
                g->pending[task] = e->handle;
        } else {
            e->kind2 = (r >> 46) % 2 ? RT_ROLE_SLEEP : RT_ROLE_TASK;
            if (e->kind2 == RT_ROLE_TASK)
                e->peer = 1;
            else
                e->future = ++g->futs;
            e->name = e->kind2 == RT_ROLE_SLEEP ? "sleep(1)" : NULL;
        }
        break;
    case 7:
        e->kind = RT_EV_HANDLE_SCHEDULE;
        e->handle = ++g->handles;
        e->kind2 = (r >> 44) % 3 ? RT_HANDLE_WAKEUP : RT_HANDLE_CALLBACK;
        e->name = e->kind2 == RT_HANDLE_CALLBACK ? "cb" : NULL;
        if (e->kind2 == RT_HANDLE_CALLBACK)
            e->task = 0;
        else if (task < 64)
            g->pending[task] = e->handle;
        break;
    case 8:
        e->kind = RT_EV_TASK_CANCEL_DELIVER;
        break;
    case 9:
        e->kind = (r >> 44) % 2 ? RT_EV_OUTPUT : RT_EV_LOOP_ITERATION;
        e->text = "line\n";
        e->name = "stdout";
        e->n = (int64_t)seq;
        break;
    default:
        e->kind = (r >> 44) % 2 ? RT_EV_TASK_RENAME : RT_EV_TIMER_ARM;
        e->name = "renamed";
        e->handle = ++g->handles;
        e->when = g->t + 1;
        break;
    }
    if (!e->task && (e->kind == RT_EV_TASK_STEP || e->kind == RT_EV_TASK_SUSPEND ||
                     e->kind == RT_EV_TASK_CANCEL_DELIVER || e->kind == RT_EV_TASK_RENAME))
        e->kind = RT_EV_LOOP_ITERATION;
}

static void gen_free(gen *g)
{
    for (size_t i = 0; i < g->npool; i++)
        free(g->pool[i]);
    free(g->pool);
}

/* The writer formats straight into its buffer by fast paths of its own
 * (the general one, and one for the two events of a task step); their
 * lines must be byte for byte those of the reference formatter (a writer
 * with `reference` set), for every kind and every shape of field, and in
 * every context of version 2's defaults: random events (strings with
 * every byte that needs escaping, UTF-8, some longer than the writer's
 * buffer), then a coherent stream where the defaults apply. */
static void test_writer_matches_format(void **state)
{
    (void)state;
    enum { N = 20000, M = 30000, BIG = 80000 };
    static const double floats[] = {0.0, -0.0, 1e-05, 0.1, 0.30000000000000004, 2.0,
                                    1e16, 123456.789, -3.5, 1e300, NAN, INFINITY};
    static char sbuf[BIG];
    char *text[2] = {NULL, NULL};
    size_t len[2] = {0, 0};
    FILE *f[2];
    rt_trace_writer w[2];
    for (int k = 0; k < 2; k++) {
        f[k] = open_memstream(&text[k], &len[k]);
        assert_int_equal(rt_trace_writer_open(&w[k], f[k], RT_TRACE_JSONL, "x.py", "", 0,
                                              RT_CLOCK_VIRTUAL), 0);
        w[k].reference = k == 1;
    }
    uint64_t seed = 42;
    char *strs[4];
    for (size_t i = 0; i < N; i++) {
        rt_event e;
        memset(&e, 0, sizeof e);
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        uint64_t r = seed >> 16;
        e.kind = (rt_event_kind)(r % (RT_EV__COUNT - 1)); /* not run.end */
        e.seq = i * (r % 3 == 0 ? 1000003 : 1);
        e.t = floats[(r >> 8) % 12];
        e.when = floats[(r >> 12) % 12];
        e.loop = (r >> 16) % 3;
        e.task = (r >> 18) % 5 == 0 ? UINT64_MAX : (r >> 20) % 100000;
        e.future = (r >> 22) % 1000;
        e.handle = (r >> 24) % 10000000;
        e.job = (r >> 26) % 4;
        e.executor = (r >> 28) % 2;
        e.peer = (r >> 30) % 7;
        e.worker = (int)((r >> 32) % 4) - 1;
        e.line = (int)((r >> 34) % 2000) - 3;
        e.kind2 = (int)((r >> 40) % 12) - 1; /* some out of range */
        e.n = (r >> 44) % 4 == 0 ? INT64_MIN : (int64_t)((r >> 46) % 100000) - 50;
        /* Each string at an address of its own, as the runtime's are. */
        for (int k = 0; k < 4; k++) {
            const char *v = random_string(&seed, sbuf, BIG);
            strs[k] = v ? strdup(v) : NULL;
        }
        e.func = strs[0];
        e.name = strs[1];
        e.type = strs[2];
        e.text = strs[3];
        rt_trace_writer_event(&w[0], &e);
        rt_trace_writer_event(&w[1], &e);
        for (int k = 0; k < 4; k++)
            free(strs[k]);
    }
    gen g = {.seed = 7};
    for (size_t i = 0; i < M; i++) {
        rt_event e;
        gen_event(&g, (size_t)N * 1000003 + i, &e);
        rt_trace_writer_event(&w[0], &e);
        rt_trace_writer_event(&w[1], &e);
    }
    gen_free(&g);
    for (int k = 0; k < 2; k++) {
        assert_int_equal(rt_trace_writer_close(&w[k], 0, "ok"), 0);
        fclose(f[k]);
    }
    /* Compare line by line, to name the first difference. */
    const char *a = text[0], *b = text[1];
    for (size_t line = 1; *a || *b; line++) {
        const char *ea = strchr(a, '\n'), *eb = strchr(b, '\n');
        assert_non_null(ea);
        assert_non_null(eb);
        if (ea - a != eb - b || memcmp(a, b, (size_t)(ea - a)) != 0)
            fail_msg("line %zu differs:\n fast %.200s\n  ref %.200s", line, a, b);
        a = ea + 1;
        b = eb + 1;
    }
    assert_true(len[0] == len[1]);
    free(text[0]);
    free(text[1]);
}

/* Version 2's defaults leave keys out (test_v2_format pins which); the
 * reader puts every value back. A coherent stream written and read again
 * gives the same events as the stream kept in memory, and the trace read
 * writes out to the same bytes. */
static void test_v2_roundtrip(void **state)
{
    (void)state;
    enum { N = 50000 };
    rt_trace *mem = rt_trace_new("x.py", "pass\n", 5, RT_CLOCK_VIRTUAL);
    assert_non_null(mem);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    rt_trace_writer w;
    assert_int_equal(rt_trace_writer_open(&w, f, RT_TRACE_JSONL, "x.py", "pass\n", 5,
                                          RT_CLOCK_VIRTUAL), 0);
    gen g = {.seed = 99};
    for (size_t i = 0; i < N; i++) {
        rt_event e;
        gen_event(&g, i, &e);
        rt_trace_writer_event(&w, &e);
        assert_int_equal(rt_trace_append(mem, &e), 0);
    }
    rt_event end = {.kind = RT_EV_RUN_END, .seq = N, .t = g.t, .worker = -1, .text = "ok"};
    rt_trace_writer_event(&w, &end);
    assert_int_equal(rt_trace_append(mem, &end), 0);
    gen_free(&g);
    assert_int_equal(rt_trace_writer_close(&w, 0, "ok"), 0);
    fclose(f);
    rt_trace *tr;
    rt_trace_error err;
    int rc = rt_trace_parse(text, len, "v2.jsonl", 0, &tr, &err);
    if (rc)
        fail_msg("%s:%d:%d: %s", err.file, err.line, err.col, err.message);
    assert_int_equal(tr->version, 2);
    assert_int_equal(rt_trace_compare(mem, tr, stderr), 0);
    /* Written again, byte for byte. */
    char *again = NULL;
    size_t alen = 0;
    f = open_memstream(&again, &alen);
    assert_int_equal(rt_trace_export(tr, f, RT_TRACE_JSONL), 0);
    fclose(f);
    assert_int_equal(alen, len);
    assert_memory_equal(again, text, len);
    /* Version 2 is smaller: some keys were left out. */
    assert_non_null(strstr(text, "\"ev\":\"task.step\",\"task\":"));
    free(again);
    free(text);
    rt_trace_free(tr);
    rt_trace_free(mem);
}

/* What version 2 leaves out, line by line: the loop of the event before,
 * the task's position on its step and suspend, the handle queued for it on
 * its step, and the role of a yield that names its step; what it keeps
 * though zero; and a version 1 trace written back as version 1. */
static void test_v2_format(void **state)
{
    (void)state;
    rt_event evs[] = {
        {.kind = RT_EV_LOOP_CREATE, .loop = 1},
        {.kind = RT_EV_TASK_CREATE, .loop = 1, .task = 1, .handle = 1, .line = 3,
         .func = "main", .name = "Task-1"},
        {.kind = RT_EV_TASK_STEP, .loop = 1, .task = 1, .handle = 1, .line = 3,
         .func = "main"},
        {.kind = RT_EV_TASK_SUSPEND, .loop = 1, .task = 1, .handle = 2, .line = 5,
         .func = "main", .kind2 = RT_ROLE_YIELD},
        {.kind = RT_EV_TASK_STEP, .loop = 1, .task = 1, .handle = 2, .line = 5,
         .func = "main"},
        {.kind = RT_EV_TASK_SUSPEND, .loop = 1, .task = 1, .future = 1, .line = 5,
         .func = "helper", .kind2 = RT_ROLE_SLEEP, .name = "sleep(1)"},
        {.kind = RT_EV_HANDLE_SCHEDULE, .loop = 2, .task = 1, .handle = 3,
         .kind2 = RT_HANDLE_WAKEUP},
        {.kind = RT_EV_TASK_STEP, .loop = 2, .task = 1, .handle = 3, .line = 0,
         .func = NULL, .type = "CancelledError"},
        {.kind = RT_EV_TASK_CANCEL_DELIVER, .loop = 0, .task = 1, .line = 0},
    };
    const char *want[] = {
        "{\"seq\":0,\"t\":0.0,\"ev\":\"loop.create\",\"loop\":1}",
        "{\"seq\":1,\"t\":0.0,\"ev\":\"task.create\",\"task\":1,\"handle\":1,\"line\":3,"
        "\"func\":\"main\",\"name\":\"Task-1\"}",
        "{\"seq\":2,\"t\":0.0,\"ev\":\"task.step\",\"task\":1}",
        "{\"seq\":3,\"t\":0.0,\"ev\":\"task.suspend\",\"task\":1,\"handle\":2,\"line\":5}",
        "{\"seq\":4,\"t\":0.0,\"ev\":\"task.step\",\"task\":1}",
        "{\"seq\":5,\"t\":0.0,\"ev\":\"task.suspend\",\"task\":1,\"fut\":1,\"func\":\"helper\","
        "\"role\":\"sleep\",\"name\":\"sleep(1)\"}",
        "{\"seq\":6,\"t\":0.0,\"ev\":\"handle.schedule\",\"loop\":2,\"task\":1,\"handle\":3,"
        "\"hkind\":\"wakeup\"}",
        "{\"seq\":7,\"t\":0.0,\"ev\":\"task.step\",\"task\":1,\"line\":0,\"func\":\"\","
        "\"type\":\"CancelledError\"}",
        "{\"seq\":8,\"t\":0.0,\"ev\":\"task.cancel_deliver\",\"loop\":0,\"task\":1}",
    };
    enum { N = sizeof evs / sizeof evs[0] };
    for (int version = 1; version <= 2; version++) {
        /* Version 1: a trace read from a version 1 file, written back. */
        rt_trace *tr = rt_trace_new("x.py", "", 0, RT_CLOCK_VIRTUAL);
        tr->version = version;
        for (size_t i = 0; i < N; i++) {
            evs[i].seq = i;
            evs[i].worker = -1;
            assert_int_equal(rt_trace_append(tr, &evs[i]), 0);
        }
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        assert_int_equal(rt_trace_export(tr, f, RT_TRACE_JSONL), 0);
        fclose(f);
        char head[64];
        snprintf(head, sizeof head, "{\"format\":\"loopscope-trace\",\"version\":%d,", version);
        assert_true(strncmp(text, head, strlen(head)) == 0);
        const char *p = strchr(text, '\n') + 1;
        for (size_t i = 0; i < N; i++) {
            char line[512];
            if (version == 2) {
                snprintf(line, sizeof line, "%s\n", want[i]);
            } else {
                rt_trace_format_event(&tr->events[i], line, sizeof line);
            }
            if (strncmp(p, line, strlen(line)) != 0)
                fail_msg("version %d, event %zu:\n got %.200s\nwant %s", version, i, p, line);
            p += strlen(line);
        }
        /* Read back: every value is there again. */
        rt_trace *back;
        rt_trace_error err;
        int rc = rt_trace_parse(text, len, "v.jsonl", RT_TRACE_LENIENT, &back, &err);
        if (rc)
            fail_msg("%s:%d: %s", err.file, err.line, err.message);
        assert_int_equal(back->version, version);
        assert_int_equal(rt_trace_compare(tr, back, stderr), 0);
        assert_int_equal(back->events[2].handle, 1);
        assert_int_equal(back->events[4].line, 5);
        assert_string_equal(back->events[4].func, "main");
        assert_int_equal(back->events[3].kind2, RT_ROLE_YIELD);
        assert_int_equal(back->events[7].loop, 2);
        assert_int_equal(back->events[8].loop, 0);
        rt_trace_free(back);
        rt_trace_free(tr);
        free(text);
    }
}

/* ------------------------------------------------------------------------ */
/* The reader's errors                                                      */
/* ------------------------------------------------------------------------ */

static char *header_line(int version, const char *source)
{
    static char buf[512];
    char sha[65];
    rt_sha256_hex(source, strlen(source), sha);
    snprintf(buf, sizeof buf,
             "{\"format\":\"loopscope-trace\",\"version\":%d,\"scenario\":\"x.py\","
             "\"sha256\":\"%s\",\"clock\":\"virtual\",\"source\":\"x = 1\\n\"}\n",
             version, sha);
    return buf;
}

#define EV0 "{\"seq\":0,\"t\":0.0,\"ev\":\"loop.create\",\"loop\":1}\n"
#define END1 "{\"seq\":1,\"t\":0.0,\"ev\":\"run.end\",\"text\":\"ok\"}\n"

static void expect_error(const char *body, int with_header, int line, const char *message)
{
    char text[2048];
    snprintf(text, sizeof text, "%s%s", with_header ? header_line(1, "x = 1\n") : "", body);
    rt_trace *tr = (rt_trace *)1;
    rt_trace_error err;
    int rc = rt_trace_parse(text, strlen(text), "bad.jsonl", 0, &tr, &err);
    if (rc == 0)
        fail_msg("accepted: %s", body);
    assert_int_equal(rc, RT_EFORMAT);
    assert_null(tr);
    if (err.line != line || !strstr(err.message, message))
        fail_msg("for %s\n got %d: %s\nwant %d: %s", body, err.line, err.message, line,
                 message);
    assert_string_equal(err.file, "bad.jsonl");
}

/* Errors inside an event name the column: of the bad character for JSON
 * syntax, of the key for a bad member, 1 for what the event lacks. */
static void expect_column(const char *body, int col, const char *printed)
{
    char text[2048];
    snprintf(text, sizeof text, "%s%s", header_line(1, "x = 1\n"), body);
    rt_trace *tr = (rt_trace *)1;
    rt_trace_error err;
    assert_int_equal(rt_trace_parse(text, strlen(text), "bad.jsonl", 0, &tr, &err),
                     RT_EFORMAT);
    if (err.col != col)
        fail_msg("for %s\n got column %d (%s), want %d", body, err.col, err.message, col);
    char out[512] = "";
    FILE *f = fmemopen(out, sizeof out, "w");
    assert_non_null(f);
    rt_trace_error_print(&err, f);
    fclose(f);
    if (strncmp(out, printed, strlen(printed)) != 0)
        fail_msg("printed %s, want it to start with %s", out, printed);
}

static void test_reader_error_columns(void **state)
{
    (void)state;
    expect_column("{\"seq\":0,\"t\":0.0,\"ev\":\"loop.create\",}\n" END1, 37,
                  "bad.jsonl:2:37: bad JSON");
    expect_column("{\"seq\":0,\"t\":0.0,\"ev\":\"loop.explode\"}\n" END1, 18,
                  "bad.jsonl:2:18: unknown event kind");
    expect_column("{\"seq\":0,\"t\":0.0,\"ev\":\"loop.create\",\"zz\":1}\n" END1, 37,
                  "bad.jsonl:2:37: unknown key 'zz'");
    expect_column("{\"t\":0.0,\"ev\":\"loop.create\",\"loop\":1}\n" END1, 1,
                  "bad.jsonl:2:1: the event has no 'seq'");
    expect_column(EV0 "{\"seq\":1,\"t\":0.0,\"ev\":\"run.end\",\"text\":\"a\\x\"}\n", 42,
                  "bad.jsonl:3:42: bad escape");
}

static void test_reader_errors(void **state)
{
    (void)state;
    expect_error("", 0, 0, "empty file: not a loopscope trace");
    expect_error("garbage\n", 0, 1, "not a loopscope trace");
    expect_error("{\"format\":\"other\",\"version\":1}\n", 0, 1, "not a loopscope trace");
    expect_error(EV0, 1, 2, "trace is incomplete: no run.end event (was the run cut short?)");
    expect_error(EV0 "{\"seq\":1,\"t\":0.0,\"ev\":\"loop.cre", 1, 3,
                 "truncated last line: the file ends in the middle of an event");
    expect_error("{\"seq\":0,\"t\":0.0,\"ev\":\"loop.create\",\"loop\":\"1\"}\n" END1, 1, 2,
                 "key 'loop' must be a non-negative integer");
    expect_error("{\"seq\":0,\"t\":0.0,\"ev\":\"loop.explode\"}\n" END1, 1, 2,
                 "unknown event kind 'loop.explode'");
    expect_error(EV0 "{\"seq\":2,\"t\":0.0,\"ev\":\"run.end\"}\n", 1, 3,
                 "seq gap: expected seq 1, found 2");
    expect_error("{\"seq\":0,\"t\":0.0,\"ev\":\"loop.create\",}\n" END1, 1, 2, "bad JSON");
    expect_error("{\"seq\":0,\"t\":0.0,\"ev\":\"loop.create\" \"loop\":1}\n" END1, 1, 2,
                 "bad JSON: expected ',' or '}'");
    expect_error("{\"seq\":0,\"t\":0.0,\"ev\":\"loop.create\",\"when\":1.0}\n" END1, 1, 2,
                 "key 'when' does not belong to a loop.create event");
    expect_error("{\"seq\":0,\"t\":0.0,\"ev\":\"handle.run\",\"role\":\"step\"}\n" END1, 1, 2,
                 "key 'role' does not belong to a handle.run event (it uses 'hkind')");
    expect_error("{\"seq\":0,\"t\":0.0,\"ev\":\"handle.run\",\"hkind\":\"zzz\"}\n" END1, 1, 2,
                 "unknown hkind 'zzz'");
    expect_error("{\"seq\":0,\"t\":0.0,\"ev\":\"handle.run\"}\n" END1, 1, 2,
                 "a handle.run event needs the key 'hkind'");
    expect_error(EV0 END1 "{\"seq\":2,\"t\":0.0,\"ev\":\"loop.create\",\"loop\":1}\n", 1, 4,
                 "event after run.end");
    expect_error(EV0 "\n" END1, 1, 3, "blank line");
    expect_error("{\"seq\":0,\"t\":2.0,\"ev\":\"loop.create\",\"loop\":1}\n"
                 "{\"seq\":1,\"t\":1.5,\"ev\":\"run.end\"}\n",
                 1, 3, "time goes backwards: t=1.5 after t=2.0");
    expect_error("{\"seq\":0,\"t\":0.0,\"ev\":\"output\",\"text\":{\"a\":1}}\n" END1, 1, 2,
                 "unexpected '{': trace values are numbers or strings");
    expect_error("{\"seq\":0,\"t\":0.0,\"ev\":\"output\",\"text\":\"\xff\"}\n" END1, 1, 2,
                 "invalid UTF-8 in a string");
    expect_error("{\"seq\":0,\"t\":0.0,\"ev\":\"output\",\"text\":\"\\ud800x\"}\n" END1, 1, 2,
                 "lone surrogate");
    expect_error("{\"seq\":0,\"t\":0.0,\"ev\":\"loop.create\",\"loop\":1,\"loop\":2}\n" END1, 1,
                 2, "key 'loop' appears twice");
    expect_error("{\"seq\":0,\"t\":0.0,\"ev\":\"loop.create\",\"line\":3}\n" END1, 1, 2,
                 "key 'line' does not belong");
    expect_error("{\"seq\":0,\"t\":0.0,\"ev\":\"warn\",\"line\":-3}\n" END1, 1, 2,
                 "key 'line' must be an integer");
    expect_error("{\"seq\":0,\"t\":\"0\",\"ev\":\"loop.create\"}\n" END1, 1, 2,
                 "key 't' must be a number");
    expect_error("{\"seq\":0,\"t\":0.0,\"ev\":\"output\",\"text\":\"a\x01\"}\n" END1, 1, 2,
                 "control character 0x01 in a string");
    expect_error("{\"seq\":0,\"t\":01,\"ev\":\"loop.create\"}\n" END1, 1, 2, "leading zero");
    expect_error("{\"seq\":0,\"t\":0.0}\n" END1, 1, 2, "the event has no 'ev'");

    /* A newer version and an edited source are refused in the header. */
    char text[1024];
    snprintf(text, sizeof text, "%s" EV0 END1, header_line(3, "x = 1\n"));
    rt_trace *tr;
    rt_trace_error err;
    assert_int_equal(rt_trace_parse(text, strlen(text), "new.jsonl", 0, &tr, &err), RT_EFORMAT);
    assert_int_equal(err.line, 1);
    assert_string_equal(err.message,
                        "trace version 3 is newer than this loopscope understands (2)");

    /* Version 2 may leave out the role of a yield that names its step, not
     * of any other task.suspend; version 1 never. */
    static const char *const no_role =
        "{\"seq\":0,\"t\":0.0,\"ev\":\"task.suspend\",\"task\":1,\"fut\":2}\n" END1;
    static const char *const yield =
        "{\"seq\":0,\"t\":0.0,\"ev\":\"task.suspend\",\"task\":1,\"handle\":2}\n" END1;
    for (int version = 1; version <= 2; version++) {
        snprintf(text, sizeof text, "%s%s", header_line(version, "x = 1\n"), no_role);
        assert_int_equal(rt_trace_parse(text, strlen(text), "r.jsonl", 0, &tr, &err),
                         RT_EFORMAT);
        assert_int_equal(err.line, 2);
        assert_non_null(strstr(err.message, "needs the key 'role'"));
        snprintf(text, sizeof text, "%s%s", header_line(version, "x = 1\n"), yield);
        int rc = rt_trace_parse(text, strlen(text), "y.jsonl", 0, &tr, &err);
        if (version == 1) {
            assert_int_equal(rc, RT_EFORMAT);
        } else {
            assert_int_equal(rc, 0);
            assert_int_equal(tr->events[0].kind2, RT_ROLE_YIELD);
            assert_int_equal(tr->events[0].handle, 2);
            rt_trace_free(tr);
        }
    }
    snprintf(text, sizeof text, "%s" EV0 END1, header_line(1, "y = 2\n"));
    assert_int_equal(rt_trace_parse(text, strlen(text), "ed.jsonl", 0, &tr, &err), RT_EFORMAT);
    assert_non_null(strstr(err.message, "sha256 does not match"));

    /* The printed form is file:line: message. */
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    rt_trace_error_print(&err, f);
    fclose(f);
    assert_non_null(strstr(out, "ed.jsonl:1: the header's sha256"));
    free(out);

    /* A missing file. */
    assert_int_equal(rt_trace_read("/nonexistent/t.jsonl", 0, &tr, &err), RT_EIO);
    assert_int_equal(err.line, 0);
    assert_non_null(strstr(err.message, "cannot open"));
}

static void test_reader_lenient(void **state)
{
    (void)state;
    char text[1024];
    snprintf(text, sizeof text, "%s" EV0 "{\"seq\":1,\"t\":0.0,\"ev\":\"loop.ru",
             header_line(1, "x = 1\n"));
    rt_trace *tr;
    rt_trace_error err;
    assert_int_equal(rt_trace_parse(text, strlen(text), "cut.jsonl", RT_TRACE_LENIENT, &tr,
                                    &err), 0);
    assert_int_equal(tr->len, 1);
    assert_false(tr->complete);
    assert_string_equal(tr->source, "x = 1\n");
    assert_string_equal(tr->scenario, "x.py");
    rt_trace_free(tr);
    /* Accepted keys in any order, a missing final newline, \/ escapes. */
    snprintf(text, sizeof text,
             "%s{\"ev\":\"output\",\"text\":\"a\\/b \\u00e9\\ud83d\\ude00\",\"t\":0,\"seq\":0}\n"
             "{\"seq\":1,\"t\":0.0,\"ev\":\"run.end\"}",
             header_line(1, "x = 1\n"));
    assert_int_equal(rt_trace_parse(text, strlen(text), "ok.jsonl", 0, &tr, &err), 0);
    assert_string_equal(tr->events[0].text, "a/b \xc3\xa9\xf0\x9f\x98\x80");
    assert_true(tr->complete);
    rt_trace_free(tr);
}

/* ------------------------------------------------------------------------ */
/* Live traces and the golden compare                                       */
/* ------------------------------------------------------------------------ */

static void test_append(void **state)
{
    (void)state;
    rt_trace *tr = rt_trace_new("live.py", "pass\n", 5, RT_CLOCK_VIRTUAL);
    assert_non_null(tr);
    char name[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(name, sizeof name, "Task-%d", i + 1);
        rt_event e = {.kind = RT_EV_TASK_CREATE, .seq = 999, .task = (uint64_t)i + 1,
                      .name = name, .func = "f", .worker = -1};
        assert_int_equal(rt_trace_append(tr, &e), 0);
    }
    strcpy(name, "changed");
    assert_int_equal(tr->len, 5000);
    assert_int_equal(tr->events[4321].seq, 4321);
    assert_string_equal(tr->events[4321].name, "Task-4322");
    assert_false(tr->complete);
    rt_event end = {.kind = RT_EV_RUN_END};
    assert_int_equal(rt_trace_append(tr, &end), 0);
    assert_true(tr->complete);
    rt_trace_free(tr);
}

static void test_compare(void **state)
{
    (void)state;
    rt_trace *a, *b;
    rt_trace_error err;
    assert_int_equal(rt_trace_read(trace_path("two_tasks"), 0, &a, &err), 0);
    assert_int_equal(rt_trace_read(trace_path("two_tasks"), 0, &b, &err), 0);
    assert_int_equal(rt_trace_compare(a, b, NULL), 0);

    /* One key of one event changes: the report names it and shows both. */
    size_t k = 0;
    while (b->events[k].kind != RT_EV_TASK_SUSPEND || b->events[k].task != 2)
        k++;
    b->events[k].line = 9;
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    assert_int_equal(rt_trace_compare(a, b, f), 1);
    fclose(f);
    char want[200];
    snprintf(want, sizeof want, "first difference at event %zu (line %zu): 'line' is 4 in the "
                                "golden trace, 9 in this run", k, k + 2);
    assert_non_null(strstr(out, want));
    assert_non_null(strstr(out, "t=0.000  Task-2   task.suspend line 4 awaits sleep(1)"));
    assert_non_null(strstr(out, "t=0.000  Task-2   task.suspend line 9 awaits sleep(1)"));
    assert_non_null(strstr(out, ">> "));
    free(out);
    b->events[k].line = 4;

    /* A time that differs by one bit. */
    b->events[k + 5].t = nextafter(a->events[k + 5].t, 10.0);
    assert_int_equal(rt_trace_compare(a, b, NULL), 1);
    b->events[k + 5].t = a->events[k + 5].t;

    /* A shorter run. */
    b->len -= 3;
    out = NULL;
    f = open_memstream(&out, &len);
    assert_int_equal(rt_trace_compare(a, b, f), 1);
    fclose(f);
    assert_non_null(strstr(out, "(no more events)"));
    free(out);
    rt_trace_free(a);
    rt_trace_free(b);
}

/* ------------------------------------------------------------------------ */
/* Chrome export                                                            */
/* ------------------------------------------------------------------------ */

/* Version 2 traces of lessons (their goldens), exported too: their
 * tasks' steps have no handle.run, and awaited tasks are named by id. */
static const char *const GOLDEN_CHROME[] = {"03_tasks_create_task", "06_run_in_executor",
                                            "14_gather", "16_cancellation",
                                            "25_round_robin"};

static void test_chrome_export(void **state)
{
    (void)state;
    size_t ntraces = sizeof TRACES / sizeof TRACES[0];
    size_t ngolden = sizeof GOLDEN_CHROME / sizeof GOLDEN_CHROME[0];
    for (size_t i = 0; i < ntraces + ngolden; i++) {
        rt_trace *tr;
        rt_trace_error err;
        char in[4096];
        const char *stem = i < ntraces ? TRACES[i] : GOLDEN_CHROME[i - ntraces];
        if (i < ntraces)
            snprintf(in, sizeof in, "%s", trace_path(stem));
        else
            snprintf(in, sizeof in, "%s/tests/golden/%s.jsonl", LOOPSCOPE_SOURCE_DIR, stem);
        assert_int_equal(rt_trace_read(in, 0, &tr, &err), 0);
        char path[4096];
        snprintf(path, sizeof path, "%s/chrome_%s.json", out_dir(), stem);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        assert_int_equal(rt_trace_export(tr, f, RT_TRACE_CHROME), 0);
        fclose(f);
        size_t len = 0;
        char *text = slurp(path, &len);
        assert_true(len > 100);
        assert_int_equal(text[0], '{');
        assert_non_null(strstr(text, "\"traceEvents\":["));
        assert_non_null(strstr(text, "\"displayTimeUnit\":\"ms\""));
        assert_non_null(strstr(text, "\"thread_name\""));
        assert_non_null(strstr(text, "\"ph\":\"X\""));
        assert_true(strcmp(text + len - 4, "\n]}\n") == 0);
        /* Every trace where a task awaits something gets flow arrows. */
        if (strcmp(stem, "deadlock") != 0) {
            assert_non_null(strstr(text, "\"ph\":\"s\""));
            assert_non_null(strstr(text, "\"ph\":\"f\",\"bp\":\"e\"") ||
                            strstr(text, "\"bp\":\"e\""));
        }
        free(text);
        rt_trace_free(tr);
    }
}

/* ------------------------------------------------------------------------ */
/* Allocation failure                                                       */
/* ------------------------------------------------------------------------ */

static void test_alloc_failure(void **state)
{
    (void)state;
    size_t len = 0;
    char *text = slurp(trace_path("exception"), &len);
    assert_non_null(text);
    int ok = 0;
    for (long n = 0; n < 40; n++) {
        rt_trace *tr = NULL;
        rt_trace_error err;
        rt_alloc_fail_after(n);
        int rc = rt_trace_parse(text, len, "exception.jsonl", 0, &tr, &err);
        rt_alloc_fail_after(-1);
        if (rc == 0) {
            ok++;
            rt_trace_free(tr);
        } else {
            assert_int_equal(rc, RT_ENOMEM);
            assert_null(tr);
            assert_string_equal(err.message, "out of memory");
        }
    }
    assert_true(ok > 0);
    free(text);
    /* A version 2 trace: the defaults' task table may fail to grow too. */
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/golden/08_error_handling.jsonl", LOOPSCOPE_SOURCE_DIR);
    text = slurp(path, &len);
    assert_non_null(text);
    ok = 0;
    for (long n = 0; n < 60; n++) {
        rt_trace *tr = NULL;
        rt_trace_error err;
        rt_alloc_fail_after(n);
        int rc = rt_trace_parse(text, len, "08.jsonl", 0, &tr, &err);
        rt_alloc_fail_after(-1);
        if (rc == 0) {
            ok++;
            assert_int_equal(tr->version, 2);
            rt_trace_free(tr);
        } else {
            assert_int_equal(rc, RT_ENOMEM);
            assert_null(tr);
            assert_string_equal(err.message, "out of memory");
        }
    }
    assert_true(ok > 0);
    free(text);
    /* The writer fails cleanly too: at open (its buffer, its defaults'
     * state), or at close when the defaults' task table could not grow. */
    rt_trace_writer w;
    for (long n = 0; n < 2; n++) {
        rt_alloc_fail_after(n);
        assert_int_equal(rt_trace_writer_open(&w, stdout, RT_TRACE_JSONL, "a", "", 0,
                                              RT_CLOCK_VIRTUAL), RT_ENOMEM);
        rt_alloc_fail_after(-1);
    }
    FILE *f = fopen("/dev/null", "w");
    assert_int_equal(rt_trace_writer_open(&w, f, RT_TRACE_JSONL, "a", "", 0, RT_CLOCK_VIRTUAL),
                     0);
    rt_event e = {.kind = RT_EV_TASK_CREATE, .task = 1, .worker = -1, .func = "f"};
    rt_alloc_fail_after(0);
    rt_trace_writer_event(&w, &e);
    rt_alloc_fail_after(-1);
    assert_int_equal(rt_trace_writer_close(&w, 0, "ok"), RT_ENOMEM);
    fclose(f);
}

/* ------------------------------------------------------------------------ */
/* Speed                                                                    */
/* ------------------------------------------------------------------------ */

#ifdef NDEBUG
enum { CHECK_SPEED = 1 };
#else
enum { CHECK_SPEED = 0 }; /* sanitizer and debug builds only report */
#endif

static void test_write_speed(void **state)
{
    (void)state;
    rt_trace *tr;
    rt_trace_error err;
    assert_int_equal(rt_trace_read(trace_path("two_tasks"), 0, &tr, &err), 0);
    size_t n = CHECK_SPEED ? 2000000 : 200000;
    double best = 1e9;
    for (int round = 0; round < 3; round++) {
        FILE *f = fopen("/dev/null", "w");
        rt_trace_writer w;
        assert_int_equal(rt_trace_writer_open(&w, f, RT_TRACE_JSONL, "two_tasks.py",
                                              tr->source, tr->source_len, tr->clock), 0);
        double t0 = now_ms();
        for (size_t i = 0; i < n; i++) {
            rt_event e = tr->events[i % (tr->len - 1)];
            e.seq = i;
            e.t = (double)(i / 64) * 0.001;
            rt_trace_writer_event(&w, &e);
        }
        double ms = now_ms() - t0;
        assert_int_equal(rt_trace_writer_close(&w, 0, "ok"), 0);
        fclose(f);
        if (ms < best)
            best = ms;
    }
    double rate = n / (best / 1e3);
    print_message("trace writer: %.2f million events per second\n", rate / 1e6);
    rt_trace_free(tr);
}

static void test_read_speed(void **state)
{
    (void)state;
    char path[4096];
    snprintf(path, sizeof path, "%s/big.jsonl", out_dir());
    double best = 1e9;
    size_t events = 0;
    for (int round = 0; round < 3; round++) {
        rt_trace *tr;
        rt_trace_error err;
        double t0 = now_ms();
        int rc = rt_trace_read(path, 0, &tr, &err);
        double ms = now_ms() - t0;
        if (rc)
            fail_msg("%s:%d: %s", err.file, err.line, err.message);
        events = tr->len;
        rt_trace_free(tr);
        if (ms < best)
            best = ms;
    }
    print_message("trace reader: %zu events in %.1f ms\n", events, best);
    assert_true(events >= 100000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256),
        cmocka_unit_test(test_float_repr),
        cmocka_unit_test(test_writer),
        cmocka_unit_test(test_format_event),
        cmocka_unit_test(test_writer_matches_format),
        cmocka_unit_test(test_v2_format),
        cmocka_unit_test(test_v2_roundtrip),
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_reader_errors),
        cmocka_unit_test(test_reader_error_columns),
        cmocka_unit_test(test_reader_lenient),
        cmocka_unit_test(test_append),
        cmocka_unit_test(test_compare),
        cmocka_unit_test(test_chrome_export),
        cmocka_unit_test(test_alloc_failure),
        cmocka_unit_test(test_write_speed),
        cmocka_unit_test(test_read_speed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
