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

/* The Chrome exporter, driven by the trace writer (trace_chrome.c). */
int rt__chrome_open(rt_trace_writer *w, rt__sink *s, const char *scenario,
                    const char *sha256, rt_clock_mode clock);
void rt__chrome_event(rt_trace_writer *w, rt__sink *s, const rt_event *ev);
void rt__chrome_close(rt_trace_writer *w, rt__sink *s);

#endif /* LOOPSCOPE_TRACE_INTERNAL_H */
