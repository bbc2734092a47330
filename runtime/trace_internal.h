/*
 * trace_internal.h - declarations shared by the trace files (trace.c,
 * trace_chrome.c, trace_read.c) and nobody else.
 *
 * The writers build text through an rt__sink: a byte buffer that either
 * flushes into a FILE when full (the trace writer) or stops at a fixed
 * size while still counting (rt_trace_format_event, snprintf-style).
 */
#ifndef LOOPSCOPE_TRACE_INTERNAL_H
#define LOOPSCOPE_TRACE_INTERNAL_H

#include <string.h>

#include "trace.h"

/* A byte sink. Invariant: len <= cap; total counts every byte offered,
 * written or not. */
typedef struct rt__sink {
    char *buf;       /* where bytes go */
    size_t len, cap; /* bytes used, capacity */
    FILE *out;       /* flush target when full, or NULL: drop the excess */
    int *error;      /* set to RT_EIO when a flush fails (may be NULL) */
    size_t total;    /* bytes offered so far */
} rt__sink;

/* Writes the buffered bytes to s->out (when there is one). */
void rt__sink_flush(rt__sink *s);

/* Slow path of rt__sink_put: the bytes do not fit. */
void rt__sink_put_slow(rt__sink *s, const char *p, size_t n);

static inline void rt__sink_put(rt__sink *s, const char *p, size_t n)
{
    if (s->cap - s->len >= n) {
        memcpy(s->buf + s->len, p, n);
        s->len += n;
        s->total += n;
        return;
    }
    rt__sink_put_slow(s, p, n);
}

static inline void rt__sink_lit(rt__sink *s, const char *lit)
{
    rt__sink_put(s, lit, strlen(lit));
}

/* Writes a signed decimal integer. */
void rt__sink_int(rt__sink *s, int64_t v);
void rt__sink_uint(rt__sink *s, uint64_t v);

/* Writes `s` (n bytes) as a JSON string with its quotes: '"' and '\\'
 * escaped, \b \f \n \r \t by name, other control characters as \u00XX,
 * everything else (UTF-8 included) as is. */
void rt__sink_json_string(rt__sink *s, const char *str, size_t n);

/* ------------------------------------------------------------------------ */
/* Version 2's defaults                                                     */
/* ------------------------------------------------------------------------ */

/* Version 2 leaves out keys whose value a reader can tell from the events
 * before (docs/trace-format.md, "Defaults"): `loop` when it is the loop of
 * the previous event that has the key; on task.step the `handle` queued
 * for the task last; on task.step, task.suspend and task.cancel_deliver
 * the `line` and `func` of the task's position (its last task.create,
 * task.step, task.suspend or task.cancel_deliver); and the `role` "yield"
 * of a task.suspend that names the step it queued. The writer decides
 * what to leave out (codec_encode in trace.c), the reader puts it back
 * with rt__codec_decode: both keep the same state, so an event read back
 * is the event written. A trace in memory always holds every value. */

/* What the defaults remember about one task. */
typedef struct rt__ctask {
    uint64_t handle;  /* the step or wake-up queued for it last, or 0 */
    const char *func; /* its position's function (the writer's own copy,
                         the reader's arena string), or NULL */
    const char *raw;  /* the writer: the address that func's text came
                         from last, compared before the text */
    int line;         /* its position's line, 0 when unknown */
} rt__ctask;

/* The state behind the defaults. Tasks are tracked by id in an array; an
 * id beyond seq + RT__CODEC_SLACK (which no run produces: ids count from
 * 1 and each task's task.create comes first) is not tracked, and its
 * events carry every key, so a hostile trace cannot make the array huge. */
typedef struct rt__codec {
    int version;         /* 1: keys as they are; 2: the defaults */
    bool own_strings;    /* copy function names (the writer: event strings
                            are borrowed) rather than keep the pointers */
    bool oom;            /* a state update failed (the writer reports it) */
    uint64_t loop;       /* the loop of the last event with a `loop` key */
    rt__ctask *tasks;    /* by task id; entry 0 unused */
    size_t ntasks;       /* entries allocated */
    char **names;        /* own_strings: the function names, open addressing */
    size_t nnames, capnames;
} rt__codec;

enum { RT__CODEC_SLACK = 1024 };

/* Key bits (1u << RT_TKEY_x) as the encoder reports them. */
#define RT__KEY(x) (1u << RT_TKEY_##x)

void rt__codec_init(rt__codec *c, int version, bool own_strings);
void rt__codec_deinit(rt__codec *c);

/* The task state for events about task `id` at `seq`, grown as needed;
 * NULL when the id is not tracked (0, beyond the slack, or out of memory:
 * then c->oom is set). */
rt__ctask *rt__codec_task(rt__codec *c, uint64_t id, uint64_t seq);

/* Reader side: `seen` holds the keys the line had; fills in the others
 * that the defaults give and updates the state. Returns NULL, or the
 * message of an event that cannot be completed (a task.suspend with
 * neither a role nor a handle). */
const char *rt__codec_decode(rt__codec *c, rt_event *ev, uint32_t seen);

/* Opens a writer that writes trace format `version` (1 or 2): what
 * rt_trace_writer_open does with RT_TRACE_VERSION, and rt_trace_export
 * with the version of the trace it writes. */
int rt__writer_open(rt_trace_writer *w, FILE *out, rt_trace_format format,
                    const char *scenario, const char *source,
                    size_t source_len, rt_clock_mode clock, int version);

/* The Chrome exporter, driven by the trace writer (trace_chrome.c). */
int rt__chrome_open(rt_trace_writer *w, rt__sink *s, const char *scenario,
                    const char *sha256, rt_clock_mode clock);
void rt__chrome_event(rt_trace_writer *w, rt__sink *s, const rt_event *ev);
void rt__chrome_close(rt_trace_writer *w, rt__sink *s);

#endif /* LOOPSCOPE_TRACE_INTERNAL_H */
