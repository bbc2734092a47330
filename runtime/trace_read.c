/*
 * trace_read.c - traces in memory: the string arena, appending events of a
 * live run, reading a JSON Lines trace with a small JSON parser of our own,
 * writing a loaded trace again, and the golden compare.
 *
 * The reader trusts nothing. Every line is parsed on its own (one JSON
 * object of scalar values, nothing nested), every key checked against the
 * kind's key set and its type, every seq against its index; the first
 * problem stops the read with "file:line: message". A line costs one pass
 * over its bytes, so 100,000 events load in a few tens of milliseconds.
 * In a version 2 trace, the values the writer left out are filled in from
 * the events before (rt__codec_decode in trace.c), so that a trace in
 * memory always holds complete events, whichever version it came from.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>

#include "trace_internal.h"

/* ------------------------------------------------------------------------ */
/* The arena                                                                */
/* ------------------------------------------------------------------------ */

/* A block of string storage. Blocks are chained newest first; big strings
 * (the scenario's source) get a block of their own. */
struct rt_trace_chunk {
    rt_trace_chunk *next;
    size_t used, cap;
    char data[];
};

enum { CHUNK = 64 * 1024 };

/* Returns `n` bytes of string storage, or NULL when out of memory; *in
 * (when not NULL) receives the block they came from. */
static char *arena_alloc_in(rt_trace *tr, size_t n, rt_trace_chunk **in)
{
    rt_trace_chunk *c = tr->arena;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > CHUNK / 4 ? n : CHUNK;
        rt_trace_chunk *fresh = rt_malloc(sizeof *fresh + cap);
        if (!fresh)
            return NULL;
        fresh->used = 0;
        fresh->cap = cap;
        if (c && n > CHUNK / 4) {
            /* Keep filling the current block: put the big one behind it. */
            fresh->next = c->next;
            c->next = fresh;
        } else {
            fresh->next = c;
            tr->arena = fresh;
        }
        c = fresh;
    }
    char *p = c->data + c->used;
    c->used += n;
    if (in)
        *in = c;
    return p;
}

static char *arena_alloc(rt_trace *tr, size_t n)
{
    return arena_alloc_in(tr, n, NULL);
}

/* Copies a NUL-terminated string into the arena; NULL and "" give NULL. */
static int arena_str(rt_trace *tr, const char *s, const char **out)
{
    *out = NULL;
    if (!s || !*s)
        return RT_OK;
    size_t n = strlen(s) + 1;
    char *p = arena_alloc(tr, n);
    if (!p)
        return RT_ENOMEM;
    memcpy(p, s, n);
    *out = p;
    return RT_OK;
}

static int reserve_events(rt_trace *tr, size_t want)
{
    if (want <= tr->cap)
        return RT_OK;
    size_t cap = tr->cap ? tr->cap : 256;
    while (cap < want)
        cap *= 2;
    rt_event *p = rt_realloc(tr->events, cap * sizeof *p);
    if (!p)
        return RT_ENOMEM;
    tr->events = p;
    tr->cap = cap;
    return RT_OK;
}

/* Sets the header strings; source is copied with a NUL after it. */
static int set_header(rt_trace *tr, const char *scenario, const char *source,
                      size_t len)
{
    size_t sn = scenario ? strlen(scenario) : 0;
    char *sc = arena_alloc(tr, sn + 1);
    char *src = arena_alloc(tr, len + 1);
    if (!sc || !src)
        return RT_ENOMEM;
    memcpy(sc, scenario ? scenario : "", sn);
    sc[sn] = '\0';
    if (len)
        memcpy(src, source, len);
    src[len] = '\0';
    tr->scenario = sc;
    tr->source = src;
    tr->source_len = len;
    rt_sha256_hex(src, len, tr->sha256);
    return RT_OK;
}

rt_trace *rt_trace_new(const char *scenario, const char *source,
                       size_t source_len, rt_clock_mode clock)
{
    rt_trace *tr = rt_calloc(1, sizeof *tr);
    if (!tr)
        return NULL;
    tr->version = RT_TRACE_VERSION;
    tr->clock = clock;
    if (set_header(tr, scenario, source, source_len) != RT_OK) {
        rt_trace_free(tr);
        return NULL;
    }
    return tr;
}

/* Clears the fields that events of ev's kind do not carry, so that an
 * event appended from a live run is exactly what the JSON Lines writer
 * keeps and the reader gives back (a golden trace read from a file then
 * compares equal to the run that wrote it). */
static void keep_kind_keys(rt_event *ev)
{
    uint32_t keys = rt_trace_kind_keys(ev->kind);
#define HAS(k) (keys & (1u << RT_TKEY_##k))
    if (!HAS(LOOP)) ev->loop = 0;
    if (!HAS(TASK)) ev->task = 0;
    if (!HAS(FUT)) ev->future = 0;
    if (!HAS(HANDLE)) ev->handle = 0;
    if (!HAS(JOB)) ev->job = 0;
    if (!HAS(EXECUTOR)) ev->executor = 0;
    if (!HAS(WORKER) || ev->worker < 0) ev->worker = -1;
    if (!HAS(PEER)) ev->peer = 0;
    if (!HAS(LINE)) ev->line = 0;
    if (!HAS(FUNC)) ev->func = NULL;
    if (!HAS(KIND2)) ev->kind2 = 0;
    if (!HAS(N)) ev->n = 0;
    if (!HAS(WHEN)) ev->when = 0;
    if (!HAS(NAME)) ev->name = NULL;
    if (!HAS(TYPE)) ev->type = NULL;
    if (!HAS(TEXT)) ev->text = NULL;
#undef HAS
}

