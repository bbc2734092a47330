/*
 * clock.c - the world's two clocks, and the float formatting shared by
 * every text that shows a time.
 *
 * The virtual clock is a double that only the baton holder moves, and only
 * forward: to the next timer, to a worker's wake-up, or past a blocking
 * time.sleep on the loop thread. It never reads the system clock, so a
 * scenario gives the same times on every machine. The real clock is
 * CLOCK_MONOTONIC measured from the world's creation, so it also starts at
 * 0.0 and traces of both modes read alike.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_internal.h"

/* Records the origin of the real clock; the virtual clock starts at 0. */
void rt__clock_init(rt_world *w)
{
    w->now = 0.0;
    clock_gettime(CLOCK_MONOTONIC, &w->origin);
}

/* The current time of the world's clock, in seconds since creation. */
double rt__clock_now(const rt_world *w)
{
    if (w->mode == RT_CLOCK_VIRTUAL)
        return w->now;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)(ts.tv_sec - w->origin.tv_sec) +
           (double)(ts.tv_nsec - w->origin.tv_nsec) * 1e-9;
}

/* Moves the virtual clock forward to `when`. The clock.advance event is
 * emitted before the move so that its `t` is the old time and `when` the
 * new one, as the trace format wants. A target in the past is ignored: the
 * clock never goes back. */
void rt__clock_advance(rt_world *w, double when, const char *why)
{
    if (!(when > w->now))
        return;
    if (w->hook) {
        rt_event ev = rt_event_init(RT_EV_CLOCK_ADVANCE);
        ev.when = when;
        ev.text = why;
        rt_world_emit(w, &ev);
    }
    w->now = when;
}

/* The public face of the clock (see rt.h). */
double rt_world_time(const rt_world *w) { return rt__clock_now(w); }

rt_clock_mode rt_world_clock_mode(const rt_world *w) { return w->mode; }

/* Formats `v` as Python's repr(float) does: the shortest digit string that
 * reads back to the same double, in fixed notation when the decimal point
 * falls within (-4, 16] digits and in exponent notation otherwise, with
 * ".0" added to integral fixed values. */
void rt__format_float(double v, char *buf, size_t size)
{
    if (isnan(v)) {
        snprintf(buf, size, "nan");
        return;
    }
    if (isinf(v)) {
        snprintf(buf, size, v < 0 ? "-inf" : "inf");
        return;
    }
    if (v == 0.0) {
        snprintf(buf, size, signbit(v) ? "-0.0" : "0.0");
        return;
    }
    /* Find the shortest %e precision that round-trips. */
    char e[40];
    for (int prec = 0; prec <= 17; prec++) {
        snprintf(e, sizeof e, "%.*e", prec, v);
        if (strtod(e, NULL) == v)
            break;
    }
    /* Split "-d.ddde+XX" into sign, digits and exponent. */
    const char *p = e;
    bool neg = false;
    if (*p == '-') {
        neg = true;
        p++;
    }
    char digits[24];
    int nd = 0;
    for (; *p && *p != 'e'; p++)
        if (*p != '.' && nd < (int)sizeof digits - 1)
            digits[nd++] = *p;
    digits[nd] = '\0';
    while (nd > 1 && digits[nd - 1] == '0')
        digits[--nd] = '\0';
    int exp10 = *p == 'e' ? atoi(p + 1) : 0;
    int decpt = exp10 + 1; /* value = 0.DIGITS x 10^decpt */

    char out[64];
    size_t n = 0;
    if (neg)
        out[n++] = '-';
    if (decpt > -4 && decpt <= 16) {
        if (decpt <= 0) {
            out[n++] = '0';
            out[n++] = '.';
            for (int i = 0; i < -decpt; i++)
                out[n++] = '0';
            for (int i = 0; i < nd; i++)
                out[n++] = digits[i];
        } else {
            for (int i = 0; i < decpt; i++)
                out[n++] = i < nd ? digits[i] : '0';
            out[n++] = '.';
            if (nd > decpt)
                for (int i = decpt; i < nd; i++)
                    out[n++] = digits[i];
            else
                out[n++] = '0';
        }
        out[n] = '\0';
    } else {
        out[n++] = digits[0];
        if (nd > 1) {
            out[n++] = '.';
            for (int i = 1; i < nd; i++)
                out[n++] = digits[i];
        }
        snprintf(out + n, sizeof out - n, "e%c%02d", exp10 < 0 ? '-' : '+',
                 abs(exp10));
    }
    snprintf(buf, size, "%s", out);
}
