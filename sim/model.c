/*
 * model.c - the view model's state and its fold: sim_model_apply turns one
 * event into the change the window draws (a card joins the ready queue, a
 * task moves from running to sleeping, a worker blocks, an exception hops
 * one frame up the await chain).
 *
 * The fold never fails on odd input: the trace reader has checked types
 * and kinds, but a live run or a hand-written trace may still say things
 * that contradict the state (a handle.run for a handle nobody scheduled);
 * the fold then changes what it can and goes on. Memory: arrays grow by
 * doubling; when an allocation fails the model sets `oom` and keeps the
 * state it has (the window says so rather than crashing).
 */
#include <math.h>
#include <string.h>

#include "model.h"

static const char *const place_names[] = {
#define SIM_PLACE_NAME(name, text) text,
    SIM_PLACES(SIM_PLACE_NAME)
#undef SIM_PLACE_NAME
};

const char *sim_place_name(sim_place p)
{
    return (unsigned)p < SIM_PLACE__COUNT ? place_names[p] : "?";
}

/* ------------------------------------------------------------------------ */
/* Arrays                                                                   */
/* ------------------------------------------------------------------------ */

static bool grow(void **v, size_t *cap, size_t want, size_t elem)
{
    if (want <= *cap)
        return true;
    size_t cap2 = *cap ? *cap : 8;
    while (cap2 < want)
        cap2 *= 2;
    void *p = rt_realloc(*v, cap2 * elem);
    if (!p)
        return false;
    *v = p;
    *cap = cap2;
    return true;
}

#define VEC_GROW(m, vec, n)                                                  \
    (grow((void **)&(vec).v, &(vec).cap, (n), sizeof *(vec).v) || ((m)->oom = true, false))

#define VEC_PUSH(m, vec, item)                                               \
    do {                                                                     \
        if (VEC_GROW(m, vec, (vec).len + 1))                                 \
            (vec).v[(vec).len++] = (item);                                   \
    } while (0)

#define VEC_REMOVE(vec, i)                                                   \
    do {                                                                     \
        memmove(&(vec).v[i], &(vec).v[(i) + 1],                              \
                ((vec).len - (i) - 1) * sizeof *(vec).v);                    \
        (vec).len--;                                                         \
    } while (0)

static int vec_copy(void **dst, size_t *dlen, size_t *dcap, const void *src,
                    size_t len, size_t elem)
{
    if (!grow(dst, dcap, len, elem))
        return RT_ENOMEM;
    if (len)
        memcpy(*dst, src, len * elem);
    *dlen = len;
    return RT_OK;
}

#define VEC_COPY(dst, src)                                                   \
    vec_copy((void **)&(dst).v, &(dst).len, &(dst).cap, (src).v, (src).len,  \
             sizeof *(src).v)

void sim_model_init(sim_model *m)
{
    memset(m, 0, sizeof *m);
    m->loop.phase = -1;
}

void sim_model_deinit(sim_model *m)
{
    rt_free(m->tasks.v);
    rt_free(m->ready.v);
    rt_free(m->timers.v);
    rt_free(m->executors.v);
    rt_free(m->workers.v);
    rt_free(m->job_queue.v);
    memset(m, 0, sizeof *m);
}

int sim_model_copy(sim_model *dst, const sim_model *src)
{
    if (dst == src)
        return RT_OK;
    /* Keep dst's arrays, copy everything else, then the array contents. */
    sim_model keep = *dst;
    *dst = *src;
    dst->tasks = keep.tasks;
    dst->ready = keep.ready;
    dst->timers = keep.timers;
    dst->executors = keep.executors;
    dst->workers = keep.workers;
    dst->job_queue = keep.job_queue;
    if (VEC_COPY(dst->tasks, src->tasks) || VEC_COPY(dst->ready, src->ready) ||
        VEC_COPY(dst->timers, src->timers) || VEC_COPY(dst->executors, src->executors) ||
        VEC_COPY(dst->workers, src->workers) || VEC_COPY(dst->job_queue, src->job_queue)) {
        dst->oom = true;
        return RT_ENOMEM;
    }
    return RT_OK;
}

