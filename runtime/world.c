/*
 * world.c - the world: what every loop and executor of one run shares.
 *
 * A world holds the clock, the event hook and its sequence numbers, the id
 * counters (one per kind of thing, so ids read "task 3", "handle 12"),
 * asyncio's task-name counter, the embedder's host callbacks (with defaults
 * for C users), and the baton that decides which thread runs.
 *
 * The baton. Executor workers are real threads, but in virtual-clock mode
 * exactly one thread runs at a time, so a run is deterministic. The world's
 * `baton` names the thread allowed to run; a thread hands it on by setting
 * `baton` under the world's mutex and signalling the receiver's condition
 * variable, then waits on its own until the baton comes back. Every
 * hand-off is explicit, in one of four places:
 *   - submit: the caller hands it to the worker that starts the job;
 *   - a worker whose job sleeps or ends hands it back to whoever gave it;
 *   - the loop thread, letting time pass (select, time.sleep, shutdown),
 *     hands it to each sleeping worker in order of (wake time, order in
 *     which they went to sleep), moving the clock to that wake time;
 *   - shutdown hands idle workers an exit flag (they leave without it).
 * Whenever the baton comes back to the loop thread, the threadsafe queues
 * of every loop are drained into their ready queues: a job's completion
 * joins the ready queue at the moment it happens, as it does in CPython
 * where call_soon_threadsafe appends to the deque from the worker.
 *
 * In real-clock mode the baton is a plain mutex used like Python's GIL: the
 * loop thread holds it except while it waits (select, time.sleep, joining
 * threads), workers hold it while running a job except while they sleep.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_internal.h"

/* ------------------------------------------------------------------------ */
/* The default host: plain integers as exceptions                           */
/* ------------------------------------------------------------------------ */

static rt_exc_class default_classify(void *data, rt_value exc)
{
    if (exc.kind == RT_KIND_INT && exc.u.i == RT_CEXC_CANCELLED)
        return RT_EXC_CANCELLED;
    if (exc.kind == RT_KIND_INT && exc.u.i == RT_CEXC_FATAL)
        return RT_EXC_FATAL;
    return RT_EXC_ERROR;
}

static rt_value default_make_exception(void *data, rt_exc_make what,
                                       rt_value msg, const char *text)
{
    switch (what) {
    case RT_MAKE_CANCELLED:
        return rt_int(RT_CEXC_CANCELLED);
    case RT_MAKE_INVALID_STATE:
        return rt_int(RT_CEXC_INVALID_STATE);
    case RT_MAKE_RUNTIME_ERROR:
        break;
    }
    return rt_int(RT_CEXC_RUNTIME_ERROR);
}

/* The type name the default host gives an integer exception. */
static const char *int_exception_type(int64_t i)
{
    switch (i) {
    case RT_CEXC_CANCELLED:
        return "CancelledError";
    case RT_CEXC_INVALID_STATE:
        return "InvalidStateError";
    case RT_CEXC_RUNTIME_ERROR:
        return "RuntimeError";
    case RT_CEXC_FATAL:
        return "KeyboardInterrupt";
    }
    return "int";
}

/* Describes futures and tasks the way asyncio's reprs start, which is all
 * the default host can know about an object; other objects by type name. */
static void describe_object(rt_world *w, rt_object *obj, rt_describe how,
                            char *buf, size_t size)
{
    static const char *const states[] = {"pending", "finished", "cancelled"};
    if (rt__is_task_obj(w, obj)) {
        rt_task *t = (rt_task *)obj;
        char nb[RT_TASK_NAME_SIZE];
        const char *tn = rt_task_name(t, nb);
        if (how == RT_DESCRIBE_NAME || how == RT_DESCRIBE_STR)
            snprintf(buf, size, "%s", tn);
        else if (how == RT_DESCRIBE_TYPE)
            snprintf(buf, size, "Task");
        else
            snprintf(buf, size, "<Task %s name='%s'>",
                     states[t->fut.state % 3], tn);
        return;
    }
    if (rt__is_future_obj(w, obj)) {
        rt_future *f = (rt_future *)obj;
        if (how == RT_DESCRIBE_NAME)
            snprintf(buf, size, "%s", rt_future_role_name(f->role));
        else if (how == RT_DESCRIBE_TYPE)
            snprintf(buf, size, "Future");
        else
            snprintf(buf, size, "<Future %s>", states[f->state % 3]);
        return;
    }
    snprintf(buf, size, "%s", obj->type->name ? obj->type->name : "object");
}

/* The default describe. Needs the world for objects, which the host
 * signature does not pass: rt__describe calls it with the world. */