int rt_trace_append(rt_trace *tr, const rt_event *ev)
{
    if (reserve_events(tr, tr->len + 1) != RT_OK)
        return RT_ENOMEM;
    rt_event copy = *ev;
    copy.seq = tr->len;
    keep_kind_keys(&copy);
    /* (From the copy: the strings its kind does not carry are gone.) */
    if (arena_str(tr, copy.name, &copy.name) || arena_str(tr, copy.type, &copy.type) ||
        arena_str(tr, copy.text, &copy.text) || arena_str(tr, copy.func, &copy.func))
        return RT_ENOMEM; /* the arena keeps the strings; harmless */
    tr->events[tr->len++] = copy;
    tr->complete = ev->kind == RT_EV_RUN_END;
    return RT_OK;
}

void rt_trace_free(rt_trace *tr)
{
    if (!tr)
        return;
    for (rt_trace_chunk *c = tr->arena, *next; c; c = next) {
        next = c->next;
        rt_free(c);
    }
    rt_free(tr->events);
    rt_free(tr);
}

/* ------------------------------------------------------------------------ */
/* Errors                                                                   */
/* ------------------------------------------------------------------------ */

void rt_trace_error_print(const rt_trace_error *err, FILE *out)
{
    if (err->line > 0 && err->col > 0)
        fprintf(out, "%s:%d:%d: %s\n", err->file, err->line, err->col,
                err->message);
    else if (err->line > 0)
        fprintf(out, "%s:%d: %s\n", err->file, err->line, err->message);
    else
        fprintf(out, "%s: %s\n", err->file, err->message);
}