/* ------------------------------------------------------------------------ */
/* Lookups                                                                  */
/* ------------------------------------------------------------------------ */

const sim_task *sim_model_task(const sim_model *m, uint64_t id)
{
    if (!id || id > m->tasks.len || m->tasks.v[id - 1].id != id)
        return NULL;
    return &m->tasks.v[id - 1];
}

/* The task with this id, created (as NEW) when missing. */
static sim_task *task_at(sim_model *m, uint64_t id)
{
    /* Ids count from 1 in creation order, so an id cannot exceed the
     * events seen so far; the bound keeps a hostile trace from making the
     * array huge. */
    if (!id || id > (uint64_t)m->applied + 1024)
        return NULL;
    if (id > m->tasks.len) {
        if (!VEC_GROW(m, m->tasks, id))
            return NULL;
        memset(&m->tasks.v[m->tasks.len], 0, (id - m->tasks.len) * sizeof *m->tasks.v);
        m->tasks.len = id;
    }
    sim_task *t = &m->tasks.v[id - 1];
    if (t->id != id) {
        memset(t, 0, sizeof *t);
        t->id = id;
        t->place = SIM_NEW;
        m->ntasks_live++;
    }
    return t;
}

size_t sim_model_count(const sim_model *m, sim_place p)
{
    size_t n = 0;
    for (size_t i = 0; i < m->tasks.len; i++)
        if (m->tasks.v[i].id && m->tasks.v[i].place == p)
            n++;
    return n;
}

const sim_worker *sim_model_worker(const sim_model *m, uint64_t ex, int index)
{
    for (size_t i = 0; i < m->workers.len; i++)
        if (m->workers.v[i].executor == ex && m->workers.v[i].index == index)
            return &m->workers.v[i];
    return NULL;
}

static sim_worker *worker_at(sim_model *m, uint64_t ex, int index)
{
    sim_worker *w = (sim_worker *)sim_model_worker(m, ex, index);
    if (w || index < 0)
        return w;
    /* Keep workers sorted by (executor, index) for drawing. */
    if (!VEC_GROW(m, m->workers, m->workers.len + 1))
        return NULL;
    size_t at = m->workers.len;
    while (at > 0 && (m->workers.v[at - 1].executor > ex ||
                      (m->workers.v[at - 1].executor == ex && m->workers.v[at - 1].index > index)))
        at--;
    memmove(&m->workers.v[at + 1], &m->workers.v[at],
            (m->workers.len - at) * sizeof *m->workers.v);
    m->workers.len++;
    w = &m->workers.v[at];
    memset(w, 0, sizeof *w);
    w->executor = ex;
    w->index = index;
    w->since_t = m->t;
    return w;
}

static sim_timer *timer_of(sim_model *m, uint64_t handle)
{
    for (size_t i = m->timers.len; i-- > 0;)
        if (m->timers.v[i].handle == handle)
            return &m->timers.v[i];
    return NULL;
}

/* Moves task t to place p. */
static void place(sim_model *m, sim_task *t, sim_place p)
{
    if (!t)
        return;
    if (t->place == SIM_DONE && p != SIM_DONE)
        m->ntasks_live++;
    else if (t->place != SIM_DONE && p == SIM_DONE && m->ntasks_live)
        m->ntasks_live--;
    if (t->place != p)
        t->since = m->applied;
    t->place = (uint8_t)p;
}

static void clear_await(sim_task *t)
{
    t->await_fut = t->await_peer = t->await_job = 0;
    t->await_name = NULL;
    t->await_role = 0;
    t->await_until = 0;
}

/* ------------------------------------------------------------------------ */
/* Exceptions                                                               */
/* ------------------------------------------------------------------------ */

static bool exc_finished(const sim_exc *x)
{
    return x->state == SIM_EXC_CAUGHT || x->state == SIM_EXC_UNHANDLED ||
           x->state == SIM_EXC_HANDLED;
}

static bool same_type(const char *a, const char *b)
{
    return !a || !b || strcmp(a, b) == 0;
}

/* A slot for a new exception: a free one, else the oldest finished one,
 * else the oldest. */