static void default_describe(rt_world *w, rt_value v, rt_describe how,
                             char *buf, size_t size)
{
    if (v.kind & RT_KIND_OBJECT) {
        describe_object(w, (rt_object *)v.u.p, how, buf, size);
        return;
    }
    if (v.kind == RT_KIND_NONE) {
        snprintf(buf, size, "%s", how == RT_DESCRIBE_NAME ? "" : "None");
        return;
    }
    if (how == RT_DESCRIBE_TYPE)
        snprintf(buf, size, "%s", int_exception_type(v.u.i));
    else if (how == RT_DESCRIBE_NAME)
        snprintf(buf, size, "%s", "");
    else
        snprintf(buf, size, "%lld", (long long)v.u.i);
}

/* asyncio's default_exception_handler, reduced to what C values can say:
 * the message, then "future: <repr>" and the exception's type and text. */
static void default_exception_handler(rt_world *w, rt_loop *loop,
                                      const rt_exc_context *ctx)
{
    char buf[RT__TEXT], type[RT__TEXT];
    fprintf(stderr, "%s\n", ctx->message ? ctx->message : "Unhandled error");
    if (ctx->future) {
        rt__describe(w, rt__obj_value(ctx->future), RT_DESCRIBE_REPR, buf,
                     sizeof buf);
        fprintf(stderr, "%s: %s\n", ctx->future->is_task ? "task" : "future",
                buf);
    }
    if (!rt_is_none(ctx->exception)) {
        rt__describe(w, ctx->exception, RT_DESCRIBE_TYPE, type, sizeof type);
        rt__describe(w, ctx->exception, RT_DESCRIBE_STR, buf, sizeof buf);
        fprintf(stderr, "%s: %s\n", type, buf);
    }
}

/* ------------------------------------------------------------------------ */
/* Host dispatch                                                            */
/* ------------------------------------------------------------------------ */

rt_exc_class rt__classify(rt_world *w, rt_value exc)
{
    if (w->host.classify)
        return w->host.classify(w->host_data, exc);
    return default_classify(NULL, exc);
}

/* A new exception from the host (none when it is out of memory). */
rt_value rt__make_exception(rt_world *w, rt_exc_make what, rt_value msg,
                            const char *text)
{
    if (w->host.make_exception)
        return w->host.make_exception(w->host_data, what, msg, text);
    return default_make_exception(NULL, what, msg, text);
}

/* Writes a description of `v` into buf (always NUL-terminated). */
void rt__describe(rt_world *w, rt_value v, rt_describe how, char *buf,
                  size_t size)
{
    if (size == 0)
        return;
    buf[0] = '\0';
    if (w->host.describe)
        w->host.describe(w->host_data, v, how, buf, size);
    else
        default_describe(w, v, how, buf, size);
    buf[size - 1] = '\0';
}

/* Called by rt_loop_call_exception_handler after the exc.handler event. */
void rt__call_host_handler(rt_world *w, rt_loop *loop,
                           const rt_exc_context *ctx)
{
    if (w->host.exception_handler)
        w->host.exception_handler(w->host_data, loop, ctx);
    else
        default_exception_handler(w, loop, ctx);
}

/* Remembers a type whose objects start with an rt_future (or rt_task), so
 * that events can recognise futures among callback targets. A handful of
 * types exist per embedder; a ninth would just go unrecognised. */
void rt__register_future_type(rt_world *w, const rt_type *type, bool task)
{
    const rt_type **list = task ? w->task_types : w->future_types;
    int *n = task ? &w->ntask_types : &w->nfuture_types;
    for (int i = 0; i < *n; i++)
        if (list[i] == type)
            return;
    if (*n < 8)
        list[(*n)++] = type;
}

/* Whether `obj` is one of the world's tasks (or, below, futures). */
bool rt__is_task_obj(const rt_world *w, const rt_object *obj)
{
    for (int i = 0; i < w->ntask_types; i++)
        if (obj->type == w->task_types[i])
            return true;
    return false;
}

bool rt__is_future_obj(const rt_world *w, const rt_object *obj)
{
    for (int i = 0; i < w->nfuture_types; i++)
        if (obj->type == w->future_types[i])
            return true;
    return rt__is_task_obj(w, obj);
}

/* ------------------------------------------------------------------------ */
/* Creation, ids and events                                                 */
/* ------------------------------------------------------------------------ */

/* Creates a world. The clock starts at 0.0; the calling thread becomes the
 * loop thread and, in real mode, takes the GIL. Returns RT_ENOMEM or
 * RT_EINVAL (an unknown clock mode). */
