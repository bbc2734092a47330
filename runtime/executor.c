/*
 * executor.c - thread-pool executors: concurrent.futures.ThreadPoolExecutor
 * as asyncio's run_in_executor and to_thread use it, on real pthreads.
 *
 * A pool starts threads lazily, one per submit while no thread is idle, up
 * to max_workers (as ThreadPoolExecutor._adjust_thread_count does); an idle
 * thread takes new work first, the one idle longest; beyond that, jobs
 * queue in FIFO order and a worker that finishes takes the next one at
 * once.
 *
 * Virtual-clock mode makes this deterministic with the world's baton (see
 * world.c): submit hands the baton to the worker, which runs the job until
 * it sleeps (rt_job_sleep) or ends, then hands the baton back. A sleeping
 * worker is filed by (wake time, order it went to sleep); the loop thread
 * wakes it when it lets time pass. The job's time.sleep thus costs virtual
 * time on its own worker only, and the trace is the same on every machine.
 *
 * Real-clock mode uses the baton as a GIL: a worker holds it while running
 * a job, except while it really sleeps.
 *
 * Workers never touch a loop: a job reports back only through
 * rt_loop_call_soon_threadsafe. The thread-locals below are the one
 * unavoidable global state: rt_job_current() must know which job, if any,
 * the calling thread runs, and rt_world_emit which worker emits.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "rt_internal.h"

/* The worker the calling thread is (NULL on the loop thread), and the job
 * it is running. Set by the worker thread itself, read only by it. The
 * worker is visible to the other files through rt__current_worker (an
 * inline read: rt_world_emit asks for every event). */
_Thread_local rt__worker *rt__tls_worker;
static _Thread_local rt_job *tls_job;

bool rt__on_worker(void) { return rt__tls_worker != NULL; }
rt_job *rt_job_current(void) { return tls_job; }

/* Accessors: see rt.h. A queued job has no worker yet (-1). */
uint64_t rt_job_id(const rt_job *job) { return job->id; }
int rt_job_worker(const rt_job *job)
{
    return job->worker ? job->worker->index : -1;
}
const char *rt_job_executor_name(const rt_job *job)
{
    return job->ex && job->ex->name ? job->ex->name : "";
}
uint64_t rt_job_executor_id(const rt_job *job)
{
    return job->ex ? job->ex->id : 0;
}
int rt_executor_max_workers(const rt_executor *ex) { return ex->max_workers; }
uint64_t rt_executor_id(const rt_executor *ex) { return ex->id; }

/* The baton slot of the calling thread. */
static rt__thread *my_slot(rt_world *w)
{
    return rt__tls_worker ? &rt__tls_worker->slot : &w->home;
}

/* The worker's thread name as Python's threading module gives it
 * ("ThreadPoolExecutor-0_1"); a 16-byte buffer gets the kernel's 15-char
 * cut. */
static void thread_name(const rt__worker *wk, char *buf, size_t size)
{
    char full[96];
    snprintf(full, sizeof full, "%s_%d", wk->ex->name, wk->index);
    snprintf(buf, size, "%.*s", size <= 16 ? 15 : (int)size - 1, full);
}

static void emit_job(rt_world *w, rt_event_kind kind, const rt_job *job,
                     const rt__worker *wk)
{
    rt_event ev = rt_event_init(kind);
    ev.executor = job->ex->id;
    ev.job = job->id;
    if (wk)
        ev.worker = wk->index;
    rt_world_emit(w, &ev);
}

/* Real mode: every loop re-checks for a deadlock when the last job ends,
 * since a job that ends without calling back would otherwise leave a loop
 * waiting forever. Runs on the worker, holding the GIL. */
static void wake_all_loops(rt_world *w)
{
    for (rt_loop *l = w->loops; l; l = l->next) {
        pthread_mutex_lock(&l->tsq_mu);
        if (!l->tsq_pending && l->efd >= 0) {
            uint64_t one = 1;
            l->tsq_pending = true;
            ssize_t n = write(l->efd, &one, sizeof one);
            (void)n;
        }
        pthread_mutex_unlock(&l->tsq_mu);
    }
}