static sim_exc *exc_new(sim_model *m)
{
    sim_exc *best = NULL;
    for (int i = 0; i < SIM_EXCS; i++) {
        sim_exc *x = &m->excs[i];
        if (!x->used)
            return x;
        if (!best || (exc_finished(x) && !exc_finished(best)) ||
            (exc_finished(x) == exc_finished(best) && x->raised_at < best->raised_at))
            best = x;
    }
    return best;
}

static void exc_hop(sim_exc *x, uint64_t task, int line, const char *func)
{
    if (x->nhops > 0) {
        sim_hop *last = &x->hops[x->nhops - 1];
        if (last->task == task && last->line == line)
            return;
    }
    if (x->nhops == SIM_EXC_HOPS) {
        /* Keep the raise, drop the oldest frame after it. */
        memmove(&x->hops[1], &x->hops[2], (SIM_EXC_HOPS - 2) * sizeof x->hops[0]);
        x->nhops--;
    }
    sim_hop *h = &x->hops[x->nhops++];
    memset(h, 0, sizeof *h);
    h->task = task;
    h->line = line;
    h->func = func;
}

static sim_exc *exc_start(sim_model *m, const rt_event *ev, const char *type,
                          const char *text, bool cancel)
{
    sim_exc *x = exc_new(m);
    memset(x, 0, sizeof *x);
    x->used = true;
    x->cancel = cancel;
    x->state = SIM_EXC_RAISED;
    x->type = type;
    x->text = text;
    x->task = ev->task;
    x->raised_at = m->applied;
    exc_hop(x, ev->task, ev->line, ev->func);
    return x;
}

/* The exception an event continues: for a hop from an awaited task
 * (`from` != 0), the one stored in that task; otherwise the newest one in
 * flight in `task` with a matching type. */
static sim_exc *exc_find(sim_model *m, uint64_t task, uint64_t from, const char *type)
{
    sim_exc *best = NULL;
    for (int i = 0; i < SIM_EXCS; i++) {
        sim_exc *x = &m->excs[i];
        if (!x->used || exc_finished(x) || !same_type(x->type, type))
            continue;
        bool hit = from ? (x->state == SIM_EXC_STORED && x->task == from)
                        : (x->task == task && x->state != SIM_EXC_STORED);
        if (hit && (!best || x->raised_at > best->raised_at))
            best = x;
    }
    return best;
}

/* ------------------------------------------------------------------------ */
/* The fold                                                                 */
/* ------------------------------------------------------------------------ */

/* Cards, timers and hops are built zeroed (padding included), so that two
 * models reached by different paths compare equal byte for byte. */
static sim_card make_card(uint64_t handle, uint64_t task, const char *name, int hkind,
                          bool timer)
{
    sim_card c;
    memset(&c, 0, sizeof c);
    c.handle = handle;
    c.task = task;
    c.name = name;
    c.hkind = (uint8_t)hkind;
    c.timer = timer;
    return c;
}

static sim_card *card_find(sim_model *m, uint64_t handle, size_t *at)
{
    for (size_t i = 0; i < m->ready.len; i++)
        if (m->ready.v[i].handle == handle) {
            *at = i;
            return &m->ready.v[i];
        }
    return NULL;
}

/* Drops cancelled timers that the loop has popped by now (due), and all
 * but the newest SIM_FIRED_KEPT fired ones. */
static void trim_timers(sim_model *m)
{
    size_t fired = 0;
    for (size_t i = m->timers.len; i-- > 0;) {
        sim_timer *tm = &m->timers.v[i];
        bool drop = false;
        if (tm->state == SIM_TIMER_CANCELLED && tm->when <= m->t)
            drop = true;
        else if (tm->state == SIM_TIMER_FIRED && ++fired > SIM_FIRED_KEPT)
            drop = true;
        if (drop)
            VEC_REMOVE(m->timers, i);
    }
}

/* A task's step or wake-up joins the tail of the ready queue: said by
 * handle.schedule, or (version 2) by the task.create or task.suspend that
 * names the step it queued. */
static void queue_task_handle(sim_model *m, uint64_t handle, uint64_t task, int hkind)
{
    sim_card c = make_card(handle, task, NULL, hkind, false);
    VEC_PUSH(m, m->ready, c);
    place(m, task_at(m, task), SIM_READY);
}