int rt_world_new(const rt_world_config *cfg, rt_world **out)
{
    static const rt_world_config defaults = {RT_CLOCK_VIRTUAL, NULL, NULL,
                                             NULL, NULL};
    if (!out)
        return RT_EINVAL;
    *out = NULL;
    if (!cfg)
        cfg = &defaults;
    if (cfg->clock != RT_CLOCK_VIRTUAL && cfg->clock != RT_CLOCK_REAL)
        return RT_EINVAL;
    rt_world *w = rt_calloc(1, sizeof *w);
    if (!w)
        return RT_ENOMEM;
    w->mode = cfg->clock;
    if (cfg->host)
        w->host = *cfg->host;
    w->host_data = cfg->host_data;
    w->hook = cfg->hook;
    w->hook_data = cfg->hook_data;
    rt__clock_init(w);
    pthread_mutex_init(&w->mu, NULL);
    pthread_mutex_init(&w->gil, NULL);
    pthread_cond_init(&w->home.cv, NULL);
    w->baton = &w->home;
    if (w->mode == RT_CLOCK_REAL)
        pthread_mutex_lock(&w->gil);
    *out = w;
    return RT_OK;
}

/* Frees the world and any zombie loops (freed loops whose objects were
 * never all released: they are leaked objects of the embedder, and their
 * memory goes now). */
void rt_world_free(rt_world *w)
{
    if (!w)
        return;
    while (w->zombies) {
        rt_loop *z = w->zombies;
        w->zombies = z->next;
        rt__loop_destroy(z);
    }
    if (w->mode == RT_CLOCK_REAL)
        pthread_mutex_unlock(&w->gil);
    pthread_cond_destroy(&w->home.cv);
    pthread_mutex_destroy(&w->gil);
    pthread_mutex_destroy(&w->mu);
    rt_free(w->sleepers);
    rt_free(w);
}

/* Sets or clears the hook; events emitted meanwhile keep their numbers
 * (the sequence counter only moves while a hook is set). */
void rt_world_set_hook(rt_world *w, rt_event_hook hook, void *data)
{
    w->hook = hook;
    w->hook_data = data;
}

bool rt_world_tracing(const rt_world *w) { return w->hook != NULL; }

/* Stamps the event with its sequence number and time, and with the worker
 * it happened on, and hands it to the hook. Events are only ever emitted
 * by the baton holder, so `seq` needs no lock. */
void rt_world_emit(rt_world *w, rt_event *ev)
{
    if (!w->hook)
        return;
    ev->seq = w->seq++;
    ev->t = w->mode == RT_CLOCK_VIRTUAL ? w->now : rt__clock_now(w);
    if (ev->worker < 0) {
        rt__worker *wk = rt__current_worker();
        if (wk && wk->ex->w == w) {
            ev->worker = wk->index;
            if (!ev->executor)
                ev->executor = wk->ex->id;
        }
    }
    w->hook(w->hook_data, ev);
}

/* Ids count from 1 per kind; only the baton holder hands them out. */
uint64_t rt__next_id(rt_world *w, int counter) { return ++w->ids[counter]; }

/* The next id of a counter; 0 for an unknown counter. */
uint64_t rt_world_next_id(rt_world *w, int counter)
{
    if (counter < 0 || counter >= RT_ID__COUNT)
        return 0;
    return rt__next_id(w, counter);
}

/* ------------------------------------------------------------------------ */
/* The baton                                                                */
/* ------------------------------------------------------------------------ */

/* Hands the baton from `self` to `to` and waits for it to come back. The
 * mutex is held on entry and on return; in between, pthread_cond_wait
 * releases it so that `to` can run. */
void rt__baton_pass(rt_world *w, rt__thread *self, rt__thread *to)
{
    w->baton = to;
    pthread_cond_signal(&to->cv);
    while (w->baton != self)
        pthread_cond_wait(&self->cv, &w->mu);
}

/* Files a sleeping worker after every sleeper with an earlier or equal wake
 * time: among equal wake times, the one that went to sleep first wakes
 * first. Capacity was reserved when the worker started. */
void rt__sleepers_insert(rt_world *w, rt__worker *wk)
{
    size_t i = w->nsleepers;
    while (i > 0 && w->sleepers[i - 1]->wake > wk->wake) {
        w->sleepers[i] = w->sleepers[i - 1];
        i--;
    }
    w->sleepers[i] = wk;
    w->nsleepers++;
}

/* Takes the first sleeper if it wakes by `limit`; NULL otherwise. */
static rt__worker *take_sleeper(rt_world *w, double limit, bool unlimited)
{
    rt__worker *wk = NULL;
    pthread_mutex_lock(&w->mu);
    if (w->nsleepers > 0 && (unlimited || w->sleepers[0]->wake <= limit)) {
        wk = w->sleepers[0];
        memmove(w->sleepers, w->sleepers + 1,
                (w->nsleepers - 1) * sizeof *w->sleepers);
        w->nsleepers--;
    }
    pthread_mutex_unlock(&w->mu);
    return wk;
}

/* Moves the clock to a sleeping worker's wake time, lets it run until it
 * blocks again or goes idle, then drains every loop's threadsafe queue. */
