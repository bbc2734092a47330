/*
 * trace.c - the trace writer: one JSON Lines line per rt_event, in the
 * schema of docs/trace-format.md (version 2), fast enough to leave on for
 * every run.
 *
 * The writer is the world's event hook. Each event becomes one line built
 * in the writer's own 64 KiB buffer (no stdio call per event, and no
 * allocation but the defaults' task table growing now and then) with keys
 * in the documented order and only the keys its kind uses, less those
 * version 2's defaults leave out: the writer keeps the same small state a
 * reader keeps (the codec, below) and leaves a key out when the reader
 * will find its value there. Numbers are printed as Python prints floats:
 * the shortest digits that read back to the same double.
 *
 * Speed. A traced run writes a task step as two events, millions a
 * second, so the common lines are built from cached text rather than
 * formatted: `{"seq":N,"t":T` is kept from the line before (N + 1 is one
 * digit incremented in place, T rarely changes), the kind's key and value
 * are a fixed template, and the ids are cached digits incremented in place
 * (a trace names the same task twice in a row, or the next handle). The
 * two events of a task step whose defaults apply have a path of their own
 * (write_step_fast); every other event takes the general fast path; both
 * give the bytes of the simple reference formatter (write_event), which
 * test_trace checks.
 *
 * The Chrome exporter (trace_chrome.c) rides on the same writer and sink;
 * the reader, the in-memory trace and the golden compare live in
 * trace_read.c.
 */
#include <math.h>
#include <stdlib.h>

#include "trace_internal.h"

/* ------------------------------------------------------------------------ */
/* Names                                                                    */
/* ------------------------------------------------------------------------ */

static const char *const kind_names[RT_EV__COUNT] = {
#define KIND_NAME(name, text) text,
    RT_EVENT_KINDS(KIND_NAME)
#undef KIND_NAME
};

static const char *const hkind_names[] = {
#define HKIND_NAME(name, text) text,
    RT_HANDLE_KINDS(HKIND_NAME)
#undef HKIND_NAME
};

static const char *const role_names[] = {
#define ROLE_NAME(name, text) text,
    RT_FUTURE_ROLES(ROLE_NAME)
#undef ROLE_NAME
};

static const char *const state_names[] = {
#define STATE_NAME(name, text) text,
    RT_DONE_STATES(STATE_NAME)
#undef STATE_NAME
};

static const char *const phase_names[] = {"select", "timers", "ready"};

#define K(x) (1u << RT_TKEY_##x)

/* The keys of the two events of every task step, which the writer's fast
 * path formats with these sets as constants. */
#define KEYS_TASK_STEP (K(LOOP) | K(TASK) | K(HANDLE) | K(LINE) | K(FUNC) | K(TYPE) | K(TEXT))
#define KEYS_TASK_SUSPEND                                                    \
    (K(LOOP) | K(TASK) | K(FUT) | K(HANDLE) | K(PEER) | K(LINE) | K(FUNC) |  \
     K(KIND2) | K(NAME))

/* The keys of each kind, from the table in docs/trace-format.md. */
static const uint32_t kind_keys[RT_EV__COUNT] = {
    [RT_EV_LOOP_CREATE] = K(LOOP),
    [RT_EV_LOOP_RUN] = K(LOOP) | K(TEXT),
    [RT_EV_LOOP_ITERATION] = K(LOOP) | K(N),
    [RT_EV_LOOP_PHASE] = K(LOOP) | K(KIND2) | K(N) | K(WHEN),
    [RT_EV_LOOP_STOP] = K(LOOP),
    [RT_EV_LOOP_CLOSE] = K(LOOP),
    [RT_EV_LOOP_BLOCK] = K(LOOP) | K(TASK) | K(LINE) | K(FUNC) | K(WHEN) |
                         K(TEXT),
    [RT_EV_LOOP_DEADLOCK] = K(LOOP),
    [RT_EV_CLOCK_ADVANCE] = K(WHEN) | K(TEXT),
    [RT_EV_HANDLE_SCHEDULE] = K(LOOP) | K(TASK) | K(HANDLE) | K(PEER) |
                              K(KIND2) | K(NAME),
    [RT_EV_HANDLE_RUN] = K(LOOP) | K(TASK) | K(HANDLE) | K(KIND2) | K(NAME),
    [RT_EV_HANDLE_CANCEL] = K(LOOP) | K(HANDLE),
    [RT_EV_TIMER_ARM] = K(LOOP) | K(TASK) | K(FUT) | K(HANDLE) | K(WHEN) |
                        K(NAME),
    [RT_EV_TIMER_FIRE] = K(LOOP) | K(HANDLE) | K(WHEN),
    [RT_EV_TIMER_CANCEL] = K(LOOP) | K(HANDLE),
    [RT_EV_FUTURE_CREATE] = K(LOOP) | K(TASK) | K(FUT) | K(JOB) | K(KIND2) |
                            K(NAME),
    [RT_EV_FUTURE_DONE] = K(LOOP) | K(FUT) | K(KIND2) | K(TYPE) | K(TEXT),
    [RT_EV_TASK_CREATE] = K(LOOP) | K(TASK) | K(HANDLE) | K(PEER) | K(LINE) |
                          K(FUNC) | K(NAME),
    [RT_EV_TASK_STEP] = KEYS_TASK_STEP,
    [RT_EV_TASK_SUSPEND] = KEYS_TASK_SUSPEND,
    [RT_EV_TASK_DONE] = K(LOOP) | K(TASK) | K(KIND2) | K(TYPE) | K(TEXT),
    [RT_EV_TASK_CANCEL_REQUEST] = K(LOOP) | K(TASK) | K(PEER) | K(N) | K(TEXT),
    [RT_EV_TASK_CANCEL_DELIVER] = K(LOOP) | K(TASK) | K(LINE) | K(FUNC),
    [RT_EV_TASK_FREE] = K(TASK),
    [RT_EV_TASK_RENAME] = K(TASK) | K(NAME),
    [RT_EV_EXEC_CREATE] = K(EXECUTOR) | K(N) | K(NAME),
    [RT_EV_EXEC_THREAD] = K(EXECUTOR) | K(WORKER) | K(NAME),
    [RT_EV_EXEC_SUBMIT] = K(EXECUTOR) | K(JOB) | K(N) | K(NAME),
    [RT_EV_EXEC_START] = K(EXECUTOR) | K(JOB) | K(WORKER),
    [RT_EV_EXEC_BLOCK] = K(EXECUTOR) | K(JOB) | K(WORKER) | K(WHEN) | K(TEXT),
    [RT_EV_EXEC_WAKE] = K(EXECUTOR) | K(JOB) | K(WORKER),
    [RT_EV_EXEC_DONE] = K(EXECUTOR) | K(JOB) | K(WORKER) | K(KIND2) |
                        K(TYPE) | K(TEXT),
    [RT_EV_EXEC_SHUTDOWN] = K(EXECUTOR) | K(N),
    [RT_EV_EXC_RAISE] = K(TASK) | K(LINE) | K(FUNC) | K(TYPE) | K(TEXT),
    [RT_EV_EXC_PROPAGATE] = K(TASK) | K(PEER) | K(LINE) | K(FUNC) | K(NAME) |
                            K(TYPE),
    [RT_EV_EXC_CATCH] = K(TASK) | K(LINE) | K(FUNC) | K(TYPE),
    [RT_EV_EXC_UNHANDLED] = K(TASK) | K(TYPE) | K(TEXT),
    [RT_EV_EXC_HANDLER] = K(LOOP) | K(TASK) | K(FUT) | K(TYPE) | K(TEXT) |
                          K(NAME),
    [RT_EV_WARN] = K(LINE) | K(TYPE) | K(TEXT),
    [RT_EV_OUTPUT] = K(TASK) | K(LINE) | K(NAME) | K(TEXT),
    [RT_EV_RUN_END] = K(N) | K(TEXT),
};