/* The loop takes handle `handle` (of task `task`, kind `hkind`) from the
 * ready queue and runs it: handle.run, or (version 2) the task.step that
 * stands for it. */
static void run_handle(sim_model *m, uint64_t handle, uint64_t task, const char *name,
                       int hkind)
{
    sim_loop *lp = &m->loop;
    size_t at;
    sim_card *c = card_find(m, handle, &at);
    sim_card run = make_card(handle, task, name, hkind, false);
    if (c) {
        run = *c;
        run.name = name ? name : c->name;
        VEC_REMOVE(m->ready, at);
        /* The queue runs in FIFO order: cancelled cards ahead of this one
         * were skipped by the loop, which reports no run for them (an I/O
         * callback whose reader went away, say). */
        for (size_t i = at; i-- > 0;)
            if (m->ready.v[i].cancelled)
                VEC_REMOVE(m->ready, i);
    }
    lp->running = run;
    lp->running_card = true;
    if (task && (hkind == RT_HANDLE_STEP || hkind == RT_HANDLE_WAKEUP)) {
        place(m, task_at(m, task), SIM_RUNNING);
        lp->running_task = task;
    }
}

/* When a task's step ends, the handle that ran it is done too. */
static void drop_running_step(sim_loop *lp, uint64_t task)
{
    if (lp->running_card && lp->running.task == task &&
        (lp->running.hkind == RT_HANDLE_STEP || lp->running.hkind == RT_HANDLE_WAKEUP))
        lp->running_card = false;
}

