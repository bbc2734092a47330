/*
 * trace.h - loopscope traces: writing the event stream as JSON Lines or as
 * a Chrome Trace Event file, reading a JSON Lines trace back into memory,
 * and comparing two traces for golden tests.
 *
 * The schema is docs/trace-format.md. A trace in memory (rt_trace) is the
 * header plus an array of rt_event whose strings live in an arena owned by
 * the trace, so the window folds exactly the structure the runtime emits,
 * whether it comes from a file or from a live run (rt_trace_append).
 *
 * Nothing here knows SDL, and nothing here touches a runtime object: the
 * writer is an event hook, the reader a parser. The writer allocates only
 * when it opens (JSON Lines) so that tracing costs no allocation per event.
 *
 * Ownership: an rt_trace_writer is embedded (open/close); an rt_trace is on
 * the heap (rt_trace_new or rt_trace_read, then rt_trace_free).
 */
#ifndef LOOPSCOPE_TRACE_H
#define LOOPSCOPE_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rt.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The trace format version this code writes and the newest it reads. It
 * reads version 1 too (and writes a version 1 trace back as version 1). */
#define RT_TRACE_VERSION 2

/* ------------------------------------------------------------------------ */
/* Names and keys                                                           */
/* ------------------------------------------------------------------------ */

/* The trace name of an event kind ("task.step"), or NULL when out of range.
 * The same strings as rt_event_name; kept here so that the trace layer and
 * the window need nothing from the core but its header. */
const char *rt_trace_kind_name(rt_event_kind kind);

/* The event kind named `name` (len bytes), or -1 when there is none. */
int rt_trace_kind_from_name(const char *name, size_t len);

/* The string of an event's sub-kind (`kind2`) under the key its kind uses:
 * "step" (hkind), "sleep" (role), "select" (phase), "result" (state).
 * NULL when the kind has no such key or the value is out of range. */
const char *rt_trace_kind2_name(rt_event_kind kind, int kind2);

/* The trace key under which `kind` reports kind2 ("hkind", "role", "phase",
 * "state"), or NULL when it has none. */
const char *rt_trace_kind2_key(rt_event_kind kind);

/* The keys an event may carry after seq, t and ev, in their fixed order.
 * RT_TRACE_KEYS(X): X(bit, "json key"). */
#define RT_TRACE_KEYS(X)                                                     \
    X(LOOP, "loop")                                                          \
    X(TASK, "task")                                                          \
    X(FUT, "fut")                                                            \
    X(HANDLE, "handle")                                                      \
    X(JOB, "job")                                                            \
    X(EXECUTOR, "executor")                                                  \
    X(WORKER, "worker")                                                      \
    X(PEER, "peer")                                                          \
    X(LINE, "line")                                                          \
    X(FUNC, "func")                                                          \
    X(KIND2, "(kind2)")                                                      \
    X(N, "n")                                                                \
    X(WHEN, "when")                                                          \
    X(NAME, "name")                                                          \
    X(TYPE, "type")                                                          \
    X(TEXT, "text")

enum {
#define RT_TRACE_KEY_ENUM(name, text) RT_TKEY_##name,
    RT_TRACE_KEYS(RT_TRACE_KEY_ENUM)
#undef RT_TRACE_KEY_ENUM
    RT_TKEY__COUNT
};

/* The set of keys (bit 1 << RT_TKEY_x) that events of `kind` may carry. */
uint32_t rt_trace_kind_keys(rt_event_kind kind);

/* ------------------------------------------------------------------------ */
/* SHA-256                                                                  */
/* ------------------------------------------------------------------------ */

/* Incremental SHA-256 (FIPS 180-4). */
typedef struct rt_sha256 {
    uint32_t h[8];      /* the running hash state */
    uint64_t bytes;     /* message length so far */
    uint8_t block[64];  /* the partial block not yet compressed */
    size_t fill;        /* bytes used in `block` */
} rt_sha256;

void rt_sha256_init(rt_sha256 *s);
void rt_sha256_update(rt_sha256 *s, const void *data, size_t len);
/* Finishes the hash into out[32]; `s` must be re-initialised to reuse it. */
void rt_sha256_final(rt_sha256 *s, uint8_t out[32]);
/* One-shot: writes the lowercase hex digest (64 characters and a NUL). */
void rt_sha256_hex(const void *data, size_t len, char hex[65]);

/* ------------------------------------------------------------------------ */
/* Writing                                                                  */
/* ------------------------------------------------------------------------ */