static void set_error(rt_trace_error *err, const char *name, int line,
                      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void set_error(rt_trace_error *err, const char *name, int line,
                      const char *fmt, ...)
{
    if (!err)
        return;
    snprintf(err->file, sizeof err->file, "%s", name ? name : "trace");
    err->line = line;
    err->col = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
}

/* ------------------------------------------------------------------------ */
/* The JSON scanner: one line, one object of scalars                        */
/* ------------------------------------------------------------------------ */

typedef enum jtype { J_STRING, J_INT, J_FLOAT, J_BOOL, J_NULL } jtype;

/* A parsed value. Strings point into the arena, NUL-terminated. */
typedef struct jvalue {
    jtype type;
    const char *s;   /* J_STRING */
    size_t len;
    int64_t i;       /* J_INT (also set for J_BOOL) */
    double f;        /* J_FLOAT and J_INT */
    bool int_ok;     /* J_INT fits int64 */
} jvalue;

typedef struct jparser {
    rt_trace *tr;
    const char *p, *end;  /* the rest of the line */
    const char *line;     /* where the line starts */
    const char *at;       /* what a check is about (a key), or NULL: p */
    char msg[200];        /* the first error */
    int col;              /* its column */
    bool oom;
} jparser;

static bool jfail(jparser *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool jfail(jparser *j, const char *fmt, ...)
{
    if (!j->msg[0]) {
        const char *where = j->at ? j->at : j->p;
        j->col = where >= j->line ? (int)(where - j->line) + 1 : 0;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(j->msg, sizeof j->msg, fmt, ap);
        va_end(ap);
    }
    return false;
}

static void skip_ws(jparser *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\r'))
        j->p++;
}

/* Describes the character at p for messages. */
static const char *what_is(jparser *j, char *buf)
{
    if (j->p >= j->end)
        return "the end of the line";
    unsigned char c = (unsigned char)*j->p;
    if (c >= 0x21 && c < 0x7f)
        snprintf(buf, 16, "'%c'", c);
    else
        snprintf(buf, 16, "byte 0x%02x", c);
    return buf;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool read_hex4(jparser *j, const char *p, unsigned *out)
{
    if (j->end - p < 4)
        return jfail(j, "bad \\u escape in a string");
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval(p[i]);
        if (h < 0)
            return jfail(j, "bad \\u escape in a string");
        v = v * 16 + (unsigned)h;
    }
    *out = v;
    return true;
}

/* Length of the valid UTF-8 sequence at p (1-4), or 0 when invalid. */
static int utf8_len(const unsigned char *p, const unsigned char *end)
{
    unsigned c = p[0];
    int n;
    unsigned min;
    if (c < 0x80)
        return 1;
    if ((c & 0xe0) == 0xc0) {
        n = 2;
        min = 0x80;
        c &= 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
        n = 3;
        min = 0x800;
        c &= 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
        n = 4;
        min = 0x10000;
        c &= 0x07;
    } else {
        return 0;
    }
    if (end - p < n)
        return 0;
    for (int i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        c = c << 6 | (p[i] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    return n;
}

static size_t put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xc0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xe0 | cp >> 12);
        o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        o[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | cp >> 18);
    o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
    o[2] = (char)(0x80 | (cp >> 6 & 0x3f));
    o[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* Parses a string at p (which is '"') into the arena. */
static bool parse_string(jparser *j, jvalue *v)
{
    const char *p = j->p + 1;
    /* Find the closing quote first, so that the arena gets one block of
     * exactly the raw length (unescaping never makes a string longer). */
    const char *q = p;
    while (q < j->end && *q != '"') {
        if (*q == '\\' && q + 1 < j->end)
            q++;
        q++;
    }
    if (q >= j->end)
        return jfail(j, "unterminated string");
    rt_trace_chunk *chunk;
    char *out = arena_alloc_in(j->tr, (size_t)(q - p) + 1, &chunk);
    if (!out) {
        j->oom = true;
        return jfail(j, "out of memory");
    }
    size_t n = 0;
    while (p < q) {
        /* Errors inside the string point at the offending character. */
        j->at = p;
        unsigned char c = (unsigned char)*p;
        if (c == '\\') {
            char e = p[1];
            p += 2;
            switch (e) {
            case '"': out[n++] = '"'; break;
            case '\\': out[n++] = '\\'; break;
            case '/': out[n++] = '/'; break;
            case 'b': out[n++] = '\b'; break;
            case 'f': out[n++] = '\f'; break;
            case 'n': out[n++] = '\n'; break;
            case 'r': out[n++] = '\r'; break;
            case 't': out[n++] = '\t'; break;
            case 'u': {
                unsigned cp = 0;
                if (!read_hex4(j, p, &cp))
                    return false;
                p += 4;
                if (cp >= 0xd800 && cp <= 0xdbff) {
                    unsigned lo = 0;
                    if (q - p < 6 || p[0] != '\\' || p[1] != 'u' || !read_hex4(j, p + 2, &lo) ||
                        lo < 0xdc00 || lo > 0xdfff)
                        return jfail(j, "lone surrogate \\u%04x in a string", cp);
                    p += 6;
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                } else if (cp >= 0xdc00 && cp <= 0xdfff) {
                    return jfail(j, "lone surrogate \\u%04x in a string", cp);
                }
                if (cp == 0)
                    return jfail(j, "NUL character (\\u0000) in a string");
                n += put_utf8(out + n, cp);
                break;
            }
            default:
                return jfail(j, "bad escape '\\%c' in a string", e ? e : '?');
            }
        } else if (c < 0x20) {
            return jfail(j, "control character 0x%02x in a string (must be escaped)", c);
        } else if (c < 0x80) {
            out[n++] = (char)c;
            p++;
        } else {
            int k = utf8_len((const unsigned char *)p, (const unsigned char *)q);
            if (!k)
                return jfail(j, "invalid UTF-8 in a string");
            memcpy(out + n, p, (size_t)k);
            n += (size_t)k;
            p += k;
        }
    }
    j->at = NULL;
    out[n] = '\0';
    /* Give back what unescaping saved: `out` is its block's last string. */
    chunk->used -= (size_t)(q - (j->p + 1)) - n;
    v->type = J_STRING;
    v->s = out;
    v->len = n;
    j->p = q + 1;
    return true;
}

/* Parses a JSON number (strict grammar). */
static bool parse_number(jparser *j, jvalue *v)
{
    const char *p = j->p, *start = p;
    bool neg = false, is_float = false;
    if (p < j->end && *p == '-') {
        neg = true;
        p++;
    }
    if (p >= j->end || *p < '0' || *p > '9')
        return jfail(j, "bad number");
    if (*p == '0' && p + 1 < j->end && p[1] >= '0' && p[1] <= '9')
        return jfail(j, "bad number (leading zero)");
    uint64_t acc = 0;
    bool overflow = false;
    for (; p < j->end && *p >= '0' && *p <= '9'; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (acc > (UINT64_MAX - d) / 10)
            overflow = true;
        else
            acc = acc * 10 + d;
    }
    if (p < j->end && *p == '.') {
        is_float = true;
        p++;
        if (p >= j->end || *p < '0' || *p > '9')
            return jfail(j, "bad number (no digit after '.')");
        while (p < j->end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < j->end && (*p == 'e' || *p == 'E')) {
        is_float = true;
        p++;
        if (p < j->end && (*p == '+' || *p == '-'))
            p++;
        if (p >= j->end || *p < '0' || *p > '9')
            return jfail(j, "bad number (no digit in the exponent)");
        while (p < j->end && *p >= '0' && *p <= '9')
            p++;
    }
    j->p = p;
    if (!is_float) {
        v->type = J_INT;
        v->int_ok = !overflow && acc <= (uint64_t)INT64_MAX + (neg ? 1 : 0);
        v->i = v->int_ok ? (neg ? (int64_t)(0 - acc) : (int64_t)acc) : 0;
        v->f = v->int_ok ? (double)v->i : (neg ? -1e300 : 1e300);
        return true;
    }
    char tmp[64];
    size_t n = (size_t)(p - start);
    if (n >= sizeof tmp)
        return jfail(j, "number too long");
    memcpy(tmp, start, n);
    tmp[n] = '\0';
    v->type = J_FLOAT;
    v->f = strtod(tmp, NULL);
    if (!isfinite(v->f))
        return jfail(j, "number out of range");
    return true;
}

static bool parse_literal(jparser *j, const char *word, jtype type, jvalue *v)
{
    size_t n = strlen(word);
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n) != 0) {
        char buf[16];
        return jfail(j, "bad JSON: unexpected %s", what_is(j, buf));
    }
    j->p += n;
    v->type = type;
    v->i = word[0] == 't';
    return true;
}

static bool parse_value(jparser *j, jvalue *v)
{
    skip_ws(j);
    char buf[16];
    if (j->p >= j->end)
        return jfail(j, "bad JSON: a value is missing");
    switch (*j->p) {
    case '"':
        return parse_string(j, v);
    case 't':
        return parse_literal(j, "true", J_BOOL, v);
    case 'f':
        return parse_literal(j, "false", J_BOOL, v);
    case 'n':
        return parse_literal(j, "null", J_NULL, v);
    case '{':
    case '[':
        return jfail(j, "unexpected %s: trace values are numbers or strings",
                     what_is(j, buf));
    default:
        if (*j->p == '-' || (*j->p >= '0' && *j->p <= '9'))
            return parse_number(j, v);
        return jfail(j, "bad JSON: unexpected %s", what_is(j, buf));
    }
}

/* Calls `fn` for each member of the object that is the whole line. */
typedef bool (*member_fn)(jparser *j, void *ctx, const char *key, size_t klen,
                          const jvalue *v);

static bool parse_object(jparser *j, member_fn fn, void *ctx)
{
    char buf[16];
    skip_ws(j);
    if (j->p >= j->end || *j->p != '{')
        return jfail(j, "bad JSON: expected '{' at the start of the line, found %s",
                     what_is(j, buf));
    j->p++;
    skip_ws(j);
    if (j->p < j->end && *j->p == '}') {
        j->p++;
    } else {
        for (;;) {
            skip_ws(j);
            if (j->p >= j->end || *j->p != '"')
                return jfail(j, "bad JSON: expected a key in quotes, found %s",
                             what_is(j, buf));
            jvalue key;
            const char *key_start = j->p;
            size_t mark = j->tr->arena ? j->tr->arena->used : 0;
            rt_trace_chunk *chunk = j->tr->arena;
            if (!parse_string(j, &key))
                return false;
            char kbuf[32];
            size_t klen = key.len < sizeof kbuf - 1 ? key.len : sizeof kbuf - 1;
            memcpy(kbuf, key.s, klen);
            kbuf[klen] = '\0';
            if (chunk == j->tr->arena && chunk)
                chunk->used = mark; /* keys need no storage */
            skip_ws(j);
            if (j->p >= j->end || *j->p != ':')
                return jfail(j, "bad JSON: expected ':' after the key \"%s\", found %s",
                             kbuf, what_is(j, buf));
            j->p++;
            jvalue v;
            if (!parse_value(j, &v))
                return false;
            j->at = key_start; /* checks of the member point at its key */
            bool ok = fn(j, ctx, kbuf, key.len, &v);
            j->at = NULL;
            if (!ok)
                return false;
            skip_ws(j);
            if (j->p < j->end && *j->p == ',') {
                j->p++;
                continue;
            }
            if (j->p < j->end && *j->p == '}') {
                j->p++;
                break;
            }
            return jfail(j, "bad JSON: expected ',' or '}', found %s", what_is(j, buf));
        }
    }
    skip_ws(j);
    if (j->p < j->end)
        return jfail(j, "bad JSON: text after the end of the object (%s)", what_is(j, buf));
    return true;
}

/* ------------------------------------------------------------------------ */
/* The header                                                               */
/* ------------------------------------------------------------------------ */

typedef struct header {
    const char *format, *scenario, *sha256, *clock, *source;
    size_t source_len;
    int64_t version;
    bool has_version;
} header;

static bool want_string(jparser *j, const char *key, const jvalue *v)
{
    if (v->type != J_STRING)
        return jfail(j, "key '%s' must be a string", key);
    return true;
}

static bool header_member(jparser *j, void *ctx, const char *key, size_t klen,
                          const jvalue *v)
{
    header *h = ctx;
    if (strcmp(key, "format") == 0) {
        if (!want_string(j, key, v))
            return false;
        h->format = v->s;
    } else if (strcmp(key, "version") == 0) {
        if (v->type != J_INT || !v->int_ok)
            return jfail(j, "key 'version' must be an integer");
        h->version = v->i;
        h->has_version = true;
    } else if (strcmp(key, "scenario") == 0) {
        if (!want_string(j, key, v))
            return false;
        h->scenario = v->s;
    } else if (strcmp(key, "sha256") == 0) {
        if (!want_string(j, key, v))
            return false;
        h->sha256 = v->s;
    } else if (strcmp(key, "clock") == 0) {
        if (!want_string(j, key, v))
            return false;
        h->clock = v->s;
    } else if (strcmp(key, "source") == 0) {
        if (!want_string(j, key, v))
            return false;
        h->source = v->s;
        h->source_len = v->len;
    }
    /* Other header keys are ignored: a later version may add some. */
    return true;
}

/* ------------------------------------------------------------------------ */
/* Events                                                                   */
/* ------------------------------------------------------------------------ */

typedef struct evparse {
    rt_event ev;
    uint32_t seen;         /* bits: RT_TKEY_* keys present */
    bool has_seq, has_t, has_ev;
    const char *kind2_key; /* the kind2 key as written, and its value */
    const char *kind2_val;
    char kind2_keybuf[8];
} evparse;

/* The key table: name -> bit. */
static int key_index(const char *key)
{
    static const char *const names[] = {"loop", "task", "fut",  "handle",
                                        "job",  "executor", "worker", "peer",
                                        "line", "func"};
    for (int i = 0; i < 10; i++)
        if (strcmp(key, names[i]) == 0)
            return i;
    if (strcmp(key, "n") == 0)
        return RT_TKEY_N;
    if (strcmp(key, "when") == 0)
        return RT_TKEY_WHEN;
    if (strcmp(key, "name") == 0)
        return RT_TKEY_NAME;
    if (strcmp(key, "type") == 0)
        return RT_TKEY_TYPE;
    if (strcmp(key, "text") == 0)
        return RT_TKEY_TEXT;
    if (strcmp(key, "hkind") == 0 || strcmp(key, "role") == 0 ||
        strcmp(key, "phase") == 0 || strcmp(key, "state") == 0)
        return RT_TKEY_KIND2;
    return -1;
}

static bool want_id(jparser *j, const char *key, const jvalue *v, uint64_t *out)
{
    if (v->type != J_INT || !v->int_ok || v->i < 0)
        return jfail(j, "key '%s' must be a non-negative integer", key);
    *out = (uint64_t)v->i;
    return true;
}

static bool want_int(jparser *j, const char *key, const jvalue *v, int64_t lo,
                     int64_t hi, int64_t *out)
{
    if (v->type != J_INT || !v->int_ok || v->i < lo || v->i > hi)
        return jfail(j, "key '%s' must be an integer%s", key,
                     lo == 0 ? " (0 or more)" : "");
    *out = v->i;
    return true;
}

static bool event_member(jparser *j, void *ctx, const char *key, size_t klen,
                         const jvalue *v)
{
    evparse *e = ctx;
    rt_event *ev = &e->ev;
    if (strcmp(key, "seq") == 0) {
        if (e->has_seq)
            return jfail(j, "key 'seq' appears twice");
        e->has_seq = true;
        return want_id(j, key, v, &ev->seq);
    }
    if (strcmp(key, "t") == 0) {
        if (e->has_t)
            return jfail(j, "key 't' appears twice");
        if (v->type != J_INT && v->type != J_FLOAT)
            return jfail(j, "key 't' must be a number");
        e->has_t = true;
        ev->t = v->f;
        return true;
    }
    if (strcmp(key, "ev") == 0) {
        if (e->has_ev)
            return jfail(j, "key 'ev' appears twice");
        if (v->type != J_STRING)
            return jfail(j, "key 'ev' must be a string");
        int k = rt_trace_kind_from_name(v->s, v->len);
        if (k < 0)
            return jfail(j, "unknown event kind '%.60s'", v->s);
        e->has_ev = true;
        ev->kind = (rt_event_kind)k;
        return true;
    }
    int idx = key_index(key);
    if (idx < 0)
        return jfail(j, "unknown key '%.40s'", key);
    if (e->seen & (1u << idx))
        return jfail(j, "key '%s' appears twice", key);
    e->seen |= 1u << idx;
    int64_t i64 = 0;
    switch (idx) {
    case RT_TKEY_LOOP: return want_id(j, key, v, &ev->loop);
    case RT_TKEY_TASK: return want_id(j, key, v, &ev->task);
    case RT_TKEY_FUT: return want_id(j, key, v, &ev->future);
    case RT_TKEY_HANDLE: return want_id(j, key, v, &ev->handle);
    case RT_TKEY_JOB: return want_id(j, key, v, &ev->job);
    case RT_TKEY_EXECUTOR: return want_id(j, key, v, &ev->executor);
    case RT_TKEY_PEER: return want_id(j, key, v, &ev->peer);
    case RT_TKEY_WORKER:
        if (!want_int(j, key, v, 0, 1 << 20, &i64))
            return false;
        ev->worker = (int)i64;
        return true;
    case RT_TKEY_LINE:
        if (!want_int(j, key, v, 0, INT32_MAX, &i64))
            return false;
        ev->line = (int)i64;
        return true;
    case RT_TKEY_N:
        return want_int(j, key, v, INT64_MIN, INT64_MAX, &ev->n);
    case RT_TKEY_WHEN:
        if (v->type != J_INT && v->type != J_FLOAT)
            return jfail(j, "key 'when' must be a number");
        ev->when = v->f;
        return true;
    case RT_TKEY_KIND2:
        if (v->type != J_STRING)
            return jfail(j, "key '%s' must be a string", key);
        snprintf(e->kind2_keybuf, sizeof e->kind2_keybuf, "%s", key);
        e->kind2_key = e->kind2_keybuf;
        e->kind2_val = v->s;
        return true;
    default: /* func, name, type, text */
        if (v->type != J_STRING)
            return jfail(j, "key '%s' must be a string", key);
        {
            const char *s = v->len ? v->s : NULL;
            if (idx == RT_TKEY_FUNC)
                ev->func = s;
            else if (idx == RT_TKEY_NAME)
                ev->name = s;
            else if (idx == RT_TKEY_TYPE)
                ev->type = s;
            else
                ev->text = s;
        }
        return true;
    }
}

static const char *const key_names[RT_TKEY__COUNT] = {
#define KEY_NAME(name, text) text,
    RT_TRACE_KEYS(KEY_NAME)
#undef KEY_NAME
};

/* Checks a parsed event against its kind, in a trace of `version`. */
static bool check_event(jparser *j, evparse *e, int version)
{
    rt_event *ev = &e->ev;
    if (!e->has_seq)
        return jfail(j, "the event has no 'seq'");
    if (!e->has_t)
        return jfail(j, "the event has no 't'");
    if (!e->has_ev)
        return jfail(j, "the event has no 'ev'");
    const char *kname = rt_trace_kind_name(ev->kind);
    uint32_t allowed = rt_trace_kind_keys(ev->kind);
    uint32_t extra = e->seen & ~allowed;
    if (extra) {
        int b = __builtin_ctz(extra);
        const char *k = b == RT_TKEY_KIND2 ? e->kind2_key : key_names[b];
        return jfail(j, "key '%s' does not belong to a %s event", k, kname);
    }
    if ((allowed & (1u << RT_TKEY_KIND2)) &&
        (e->kind2_key || version < 2 || ev->kind != RT_EV_TASK_SUSPEND)) {
        /* (Version 2 may leave out the role of a task.suspend: see
         * rt__codec_decode.) */
        const char *want = rt_trace_kind2_key(ev->kind);
        if (!e->kind2_key)
            return jfail(j, "a %s event needs the key '%s'", kname, want);
        if (strcmp(e->kind2_key, want) != 0)
            return jfail(j, "key '%s' does not belong to a %s event (it uses '%s')",
                         e->kind2_key, kname, want);
        int found = -1;
        for (int k = 0; k < 64; k++) {
            const char *s = rt_trace_kind2_name(ev->kind, k);
            if (!s)
                break;
            if (strcmp(s, e->kind2_val) == 0) {
                found = k;
                break;
            }
        }
        if (found < 0)
            return jfail(j, "unknown %s '%.40s'", want, e->kind2_val);
        ev->kind2 = found;
    }
    if (!(e->seen & (1u << RT_TKEY_WORKER)))
        ev->worker = -1;
    if (!isfinite(ev->t) || !isfinite(ev->when) || ev->t < 0)
        return jfail(j, "times must be finite and not negative");
    return true;
}

/* ------------------------------------------------------------------------ */
/* Reading                                                                  */
/* ------------------------------------------------------------------------ */

int rt_trace_parse(const char *data, size_t len, const char *name,
                   unsigned flags, rt_trace **out, rt_trace_error *err)
{
    *out = NULL;
    if (!name)
        name = "trace";
    rt_trace *tr = rt_calloc(1, sizeof *tr);
    if (!tr) {
        set_error(err, name, 0, "out of memory");
        return RT_ENOMEM;
    }
    jparser j = {.tr = tr};
    rt__codec codec;
    rt__codec_init(&codec, 1, false);
    const char *p = data, *end = data + len;
    int lineno = 0;
    int rc = RT_EFORMAT;
    bool lenient = flags & RT_TRACE_LENIENT;
    if (len == 0) {
        set_error(err, name, 0, "empty file: not a loopscope trace");
        goto fail;
    }
    /* A rough guess of the event count (150 bytes a line) saves regrowing. */
    if (reserve_events(tr, len / 150 + 16) != RT_OK)
        goto oom;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = nl ? nl : end;
        bool last_unterminated = !nl;
        lineno++;
        j.p = p;
        j.line = p;
        j.at = NULL;
        j.end = line_end;
        j.msg[0] = '\0';
        p = nl ? nl + 1 : end;
        if (line_end == j.p || (line_end - j.p == 1 && *j.p == '\r')) {
            set_error(err, name, lineno, "blank line (a trace has one event per line)");
            goto fail;
        }
        if (lineno == 1) {
            header h = {0};
            if (!parse_object(&j, header_member, &h) || !h.format ||
                strcmp(h.format, "loopscope-trace") != 0) {
                if (j.oom)
                    goto oom;
                set_error(err, name, 1,
                          "not a loopscope trace: the first line must be its header "
                          "(with \"format\":\"loopscope-trace\")");
                goto fail;
            }
            if (!h.has_version || h.version < 1) {
                set_error(err, name, 1, "the header has no valid 'version'");
                goto fail;
            }
            if (h.version > RT_TRACE_VERSION) {
                set_error(err, name, 1,
                          "trace version %lld is newer than this loopscope understands (%d)",
                          (long long)h.version, RT_TRACE_VERSION);
                goto fail;
            }
            if (!h.source) {
                set_error(err, name, 1, "the header has no 'source'");
                goto fail;
            }
            if (h.clock && strcmp(h.clock, "virtual") != 0 && strcmp(h.clock, "real") != 0) {
                set_error(err, name, 1, "unknown clock '%.40s' (virtual or real)", h.clock);
                goto fail;
            }
            tr->version = (int)h.version;
            codec.version = tr->version;
            tr->clock = h.clock && strcmp(h.clock, "real") == 0 ? RT_CLOCK_REAL
                                                                 : RT_CLOCK_VIRTUAL;
            tr->scenario = (char *)(h.scenario ? h.scenario : "");
            tr->source = (char *)h.source;
            tr->source_len = h.source_len;
            rt_sha256_hex(tr->source, tr->source_len, tr->sha256);
            if (h.sha256 && strcmp(h.sha256, tr->sha256) != 0) {
                set_error(err, name, 1,
                          "the header's sha256 does not match its source text "
                          "(was the trace edited?)");
                goto fail;
            }
            if (!h.scenario) {
                char *empty = arena_alloc(tr, 1);
                if (!empty)
                    goto oom;
                *empty = '\0';
                tr->scenario = empty;
            }
            continue;
        }
        evparse e;
        memset(&e, 0, sizeof e);
        bool parsed = parse_object(&j, event_member, &e);
        j.at = j.line; /* what the event as a whole lacks: its start */
        if (!parsed || !check_event(&j, &e, tr->version)) {
            if (j.oom)
                goto oom;
            if (last_unterminated) {
                if (lenient)
                    break;
                set_error(err, name, lineno,
                          "truncated last line: the file ends in the middle of an event "
                          "(was the run cut short?)");
                goto fail;
            }
            set_error(err, name, lineno, "%s", j.msg);
            if (err)
                err->col = j.col;
            goto fail;
        }
        if (tr->complete) {
            set_error(err, name, lineno, "event after run.end (run.end must be the last line)");
            goto fail;
        }
        if (e.ev.seq != tr->len) {
            set_error(err, name, lineno, "seq gap: expected seq %zu, found %llu", tr->len,
                      (unsigned long long)e.ev.seq);
            goto fail;
        }
        /* The values version 2 leaves out (the seq is checked first: the
         * defaults count on every event before). */
        const char *why = rt__codec_decode(&codec, &e.ev, e.seen);
        if (codec.oom)
            goto oom;
        if (why) {
            set_error(err, name, lineno, "%s", why);
            goto fail;
        }
        if (tr->len && e.ev.t < tr->events[tr->len - 1].t) {
            char a[32], b[32];
            rt_trace_float_repr(e.ev.t, a);
            rt_trace_float_repr(tr->events[tr->len - 1].t, b);
            set_error(err, name, lineno, "time goes backwards: t=%s after t=%s", a, b);
            goto fail;
        }
        if (reserve_events(tr, tr->len + 1) != RT_OK)
            goto oom;
        tr->events[tr->len++] = e.ev;
        tr->complete = e.ev.kind == RT_EV_RUN_END;
    }
    if (lineno == 0 || !tr->source) {
        set_error(err, name, 0, "empty file: not a loopscope trace");
        goto fail;
    }
    if (!tr->complete && !lenient) {
        set_error(err, name, lineno,
                  "trace is incomplete: no run.end event (was the run cut short?)");
        goto fail;
    }
    rt__codec_deinit(&codec);
    *out = tr;
    return RT_OK;
oom:
    set_error(err, name, lineno, "out of memory");
    rc = RT_ENOMEM;
fail:
    rt__codec_deinit(&codec);
    rt_trace_free(tr);
    return rc;
}

int rt_trace_read(const char *path, unsigned flags, rt_trace **out,
                  rt_trace_error *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        set_error(err, path, 0, "cannot open: %s", strerror(errno));
        return RT_EIO;
    }
    size_t cap = 1 << 16, len = 0;
    char *data = rt_malloc(cap);
    int rc = RT_OK;
    while (data) {
        if (len == cap) {
            char *p = rt_realloc(data, cap * 2);
            if (!p) {
                rt_free(data);
                data = NULL;
                break;
            }
            data = p;
            cap *= 2;
        }
        size_t got = fread(data + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    if (!data) {
        set_error(err, path, 0, "out of memory");
        rc = RT_ENOMEM;
    } else if (ferror(f)) {
        set_error(err, path, 0, "cannot read: %s", strerror(errno));
        rc = RT_EIO;
    }
    fclose(f);
    if (rc == RT_OK)
        rc = rt_trace_parse(data, len, path, flags, out, err);
    rt_free(data);
    return rc;
}

int rt_trace_export(const rt_trace *tr, FILE *out, rt_trace_format format)
{
    rt_trace_writer w;
    int rc = rt__writer_open(&w, out, format, tr->scenario, tr->source, tr->source_len,
                             tr->clock, tr->version);
    if (rc)
        return rc;
    for (size_t i = 0; i < tr->len; i++)
        rt_trace_writer_event(&w, &tr->events[i]);
    if (!tr->complete)
        w.ended = true; /* keep a cut-short trace cut short */
    return rt_trace_writer_close(&w, 0, "ok");
}

/* ------------------------------------------------------------------------ */
/* Describing and comparing                                                 */
/* ------------------------------------------------------------------------ */

/* The name of task `id` as of event i ("Task-2": its task.create or its
 * last task.rename before i), or "-" when none. */
static const char *task_name(const rt_trace *tr, size_t i, uint64_t id,
                             char *buf, size_t size)
{
    if (!id)
        return "-";
    const char *name = NULL;
    for (size_t k = 0; k < i && k < tr->len; k++) {
        const rt_event *e = &tr->events[k];
        if ((e->kind == RT_EV_TASK_CREATE || e->kind == RT_EV_TASK_RENAME) && e->task == id &&
            e->name)
            name = e->name;
    }
    if (name)
        return name;
    snprintf(buf, size, "task %llu", (unsigned long long)id);
    return buf;
}

static size_t appendf(char *buf, size_t size, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static size_t appendf(char *buf, size_t size, size_t at, const char *fmt, ...)
{
    if (at >= size)
        return at;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + at, size - at, fmt, ap);
    va_end(ap);
    return n < 0 ? at : at + (size_t)n;
}

/* `s` with control characters made visible ("\\n" for a newline), so that
 * a described event stays on one line of the side-by-side report; in tmp. */
static const char *visible(const char *s, char *tmp, size_t size)
{
    size_t o = 0;
    for (; *s && o + 3 < size; s++) {
        unsigned char c = (unsigned char)*s;
        const char *esc = c == '\n' ? "\\n" : c == '\t' ? "\\t" : c == '\r' ? "\\r" : NULL;
        if (esc) {
            tmp[o++] = esc[0];
            tmp[o++] = esc[1];
        } else {
            tmp[o++] = c < 0x20 ? '?' : (char)c;
        }
    }
    tmp[o] = '\0';
    return tmp;
}

void rt_trace_describe(const rt_trace *tr, size_t i, char *buf, size_t size)
{
    char vis[512];
    if (!size)
        return;
    buf[0] = '\0';
    if (i >= tr->len)
        return;
    const rt_event *e = &tr->events[i];
    char tb[32], pb[32];
    const char *who = task_name(tr, i, e->task, tb, sizeof tb);
    const char *kname = rt_trace_kind_name(e->kind);
    size_t at = appendf(buf, size, 0, "t=%.3f  %-8s %s", e->t, who, kname);
    const char *k2 = rt_trace_kind2_name(e->kind, e->kind2);
    switch (e->kind) {
    case RT_EV_TASK_SUSPEND:
        if (e->line)
            at = appendf(buf, size, at, " line %d", e->line);
        if (e->peer)
            at = appendf(buf, size, at, " awaits %s",
                         task_name(tr, i, e->peer, pb, sizeof pb));
        else
            at = appendf(buf, size, at, " awaits %s", e->name ? e->name : k2 ? k2 : "?");
        return;
    case RT_EV_TASK_STEP:
    case RT_EV_TASK_CANCEL_DELIVER:
    case RT_EV_EXC_CATCH:
    case RT_EV_EXC_RAISE:
    case RT_EV_EXC_PROPAGATE:
        if (e->line)
            at = appendf(buf, size, at, " line %d", e->line);
        if (e->func)
            at = appendf(buf, size, at, " in %s", e->func);
        if (e->type)
            at = appendf(buf, size, at, " %s", e->type);
        if (e->text)
            at = appendf(buf, size, at, ": %s", e->text);
        return;
    case RT_EV_TASK_CREATE:
        at = appendf(buf, size, at, " %s", e->name ? e->name : "?");
        if (e->func)
            at = appendf(buf, size, at, " for %s()", e->func);
        if (e->line)
            at = appendf(buf, size, at, " at line %d", e->line);
        return;
    case RT_EV_OUTPUT:
        appendf(buf, size, at, " %s: %s", e->name ? e->name : "stdout",
                visible(e->text ? e->text : "", vis, sizeof vis));
        return;
    default:
        break;
    }
    /* The generic form: the other keys as key=value. */
    uint32_t keys = rt_trace_kind_keys(e->kind);
    const uint64_t ids[] = {e->loop, e->task, e->future, e->handle, e->job, e->executor};
    for (int b = RT_TKEY_FUT; b <= RT_TKEY_EXECUTOR; b++)
        if ((keys & (1u << b)) && ids[b])
            at = appendf(buf, size, at, " %s=%llu", key_names[b], (unsigned long long)ids[b]);
    if ((keys & (1u << RT_TKEY_WORKER)) && e->worker >= 0)
        at = appendf(buf, size, at, " worker=%d", e->worker);
    if ((keys & (1u << RT_TKEY_PEER)) && e->peer)
        at = appendf(buf, size, at, " peer=%s", task_name(tr, i, e->peer, pb, sizeof pb));
    if (e->line)
        at = appendf(buf, size, at, " line %d", e->line);
    if (k2)
        at = appendf(buf, size, at, " %s", k2);
    if ((keys & (1u << RT_TKEY_N)) && e->n)
        at = appendf(buf, size, at, " n=%lld", (long long)e->n);
    if ((keys & (1u << RT_TKEY_WHEN)) && e->when != 0)
        at = appendf(buf, size, at, " when=%.3f", e->when);
    if (e->name)
        at = appendf(buf, size, at, " %s", e->name);
    if (e->type)
        at = appendf(buf, size, at, " %s", e->type);
    if (e->text)
        appendf(buf, size, at, " \"%s\"", visible(e->text, vis, sizeof vis));
}

static bool same_str(const char *a, const char *b)
{
    if (!a || !*a)
        return !b || !*b;
    return b && strcmp(a, b) == 0;
}

static bool same_num(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

/* The first key that differs between two events, or NULL when equal. The
 * values are written into va/vb. */
static const char *first_difference(const rt_event *a, const rt_event *b,
                                    char *va, char *vb, size_t size)
{
#define DIFF_ID(key, field)                                                  \
    if (a->field != b->field) {                                              \
        snprintf(va, size, "%llu", (unsigned long long)a->field);            \
        snprintf(vb, size, "%llu", (unsigned long long)b->field);            \
        return key;                                                          \
    }
#define DIFF_STR(key, field)                                                 \
    if (!same_str(a->field, b->field)) {                                     \
        snprintf(va, size, "\"%s\"", a->field ? a->field : "");              \
        snprintf(vb, size, "\"%s\"", b->field ? b->field : "");              \
        return key;                                                          \
    }
    if (a->kind != b->kind) {
        snprintf(va, size, "%s", rt_trace_kind_name(a->kind));
        snprintf(vb, size, "%s", rt_trace_kind_name(b->kind));
        return "ev";
    }
    DIFF_ID("seq", seq)
    if (!same_num(a->t, b->t)) {
        rt_trace_float_repr(a->t, va);
        rt_trace_float_repr(b->t, vb);
        return "t";
    }
    DIFF_ID("loop", loop)
    DIFF_ID("task", task)
    DIFF_ID("fut", future)
    DIFF_ID("handle", handle)
    DIFF_ID("job", job)
    DIFF_ID("executor", executor)
    if (a->worker != b->worker) {
        snprintf(va, size, "%d", a->worker);
        snprintf(vb, size, "%d", b->worker);
        return "worker";
    }
    DIFF_ID("peer", peer)
    if (a->line != b->line) {
        snprintf(va, size, "%d", a->line);
        snprintf(vb, size, "%d", b->line);
        return "line";
    }
    DIFF_STR("func", func)
    if (a->kind2 != b->kind2) {
        const char *x = rt_trace_kind2_name(a->kind, a->kind2);
        const char *y = rt_trace_kind2_name(b->kind, b->kind2);
        snprintf(va, size, "%s", x ? x : "?");
        snprintf(vb, size, "%s", y ? y : "?");
        const char *key = rt_trace_kind2_key(a->kind);
        return key ? key : "kind2";
    }
    if (a->n != b->n) {
        snprintf(va, size, "%lld", (long long)a->n);
        snprintf(vb, size, "%lld", (long long)b->n);
        return "n";
    }
    if (!same_num(a->when, b->when)) {
        rt_trace_float_repr(a->when, va);
        rt_trace_float_repr(b->when, vb);
        return "when";
    }
    DIFF_STR("name", name)
    DIFF_STR("type", type)
    DIFF_STR("text", text)
    return NULL;
#undef DIFF_ID
#undef DIFF_STR
}

/* Prints events around index `at` of both traces side by side. */
static void side_by_side(const rt_trace *a, const rt_trace *b, size_t at, FILE *out)
{
    enum { COL = 58 };
    size_t from = at > 3 ? at - 3 : 0;
    size_t to = at + 3;
    fprintf(out, "   %-*s | %s\n", COL, "golden (expected)", "this run (actual)");
    for (size_t i = from; i <= to; i++) {
        if (i >= a->len && i >= b->len)
            break;
        char la[256] = "", lb[256] = "";
        if (i < a->len)
            rt_trace_describe(a, i, la, sizeof la);
        else
            snprintf(la, sizeof la, "(no more events)");
        if (i < b->len)
            rt_trace_describe(b, i, lb, sizeof lb);
        else
            snprintf(lb, sizeof lb, "(no more events)");
        /* Cut the left column to its width, counting UTF-8 characters. */
        size_t chars = 0, k = 0;
        for (; la[k]; k++)
            if (((unsigned char)la[k] & 0xc0) != 0x80 && ++chars > COL)
                break;
        la[k] = '\0';
        fprintf(out, "%s %s%*s | %s\n", i == at ? ">>" : "  ", la,
                chars < COL ? (int)(COL - chars) : 0, "", lb);
    }
}

int rt_trace_compare(const rt_trace *expected, const rt_trace *actual, FILE *report)
{
    const rt_trace *a = expected, *b = actual;
    int differ = 0;
    if (a->version != b->version || strcmp(a->scenario, b->scenario) != 0 ||
        strcmp(a->sha256, b->sha256) != 0 || a->clock != b->clock) {
        differ = 1;
        if (report) {
            fprintf(report, "the headers differ:\n");
            if (a->version != b->version)
                fprintf(report,
                        "  version: %d (golden) vs %d (this run): the golden trace was "
                        "recorded in another format version; record it again with this "
                        "loopscope (tools/update-golden)\n",
                        a->version, b->version);
            if (strcmp(a->scenario, b->scenario) != 0)
                fprintf(report, "  scenario: %s (golden) vs %s (this run)\n", a->scenario,
                        b->scenario);
            if (strcmp(a->sha256, b->sha256) != 0)
                fprintf(report,
                        "  sha256: the scenario's text changed since the golden trace "
                        "was recorded\n");
            if (a->clock != b->clock)
                fprintf(report, "  clock: %s (golden) vs %s (this run)\n",
                        a->clock == RT_CLOCK_REAL ? "real" : "virtual",
                        b->clock == RT_CLOCK_REAL ? "real" : "virtual");
        }
    }
    size_t n = a->len < b->len ? a->len : b->len;
    for (size_t i = 0; i < n; i++) {
        char va[96], vb[96];
        const char *key = first_difference(&a->events[i], &b->events[i], va, vb, sizeof va);
        if (!key)
            continue;
        if (report) {
            fprintf(report,
                    "first difference at event %zu (line %zu): '%s' is %s in the golden "
                    "trace, %s in this run\n",
                    i, i + 2, key, va, vb);
            side_by_side(a, b, i, report);
        }
        return 1;
    }
    if (a->len != b->len) {
        if (report) {
            fprintf(report, "the golden trace has %zu events, this run %zu; they agree on "
                            "the first %zu\n", a->len, b->len, n);
            side_by_side(a, b, n, report);
        }
        return 1;
    }
    return differ;
}