#undef K

const char *rt_trace_kind_name(rt_event_kind kind)
{
    return (unsigned)kind < RT_EV__COUNT ? kind_names[kind] : NULL;
}

int rt_trace_kind_from_name(const char *name, size_t len)
{
    for (int k = 0; k < RT_EV__COUNT; k++)
        if (strlen(kind_names[k]) == len && memcmp(kind_names[k], name, len) == 0)
            return k;
    return -1;
}

uint32_t rt_trace_kind_keys(rt_event_kind kind)
{
    return (unsigned)kind < RT_EV__COUNT ? kind_keys[kind] : 0;
}

const char *rt_trace_kind2_key(rt_event_kind kind)
{
    switch (kind) {
    case RT_EV_HANDLE_SCHEDULE:
    case RT_EV_HANDLE_RUN:
        return "hkind";
    case RT_EV_FUTURE_CREATE:
    case RT_EV_TASK_SUSPEND:
        return "role";
    case RT_EV_LOOP_PHASE:
        return "phase";
    case RT_EV_FUTURE_DONE:
    case RT_EV_TASK_DONE:
    case RT_EV_EXEC_DONE:
        return "state";
    default:
        return NULL;
    }
}

const char *rt_trace_kind2_name(rt_event_kind kind, int kind2)
{
    const char *key = rt_trace_kind2_key(kind);
    if (!key || kind2 < 0)
        return NULL;
    switch (key[0]) {
    case 'h':
        return kind2 < RT_HANDLE__COUNT ? hkind_names[kind2] : NULL;
    case 'r':
        return kind2 < RT_ROLE__COUNT ? role_names[kind2] : NULL;
    case 'p':
        return kind2 < 3 ? phase_names[kind2] : NULL;
    default:
        return kind2 < RT_DONE__COUNT ? state_names[kind2] : NULL;
    }
}

/* ------------------------------------------------------------------------ */
/* The sink                                                                 */
/* ------------------------------------------------------------------------ */

void rt__sink_flush(rt__sink *s)
{
    if (s->out && s->len) {
        if (fwrite(s->buf, 1, s->len, s->out) != s->len && s->error && !*s->error)
            *s->error = RT_EIO;
        s->len = 0;
    }
}

void rt__sink_put_slow(rt__sink *s, const char *p, size_t n)
{
    s->total += n;
    while (n) {
        if (s->len == s->cap) {
            if (!s->out)
                return; /* a fixed buffer: count the rest, drop it */
            rt__sink_flush(s);
        }
        size_t room = s->cap - s->len;
        size_t k = n < room ? n : room;
        memcpy(s->buf + s->len, p, k);
        s->len += k;
        p += k;
        n -= k;
    }
}

void rt__sink_uint(rt__sink *s, uint64_t v)
{
    /* Two digits per division, from a table, right to left. */
    static const char pairs[201] =
        "00010203040506070809101112131415161718192021222324252627282930313233"
        "34353637383940414243444546474849505152535455565758596061626364656667"
        "6869707172737475767778798081828384858687888990919293949596979899";
    char tmp[24];
    char *p = tmp + sizeof tmp;
    while (v >= 100) {
        unsigned d = (unsigned)(v % 100) * 2;
        v /= 100;
        *--p = pairs[d + 1];
        *--p = pairs[d];
    }
    if (v >= 10) {
        *--p = pairs[v * 2 + 1];
        *--p = pairs[v * 2];
    } else {
        *--p = (char)('0' + v);
    }
    rt__sink_put(s, p, (size_t)(tmp + sizeof tmp - p));
}

void rt__sink_int(rt__sink *s, int64_t v)
{
    if (v < 0) {
        rt__sink_put(s, "-", 1);
        rt__sink_uint(s, (uint64_t)0 - (uint64_t)v);
    } else {
        rt__sink_uint(s, (uint64_t)v);
    }
}

void rt__sink_json_string(rt__sink *s, const char *str, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    rt__sink_put(s, "\"", 1);
    size_t run = 0; /* start of the current run of bytes kept as they are */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)str[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        rt__sink_put(s, str + run, i - run);
        run = i + 1;
        char esc[6] = {'\\', 0, '0', '0', 0, 0};
        size_t len = 2;
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default:
            esc[1] = 'u';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            len = 6;
        }
        rt__sink_put(s, esc, len);
    }
    rt__sink_put(s, str + run, n - run);
    rt__sink_put(s, "\"", 1);
}

/* ------------------------------------------------------------------------ */
/* Floats as Python prints them                                             */
/* ------------------------------------------------------------------------ */

