/*
 * trace.c - the trace writer: one JSON Lines line per rt_event, in the
 * schema of docs/trace-format.md, fast enough to leave on for every run.
 *
 * The writer is the world's event hook. Each event becomes one line built
 * in the writer's own 64 KiB buffer (no allocation and no stdio call per
 * event) with keys in the documented order and only the keys its kind
 * uses. Numbers are printed as Python prints floats: the shortest digits
 * that read back to the same double. The clock `t` rarely changes from
 * one event to the next, so the last float's text is cached.
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
    [RT_EV_TASK_CREATE] = K(LOOP) | K(TASK) | K(PEER) | K(LINE) | K(FUNC) |
                          K(NAME),
    [RT_EV_TASK_STEP] = K(LOOP) | K(TASK) | K(HANDLE) | K(LINE) | K(FUNC) |
                        K(TYPE) | K(TEXT),
    [RT_EV_TASK_SUSPEND] = K(LOOP) | K(TASK) | K(FUT) | K(PEER) | K(LINE) |
                           K(FUNC) | K(KIND2) | K(NAME),
    [RT_EV_TASK_DONE] = K(LOOP) | K(TASK) | K(KIND2) | K(TYPE) | K(TEXT),
    [RT_EV_TASK_CANCEL_REQUEST] = K(LOOP) | K(TASK) | K(PEER) | K(N) | K(TEXT),
    [RT_EV_TASK_CANCEL_DELIVER] = K(LOOP) | K(TASK) | K(LINE) | K(FUNC),
    [RT_EV_TASK_FREE] = K(TASK),
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
/* One event as one line                                                    */
/* ------------------------------------------------------------------------ */

static inline void put_key(rt__sink *s, const char *key, size_t len)
{
    rt__sink_put(s, key, len);
}

#define PUT_KEY(s, lit) put_key((s), lit, sizeof(lit) - 1)

static inline void put_str_key(rt__sink *s, const char *key, size_t klen,
                               const char *v)
{
    if (v && *v) {
        put_key(s, key, klen);
        rt__sink_json_string(s, v, strlen(v));
    }
}

static inline void put_id_key(rt__sink *s, const char *key, size_t klen,
                              uint64_t v)
{
    if (v) {
        put_key(s, key, klen);
        rt__sink_uint(s, v);
    }
}

/* Writes `ev` as one JSON Lines line with its newline. c[0] caches the
 * text of t, c[1] that of when. */