typedef enum rt_trace_format {
    RT_TRACE_JSONL = 0, /* loopscope's own JSON Lines (docs/trace-format.md) */
    RT_TRACE_CHROME = 1 /* Chrome Trace Event JSON, for Perfetto */
} rt_trace_format;

typedef struct rt_chrome rt_chrome; /* the Chrome exporter's state */
struct rt__codec;                   /* the state of version 2's defaults */

/* The last float formatted and its text: the clock `t` repeats from event
 * to event, and formatting a float is the writer's costliest step. */
typedef struct rt_trace_fcache {
    double v;     /* the value (compared bit for bit) */
    char s[32];   /* its repr */
    uint8_t len;  /* strlen(s) */
    bool valid;   /* false until the first float */
} rt_trace_fcache;

/* The text of the last integer written under one key (see trace.c). */
typedef struct rt_trace_numcache {
    uint64_t v;   /* the value */
    char s[24];   /* its digits (not NUL-terminated) */
    uint8_t len;  /* how many; 0 until the first value */
} rt_trace_numcache;

/* A trace writer, embedded in its owner. It buffers output itself and
 * calls fwrite only when its buffer is full, so the FILE belongs to the
 * writer between open and close. Not thread-safe: the runtime calls the
 * hook from one thread at a time (the world's baton). */
typedef struct rt_trace_writer {
    FILE *out;              /* borrowed: the caller opens and closes it */
    rt_trace_format format;
    int version;            /* the trace format version it writes */
    bool reference;         /* format every event the slow, simple way
                               (tests compare it with the fast way) */
    int error;              /* the first error (RT_EIO, RT_ENOMEM) or 0 */
    uint64_t count;         /* events written */
    uint64_t last_seq;      /* seq of the last event written */
    double last_t;          /* t of the last event written */
    bool ended;             /* a run.end went through: nothing more */
    char *buf;              /* owned output buffer */
    size_t len, cap;        /* bytes used and capacity of buf */
    rt_trace_fcache fcache[2]; /* the last t's and the last when's text */
    char prefix[64];        /* the text {"seq":N,"t":T of the last event,
                               which the next one (seq N + 1, mostly the
                               same t) turns into its own by incrementing
                               N in place */
    uint64_t prefix_seq;    /* N */
    uint64_t prefix_t;      /* T's bits */
    uint8_t prefix_len;     /* bytes used in prefix; 0: not built yet */
    uint8_t prefix_digits;  /* digits of N */
    rt_trace_numcache ntask, nhandle; /* the last task and handle ids */
    struct rt__codec *codec;/* owned: what version 2 leaves out (JSONL) */
    rt_chrome *chrome;      /* owned; the exporter state, or NULL */
} rt_trace_writer;

/* Starts a trace on `out`: JSON Lines writes the header line (with the
 * SHA-256 of `source`); Chrome writes the opening of its JSON object.
 * `scenario` is the file name without directory; `source` (len bytes) the
 * scenario's text. Returns 0, or RT_ENOMEM / RT_EINVAL (NULL out). On error
 * the writer needs no close. */
int rt_trace_writer_open(rt_trace_writer *w, FILE *out, rt_trace_format format,
                         const char *scenario, const char *source,
                         size_t source_len, rt_clock_mode clock);

/* Writes one event. Events must come in seq order, all of them (version
 * 2 leaves out what the events before say: see docs/trace-format.md);
 * events after a run.end are ignored. Errors are remembered in w->error
 * and reported by close. */
void rt_trace_writer_event(rt_trace_writer *w, const rt_event *ev);

/* The world's hook: rt_trace_writer_event(data, ev). */
void rt_trace_writer_hook(void *data, const rt_event *ev);

/* Ends the trace: writes a run.end (seq after the last event, its t, n =
 * `status`, text = `text`) unless one went through already, closes the
 * Chrome JSON object, flushes and frees the writer's memory. Returns 0 or
 * the first error (RT_EIO when a write failed). The FILE stays open. */
int rt_trace_writer_close(rt_trace_writer *w, int status, const char *text);

/* Formats one event on its own as a JSON Lines line (with the '\n') into
 * buf: every key of its kind that is not zero, with none of the defaults
 * a trace applies in context. Returns the line's length, which may exceed
 * `size` (then the text is truncated but NUL-terminated, as snprintf
 * does). */
size_t rt_trace_format_event(const rt_event *ev, char *buf, size_t size);

/* Writes Python's repr() of a finite or infinite double (shortest digits
 * that round-trip: "0.1", "1e-05", "1.5e+16", "inf") into buf (at least
 * 32 bytes); returns the length. */
size_t rt_trace_float_repr(double v, char *buf);

