/*
 * live.c - the queue between a live run and the window.
 *
 * The runtime calls sim_live_hook on its own thread (the world's hook),
 * possibly from an executor worker holding the world's baton. The hook
 * copies the event into a batch under a mutex: fixed-size events in one
 * array, their strings packed into one byte buffer (offsets, since the
 * buffer may move when it grows). The window's thread swaps the batch out
 * under the same mutex and appends it to its rt_trace outside the lock, so
 * neither side waits for the other longer than a memcpy.
 */
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "model.h"

/* A string of a queued event: an offset into the batch's bytes + 1, or 0
 * for NULL. */
typedef struct qevent {
    rt_event ev;           /* strings are NULL here */
    size_t name, type, text, func;
} qevent;

typedef struct batch {
    qevent *evs;
    size_t len, cap;
    char *bytes;
    size_t blen, bcap;
} batch;

struct sim_live {
    pthread_mutex_t lock;
    batch in;              /* filled by the producer */
    batch out;             /* drained by the consumer (no lock needed) */
    bool finished;         /* the producer finished */
    bool oom;              /* the producer lost events */
    double last;           /* CLOCK_MONOTONIC seconds of the last event */
};

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

sim_live *sim_live_new(void)
{
    sim_live *l = rt_calloc(1, sizeof *l);
    if (!l)
        return NULL;
    pthread_mutex_init(&l->lock, NULL);
    l->last = mono();
    return l;
}

static void batch_free(batch *b)
{
    rt_free(b->evs);
    rt_free(b->bytes);
    memset(b, 0, sizeof *b);
}

void sim_live_free(sim_live *l)
{
    if (!l)
        return;
    pthread_mutex_destroy(&l->lock);
    batch_free(&l->in);
    batch_free(&l->out);
    rt_free(l);
}

static bool put_str(batch *b, const char *s, size_t *off)
{
    *off = 0;
    if (!s || !*s)
        return true;
    size_t n = strlen(s) + 1;
    if (b->blen + n > b->bcap) {
        size_t cap = b->bcap ? b->bcap * 2 : 4096;
        while (cap < b->blen + n)
            cap *= 2;
        char *p = rt_realloc(b->bytes, cap);
        if (!p)
            return false;
        b->bytes = p;
        b->bcap = cap;
    }
    memcpy(b->bytes + b->blen, s, n);
    *off = b->blen + 1;
    b->blen += n;
    return true;
}

void sim_live_hook(void *data, const rt_event *ev)
{
    sim_live *l = data;
    pthread_mutex_lock(&l->lock);
    batch *b = &l->in;
    bool ok = true;
    if (b->len == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        qevent *p = rt_realloc(b->evs, cap * sizeof *p);
        if (p) {
            b->evs = p;
            b->cap = cap;
        } else {
            ok = false;
        }
    }
    if (ok) {
        qevent *q = &b->evs[b->len];
        q->ev = *ev;
        q->ev.name = q->ev.type = q->ev.text = q->ev.func = NULL;
        ok = put_str(b, ev->name, &q->name) && put_str(b, ev->type, &q->type) &&
             put_str(b, ev->text, &q->text) && put_str(b, ev->func, &q->func);
        if (ok)
            b->len++;
    }
    if (!ok)
        l->oom = true;
    l->last = mono();
    pthread_mutex_unlock(&l->lock);
}

void sim_live_finish(sim_live *l)
{
    pthread_mutex_lock(&l->lock);
    l->finished = true;
    pthread_mutex_unlock(&l->lock);
}

long sim_live_drain(sim_live *l, rt_trace *tr, bool *finished)
{
    /* Swap the filled batch with the empty one; keep both allocations. */
    pthread_mutex_lock(&l->lock);
    batch tmp = l->out;
    l->out = l->in;
    l->in = tmp;
    l->in.len = l->in.blen = 0;
    bool done = l->finished;
    bool oom = l->oom;
    pthread_mutex_unlock(&l->lock);
    batch *b = &l->out;
    long n = 0;
    for (size_t i = 0; i < b->len; i++) {
        rt_event ev = b->evs[i].ev;
        ev.name = b->evs[i].name ? b->bytes + b->evs[i].name - 1 : NULL;
        ev.type = b->evs[i].type ? b->bytes + b->evs[i].type - 1 : NULL;
        ev.text = b->evs[i].text ? b->bytes + b->evs[i].text - 1 : NULL;
        ev.func = b->evs[i].func ? b->bytes + b->evs[i].func - 1 : NULL;
        if (rt_trace_append(tr, &ev))
            return RT_ENOMEM;
        n++;
    }
    b->len = b->blen = 0;
    if (finished)
        *finished = done;
    return oom ? RT_ENOMEM : n;
}

double sim_live_idle(const sim_live *l)
{
    sim_live *m = (sim_live *)l;
    pthread_mutex_lock(&m->lock);
    double last = m->last;
    pthread_mutex_unlock(&m->lock);
    return mono() - last;
}

bool sim_live_finished(const sim_live *l)
{
    sim_live *m = (sim_live *)l;
    pthread_mutex_lock(&m->lock);
    bool done = m->finished;
    pthread_mutex_unlock(&m->lock);
    return done;
}