static void write_event(rt__sink *s, fcache *c, const rt_event *ev)
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
#define HAS(x) (keys & (1u << RT_TKEY_##x))
    if (HAS(LOOP))
        put_id_key(s, ",\"loop\":", 8, ev->loop);
    if (HAS(TASK))
        put_id_key(s, ",\"task\":", 8, ev->task);
    if (HAS(FUT))
        put_id_key(s, ",\"fut\":", 7, ev->future);
    if (HAS(HANDLE))
        put_id_key(s, ",\"handle\":", 10, ev->handle);
    if (HAS(JOB))
        put_id_key(s, ",\"job\":", 7, ev->job);
    if (HAS(EXECUTOR))
        put_id_key(s, ",\"executor\":", 12, ev->executor);
    if (HAS(WORKER) && ev->worker >= 0) {
        PUT_KEY(s, ",\"worker\":");
        rt__sink_int(s, ev->worker);
    }
    if (HAS(PEER))
        put_id_key(s, ",\"peer\":", 8, ev->peer);
    if (HAS(LINE) && ev->line) {
        PUT_KEY(s, ",\"line\":");
        rt__sink_int(s, ev->line);
    }
    if (HAS(FUNC))
        put_str_key(s, ",\"func\":", 8, ev->func);
    if (HAS(KIND2)) {
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
    if (HAS(NAME))
        put_str_key(s, ",\"name\":", 8, ev->name);
    if (HAS(TYPE))
        put_str_key(s, ",\"type\":", 8, ev->type);
    if (HAS(TEXT))
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
 * and serves rt_trace_format_event and strings too long for the buffer. */

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
    static const char pairs[201] =
        "00010203040506070809101112131415161718192021222324252627282930313233"
        "34353637383940414243444546474849505152535455565758596061626364656667"
        "6869707172737475767778798081828384858687888990919293949596979899";
    char *end = p + fast_digits(v);
    char *q = end;
    while (v >= 100) {
        unsigned d = (unsigned)(v % 100) * 2;
        v /= 100;
        *--q = pairs[d + 1];
        *--q = pairs[d];
    }
    if (v >= 10) {
        *--q = pairs[v * 2 + 1];
        *--q = pairs[v * 2];
    } else {
        *--q = (char)('0' + v);
    }
    return end;
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

/* Writes a string field (key and value) with FAST_FIXED room left after
 * it; a string too long for the buffer goes through the sink in pieces. */
static char *fast_str_field(rt_trace_writer *w, char *p, const char *key,
                            size_t klen, const char *v)
{
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

#define FAST_ID(p, lit, v)                                                   \
    do {                                                                     \
        if (v) {                                                             \
            (p) = FAST_LIT((p), lit);                                        \
            (p) = fast_uint((p), (v));                                       \
        }                                                                    \
    } while (0)

/* write_event into the writer's own buffer. */
static void write_event_fast(rt_trace_writer *w, const rt_event *ev)
{
    if ((unsigned)ev->kind >= RT_EV__COUNT) {
        rt__sink s = writer_sink(w);
        write_event(&s, w->fcache, ev);
        w->len = s.len;
        return;
    }
    char *p = w->buf + w->len;
    if (w->cap - w->len < FAST_FIXED)
        p = fast_flush(w, p);
    uint32_t keys = kind_keys[ev->kind];
    fcache *c = w->fcache;
    p = FAST_LIT(p, "{\"seq\":");
    p = fast_uint(p, ev->seq);
    p = FAST_LIT(p, ",\"t\":");
    p = fast_float(p, &c[0], ev->t);
    memcpy(p, ev_keyed[ev->kind], KEYED_MAX);
    p += ev_keyed_len[ev->kind];
#define HAS(x) (keys & (1u << RT_TKEY_##x))
    if (HAS(LOOP))
        FAST_ID(p, ",\"loop\":", ev->loop);
    if (HAS(TASK))
        FAST_ID(p, ",\"task\":", ev->task);
    if (HAS(FUT))
        FAST_ID(p, ",\"fut\":", ev->future);
    if (HAS(HANDLE))
        FAST_ID(p, ",\"handle\":", ev->handle);
    if (HAS(JOB))
        FAST_ID(p, ",\"job\":", ev->job);
    if (HAS(EXECUTOR))
        FAST_ID(p, ",\"executor\":", ev->executor);
    if (HAS(WORKER) && ev->worker >= 0) {
        p = FAST_LIT(p, ",\"worker\":");
        p = fast_int(p, ev->worker);
    }
    if (HAS(PEER))
        FAST_ID(p, ",\"peer\":", ev->peer);
    if (HAS(LINE) && ev->line) {
        p = FAST_LIT(p, ",\"line\":");
        p = fast_int(p, ev->line);
    }
    if (HAS(FUNC))
        FAST_STR(w, p, ",\"func\":", ev->func);
    if (HAS(KIND2)) {
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
        p = fast_float(p, &c[1], ev->when);
    }
    if (HAS(NAME))
        FAST_STR(w, p, ",\"name\":", ev->name);
    if (HAS(TYPE))
        FAST_STR(w, p, ",\"type\":", ev->type);
    if (HAS(TEXT))
        FAST_STR(w, p, ",\"text\":", ev->text);
#undef HAS
    *p++ = '}';
    *p++ = '\n';
    w->len = (size_t)(p - w->buf);
}

size_t rt_trace_format_event(const rt_event *ev, char *buf, size_t size)
{
    rt__sink s = {buf, 0, size ? size - 1 : 0, NULL, NULL, 0};
    fcache c[2] = {{0}};
    write_event(&s, c, ev);
    if (size)
        buf[s.len] = '\0';
    return s.total;
}

/* ------------------------------------------------------------------------ */
/* The writer                                                               */
/* ------------------------------------------------------------------------ */


int rt_trace_writer_open(rt_trace_writer *w, FILE *out, rt_trace_format format,
                         const char *scenario, const char *source,
                         size_t source_len, rt_clock_mode clock)
{
    memset(w, 0, sizeof *w);
    if (!out || (format != RT_TRACE_JSONL && format != RT_TRACE_CHROME))
        return RT_EINVAL;
    w->buf = rt_malloc(WRITER_BUFFER);
    if (!w->buf)
        return RT_ENOMEM;
    w->out = out;
    w->format = format;
    w->cap = WRITER_BUFFER;
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
            rt_free(w->buf);
            memset(w, 0, sizeof *w);
            return rc;
        }
    } else {
        PUT_KEY(&s, "{\"format\":\"loopscope-trace\",\"version\":");
        rt__sink_int(&s, RT_TRACE_VERSION);
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

void rt_trace_writer_event(rt_trace_writer *w, const rt_event *ev)
{
    if (!w->buf || w->ended)
        return;
    if (w->format == RT_TRACE_CHROME) {
        rt__sink s = writer_sink(w);
        rt__chrome_event(w, &s, ev);
        w->len = s.len;
    } else {
        write_event_fast(w, ev);
    }
    w->count++;
    w->last_seq = ev->seq;
    w->last_t = ev->t;
    if (ev->kind == RT_EV_RUN_END)
        w->ended = true;
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
    int rc = w->error;
    rt_free(w->buf);
    w->buf = NULL;
    w->len = w->cap = 0;
    return rc;
}