/* Runs one job on the calling worker, which holds the baton (or the GIL),
 * then frees it and does the accounting. */
static void run_job(rt__worker *me, rt_job *job)
{
    rt_world *w = me->ex->w;
    tls_job = job;
    job->worker = me;
    if (w->hook)
        emit_job(w, RT_EV_EXEC_START, job, me);
    job->fn(job, job->data);
    if (w->hook) {
        char type[RT__TEXT], text[RT__TEXT];
        rt_event ev = rt_event_init(RT_EV_EXEC_DONE);
        ev.executor = me->ex->id;
        ev.job = job->id;
        ev.worker = me->index;
        ev.kind2 = RT_OUTCOME_RESULT;
        if (!rt_is_none(job->exc)) {
            ev.kind2 = RT_OUTCOME_EXCEPTION;
            rt__describe(w, job->exc, RT_DESCRIBE_TYPE, type, sizeof type);
            rt__describe(w, job->exc, RT_DESCRIBE_STR, text, sizeof text);
            ev.type = type;
            ev.text = text;
        }
        rt_world_emit(w, &ev);
    }
    tls_job = NULL;
    rt_value_release(job->exc);
    rt_free(job->label);
    rt_free(job);
    pthread_mutex_lock(&w->mu);
    w->outstanding--;
    me->ex->busy--;
    bool none_left = w->outstanding == 0;
    pthread_mutex_unlock(&w->mu);
    if (w->mode == RT_CLOCK_REAL && none_left)
        wake_all_loops(w);
}

/* Takes the next queued job for `me`, or files `me` as idle. Mutex held. */
static void next_or_idle(rt_executor *ex, rt__worker *me)
{
    rt_job *job = ex->queue_first;
    if (job) {
        ex->queue_first = job->next;
        if (!ex->queue_first)
            ex->queue_last = NULL;
        ex->nqueue--;
        job->next = NULL;
        me->job = job;
        return;
    }
    me->job = NULL;
    me->next_idle = NULL;
    if (ex->idle_last)
        ex->idle_last->next_idle = me;
    else
        ex->idle_first = me;
    ex->idle_last = me;
}

/* Virtual mode: wait for the baton, run jobs back to back while holding
 * it, then go idle and hand it back to whoever gave it. */
static void worker_virtual(rt__worker *me)
{
    rt_world *w = me->ex->w;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (w->baton != &me->slot && !me->exit)
            pthread_cond_wait(&me->slot.cv, &w->mu);
        if (w->baton != &me->slot)
            break; /* shut down while idle */
        while (me->job) {
            rt_job *job = me->job;
            pthread_mutex_unlock(&w->mu);
            run_job(me, job);
            pthread_mutex_lock(&w->mu);
            next_or_idle(me->ex, me);
        }
        w->baton = me->giver;
        pthread_cond_signal(&me->giver->cv);
    }
    pthread_mutex_unlock(&w->mu);
}

/* Real mode: wait for a job, run it holding the GIL, repeat; leave when
 * shut down with nothing left to do. */
static void worker_real(rt__worker *me)
{
    rt_world *w = me->ex->w;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!me->job && !me->exit)
            pthread_cond_wait(&me->slot.cv, &w->mu);
        if (!me->job)
            break;
        rt_job *job = me->job;
        pthread_mutex_unlock(&w->mu);
        pthread_mutex_lock(&w->gil);
        run_job(me, job);
        pthread_mutex_unlock(&w->gil);
        pthread_mutex_lock(&w->mu);
        next_or_idle(me->ex, me);
    }
    pthread_mutex_unlock(&w->mu);
}