static void wake_worker(rt_world *w, rt__worker *wk)
{
    rt__clock_advance(w, wk->wake, "worker");
    pthread_mutex_lock(&w->mu);
    wk->giver = &w->home;
    rt__baton_pass(w, &w->home, &wk->slot);
    pthread_mutex_unlock(&w->mu);
}

/* See rt_internal.h. The watched loop is checked before the drain, since
 * draining moves its threadsafe queue into the ready queue. */
bool rt__run_due_workers(rt_world *w, double limit, bool unlimited,
                         rt_loop *watch)
{
    rt__worker *wk;
    while ((wk = take_sleeper(w, limit, unlimited))) {
        wake_worker(w, wk);
        bool hit = watch && rt__loop_tsq_nonempty(watch);
        rt__world_drain_all(w);
        if (hit)
            return true;
    }
    return false;
}

/* Executor shutdown(wait): one more sleeper wakes, whatever its time. */
bool rt__run_next_worker(rt_world *w)
{
    rt__worker *wk = take_sleeper(w, 0.0, true);
    if (!wk)
        return false;
    wake_worker(w, wk);
    rt__world_drain_all(w);
    return true;
}

/* Called by the loop thread whenever the baton comes back to it. */
void rt__world_drain_all(rt_world *w)
{
    for (rt_loop *l = w->loops; l; l = l->next)
        rt__loop_drain(l);
}

/* Jobs queued, running or sleeping in every executor of the world: the
 * loop's deadlock check asks whether a worker can still call back. */
size_t rt__outstanding_jobs(rt_world *w)
{
    pthread_mutex_lock(&w->mu);
    size_t n = w->outstanding;
    pthread_mutex_unlock(&w->mu);
    return n;
}

/* Real mode only; in virtual mode the baton is handed explicitly. */
void rt__gil_release(rt_world *w)
{
    if (w->mode == RT_CLOCK_REAL)
        pthread_mutex_unlock(&w->gil);
}

void rt__gil_acquire(rt_world *w)
{
    if (w->mode == RT_CLOCK_REAL)
        pthread_mutex_lock(&w->gil);
}

/* ------------------------------------------------------------------------ */
/* time.sleep                                                               */
/* ------------------------------------------------------------------------ */

/* "time.sleep(1)": integral durations print without ".0", as scenarios
 * usually write them; others as Python prints floats. */
static void format_sleep(double seconds, const char *prefix, char *buf,
                         size_t size)
{
    char num[40];
    if (seconds == floor(seconds) && fabs(seconds) < 1e15)
        snprintf(num, sizeof num, "%.0f", seconds);
    else
        rt__format_float(seconds, num, sizeof num);
    snprintf(buf, size, "%s(%s)", prefix, num);
}

/* The text of exec.block and loop.block events. */
void rt__format_sleep(double seconds, char *buf, size_t size)
{
    format_sleep(seconds, "time.sleep", buf, size);
}

/* Blocks the calling thread for `seconds`: see rt.h. On the loop thread the
 * loop.block event names the running loop and its current task. */
int rt_world_wait(rt_world *w, bool (*done)(void *data), void *data)
{
    if (rt_job_current())
        return RT_EINVAL;
    while (!done(data)) {
        if (w->mode == RT_CLOCK_VIRTUAL) {
            if (!rt__run_next_worker(w))
                return RT_EDEADLOCK;
        } else {
            struct timespec ts = {0, 1000000};
            rt__gil_release(w);
            nanosleep(&ts, NULL);
            rt__gil_acquire(w);
        }
    }
    return RT_OK;
}

int rt_world_sleep(rt_world *w, double seconds)
{
    if (isnan(seconds) || seconds < 0)
        return RT_EINVAL;
    rt_job *job = rt_job_current();
    if (job) {
        rt_job_sleep(job, seconds);
        return RT_OK;
    }
    double start = rt__clock_now(w);
    double target = start + seconds;
    if (w->hook) {
        char text[RT__TEXT];
        rt_event ev = rt_event_init(RT_EV_LOOP_BLOCK);
        rt_loop *loop = w->running_loop;
        if (loop) {
            ev.loop = loop->id;
            if (loop->current) {
                ev.task = loop->current->fut.id;
                rt__task_where(loop->current, &ev);
            }
        }
        ev.when = target;
        format_sleep(seconds, "time.sleep", text, sizeof text);
        ev.text = text;
        rt_world_emit(w, &ev);
    }
    if (w->mode == RT_CLOCK_VIRTUAL) {
        rt__run_due_workers(w, target, false, NULL);
        rt__clock_advance(w, target, "sleep");
        return RT_OK;
    }
    struct timespec ts;
    ts.tv_sec = (time_t)seconds;
    ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
    rt__gil_release(w);
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
    rt__gil_acquire(w);
    return RT_OK;
}