size_t rt_trace_float_repr(double v, char *buf)
{
    if (isnan(v))
        return (size_t)(memcpy(buf, "nan", 4), 3);
    if (isinf(v)) {
        if (v > 0)
            return (size_t)(memcpy(buf, "inf", 4), 3);
        return (size_t)(memcpy(buf, "-inf", 5), 4);
    }
    if (v == 0) {
        if (signbit(v))
            return (size_t)(memcpy(buf, "-0.0", 5), 4);
        return (size_t)(memcpy(buf, "0.0", 4), 3);
    }
    /* Fast path: whole numbers below 1e16 print as "N.0". */
    if (fabs(v) < 1e16 && v == (double)(int64_t)v) {
        rt__sink s = {buf, 0, 30, NULL, NULL, 0};
        rt__sink_int(&s, (int64_t)v);
        rt__sink_put(&s, ".0", 2);
        buf[s.len] = '\0';
        return s.len;
    }
    /* The shortest of 15, 16 or 17 significant digits that reads back as
     * v. For a normal double the correctly rounded 15-digit form with its
     * trailing zeros stripped is the shortest whenever 15 or fewer digits
     * suffice: v lies within 1.1e-16 * |v| of that shorter decimal, closer
     * than half the 15-digit spacing (at least 5e-16 * |v|). */
    char tmp[40];
    /* Subnormals carry fewer digits: search those from one digit up. */
    for (int prec = fabs(v) < 2.2250738585072014e-308 ? 1 : 15; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec - 1, v);
        if (prec == 17 || strtod(tmp, NULL) == v)
            break;
    }
    /* tmp is "[-]d.ddde[+-]xx": collect the digits and the exponent. */
    char digits[24];
    int nd = 0;
    const char *p = tmp;
    bool neg = *p == '-';
    if (neg)
        p++;
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9')
            digits[nd++] = *p;
    int exp10 = atoi(p + 1);
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    size_t len = 0;
    if (neg)
        buf[len++] = '-';
    if (exp10 < -4 || exp10 >= 16) {
        /* Exponent notation: "1.5e-07", "1e+16". */
        buf[len++] = digits[0];
        if (nd > 1) {
            buf[len++] = '.';
            memcpy(buf + len, digits + 1, (size_t)nd - 1);
            len += (size_t)nd - 1;
        }
        len += (size_t)sprintf(buf + len, "e%c%02d", exp10 < 0 ? '-' : '+',
                               exp10 < 0 ? -exp10 : exp10);
        return len;
    }
    if (exp10 < 0) {
        /* "0.000123" */
        buf[len++] = '0';
        buf[len++] = '.';
        for (int i = 0; i < -exp10 - 1; i++)
            buf[len++] = '0';
        memcpy(buf + len, digits, (size_t)nd);
        len += (size_t)nd;
    } else {
        /* "123.45", "100.0" */
        for (int i = 0; i <= exp10; i++)
            buf[len++] = i < nd ? digits[i] : '0';
        buf[len++] = '.';
        if (nd > exp10 + 1) {
            memcpy(buf + len, digits + exp10 + 1, (size_t)(nd - exp10 - 1));
            len += (size_t)(nd - exp10 - 1);
        } else {
            buf[len++] = '0';
        }
    }
    buf[len] = '\0';
    return len;
}

typedef rt_trace_fcache fcache;

static void put_float(rt__sink *s, fcache *c, double v)
{
    /* Compare bits, not values, so that 0.0 and -0.0 stay apart. */
    if (!c->valid || memcmp(&c->v, &v, sizeof v) != 0) {
        c->len = (uint8_t)rt_trace_float_repr(v, c->s);
        c->v = v;
        c->valid = true;
    }
    rt__sink_put(s, c->s, c->len);
}

/* ------------------------------------------------------------------------ */
/* Version 2's defaults                                                     */
/* ------------------------------------------------------------------------ */

void rt__codec_init(rt__codec *c, int version, bool own_strings)
{
    memset(c, 0, sizeof *c);
    c->version = version;
    c->own_strings = own_strings;
}

void rt__codec_deinit(rt__codec *c)
{
    for (size_t i = 0; i < c->capnames; i++)
        rt_free(c->names[i]);
    rt_free(c->names);
    rt_free(c->tasks);
    memset(c, 0, sizeof *c);
}

rt__ctask *rt__codec_task(rt__codec *c, uint64_t id, uint64_t seq)
{
    if (!id || id > seq + RT__CODEC_SLACK)
        return NULL;
    if (id >= c->ntasks) {
        size_t want = c->ntasks ? c->ntasks : 64;
        while (want <= id)
            want *= 2;
        rt__ctask *p = rt_realloc(c->tasks, want * sizeof *p);
        if (!p) {
            c->oom = true;
            return NULL;
        }
        memset(p + c->ntasks, 0, (want - c->ntasks) * sizeof *p);
        c->tasks = p;
        c->ntasks = want;
    }
    return &c->tasks[id];
}