void sim_model_apply(sim_model *m, const sim_index *ix, const rt_event *ev)
{
    m->t = ev->t;
    sim_loop *lp = &m->loop;
    if (lp->blocked && ev->t >= lp->blocked_until && ev->kind != RT_EV_CLOCK_ADVANCE &&
        ev->kind != RT_EV_LOOP_BLOCK)
        lp->blocked = false;
    sim_task *t = NULL;
    switch (ev->kind) {
    case RT_EV_LOOP_CREATE:
        lp->id = ev->loop;
        lp->closed = false;
        break;
    case RT_EV_LOOP_RUN:
        lp->started = true;
        lp->stopping = false;
        break;
    case RT_EV_LOOP_ITERATION:
        lp->iteration = ev->n;
        lp->phase = -1;
        lp->running_card = false;
        lp->select_when = 0;
        for (int i = 0; i < SIM_EXCS; i++)
            if (m->excs[i].used && exc_finished(&m->excs[i]))
                m->excs[i].used = false;
        break;
    case RT_EV_LOOP_PHASE:
        lp->phase = (int8_t)ev->kind2;
        lp->running_card = false;
        if (ev->kind2 == RT_PHASE_READY)
            lp->ready_n = ev->n;
        if (ev->kind2 == RT_PHASE_SELECT)
            lp->select_when = ev->when;
        break;
    case RT_EV_LOOP_STOP:
        lp->stopping = true;
        break;
    case RT_EV_LOOP_CLOSE:
        lp->closed = true;
        lp->running_card = false;
        break;
    case RT_EV_LOOP_BLOCK:
        lp->blocked = true;
        lp->blocked_until = ev->when;
        lp->block_text = ev->text;
        lp->block_line = ev->line;
        lp->block_task = ev->task ? ev->task : lp->running_task;
        break;
    case RT_EV_LOOP_DEADLOCK:
        lp->deadlock = true;
        break;
    case RT_EV_CLOCK_ADVANCE:
        m->t_prev_jump = ev->t;
        m->jump_iteration = lp->iteration;
        m->jump_blocked = ev->text && strcmp(ev->text, "sleep") == 0;
        m->t = ev->when;
        trim_timers(m);
        break;
    case RT_EV_HANDLE_SCHEDULE: {
        sim_card c = make_card(ev->handle, ev->task, ev->name, ev->kind2, false);
        VEC_PUSH(m, m->ready, c);
        if (ev->task && (ev->kind2 == RT_HANDLE_STEP || ev->kind2 == RT_HANDLE_WAKEUP))
            place(m, task_at(m, ev->task), SIM_READY);
        break;
    }
    case RT_EV_HANDLE_RUN:
        run_handle(m, ev->handle, ev->task, ev->name, ev->kind2);
        break;
    case RT_EV_HANDLE_CANCEL: {
        size_t at;
        sim_card *c = card_find(m, ev->handle, &at);
        if (c)
            c->cancelled = true;
        sim_timer *tm = timer_of(m, ev->handle);
        if (tm && tm->state == SIM_TIMER_ARMED)
            tm->state = SIM_TIMER_CANCELLED;
        break;
    }
    case RT_EV_TIMER_ARM: {
        sim_timer tm;
        memset(&tm, 0, sizeof tm);
        tm.handle = ev->handle;
        tm.task = ev->task;
        tm.fut = ev->future;
        tm.when = ev->when;
        tm.armed_t = m->t;
        tm.name = ev->name;
        tm.state = SIM_TIMER_ARMED;
        /* Armed timers stay before fired ones, in arm order. */
        if (VEC_GROW(m, m->timers, m->timers.len + 1)) {
            size_t at = m->timers.len;
            while (at > 0 && m->timers.v[at - 1].state == SIM_TIMER_FIRED)
                at--;
            memmove(&m->timers.v[at + 1], &m->timers.v[at],
                    (m->timers.len - at) * sizeof tm);
            m->timers.v[at] = tm;
            m->timers.len++;
        }
        break;
    }
    case RT_EV_TIMER_FIRE: {
        sim_timer *tm = timer_of(m, ev->handle);
        sim_card c = make_card(ev->handle, 0, NULL, RT_HANDLE_CALLBACK, true);
        if (tm) {
            sim_timer fired = *tm;
            fired.state = SIM_TIMER_FIRED;
            c.task = tm->task;
            c.name = tm->name;
            VEC_REMOVE(m->timers, (size_t)(tm - m->timers.v));
            VEC_PUSH(m, m->timers, fired);
        }
        VEC_PUSH(m, m->ready, c);
        trim_timers(m);
        break;
    }
    case RT_EV_TIMER_CANCEL: {
        sim_timer *tm = timer_of(m, ev->handle);
        if (tm && tm->state == SIM_TIMER_ARMED)
            tm->state = SIM_TIMER_CANCELLED;
        size_t at;
        sim_card *c = card_find(m, ev->handle, &at);
        if (c)
            c->cancelled = true;
        break;
    }
    case RT_EV_FUTURE_CREATE:
    case RT_EV_FUTURE_DONE:
        break; /* the index knows futures; wake-ups come as handle.schedule */
    case RT_EV_TASK_CREATE:
        t = task_at(m, ev->task);
        if (t) {
            place(m, t, SIM_NEW);
            t->func = ev->func;
            t->line = 0;
            if (ev->handle) /* version 2: its first step is queued */
                queue_task_handle(m, ev->handle, ev->task, RT_HANDLE_STEP);
        }
        break;
    case RT_EV_TASK_STEP: {
        t = task_at(m, ev->task);
        if (!t)
            break;
        /* Version 2 has no handle.run for a task's step or wake-up: the
         * step takes it from the ready queue (version 1 took it already). */
        if (ev->handle && !(lp->running_card && lp->running.handle == ev->handle)) {
            const sim_handle_info *h = sim_index_handle(ix, ev->handle);
            run_handle(m, ev->handle, ev->task, NULL, h && !h->timer ? h->hkind : RT_HANDLE_STEP);
            t = task_at(m, ev->task);
        }
        if (ev->type && t->await_peer) {
            /* An awaited task ended with an exception and it is thrown in
             * here: the same exception, one task further up the chain. */
            sim_exc *x = exc_find(m, ev->task, t->await_peer, ev->type);
            if (x) {
                x->state = SIM_EXC_PROPAGATING;
                x->task = ev->task;
                exc_hop(x, ev->task, ev->line, ev->func);
            }
        }
        place(m, t, SIM_RUNNING);
        t->line = ev->line;
        t->func = ev->func ? ev->func : t->func;
        t->steps++;
        clear_await(t);
        lp->running_task = ev->task;
        break;
    }
    case RT_EV_TASK_SUSPEND: {
        t = task_at(m, ev->task);
        if (!t)
            break;
        t->line = ev->line;
        t->func = ev->func ? ev->func : t->func;
        clear_await(t);
        t->await_fut = ev->future;
        t->await_peer = ev->peer;
        t->await_role = (uint8_t)ev->kind2;
        t->await_name = ev->name;
        const sim_fut_info *fi = sim_index_fut(ix, ev->future);
        t->await_job = fi ? fi->job : 0;
        if (ev->kind2 == RT_ROLE_YIELD) {
            /* A bare yield: its next step is (or is about to be) queued. */
            place(m, t, SIM_READY);
        } else if (ev->kind2 == RT_ROLE_SLEEP) {
            place(m, t, SIM_SLEEPING);
            for (size_t i = m->timers.len; i-- > 0;)
                if (m->timers.v[i].fut == ev->future && ev->future) {
                    t->await_until = m->timers.v[i].when;
                    break;
                }
        } else {
            place(m, t, SIM_WAITING);
        }
        /* A wake-up already queued (the future was done) keeps it ready. */
        for (size_t i = 0; i < m->ready.len; i++)
            if (m->ready.v[i].task == ev->task &&
                (m->ready.v[i].hkind == RT_HANDLE_STEP || m->ready.v[i].hkind == RT_HANDLE_WAKEUP))
                place(m, t, SIM_READY);
        if (lp->running_task == ev->task)
            lp->running_task = 0;
        drop_running_step(lp, ev->task);
        if (ev->handle) /* version 2: the step a bare yield queued */
            queue_task_handle(m, ev->handle, ev->task, RT_HANDLE_STEP);
        break;
    }
    case RT_EV_TASK_DONE:
        t = task_at(m, ev->task);
        if (!t)
            break;
        place(m, t, SIM_DONE);
        clear_await(t);
        t->done_state = (uint8_t)ev->kind2;
        t->exc_type = ev->type;
        t->result = ev->text;
        t->cancel_requested = false;
        if (lp->running_task == ev->task)
            lp->running_task = 0;
        drop_running_step(lp, ev->task);
        if (ev->kind2 != RT_DONE_RESULT) {
            const char *type = ev->kind2 == RT_DONE_CANCELLED ? "CancelledError" : ev->type;
            sim_exc *x = exc_find(m, ev->task, 0, type);
            if (x)
                x->state = SIM_EXC_STORED;
        }
        break;
    case RT_EV_TASK_CANCEL_REQUEST:
        t = task_at(m, ev->task);
        if (t && t->place != SIM_DONE)
            t->cancel_requested = true;
        break;
    case RT_EV_TASK_CANCEL_DELIVER:
        t = task_at(m, ev->task);
        if (t)
            t->cancel_requested = false;
        exc_start(m, ev, "CancelledError", NULL, true);
        break;
    case RT_EV_TASK_FREE:
        t = task_at(m, ev->task);
        if (t)
            t->freed = true;
        break;
    case RT_EV_EXEC_CREATE: {
        sim_executor ex;
        memset(&ex, 0, sizeof ex);
        ex.id = ev->executor;
        ex.max_workers = (int)ev->n;
        ex.name = ev->name;
        VEC_PUSH(m, m->executors, ex);
        break;
    }
    case RT_EV_EXEC_THREAD: {
        sim_worker *w = worker_at(m, ev->executor, ev->worker);
        if (w)
            w->name = ev->name;
        break;
    }
    case RT_EV_EXEC_SUBMIT:
        VEC_PUSH(m, m->job_queue, ev->job);
        break;
    case RT_EV_EXEC_START:
    case RT_EV_EXEC_WAKE: {
        for (size_t i = 0; i < m->job_queue.len; i++)
            if (m->job_queue.v[i] == ev->job) {
                VEC_REMOVE(m->job_queue, i);
                break;
            }
        sim_worker *w = worker_at(m, ev->executor, ev->worker);
        if (w) {
            w->state = SIM_WORKER_RUNNING;
            w->job = ev->job;
            w->since_t = m->t;
            w->block_text = NULL;
        }
        break;
    }
    case RT_EV_EXEC_BLOCK: {
        sim_worker *w = worker_at(m, ev->executor, ev->worker);
        if (w) {
            w->state = SIM_WORKER_BLOCKED;
            w->job = ev->job;
            w->until = ev->when;
            w->since_t = m->t;
            w->block_text = ev->text;
        }
        break;
    }
    case RT_EV_EXEC_DONE: {
        sim_worker *w = worker_at(m, ev->executor, ev->worker);
        if (w) {
            w->state = SIM_WORKER_IDLE;
            w->last_job = ev->job;
            w->job = 0;
            w->since_t = m->t;
            w->block_text = NULL;
        }
        break;
    }
    case RT_EV_EXEC_SHUTDOWN:
        for (size_t i = 0; i < m->executors.len; i++)
            if (m->executors.v[i].id == ev->executor)
                m->executors.v[i].shutdown = true;
        break;
    case RT_EV_EXC_RAISE: {
        /* The exception thrown into this task's step (from an awaited
         * task, or a cancellation) appears in its frame: it is the one
         * already in flight here, not a new one. */
        sim_exc *x = exc_find(m, ev->task, 0, ev->type);
        if (x && x->nhops && x->hops[x->nhops - 1].task == ev->task &&
            x->hops[x->nhops - 1].line == ev->line) {
            if (!x->text)
                x->text = ev->text;
            break;
        }
        exc_start(m, ev, ev->type, ev->text, false);
        break;
    }
    case RT_EV_EXC_PROPAGATE: {
        sim_exc *x = exc_find(m, ev->task, ev->peer, ev->type);
        if (!x && ev->peer)
            x = exc_find(m, ev->task, 0, ev->type);
        if (!x)
            x = exc_start(m, ev, ev->type, NULL, false);
        x->state = SIM_EXC_PROPAGATING;
        x->task = ev->task;
        exc_hop(x, ev->task, ev->line, ev->name ? ev->name : ev->func);
        break;
    }
    case RT_EV_EXC_CATCH: {
        sim_exc *x = exc_find(m, ev->task, 0, ev->type);
        if (!x)
            x = exc_start(m, ev, ev->type, NULL, false);
        x->state = SIM_EXC_CAUGHT;
        exc_hop(x, ev->task, ev->line, ev->func);
        break;
    }
    case RT_EV_EXC_UNHANDLED:
    case RT_EV_EXC_HANDLER: {
        if (ev->kind == RT_EV_EXC_UNHANDLED)
            m->noutput++; /* its traceback is printed */
        sim_exc *x = exc_find(m, ev->task, 0, ev->type);
        if (!x)
            x = exc_find(m, 0, ev->task, ev->type);
        if (!x)
            x = exc_start(m, ev, ev->type, ev->text, false);
        x->state = ev->kind == RT_EV_EXC_UNHANDLED ? SIM_EXC_UNHANDLED : SIM_EXC_HANDLED;
        break;
    }
    case RT_EV_WARN:
    case RT_EV_OUTPUT:
        m->noutput++;
        break;
    case RT_EV_RUN_END:
        lp->ended = true;
        lp->exit_status = (int)ev->n;
        lp->end_text = ev->text;
        lp->running_card = false;
        lp->running_task = 0;
        break;
    default:
        break;
    }
    /* The running task's line follows what it does (prints, raises,
     * blocks), so the source panel marks the line running now. */
    if (ev->task && ev->line && lp->running_task == ev->task &&
        (ev->kind == RT_EV_OUTPUT || ev->kind == RT_EV_EXC_RAISE ||
         ev->kind == RT_EV_EXC_PROPAGATE || ev->kind == RT_EV_EXC_CATCH ||
         ev->kind == RT_EV_LOOP_BLOCK || ev->kind == RT_EV_WARN)) {
        sim_task *rt = task_at(m, ev->task);
        if (rt && rt->place == SIM_RUNNING) {
            rt->line = ev->line;
            if (ev->kind != RT_EV_EXC_PROPAGATE && ev->func)
                rt->func = ev->func;
            else if (ev->kind == RT_EV_EXC_PROPAGATE && ev->name)
                rt->func = ev->name;
        }
    }
    m->applied++;
}