/* ------------------------------------------------------------------------ */
/* A trace in memory                                                        */
/* ------------------------------------------------------------------------ */

typedef struct rt_trace_chunk rt_trace_chunk; /* arena block */

/* A trace: header and events. Strings (scenario, source, and every event's
 * name/type/text/func) live in the trace's arena and stay valid until
 * rt_trace_free, even when events are appended later. Read-only outside
 * trace.c, except through rt_trace_append. */
typedef struct rt_trace {
    int version;            /* the header's version */
    rt_clock_mode clock;    /* the header's clock */
    char *scenario;         /* file name without directory ("" if unknown) */
    char *source;           /* the scenario's text, NUL-terminated */
    size_t source_len;      /* its length in bytes */
    char sha256[65];        /* lowercase hex of the source's SHA-256 */
    rt_event *events;       /* events[i].seq == i */
    size_t len, cap;        /* events used and allocated */
    bool complete;          /* the last event is run.end */
    rt_trace_chunk *arena;  /* owned string storage */
} rt_trace;

/* Creates an empty trace for a live run. Returns NULL when out of memory. */
rt_trace *rt_trace_new(const char *scenario, const char *source,
                       size_t source_len, rt_clock_mode clock);

/* Appends a copy of `ev` (its strings copied into the arena; seq is set to
 * the event's index; the fields its kind does not carry cleared, as the
 * writer would drop them). `ev` carries every value, as the runtime emits
 * them and the reader restores them. Returns 0 or RT_ENOMEM (then nothing
 * changed). */
int rt_trace_append(rt_trace *tr, const rt_event *ev);

/* Frees the trace and its strings. NULL is allowed. */
void rt_trace_free(rt_trace *tr);

/* Where and why reading a trace failed. */
typedef struct rt_trace_error {
    char file[256];    /* the path or name given to the reader */
    int line;          /* 1-based line, 0 when it concerns the whole file */
    int col;           /* 1-based column (bytes) in that line, 0 for the
                          whole line */
    char message[256]; /* one sentence, no file or line prefix */
} rt_trace_error;

/* Writes "file:line:col: message\n", "file:line: message\n" when the
 * column is unknown, or "file: message\n" when line is 0. */
void rt_trace_error_print(const rt_trace_error *err, FILE *out);

/* Reader flags. */
enum {
    /* Accept a trace cut short (no run.end, or an incomplete last line):
     * the events read so far are kept and tr->complete is false. */
    RT_TRACE_LENIENT = 1u << 0
};

/* Parses a JSON Lines trace held in memory. `name` labels errors. On
 * success *out is a new trace (rt_trace_free) and 0 is returned; on bad
 * input RT_EFORMAT (RT_ENOMEM when out of memory) with *out NULL and `err`
 * filled: a truncated last line, a missing run.end ("trace is incomplete:
 * no run.end event (was the run cut short?)"), bad JSON, wrong types,
 * unknown kinds or keys, seq gaps, a newer version. Version 1 and 2
 * traces are read; the keys version 2 leaves out are filled in, so that
 * the events hold every value. `err` may be NULL. */
int rt_trace_parse(const char *data, size_t len, const char *name,
                   unsigned flags, rt_trace **out, rt_trace_error *err);

/* Reads and parses the file at `path` (RT_EIO when it cannot be read). */
int rt_trace_read(const char *path, unsigned flags, rt_trace **out,
                  rt_trace_error *err);

/* Writes a trace held in memory again, as JSON Lines in the trace's own
 * version (byte-identical to the file it was read from, or to the file the
 * runtime writes) or as Chrome JSON. Returns 0 or an error. */
int rt_trace_export(const rt_trace *tr, FILE *out, rt_trace_format format);

/* ------------------------------------------------------------------------ */
/* Comparing and describing                                                 */
/* ------------------------------------------------------------------------ */

/* A readable one-line form of event i, e.g.
 * "t=1.000  Task-2  task.suspend line 7 awaits sleep(1)", into buf. Task
 * names come from the task.create events of `tr` before i. */
void rt_trace_describe(const rt_trace *tr, size_t i, char *buf, size_t size);

/* Compares `expected` (the golden trace) with `actual`: the header's
 * version, scenario, sha256 and clock, then every event, every key, every
 * bit of each number. Returns 0 when they are equal. Otherwise returns 1
 * and, when `report` is not NULL, writes where they first differ and the
 * few events around it from both sides, side by side. */
int rt_trace_compare(const rt_trace *expected, const rt_trace *actual,
                     FILE *report);

#ifdef __cplusplus
}
#endif

#endif /* LOOPSCOPE_TRACE_H */