static uint64_t hash_name(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* The codec's lasting form of a function name: the writer's own copy, made
 * once per distinct name (a program has few functions), or the pointer
 * itself for the reader, whose strings live in the trace's arena. NULL
 * when out of memory (c->oom is set). */
static const char *keep_name(rt__codec *c, const char *s)
{
    if (!s || !c->own_strings)
        return s;
    if (c->nnames * 2 >= c->capnames) {
        size_t cap = c->capnames ? c->capnames * 2 : 64;
        char **fresh = rt_calloc(cap, sizeof *fresh);
        if (!fresh) {
            c->oom = true;
            return NULL;
        }
        for (size_t i = 0; i < c->capnames; i++) {
            if (!c->names[i])
                continue;
            size_t j = hash_name(c->names[i]) & (cap - 1);
            while (fresh[j])
                j = (j + 1) & (cap - 1);
            fresh[j] = c->names[i];
        }
        rt_free(c->names);
        c->names = fresh;
        c->capnames = cap;
    }
    size_t mask = c->capnames - 1, j = hash_name(s) & mask;
    while (c->names[j] && strcmp(c->names[j], s) != 0)
        j = (j + 1) & mask;
    if (!c->names[j]) {
        size_t n = strlen(s) + 1;
        char *copy = rt_malloc(n);
        if (!copy) {
            c->oom = true;
            return NULL;
        }
        memcpy(copy, s, n);
        c->names[j] = copy;
        c->nnames++;
    }
    return c->names[j];
}

static inline bool same_name(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

#define K(x) RT__KEY(x)

/* The writer's side of the defaults: updates the state with ev and
 * returns the keys to leave out although their values are not zero;
 * *force receives the keys to write although their values are zero
 * (`"line":0`, `"func":""`, `"loop":0`, `"handle":0`), because the reader
 * would assume another value. Version 1 leaves nothing out and forces
 * nothing. */
static inline uint32_t codec_encode(rt__codec *c, const rt_event *ev, uint32_t *force)
{
    uint32_t omit = 0, f = 0;
    *force = 0;
    if (c->version < 2 || (unsigned)ev->kind >= RT_EV__COUNT)
        return 0;
    if (kind_keys[ev->kind] & K(LOOP)) {
        if (ev->loop == c->loop) {
            omit |= K(LOOP);
        } else {
            f |= K(LOOP);
            c->loop = ev->loop;
        }
    }
    rt__ctask *t;
    switch (ev->kind) {
    case RT_EV_TASK_CREATE:
        if ((t = rt__codec_task(c, ev->task, ev->seq))) {
            t->handle = ev->handle;
            t->line = ev->line;
            t->raw = ev->func && *ev->func ? ev->func : NULL;
            t->func = keep_name(c, t->raw);
        }
        break;
    case RT_EV_HANDLE_SCHEDULE:
        if (ev->task && (ev->kind2 == RT_HANDLE_STEP || ev->kind2 == RT_HANDLE_WAKEUP) &&
            (t = rt__codec_task(c, ev->task, ev->seq)))
            t->handle = ev->handle;
        break;
    case RT_EV_TASK_STEP:
    case RT_EV_TASK_SUSPEND:
    case RT_EV_TASK_CANCEL_DELIVER: {
        /* "" is written as no function at all, so it is none here too. */
        const char *func = ev->func && *ev->func ? ev->func : NULL;
        t = rt__codec_task(c, ev->task, ev->seq);
        if (!t) {
            /* Not tracked: every key, as the reader assumes nothing. */
            f |= K(LINE) | K(FUNC) | (ev->kind == RT_EV_TASK_STEP ? K(HANDLE) : 0);
            break;
        }
        if (ev->line == t->line) {
            omit |= K(LINE);
        } else {
            f |= K(LINE);
            t->line = ev->line;
        }
        /* The same address is the same name: a position's function name
         * keeps its text for the whole run (see rt_event.func), so the
         * text is compared only when the address changes. */
        if (func == t->raw || same_name(func, t->func)) {
            omit |= K(FUNC);
        } else {
            f |= K(FUNC);
            t->func = keep_name(c, func);
        }
        t->raw = func;
        if (ev->kind == RT_EV_TASK_STEP) {
            if (ev->handle == t->handle)
                omit |= K(HANDLE);
            else
                f |= K(HANDLE);
            t->handle = 0;
        } else if (ev->kind == RT_EV_TASK_SUSPEND && ev->handle) {
            t->handle = ev->handle;
        }
        break;
    }
    default:
        break;
    }
    if (ev->kind == RT_EV_TASK_SUSPEND && ev->kind2 == RT_ROLE_YIELD && ev->handle)
        omit |= K(KIND2);
    *force = f;
    return omit;
}

const char *rt__codec_decode(rt__codec *c, rt_event *ev, uint32_t seen)
{
    if (c->version < 2 || (unsigned)ev->kind >= RT_EV__COUNT)
        return NULL;
    if (kind_keys[ev->kind] & K(LOOP)) {
        if (seen & K(LOOP))
            c->loop = ev->loop;
        else
            ev->loop = c->loop;
    }
    if (ev->kind == RT_EV_TASK_SUSPEND && !(seen & K(KIND2))) {
        if (!ev->handle)
            return "a task.suspend event needs the key 'role' (or the 'handle' of the step "
                   "a yield queues)";
        ev->kind2 = RT_ROLE_YIELD;
    }
    rt__ctask *t;
    switch (ev->kind) {
    case RT_EV_TASK_CREATE:
        if ((t = rt__codec_task(c, ev->task, ev->seq))) {
            t->handle = ev->handle;
            t->line = ev->line;
            t->func = ev->func;
        }
        break;
    case RT_EV_HANDLE_SCHEDULE:
        if (ev->task && (ev->kind2 == RT_HANDLE_STEP || ev->kind2 == RT_HANDLE_WAKEUP) &&
            (t = rt__codec_task(c, ev->task, ev->seq)))
            t->handle = ev->handle;
        break;
    case RT_EV_TASK_STEP:
    case RT_EV_TASK_SUSPEND:
    case RT_EV_TASK_CANCEL_DELIVER:
        if (!(t = rt__codec_task(c, ev->task, ev->seq)))
            break;
        if (!(seen & K(LINE)))
            ev->line = t->line;
        if (!(seen & K(FUNC)))
            ev->func = t->func;
        t->line = ev->line;
        t->func = ev->func;
        if (ev->kind == RT_EV_TASK_STEP) {
            if (!(seen & K(HANDLE)))
                ev->handle = t->handle;
            t->handle = 0;
        } else if (ev->kind == RT_EV_TASK_SUSPEND && ev->handle) {
            t->handle = ev->handle;
        }
        break;
    default:
        break;
    }
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* One event as one line                                                    */
/* ------------------------------------------------------------------------ */

/* Both formatters below write key x of ev when WANT(x, value) holds: the
 * value is not zero, or the defaults force it (`force`), and the defaults
 * do not leave it out (`omit`). */
#define WANT(x, nonzero) (!(omit & K(x)) && ((nonzero) || (force & K(x))))

static inline void put_key(rt__sink *s, const char *key, size_t len)
{
    rt__sink_put(s, key, len);
}

#define PUT_KEY(s, lit) put_key((s), lit, sizeof(lit) - 1)

/* Writes `key` and the JSON string v ("" for NULL). */
static inline void put_str_key(rt__sink *s, const char *key, size_t klen,
                               const char *v)
{
    put_key(s, key, klen);
    rt__sink_json_string(s, v ? v : "", v ? strlen(v) : 0);
}

static inline void put_id_key(rt__sink *s, const char *key, size_t klen,
                              uint64_t v)
{
    put_key(s, key, klen);
    rt__sink_uint(s, v);
}

/* The reference formatter: writes `ev` as one JSON Lines line with its
 * newline, leaving out the keys `omit` names and writing those `force`
 * names though zero (rt__codec_encode). c[0] caches the text of t, c[1]
 * that of when. Simple and slow; the writer's fast path must give the
 * same bytes. */
static void write_event(rt__sink *s, fcache *c, const rt_event *ev, uint32_t omit,
                        uint32_t force)
{
    uint32_t keys = rt_trace_kind_keys(ev->kind);
    const char *name = rt_trace_kind_name(ev->kind);
    PUT_KEY(s, "{\"seq\":");
    rt__sink_uint(s, ev->seq);
    PUT_KEY(s, ",\"t\":");
    put_float(s, &c[0], ev->t);
    PUT_KEY(s, ",\"ev\":\"");
    rt__sink_put(s, name ? name : "?", name ? strlen(name) : 1);
    rt__sink_put(s, "\"", 1);
#define HAS(x) (keys & K(x))
    if (HAS(LOOP) && WANT(LOOP, ev->loop))
        put_id_key(s, ",\"loop\":", 8, ev->loop);
    if (HAS(TASK) && WANT(TASK, ev->task))
        put_id_key(s, ",\"task\":", 8, ev->task);
    if (HAS(FUT) && WANT(FUT, ev->future))
        put_id_key(s, ",\"fut\":", 7, ev->future);
    if (HAS(HANDLE) && WANT(HANDLE, ev->handle))
        put_id_key(s, ",\"handle\":", 10, ev->handle);
    if (HAS(JOB) && WANT(JOB, ev->job))
        put_id_key(s, ",\"job\":", 7, ev->job);
    if (HAS(EXECUTOR) && WANT(EXECUTOR, ev->executor))
        put_id_key(s, ",\"executor\":", 12, ev->executor);
    if (HAS(WORKER) && ev->worker >= 0) {
        PUT_KEY(s, ",\"worker\":");
        rt__sink_int(s, ev->worker);
    }
    if (HAS(PEER) && WANT(PEER, ev->peer))
        put_id_key(s, ",\"peer\":", 8, ev->peer);
    if (HAS(LINE) && WANT(LINE, ev->line)) {
        PUT_KEY(s, ",\"line\":");
        rt__sink_int(s, ev->line);
    }
    if (HAS(FUNC) && WANT(FUNC, ev->func && *ev->func))
        put_str_key(s, ",\"func\":", 8, ev->func);
    if (HAS(KIND2) && !(omit & K(KIND2))) {
        const char *key = rt_trace_kind2_key(ev->kind);
        const char *v = rt_trace_kind2_name(ev->kind, ev->kind2);
        rt__sink_put(s, ",\"", 2);
        rt__sink_put(s, key, strlen(key));
        rt__sink_put(s, "\":", 2);
        rt__sink_json_string(s, v ? v : "?", v ? strlen(v) : 1);
    }
    if (HAS(N) && ev->n) {
        PUT_KEY(s, ",\"n\":");
        rt__sink_int(s, ev->n);
    }
    if (HAS(WHEN) && ev->when != 0) {
        PUT_KEY(s, ",\"when\":");
        put_float(s, &c[1], ev->when);
    }
    if (HAS(NAME) && ev->name && *ev->name)
        put_str_key(s, ",\"name\":", 8, ev->name);
    if (HAS(TYPE) && ev->type && *ev->type)
        put_str_key(s, ",\"type\":", 8, ev->type);
    if (HAS(TEXT) && ev->text && *ev->text)
        put_str_key(s, ",\"text\":", 8, ev->text);
#undef HAS
    rt__sink_put(s, "}\n", 2);
}

enum { WRITER_BUFFER = 64 * 1024 };

/* A sink over the writer's buffer, flushing into its FILE. */
static rt__sink writer_sink(rt_trace_writer *w)
{
    rt__sink s = {w->buf, w->len, w->cap, w->out, &w->error, 0};
    return s;
}

/* ------------------------------------------------------------------------ */
/* The writer's fast path                                                   */
/* ------------------------------------------------------------------------ */

/* The writer formats straight into its buffer through a bare pointer, with
 * one room check per event and one per string, instead of a checked sink
 * call per piece: at millions of events a second, the per-piece checks,
 * the strlen of constant keys and the copies through small memcpy calls
 * were most of the cost. The bytes are exactly those of write_event
 * (test_trace compares the two on many events), which stays the reference
 * and serves rt_trace_format_event and strings too long for the buffer.
 * Which keys to write comes from the defaults (rt__codec_encode), as for
 * the reference. */

/* ",\"ev\":\"loop.create\"" and so on: the kind with its key, built by the
 * compiler from the kind table. Each sits in a fixed-size array, so that
 * copying it is one fixed-size copy (the writer has the room); a name too
 * long for the array is a compiler warning. */
enum { KEYED_MAX = 48 };
static const char ev_keyed[RT_EV__COUNT][KEYED_MAX] = {
#define KIND_KEYED(name, text) ",\"ev\":\"" text "\"",
    RT_EVENT_KINDS(KIND_KEYED)
#undef KIND_KEYED
};

static const uint8_t ev_keyed_len[RT_EV__COUNT] = {
#define KIND_KEYED_LEN(name, text) sizeof(",\"ev\":\"" text "\"") - 1,
    RT_EVENT_KINDS(KIND_KEYED_LEN)
#undef KIND_KEYED_LEN
};

/* The sub-kinds with their keys: ",\"hkind\":\"step\"" and so on. */
typedef struct keyed {
    char s[KEYED_MAX];
    uint8_t len;
} keyed;

#define KEYED(key, text) {",\"" key "\":\"" text "\"", sizeof(",\"" key "\":\"" text "\"") - 1},
static const keyed hkind_keyed[] = {
#define HKIND_KEYED(name, text) KEYED("hkind", text)
    RT_HANDLE_KINDS(HKIND_KEYED)
#undef HKIND_KEYED
};
static const keyed role_keyed[] = {
#define ROLE_KEYED(name, text) KEYED("role", text)
    RT_FUTURE_ROLES(ROLE_KEYED)
#undef ROLE_KEYED
};
static const keyed state_keyed[] = {
#define STATE_KEYED(name, text) KEYED("state", text)
    RT_DONE_STATES(STATE_KEYED)
#undef STATE_KEYED
};
static const keyed phase_keyed[] = {
    KEYED("phase", "select") KEYED("phase", "timers") KEYED("phase", "ready")
};
#undef KEYED

/* The keyed sub-kind of ev, or NULL when its value has no name (then the
 * slow way writes "?"). */
static const keyed *kind2_keyed(const rt_event *ev)
{
    unsigned k = (unsigned)ev->kind2;
    switch (ev->kind) {
    case RT_EV_HANDLE_SCHEDULE:
    case RT_EV_HANDLE_RUN:
        return k < RT_HANDLE__COUNT ? &hkind_keyed[k] : NULL;
    case RT_EV_FUTURE_CREATE:
    case RT_EV_TASK_SUSPEND:
        return k < RT_ROLE__COUNT ? &role_keyed[k] : NULL;
    case RT_EV_LOOP_PHASE:
        return k < 3 ? &phase_keyed[k] : NULL;
    case RT_EV_FUTURE_DONE:
    case RT_EV_TASK_DONE:
    case RT_EV_EXEC_DONE:
        return k < RT_DONE__COUNT ? &state_keyed[k] : NULL;
    default:
        return NULL;
    }
}

/* Room that every fixed-size piece of an event fits in: the keys, up to
 * ten integers of at most 20 digits, two floats of at most 31 characters
 * and a sub-kind name (the longest is well under 32 bytes). */
enum { FAST_FIXED = 640 };

static const char digit_pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233"
    "34353637383940414243444546474849505152535455565758596061626364656667"
    "6869707172737475767778798081828384858687888990919293949596979899";

/* The number of decimal digits of v: most ids and counts are small, so
 * the comparisons come first. */
static inline int fast_digits(uint64_t v)
{
    if (v < 10)
        return 1;
    if (v < 100)
        return 2;
    if (v < 1000)
        return 3;
    if (v < 10000)
        return 4;
    if (v < 100000)
        return 5;
    if (v < 1000000)
        return 6;
    int n = 7;
    for (v /= 10000000; v; v /= 10)
        n++;
    return n;
}

/* Writes v in decimal at p, two digits at a time from the right; returns
 * the end. */
static inline char *fast_uint(char *p, uint64_t v)
{
    char *end = p + fast_digits(v);
    char *q = end;
    while (v >= 100) {
        unsigned d = (unsigned)(v % 100) * 2;
        v /= 100;
        q -= 2;
        memcpy(q, digit_pairs + d, 2);
    }
    if (v >= 10) {
        q -= 2;
        memcpy(q, digit_pairs + 2 * v, 2);
    } else {
        *--q = (char)('0' + v);
    }
    return end;
}

/* The decimal text of the last value written under one key, so that the
 * same value again, or the next one (ids are handed out in order, and a
 * trace often names the same task or the next handle), costs a copy and
 * at most a digit increment instead of a conversion. */
static void numcache_set(rt_trace_numcache *c, uint64_t v)
{
    if (c->len && v == c->v + 1) {
        char *d = c->s + c->len - 1;
        while (*d == '9' && d > c->s)
            *d-- = '0';
        if (*d != '9') {
            ++*d;
            c->v = v;
            return;
        }
        /* 99 -> 100: one digit more */
    }
    c->len = (uint8_t)(fast_uint(c->s, v) - c->s);
    c->v = v;
}

static inline __attribute__((always_inline)) char *
fast_uint_cached(char *p, rt_trace_numcache *c, uint64_t v)
{
    /* The next id, the usual case, increments its last digit after the
     * copy, in the copy and in the cache: a byte written just before a
     * 16-byte read of the same bytes would stall the read (no store
     * forwarding), as measured. */
    size_t len = c->len;
    char digit = len ? c->s[len - 1] : 0;
    bool next = v == c->v + 1 && len && digit != '9';
    if (!next && (v != c->v || !len)) {
        numcache_set(c, v);
        len = c->len;
    }
    memcpy(p, c->s, 16); /* fixed size: the room is there */
    if (len > 16)
        memcpy(p + 16, c->s + 16, sizeof c->s - 16);
    if (next) {
        p[len - 1] = (char)(digit + 1);
        c->s[len - 1] = (char)(digit + 1);
        c->v = v;
    }
    return p + len;
}

static inline char *fast_int(char *p, int64_t v)
{
    if (v < 0) {
        *p++ = '-';
        return fast_uint(p, (uint64_t)0 - (uint64_t)v);
    }
    return fast_uint(p, (uint64_t)v);
}

#define FAST_LIT(p, lit) (memcpy((p), lit, sizeof(lit) - 1), (p) + sizeof(lit) - 1)

static inline char *fast_float(char *p, fcache *c, double v)
{
    if (!c->valid || memcmp(&c->v, &v, sizeof v) != 0) {
        c->len = (uint8_t)rt_trace_float_repr(v, c->s);
        c->v = v;
        c->valid = true;
    }
    memcpy(p, c->s, sizeof c->s); /* a fixed-size copy; len bytes count */
    return p + c->len;
}

/* Bytes that a JSON string must escape: control characters, '"', '\\'. */
static const uint8_t needs_escape[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    ['"'] = 1, ['\\'] = 1,
};

/* Writes n bytes of str as a JSON string; the room (6n + 2) is there. */
static char *fast_jstr(char *p, const char *str, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    *p++ = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)str[i];
        if (!needs_escape[c]) {
            *p++ = (char)c;
            continue;
        }
        *p++ = '\\';
        switch (c) {
        case '"': *p++ = '"'; break;
        case '\\': *p++ = '\\'; break;
        case '\b': *p++ = 'b'; break;
        case '\f': *p++ = 'f'; break;
        case '\n': *p++ = 'n'; break;
        case '\r': *p++ = 'r'; break;
        case '\t': *p++ = 't'; break;
        default:
            *p++ = 'u';
            *p++ = '0';
            *p++ = '0';
            *p++ = hex[c >> 4];
            *p++ = hex[c & 15];
        }
    }
    *p++ = '"';
    return p;
}

/* Flushes the writer's buffer up to p; returns the buffer's start. */
static char *fast_flush(rt_trace_writer *w, char *p)
{
    rt__sink s = writer_sink(w);
    s.len = (size_t)(p - w->buf);
    rt__sink_flush(&s);
    return w->buf;
}

/* Writes a string field (key and value; NULL is "") with FAST_FIXED room
 * left after it; a string too long for the buffer goes through the sink in
 * pieces. */
static char *fast_str_field(rt_trace_writer *w, char *p, const char *key,
                            size_t klen, const char *v)
{
    if (!v)
        v = "";
    size_t n = strlen(v);
    size_t need = klen + 6 * n + 2 + FAST_FIXED;
    if ((size_t)(w->buf + w->cap - p) < need)
        p = fast_flush(w, p);
    memcpy(p, key, klen);
    p += klen;
    if (need <= w->cap)
        return fast_jstr(p, v, n);
    rt__sink s = writer_sink(w);
    s.len = (size_t)(p - w->buf);
    rt__sink_json_string(&s, v, n);
    rt__sink_flush(&s); /* leaves the whole buffer for what follows */
    return w->buf + s.len;
}

#define FAST_STR(w, p, lit, v)                                               \
    do {                                                                     \
        if ((v) && *(v))                                                     \
            (p) = fast_str_field((w), (p), lit, sizeof(lit) - 1, (v));       \
    } while (0)

/* An id key, written when WANT says so. */
#define FAST_ID(p, x, lit, v)                                                \
    do {                                                                     \
        if (WANT(x, v)) {                                                    \
            (p) = FAST_LIT((p), lit);                                        \
            (p) = fast_uint((p), (v));                                       \
        }                                                                    \
    } while (0)

/* The line's start, `{"seq":N,"t":T`, from the writer's prefix cache.
 * Events come with seq N+1 after N, and the clock rarely moves, so the
 * cached text usually needs one digit incremented in place (a carry now
 * and then) and is then copied whole: no number is formatted. A new digit
 * count, another seq or another t rebuilds it. */
static void prefix_set(rt_trace_writer *w, const rt_event *ev, uint64_t tbits)
{
    char *digits = w->prefix + 7; /* after {"seq": */
    bool fresh = w->prefix_len == 0 || ev->seq != w->prefix_seq + 1;
    if (!fresh) {
        char *d = digits + w->prefix_digits - 1;
        while (*d == '9' && d > digits)
            *d-- = '0';
        if (*d == '9')
            fresh = true; /* 99 -> 100: one digit more */
        else
            ++*d;
    }
    if (fresh || tbits != w->prefix_t) {
        char *q = w->prefix;
        memcpy(q, "{\"seq\":", 7);
        q = fast_uint(q + 7, ev->seq);
        w->prefix_digits = (uint8_t)(q - digits);
        memcpy(q, ",\"t\":", 5);
        q += 5;
        fcache *c = &w->fcache[0];
        if (!c->valid || memcmp(&c->v, &ev->t, sizeof c->v) != 0) {
            c->len = (uint8_t)rt_trace_float_repr(ev->t, c->s);
            c->v = ev->t;
            c->valid = true;
        }
        memcpy(q, c->s, c->len);
        w->prefix_len = (uint8_t)(q + c->len - w->prefix);
        w->prefix_t = tbits;
    }
    w->prefix_seq = ev->seq;
}

static inline __attribute__((always_inline)) char *
fast_prefix(rt_trace_writer *w, char *p, const rt_event *ev)
{
    uint64_t tbits;
    memcpy(&tbits, &ev->t, sizeof tbits);
    size_t last = 6 + (size_t)w->prefix_digits; /* N's last digit */
    char digit = w->prefix[last];
    size_t len = w->prefix_len;
    bool next = ev->seq == w->prefix_seq + 1 && tbits == w->prefix_t && digit != '9' && len;
    if (!next) {
        prefix_set(w, ev, tbits);
        len = w->prefix_len;
    }
    /* Fixed-size copies (the room is there): one for the usual length.
     * The usual case increments N after the copy, in both (see
     * fast_uint_cached). */
    memcpy(p, w->prefix, 32);
    if (len > 32)
        memcpy(p + 32, w->prefix + 32, sizeof w->prefix - 32);
    if (next) {
        p[last] = (char)(digit + 1);
        w->prefix[last] = (char)(digit + 1);
        w->prefix_seq = ev->seq;
    }
    return p + len;
}

/* The keys of ev after `ev`, for a key set `keys` that the callers below
 * pass as a constant where they can, so that the tests of absent keys go
 * away: the two events of a task step each get their own copy. */
static inline __attribute__((always_inline)) char *
fast_keys(rt_trace_writer *w, char *p, const rt_event *ev, uint32_t keys, uint32_t omit,
          uint32_t force)
{
#define HAS(x) (keys & K(x))
    if (HAS(LOOP))
        FAST_ID(p, LOOP, ",\"loop\":", ev->loop);
    if (HAS(TASK) && ev->task) {
        p = FAST_LIT(p, ",\"task\":");
        p = fast_uint_cached(p, &w->ntask, ev->task);
    }
    if (HAS(FUT))
        FAST_ID(p, FUT, ",\"fut\":", ev->future);
    if (HAS(HANDLE) && WANT(HANDLE, ev->handle)) {
        p = FAST_LIT(p, ",\"handle\":");
        p = fast_uint_cached(p, &w->nhandle, ev->handle);
    }
    if (HAS(JOB))
        FAST_ID(p, JOB, ",\"job\":", ev->job);
    if (HAS(EXECUTOR))
        FAST_ID(p, EXECUTOR, ",\"executor\":", ev->executor);
    if (HAS(WORKER) && ev->worker >= 0) {
        p = FAST_LIT(p, ",\"worker\":");
        p = fast_int(p, ev->worker);
    }
    if (HAS(PEER))
        FAST_ID(p, PEER, ",\"peer\":", ev->peer);
    if (HAS(LINE) && WANT(LINE, ev->line)) {
        p = FAST_LIT(p, ",\"line\":");
        p = fast_int(p, ev->line);
    }
    if (HAS(FUNC) && WANT(FUNC, ev->func && *ev->func))
        p = fast_str_field(w, p, ",\"func\":", 8, ev->func);
    if (HAS(KIND2) && !(omit & K(KIND2))) {
        const keyed *k = kind2_keyed(ev);
        if (k) {
            memcpy(p, k->s, KEYED_MAX);
            p += k->len;
        } else {
            const char *key = rt_trace_kind2_key(ev->kind);
            size_t klen = strlen(key);
            *p++ = ',';
            *p++ = '"';
            memcpy(p, key, klen);
            p += klen;
            p = FAST_LIT(p, "\":\"?\"");
        }
    }
    if (HAS(N) && ev->n) {
        p = FAST_LIT(p, ",\"n\":");
        p = fast_int(p, ev->n);
    }
    if (HAS(WHEN) && ev->when != 0) {
        p = FAST_LIT(p, ",\"when\":");
        p = fast_float(p, &w->fcache[1], ev->when);
    }
    if (HAS(NAME))
        FAST_STR(w, p, ",\"name\":", ev->name);
    if (HAS(TYPE))
        FAST_STR(w, p, ",\"type\":", ev->type);
    if (HAS(TEXT))
        FAST_STR(w, p, ",\"text\":", ev->text);
#undef HAS
    return p;
}

/* write_event into the writer's own buffer. */
static void write_event_fast(rt_trace_writer *w, const rt_event *ev, uint32_t omit,
                             uint32_t force)
{
    if ((unsigned)ev->kind >= RT_EV__COUNT) {
        rt__sink s = writer_sink(w);
        write_event(&s, w->fcache, ev, omit, force);
        w->prefix_len = 0; /* the reference wrote the prefix itself */
        w->len = s.len;
        return;
    }
    char *p = w->buf + w->len;
    if (w->cap - w->len < FAST_FIXED)
        p = fast_flush(w, p);
    p = fast_prefix(w, p, ev);
    memcpy(p, ev_keyed[ev->kind], KEYED_MAX);
    p += ev_keyed_len[ev->kind];
    switch (ev->kind) {
    case RT_EV_TASK_STEP:
        p = fast_keys(w, p, ev, KEYS_TASK_STEP, omit, force);
        break;
    case RT_EV_TASK_SUSPEND:
        p = fast_keys(w, p, ev, KEYS_TASK_SUSPEND, omit, force);
        break;
    default:
        p = fast_keys(w, p, ev, kind_keys[ev->kind], omit, force);
        break;
    }
    *p++ = '}';
    *p++ = '\n';
    w->len = (size_t)(p - w->buf);
}

/* The two events of every task step, when the defaults leave out all but
 * their task (and the step a yield queues): decided and written in one go,
 * with the codec's state at hand, instead of codec_encode and the general
 * fast path (the bytes are the same: test_trace compares them with the
 * reference). `{"seq":N,"t":T` is a copy, the kind a fixed template, the
 * ids cached text. Returns false when ev is not such an event: the
 * general way then writes it. */
static inline __attribute__((always_inline)) bool write_step_fast(rt_trace_writer *w,
                                                            const rt_event *ev)
{
    bool step = ev->kind == RT_EV_TASK_STEP;
    if (!step && ev->kind != RT_EV_TASK_SUSPEND)
        return false;
    rt__codec *c = w->codec;
    uint64_t id = ev->task;
    if (c->version < 2 || ev->loop != c->loop || !id || id >= c->ntasks ||
        id > ev->seq + RT__CODEC_SLACK)
        return false;
    rt__ctask *t = &c->tasks[id];
    if (ev->line != t->line || ev->func != t->raw)
        return false;
    if (step) {
        if (ev->handle != t->handle || ev->type || ev->text)
            return false;
        t->handle = 0;
    } else {
        if (ev->kind2 != RT_ROLE_YIELD || !ev->handle || ev->future || ev->peer ||
            ev->name)
            return false;
        t->handle = ev->handle;
    }
    char *p = w->buf + w->len;
    if (w->cap - w->len < FAST_FIXED)
        p = fast_flush(w, p);
    p = fast_prefix(w, p, ev);
    if (step) {
        static const char tmpl[32] = ",\"ev\":\"task.step\",\"task\":";
        memcpy(p, tmpl, sizeof tmpl);
        p += sizeof ",\"ev\":\"task.step\",\"task\":" - 1;
        p = fast_uint_cached(p, &w->ntask, id);
    } else {
        static const char tmpl[32] = ",\"ev\":\"task.suspend\",\"task\":";
        memcpy(p, tmpl, sizeof tmpl);
        p += sizeof ",\"ev\":\"task.suspend\",\"task\":" - 1;
        p = fast_uint_cached(p, &w->ntask, id);
        p = FAST_LIT(p, ",\"handle\":");
        p = fast_uint_cached(p, &w->nhandle, ev->handle);
    }
    memcpy(p, "}\n", 2);
    w->len = (size_t)(p + 2 - w->buf);
    return true;
}

size_t rt_trace_format_event(const rt_event *ev, char *buf, size_t size)
{
    rt__sink s = {buf, 0, size ? size - 1 : 0, NULL, NULL, 0};
    fcache c[2] = {{0}};
    write_event(&s, c, ev, 0, 0);
    if (size)
        buf[s.len] = '\0';
    return s.total;
}

#undef WANT
#undef K

/* ------------------------------------------------------------------------ */
/* The writer                                                               */
/* ------------------------------------------------------------------------ */

static void writer_free(rt_trace_writer *w)
{
    if (w->codec) {
        rt__codec_deinit(w->codec);
        rt_free(w->codec);
    }
    rt_free(w->buf);
    w->codec = NULL;
    w->buf = NULL;
    w->len = w->cap = 0;
}

int rt__writer_open(rt_trace_writer *w, FILE *out, rt_trace_format format,
                    const char *scenario, const char *source, size_t source_len,
                    rt_clock_mode clock, int version)
{
    memset(w, 0, sizeof *w);
    if (!out || (format != RT_TRACE_JSONL && format != RT_TRACE_CHROME) || version < 1 ||
        version > RT_TRACE_VERSION)
        return RT_EINVAL;
    w->buf = rt_malloc(WRITER_BUFFER);
    if (!w->buf)
        return RT_ENOMEM;
    w->out = out;
    w->format = format;
    w->version = version;
    w->cap = WRITER_BUFFER;
    if (format == RT_TRACE_JSONL) {
        w->codec = rt_malloc(sizeof *w->codec);
        if (!w->codec) {
            writer_free(w);
            return RT_ENOMEM;
        }
        rt__codec_init(w->codec, version, true);
    }
    if (!scenario)
        scenario = "";
    if (!source)
        source = "";
    char sha[65];
    rt_sha256_hex(source, source_len, sha);
    rt__sink s = writer_sink(w);
    if (format == RT_TRACE_CHROME) {
        int rc = rt__chrome_open(w, &s, scenario, sha, clock);
        if (rc) {
            writer_free(w);
            memset(w, 0, sizeof *w);
            return rc;
        }
    } else {
        PUT_KEY(&s, "{\"format\":\"loopscope-trace\",\"version\":");
        rt__sink_int(&s, version);
        PUT_KEY(&s, ",\"scenario\":");
        rt__sink_json_string(&s, scenario, strlen(scenario));
        PUT_KEY(&s, ",\"sha256\":\"");
        rt__sink_put(&s, sha, 64);
        PUT_KEY(&s, "\",\"clock\":");
        rt__sink_lit(&s, clock == RT_CLOCK_REAL ? "\"real\"" : "\"virtual\"");
        PUT_KEY(&s, ",\"source\":");
        rt__sink_json_string(&s, source, source_len);
        rt__sink_put(&s, "}\n", 2);
    }
    w->len = s.len;
    return RT_OK;
}

int rt_trace_writer_open(rt_trace_writer *w, FILE *out, rt_trace_format format,
                         const char *scenario, const char *source,
                         size_t source_len, rt_clock_mode clock)
{
    return rt__writer_open(w, out, format, scenario, source, source_len, clock,
                           RT_TRACE_VERSION);
}

/* rt_trace_writer_event for every event but a task step's two. */
static __attribute__((noinline)) void writer_event_slow(rt_trace_writer *w,
                                                      const rt_event *ev)
{
    if (!w->buf || w->ended)
        return;
    if (w->format == RT_TRACE_CHROME) {
        rt__sink s = writer_sink(w);
        rt__chrome_event(w, &s, ev);
        w->len = s.len;
    } else {
        uint32_t force;
        uint32_t omit = codec_encode(w->codec, ev, &force);
        if (w->reference) {
            rt__sink s = writer_sink(w);
            write_event(&s, w->fcache, ev, omit, force);
            w->len = s.len;
        } else {
            write_event_fast(w, ev, omit, force);
        }
    }
    w->count++;
    w->last_seq = ev->seq;
    w->last_t = ev->t;
    if (ev->kind == RT_EV_RUN_END)
        w->ended = true;
}

void rt_trace_writer_event(rt_trace_writer *w, const rt_event *ev)
{
    /* w->codec: an open JSON Lines writer. */
    if (w->codec && !w->ended && !w->reference && write_step_fast(w, ev)) {
        w->count++;
        w->last_seq = ev->seq;
        w->last_t = ev->t;
        return;
    }
    writer_event_slow(w, ev);
}

void rt_trace_writer_hook(void *data, const rt_event *ev)
{
    rt_trace_writer_event(data, ev);
}

int rt_trace_writer_close(rt_trace_writer *w, int status, const char *text)
{
    if (!w->buf)
        return w->error;
    if (!w->ended) {
        rt_event end = {.kind = RT_EV_RUN_END, .worker = -1};
        end.seq = w->count ? w->last_seq + 1 : 0;
        end.t = w->last_t;
        end.n = status;
        end.text = text;
        rt_trace_writer_event(w, &end);
    }
    rt__sink s = writer_sink(w);
    if (w->format == RT_TRACE_CHROME)
        rt__chrome_close(w, &s);
    rt__sink_flush(&s);
    if (fflush(w->out) != 0 && !w->error)
        w->error = RT_EIO;
    if (w->codec && w->codec->oom && !w->error)
        w->error = RT_ENOMEM;
    int rc = w->error;
    writer_free(w);
    return rc;
}