static void *worker_main(void *arg)
{
    rt__worker *me = arg;
    char name[16];
    thread_name(me, name, sizeof name);
    pthread_setname_np(pthread_self(), name);
    rt__tls_worker = me;
    if (me->ex->w->mode == RT_CLOCK_VIRTUAL)
        worker_virtual(me);
    else
        worker_real(me);
    rt__tls_worker = NULL;
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* The public API                                                           */
/* ------------------------------------------------------------------------ */

/* Creates a pool; no thread starts yet. `name` defaults to
 * "ThreadPoolExecutor-<id-1>", as ThreadPoolExecutor names its threads. */
int rt_executor_new(rt_world *w, int max_workers, const char *name,
                    rt_executor **out)
{
    if (!w || !out || max_workers <= 0)
        return RT_EINVAL;
    char def[48];
    if (!name) {
        snprintf(def, sizeof def, "ThreadPoolExecutor-%llu",
                 (unsigned long long)w->ids[RT_ID_EXECUTOR]);
        name = def;
    }
    rt_executor *ex = rt_calloc(1, sizeof *ex);
    if (!ex)
        return RT_ENOMEM;
    ex->workers = rt_calloc((size_t)max_workers, sizeof *ex->workers);
    size_t len = strlen(name);
    ex->name = rt_malloc(len + 1);
    if (!ex->workers || !ex->name) {
        rt_free(ex->workers);
        rt_free(ex->name);
        rt_free(ex);
        return RT_ENOMEM;
    }
    memcpy(ex->name, name, len + 1);
    ex->w = w;
    ex->max_workers = max_workers;
    ex->id = rt__next_id(w, RT_ID_EXECUTOR);
    w->nexecutors++;
    if (w->hook) {
        rt_event ev = rt_event_init(RT_EV_EXEC_CREATE);
        ev.executor = ex->id;
        ev.n = max_workers;
        ev.name = ex->name;
        rt_world_emit(w, &ev);
    }
    *out = ex;
    return RT_OK;
}

/* Starts a worker thread with `job` assigned. Mutex held. */
static int start_worker(rt_executor *ex, rt_job *job, rt__worker **out)
{
    rt_world *w = ex->w;
    if (w->nworkers + 1 > w->capsleepers) {
        size_t cap = w->capsleepers ? w->capsleepers * 2 : 8;
        rt__worker **s = rt_realloc(w->sleepers, cap * sizeof *s);
        if (!s)
            return RT_ENOMEM;
        w->sleepers = s;
        w->capsleepers = cap;
    }
    rt__worker *wk = rt_calloc(1, sizeof *wk);
    if (!wk)
        return RT_ENOMEM;
    pthread_cond_init(&wk->slot.cv, NULL);
    wk->ex = ex;
    wk->index = ex->nworkers;
    wk->job = job;
    if (pthread_create(&wk->thread, NULL, worker_main, wk) != 0) {
        pthread_cond_destroy(&wk->slot.cv);
        rt_free(wk);
        return RT_ETHREAD;
    }
    ex->workers[ex->nworkers++] = wk;
    w->nworkers++;
    *out = wk;
    return RT_OK;
}

/* Submits a job: see rt.h. Fails with RT_ESHUTDOWN, RT_ENOMEM or
 * RT_ETHREAD without side effects. */
int rt_executor_submit(rt_executor *ex, rt_job_fn fn, void *data,
                       const char *label, uint64_t *out)
{
    rt_world *w = ex->w;
    if (!fn)
        return RT_EINVAL;
    if (ex->shutdown)
        return RT_ESHUTDOWN;
    rt_job *job = rt_calloc(1, sizeof *job);
    if (!job)
        return RT_ENOMEM;
    if (label) {
        size_t len = strlen(label);
        job->label = rt_malloc(len + 1);
        if (!job->label) {
            rt_free(job);
            return RT_ENOMEM;
        }
        memcpy(job->label, label, len + 1);
    }
    job->fn = fn;
    job->data = data;
    job->ex = ex;

    pthread_mutex_lock(&w->mu);
    rt__worker *wk = ex->idle_first;
    bool started = false;
    if (wk) {
        ex->idle_first = wk->next_idle;
        if (!ex->idle_first)
            ex->idle_last = NULL;
        wk->next_idle = NULL;
        wk->job = job;
    } else if (ex->nworkers < ex->max_workers) {
        int r = start_worker(ex, job, &wk);
        if (r < 0) {
            pthread_mutex_unlock(&w->mu);
            rt_free(job->label);
            rt_free(job);
            return r;
        }
        started = true;
    } else {
        if (ex->queue_last)
            ex->queue_last->next = job;
        else
            ex->queue_first = job;
        ex->queue_last = job;
        ex->nqueue++;
    }
    job->id = rt__next_id(w, RT_ID_JOB);
    w->outstanding++;
    ex->busy++;
    int64_t nqueue = (int64_t)ex->nqueue;
    pthread_mutex_unlock(&w->mu);

    uint64_t id = job->id; /* the job may be freed before we return */
    if (w->hook) {
        rt_event ev = rt_event_init(RT_EV_EXEC_SUBMIT);
        ev.executor = ex->id;
        ev.job = id;
        ev.n = nqueue;
        ev.name = job->label;
        rt_world_emit(w, &ev);
        if (started) {
            char name[96]; /* the whole name, not the kernel's 15 chars */
            thread_name(wk, name, sizeof name);
            rt_event t = rt_event_init(RT_EV_EXEC_THREAD);
            t.executor = ex->id;
            t.worker = wk->index;
            t.name = name;
            rt_world_emit(w, &t);
        }
    }
    if (wk) {
        pthread_mutex_lock(&w->mu);
        if (w->mode == RT_CLOCK_VIRTUAL) {
            rt__thread *self = my_slot(w);
            wk->giver = self;
            rt__baton_pass(w, self, &wk->slot);
        } else {
            pthread_cond_signal(&wk->slot.cv);
        }
        pthread_mutex_unlock(&w->mu);
        if (w->mode == RT_CLOCK_VIRTUAL && !rt__tls_worker)
            rt__world_drain_all(w);
    }
    if (out)
        *out = id;
    return RT_OK;
}

/* Removes a queued job; it is reported as exec.done with state
 * "cancelled". The caller still owns the job's data. */
bool rt_executor_cancel(rt_executor *ex, uint64_t id)
{
    rt_world *w = ex->w;
    pthread_mutex_lock(&w->mu);
    rt_job *prev = NULL, *job = ex->queue_first;
    while (job && job->id != id) {
        prev = job;
        job = job->next;
    }
    if (!job) {
        pthread_mutex_unlock(&w->mu);
        return false;
    }
    if (prev)
        prev->next = job->next;
    else
        ex->queue_first = job->next;
    if (ex->queue_last == job)
        ex->queue_last = prev;
    ex->nqueue--;
    w->outstanding--;
    ex->busy--;
    pthread_mutex_unlock(&w->mu);
    if (w->hook) {
        rt_event ev = rt_event_init(RT_EV_EXEC_DONE);
        ev.executor = ex->id;
        ev.job = job->id;
        ev.kind2 = RT_OUTCOME_CANCELLED;
        rt_world_emit(w, &ev);
    }
    rt_free(job->label);
    rt_free(job);
    return true;
}

/* Tells every (idle) worker to leave and joins the threads. */
static void join_workers(rt_executor *ex)
{
    rt_world *w = ex->w;
    pthread_mutex_lock(&w->mu);
    for (int i = 0; i < ex->nworkers; i++) {
        ex->workers[i]->exit = true;
        pthread_cond_signal(&ex->workers[i]->slot.cv);
    }
    pthread_mutex_unlock(&w->mu);
    rt__gil_release(w);
    for (int i = 0; i < ex->nworkers; i++)
        pthread_join(ex->workers[i]->thread, NULL);
    rt__gil_acquire(w);
    pthread_mutex_lock(&w->mu);
    for (int i = 0; i < ex->nworkers; i++) {
        pthread_cond_destroy(&ex->workers[i]->slot.cv);
        rt_free(ex->workers[i]);
        ex->workers[i] = NULL;
    }
    w->nworkers -= (size_t)ex->nworkers;
    ex->nworkers = 0;
    ex->idle_first = ex->idle_last = NULL;
    pthread_mutex_unlock(&w->mu);
    ex->joined = true;
}

static size_t busy_jobs(rt_executor *ex)
{
    pthread_mutex_lock(&ex->w->mu);
    size_t n = ex->busy;
    pthread_mutex_unlock(&ex->w->mu);
    return n;
}

/* shutdown(wait): see rt.h. Only the loop thread may wait (a worker would
 * wait for itself): RT_EINVAL on a worker. In virtual mode, waiting lets
 * time pass: sleeping workers of every executor wake in turn until this
 * one's jobs have all ended. */
int rt_executor_shutdown(rt_executor *ex, bool wait)
{
    rt_world *w = ex->w;
    if (wait && rt__tls_worker)
        return RT_EINVAL;
    if (!ex->shutdown) {
        pthread_mutex_lock(&w->mu);
        ex->shutdown = true;
        pthread_mutex_unlock(&w->mu);
        if (w->hook) {
            rt_event ev = rt_event_init(RT_EV_EXEC_SHUTDOWN);
            ev.executor = ex->id;
            ev.n = wait ? 1 : 0;
            rt_world_emit(w, &ev);
        }
    }
    if (!wait || ex->joined)
        return RT_OK;
    if (w->mode == RT_CLOCK_VIRTUAL) {
        while (busy_jobs(ex) > 0)
            if (RT_NEVER(!rt__run_next_worker(w)))
                break;
    }
    join_workers(ex);
    return RT_OK;
}

/* Frees an executor, first waiting for its jobs as shutdown(wait) would if
 * that has not happened yet. */
void rt_executor_free(rt_executor *ex)
{
    if (!ex)
        return;
    if (!ex->joined)
        rt_executor_shutdown(ex, true);
    ex->w->nexecutors--;
    rt_free(ex->workers);
    rt_free(ex->name);
    rt_free(ex);
}

/* time.sleep on a worker: see rt.h. */
void rt_job_sleep(rt_job *job, double seconds)
{
    rt__worker *me = job->worker;
    rt_world *w = me->ex->w;
    if (isnan(seconds) || seconds < 0)
        seconds = 0;
    double wake = rt__clock_now(w) + seconds;
    if (w->hook) {
        char text[RT__TEXT];
        rt_event ev = rt_event_init(RT_EV_EXEC_BLOCK);
        ev.executor = me->ex->id;
        ev.job = job->id;
        ev.worker = me->index;
        ev.when = wake;
        rt__format_sleep(seconds, text, sizeof text);
        ev.text = text;
        rt_world_emit(w, &ev);
    }
    if (w->mode == RT_CLOCK_VIRTUAL) {
        pthread_mutex_lock(&w->mu);
        me->wake = wake;
        me->sleep_seq = ++w->sleep_seq;
        rt__sleepers_insert(w, me);
        rt__baton_pass(w, &me->slot, me->giver);
        pthread_mutex_unlock(&w->mu);
    } else {
        struct timespec ts;
        ts.tv_sec = (time_t)seconds;
        ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
        pthread_mutex_unlock(&w->gil);
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
            ;
        pthread_mutex_lock(&w->gil);
    }
    if (w->hook)
        emit_job(w, RT_EV_EXEC_WAKE, job, me);
}

/* Remembers the job's exception for exec.done; see rt.h. */
void rt_job_set_exception(rt_job *job, rt_value exc)
{
    rt_value_retain(exc);
    rt_value_release(job->exc);
    job->exc = exc;
}
