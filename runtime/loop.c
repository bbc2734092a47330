/*
 * loop.c - the event loop: the ready queue, handles, call_soon / call_later
 * / call_at / call_soon_threadsafe, one iteration (_run_once), run_forever,
 * run_until_complete, stop, close, the deadlock check and the invariant
 * check that the front end's picture relies on.
 *
 * The iteration follows CPython 3.11's BaseEventLoop._run_once step by
 * step, because the order in which callbacks run is what loopscope shows:
 *   1. drop cancelled timers (compacting the heap when most are cancelled);
 *   2. compute the select timeout: 0 when something is ready or the loop is
 *      stopping, else until the first timer (at most a day), else forever;
 *   3. "select": in virtual mode the clock jumps (running executor workers
 *      that wake up on the way); in real mode ppoll waits on an eventfd;
 *      then the threadsafe queue joins the ready queue, and the simulated
 *      I/O of the embedder (rt_loop_set_io), if any, queues the callbacks
 *      of what is ready, as _process_events does;
 *   4. move every timer due before now + 1 ns to the ready queue;
 *   5. run exactly the handles queued at that point; handles queued by them
 *      wait for the next iteration.
 *
 * The ready queue is a ring of handle pointers that only grows, and handles
 * come from a per-loop free list, so a task that yields in a steady state
 * allocates nothing and makes no system call.
 *
 * Lifetime: the loop owns one reference to every handle in its ready queue,
 * timer heap or threadsafe queue; a handle owns its target and argument.
 * A loop freed while the embedder still holds futures, tasks or handles of
 * it becomes a zombie (closed) whose memory goes with the last of them.
 */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "rt_internal.h"

/* ------------------------------------------------------------------------ */
/* Handles                                                                  */
/* ------------------------------------------------------------------------ */

/* Releases what the handle holds, then recycles it on its loop's free list
 * (or frees it when the list is full or the loop is gone). The target and
 * argument are released first: their clean-up may still use the loop,
 * which this handle keeps alive until the very end. */
static void handle_destroy(rt_object *obj)
{
    rt_handle *h = (rt_handle *)obj;
    rt_loop *loop = h->loop;
    rt_object *target = h->target;
    rt_value arg = h->arg;
    h->target = NULL;
    h->arg = RT_NONE;
    if (target)
        rt_object_release(target);
    rt_value_release(arg);
    if (!loop->freed && loop->nfree < RT__MAX_FREE_HANDLES) {
        h->data = loop->free_handles;
        loop->free_handles = h;
        loop->nfree++;
    } else {
        rt_free(h);
    }
    rt__loop_user_drop(loop);
}

const rt_type rt__handle_type = {"Handle", handle_destroy};

/* Takes a handle from the free list or the allocator; NULL when out of
 * memory. The handle counts as a user of the loop from now on. */
static rt_handle *handle_alloc(rt_loop *loop)
{
    rt_handle *h = loop->free_handles;
    if (h) {
        loop->free_handles = h->data;
        loop->nfree--;
    } else {
        h = rt_malloc(sizeof *h);
        if (!h)
            return NULL;
    }
    loop->users++;
    return h;
}

/* Fills a fresh handle. `target` is retained; `arg` is moved in. */
static void handle_fill(rt_loop *loop, rt_handle *h, rt_handle_kind kind,
                        rt_handle_fn fn, void *data, rt_object *target,
                        rt_value arg)
{
    h->obj.refs = 1;
    h->obj.flags = 0;
    h->obj.type = &rt__handle_type;
    h->loop = loop;
    h->fn = fn;
    h->data = data;
    h->target = target;
    if (target)
        rt_object_retain(target);
    h->arg = arg;
    h->when = 0.0;
    h->id = rt__next_id(loop->w, RT_ID_HANDLE);
    h->kind = (uint16_t)kind;
    h->cancelled = false;
    h->scheduled = false;
    h->timer = false;
}

/* The task a handle steps or wakes, or NULL. */
static rt_task *handle_task(const rt_handle *h)
{
    if (h->kind == RT_HANDLE_STEP)
        return (rt_task *)h->target;
    if (h->kind == RT_HANDLE_WAKEUP && (h->arg.kind & RT_KIND_OBJECT))
        return (rt_task *)h->arg.u.p;
    return NULL;
}

/* The `task` and `name` of handle events: the task a step or wake-up is
 * for (named by its id alone: its name is in task.create); otherwise the
 * host's NAME of the callable (the target, or the argument of a done
 * callback, whose target is the future). */
static void handle_event_fields(rt_loop *loop, const rt_handle *h,
                                rt_event *ev, char *name, size_t size)
{
    rt_task *t = handle_task(h);
    ev->loop = loop->id;
    ev->handle = h->id;
    ev->kind2 = h->kind;
    if (t) {
        ev->task = t->fut.id;
        return;
    }
    rt_value what = h->kind == RT_HANDLE_DONE_CALLBACK
                        ? h->arg
                        : (h->target ? rt__obj_value(h->target) : RT_NONE);
    if (!rt_is_none(what)) {
        rt__describe(loop->w, what, RT_DESCRIBE_NAME, name, size);
        if (name[0])
            ev->name = name;
    }
}

static void emit_schedule(rt_loop *loop, const rt_handle *h)
{
    char name[RT__TEXT];
    rt_event ev = rt_event_init(RT_EV_HANDLE_SCHEDULE);
    handle_event_fields(loop, h, &ev, name, sizeof name);
    if (loop->current && loop->current->fut.id != ev.task)
        ev.peer = loop->current->fut.id;
    rt_world_emit(loop->w, &ev);
}

/* Handle.cancel(): marks the handle and drops its callback and argument at
 * once, as asyncio does (so a cancelled timer keeps nothing alive). A timer
 * still in the heap is counted for the compaction rule. */
void rt_handle_cancel(rt_handle *h)
{
    if (!h || h->cancelled)
        return;
    rt_loop *loop = h->loop;
    h->cancelled = true;
    if (h->timer && h->scheduled)
        loop->ncancelled++;
    /* A timer that already fired is cancelled without a trace event:
     * asyncio.sleep cancels its timer in a finally, fired or not, and
     * nothing changes for the viewer then. */
    if (loop->w->hook && !loop->freed && h->fn &&
        (!h->timer || h->scheduled)) {
        rt_event ev = rt_event_init(h->timer ? RT_EV_TIMER_CANCEL
                                             : RT_EV_HANDLE_CANCEL);
        ev.loop = loop->id;
        ev.handle = h->id;
        rt_world_emit(loop->w, &ev);
    }
    rt_object *target = h->target;
    rt_value arg = h->arg;
    h->target = NULL;
    h->arg = RT_NONE;
    /* Keep the handle alive while its belongings go: their clean-up could
     * drop the last other reference to it. */
    rt_handle_retain(h);
    if (target)
        rt_object_release(target);
    rt_value_release(arg);
    rt_handle_release(h);
}

/* ------------------------------------------------------------------------ */
/* The ready queue                                                          */
/* ------------------------------------------------------------------------ */

/* Grows the ring to hold at least `need` handles (a power of two), copying
 * the queued ones to the start in order. */
static int ready_grow(rt_loop *loop, size_t need)
{
    if (need <= loop->rcap)
        return RT_OK;
    size_t cap = loop->rcap ? loop->rcap : 16;
    while (cap < need)
        cap *= 2;
    rt_handle **ring = rt_malloc(cap * sizeof *ring);
    if (!ring)
        return RT_ENOMEM;
    for (size_t i = 0; i < loop->rcount; i++)
        ring[i] = loop->ready[(loop->rhead + i) & (loop->rcap - 1)];
    rt_free(loop->ready);
    loop->ready = ring;
    loop->rhead = 0;
    loop->rcap = cap;
    return RT_OK;
}

/* Appends to the tail; the capacity must be there. */
static inline void ready_push(rt_loop *loop, rt_handle *h)
{
    loop->ready[(loop->rhead + loop->rcount) & (loop->rcap - 1)] = h;
    loop->rcount++;
}

/* Takes the head; the queue must not be empty. */
static inline rt_handle *ready_pop(rt_loop *loop)
{
    rt_handle *h = loop->ready[loop->rhead];
    loop->rhead = (loop->rhead + 1) & (loop->rcap - 1);
    loop->rcount--;
    return h;
}

/* Ring room and free handles for `n` more call_soon: afterwards
 * rt__loop_soon_reserved cannot fail. Spare handles stay on the free list
 * on failure, which is not observable. */
int rt__loop_reserve(rt_loop *loop, size_t n)
{
    if (loop->rcount + n > loop->rcap &&
        ready_grow(loop, loop->rcount + n) < 0)
        return RT_ENOMEM;
    while (loop->nfree < n) {
        rt_handle *h = rt_malloc(sizeof *h);
        if (!h)
            return RT_ENOMEM;
        h->data = loop->free_handles;
        loop->free_handles = h;
        loop->nfree++;
    }
    return RT_OK;
}

/* The heart of call_soon, once room is reserved, without its event: see
 * rt_internal.h. */
rt_handle *rt__loop_soon_unannounced(rt_loop *loop, rt_handle_kind kind,
                                     rt_handle_fn fn, void *data,
                                     rt_object *target, rt_value arg)
{
    rt_handle *h = handle_alloc(loop);
    if (RT_NEVER(!h))
        return NULL; /* the reservation makes this impossible */
    handle_fill(loop, h, kind, fn, data, target, arg);
    ready_push(loop, h);
    return h;
}

/* The heart of call_soon, once room is reserved: see rt_internal.h. */
rt_handle *rt__loop_soon_reserved(rt_loop *loop, rt_handle_kind kind,
                                  rt_handle_fn fn, void *data,
                                  rt_object *target, rt_value arg)
{
    rt_handle *h = rt__loop_soon_unannounced(loop, kind, fn, data, target,
                                             arg);
    if (h && loop->w->hook)
        emit_schedule(loop, h);
    return h;
}

/* loop.call_soon: see rt.h. Fails with RT_ECLOSED or RT_ENOMEM without
 * side effects (a reservation may leave spare handles on the free list,
 * which is internal). */
int rt_loop_call_soon(rt_loop *loop, rt_handle_kind kind, rt_handle_fn fn,
                      void *data, rt_object *target, rt_value arg,
                      rt_handle **out)
{
    if (!fn || (unsigned)kind >= RT_HANDLE__COUNT)
        return RT_EINVAL;
    if (loop->closed)
        return RT_ECLOSED;
    if (rt__loop_reserve(loop, 1) < 0)
        return RT_ENOMEM;
    rt_value_retain(arg);
    rt_handle *h = rt__loop_soon_reserved(loop, kind, fn, data, target, arg);
    if (out) {
        rt_handle_retain(h);
        *out = h;
    }
    return RT_OK;
}

/* loop.call_later: call_at(time() + delay), with Python's float sum. */
int rt_loop_call_later(rt_loop *loop, double delay, rt_handle_fn fn,
                       void *data, rt_object *target, rt_value arg,
                       rt_handle **out)
{
    return rt_loop_call_at(loop, rt_loop_time(loop) + delay, fn, data, target,
                           arg, out);
}

/* loop.call_at: pushes a timer handle onto the heap. timer.arm names the
 * running task, the target when it is a future (a sleep's future), and the
 * host's NAME of the target ("sleep(1)", or the callback's name). */
int rt_loop_call_at(rt_loop *loop, double when, rt_handle_fn fn, void *data,
                    rt_object *target, rt_value arg, rt_handle **out)
{
    if (!fn || isnan(when))
        return RT_EINVAL;
    if (loop->closed)
        return RT_ECLOSED;
    if (rt__heap_reserve(loop, 1) < 0)
        return RT_ENOMEM;
    rt_handle *h = handle_alloc(loop);
    if (!h)
        return RT_ENOMEM;
    rt_value_retain(arg);
    handle_fill(loop, h, RT_HANDLE_CALLBACK, fn, data, target, arg);
    h->when = when;
    h->timer = true;
    h->scheduled = true;
    rt__heap_push(loop, h);
    if (loop->w->hook) {
        char name[RT__TEXT];
        rt_event ev = rt_event_init(RT_EV_TIMER_ARM);
        ev.loop = loop->id;
        ev.handle = h->id;
        ev.when = when;
        if (loop->current)
            ev.task = loop->current->fut.id;
        if (target) {
            if (rt__is_future_obj(loop->w, target))
                ev.future = ((rt_future *)target)->id;
            rt__describe(loop->w, rt__obj_value(target), RT_DESCRIBE_NAME,
                         name, sizeof name);
            if (name[0])
                ev.name = name;
        }
        rt_world_emit(loop->w, &ev);
    }
    if (out) {
        rt_handle_retain(h);
        *out = h;
    }
    return RT_OK;
}

/* ------------------------------------------------------------------------ */
/* The threadsafe queue                                                     */
/* ------------------------------------------------------------------------ */

/* call_soon_threadsafe: see rt.h. Callers are the loop thread or a worker
 * holding the baton (which also makes the free list safe to use); the
 * queue itself is locked because the loop thread drains it while workers
 * run in real mode. The eventfd is written once per batch: `tsq_pending`
 * merges wake-ups until the loop drains the queue. */
int rt_loop_call_soon_threadsafe(rt_loop *loop, rt_handle_fn fn, void *data,
                                 rt_object *target, rt_value arg)
{
    if (!fn)
        return RT_EINVAL;
    int r = RT_OK;
    pthread_mutex_lock(&loop->tsq_mu);
    if (loop->tsq_closed) {
        r = RT_ECLOSED;
        goto out;
    }
    if (loop->ntsq == loop->captsq) {
        size_t cap = loop->captsq ? loop->captsq * 2 : 8;
        rt_handle **q = rt_realloc(loop->tsq, cap * sizeof *q);
        if (!q) {
            r = RT_ENOMEM;
            goto out;
        }
        loop->tsq = q;
        loop->captsq = cap;
    }
    rt_handle *h = handle_alloc(loop);
    if (!h) {
        r = RT_ENOMEM;
        goto out;
    }
    rt_value_retain(arg);
    handle_fill(loop, h, RT_HANDLE_THREADSAFE, fn, data, target, arg);
    loop->tsq[loop->ntsq++] = h;
    if (!loop->tsq_pending) {
        loop->tsq_pending = true;
        if (loop->efd >= 0) {
            uint64_t one = 1;
            ssize_t n = write(loop->efd, &one, sizeof one);
            (void)n; /* EAGAIN means it is already readable: fine */
        }
    }
out:
    pthread_mutex_unlock(&loop->tsq_mu);
    return r;
}

/* Whether a worker has queued something since the last drain. */
bool rt__loop_tsq_nonempty(rt_loop *loop)
{
    pthread_mutex_lock(&loop->tsq_mu);
    bool nonempty = loop->ntsq > 0;
    pthread_mutex_unlock(&loop->tsq_mu);
    return nonempty;
}

/* Moves the threadsafe queue, in FIFO order, to the tail of the ready
 * queue and resets the eventfd. Should the ring fail to grow, the handles
 * that do not fit stay queued for the next drain. Events are emitted after
 * the lock is released. */
size_t rt__loop_drain(rt_loop *loop)
{
    pthread_mutex_lock(&loop->tsq_mu);
    size_t n = loop->ntsq;
    if (n == 0 && !loop->tsq_pending) {
        pthread_mutex_unlock(&loop->tsq_mu);
        return 0;
    }
    if (loop->rcount + n > loop->rcap &&
        ready_grow(loop, loop->rcount + n) < 0)
        n = loop->rcap - loop->rcount;
    size_t first = loop->rcount;
    for (size_t i = 0; i < n; i++)
        ready_push(loop, loop->tsq[i]);
    memmove(loop->tsq, loop->tsq + n, (loop->ntsq - n) * sizeof *loop->tsq);
    loop->ntsq -= n;
    if (loop->tsq_pending && loop->ntsq == 0) {
        loop->tsq_pending = false;
        if (loop->efd >= 0) {
            uint64_t count;
            ssize_t r = read(loop->efd, &count, sizeof count);
            (void)r; /* EAGAIN: nothing was written, fine */
        }
    }
    pthread_mutex_unlock(&loop->tsq_mu);
    if (loop->w->hook)
        for (size_t i = 0; i < n; i++)
            emit_schedule(loop,
                          loop->ready[(loop->rhead + first + i) &
                                      (loop->rcap - 1)]);
    return n;
}

/* ------------------------------------------------------------------------ */
/* Creation and destruction                                                 */
/* ------------------------------------------------------------------------ */

/* Creates a loop on the world's loop thread. In real mode it also opens the
 * eventfd that wakes it (RT_ENOMEM when the system refuses one). */
int rt_loop_new(rt_world *w, rt_loop **out)
{
    if (!w || !out)
        return RT_EINVAL;
    rt_loop *loop = rt_calloc(1, sizeof *loop);
    if (!loop)
        return RT_ENOMEM;
    loop->w = w;
    loop->efd = -1;
    if (w->mode == RT_CLOCK_REAL) {
        loop->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (loop->efd < 0) {
            rt_free(loop);
            return RT_ENOMEM;
        }
    }
    pthread_mutex_init(&loop->tsq_mu, NULL);
    loop->id = rt__next_id(w, RT_ID_LOOP);
    loop->next = w->loops;
    if (w->loops)
        w->loops->prev = loop;
    w->loops = loop;
    if (w->hook) {
        rt_event ev = rt_event_init(RT_EV_LOOP_CREATE);
        ev.loop = loop->id;
        rt_world_emit(w, &ev);
    }
    *out = loop;
    return RT_OK;
}

/* loop.close(): see rt.h. The queues are emptied without running anything;
 * releasing their handles may free tasks ("Task was destroyed but it is
 * pending!"), which is why the loop is marked closed first: nothing can be
 * queued on it meanwhile. */
int rt_loop_close(rt_loop *loop)
{
    if (loop->running)
        return RT_ERUNNING;
    if (loop->closed)
        return RT_OK;
    loop->closed = true;
    if (loop->w->hook) {
        rt_event ev = rt_event_init(RT_EV_LOOP_CLOSE);
        ev.loop = loop->id;
        rt_world_emit(loop->w, &ev);
    }
    pthread_mutex_lock(&loop->tsq_mu);
    loop->tsq_closed = true;
    pthread_mutex_unlock(&loop->tsq_mu);
    while (loop->rcount > 0)
        rt_handle_release(ready_pop(loop));
    while (loop->nheap > 0) {
        rt_handle *h = loop->heap[--loop->nheap].h;
        h->scheduled = false;
        rt_handle_release(h);
    }
    loop->ncancelled = 0;
    /* The queue is closed: no worker can add to it any more. */
    while (loop->ntsq > 0)
        rt_handle_release(loop->tsq[--loop->ntsq]);
    return RT_OK;
}

/* The last step of a loop's life: its memory (queues are already gone). */
void rt__loop_destroy(rt_loop *loop)
{
    pthread_mutex_destroy(&loop->tsq_mu);
    rt_free(loop);
}

/* Breaks the one reference cycle the runtime itself makes: a waiting task
 * holds the future it awaits, which holds the task's wake-up. Nobody else
 * may hold either (CPython's garbage collector would find them); on a
 * closed loop they can never run again, so each waiting task forgets its
 * future. A task that nobody else holds then goes, reported as "Task was
 * destroyed but it is pending!" as CPython reports it at shutdown. */
static void break_wait_cycles(rt_loop *loop)
{
    rt_task *t = loop->live_first;
    if (t)
        rt_task_retain(t);
    while (t) {
        rt_task *next = t->next_live;
        if (next)
            rt_task_retain(next);
        rt_future *f = t->fut_waiter;
        if (f) {
            t->fut_waiter = NULL;
            rt_future_remove_done_callback(f, rt__task_wakeup_cb, NULL,
                                           rt__obj_value(t), NULL);
            rt_future_release(f);
        }
        rt_task_release(t);
        t = next;
    }
}

/* Frees a loop (closing it first). If futures, tasks or handles of it are
 * still alive, the loop stays as a zombie on the world's list until the
 * last of them goes (rt__loop_user_drop) or the world is freed. */
void rt_loop_free(rt_loop *loop)
{
    if (!loop || RT_NEVER(loop->running))
        return;
    rt_world *w = loop->w;
    rt_loop_close(loop);
    /* The loop must outlive the clean-up: count it as a user meanwhile. */
    loop->users++;
    break_wait_cycles(loop);
    loop->users--;
    if (loop->prev)
        loop->prev->next = loop->next;
    else
        w->loops = loop->next;
    if (loop->next)
        loop->next->prev = loop->prev;
    loop->next = loop->prev = NULL;
    loop->freed = true;
    while (loop->free_handles) {
        rt_handle *h = loop->free_handles;
        loop->free_handles = h->data;
        rt_free(h);
    }
    loop->nfree = 0;
    rt_value_release(loop->exit_exc);
    loop->exit_exc = RT_NONE;
    rt_free(loop->ready);
    loop->ready = NULL;
    loop->rcap = 0;
    rt_free(loop->heap);
    loop->heap = NULL;
    loop->capheap = 0;
    rt_free(loop->tsq);
    loop->tsq = NULL;
    loop->captsq = 0;
    if (loop->efd >= 0)
        close(loop->efd);
    loop->efd = -1;
    if (loop->users == 0) {
        rt__loop_destroy(loop);
        return;
    }
    loop->next = w->zombies;
    if (w->zombies)
        w->zombies->prev = loop;
    w->zombies = loop;
}

/* Futures, tasks and live handles count as users of their loop. */
void rt__loop_user_add(rt_loop *loop) { loop->users++; }

/* One user fewer; a zombie loop goes with its last user. */
void rt__loop_user_drop(rt_loop *loop)
{
    if (--loop->users > 0 || !loop->freed)
        return;
    rt_world *w = loop->w;
    if (loop->prev)
        loop->prev->next = loop->next;
    else
        w->zombies = loop->next;
    if (loop->next)
        loop->next->prev = loop->prev;
    rt__loop_destroy(loop);
}

/* The live-task list (asyncio's _all_tasks WeakSet): creation order, no
 * references; tasks leave it when they are freed. */
void rt__loop_live_add(rt_loop *loop, rt_task *t)
{
    t->next_live = NULL;
    t->prev_live = loop->live_last;
    if (loop->live_last)
        loop->live_last->next_live = t;
    else
        loop->live_first = t;
    loop->live_last = t;
    loop->nlive++;
}

void rt__loop_live_remove(rt_loop *loop, rt_task *t)
{
    if (t->prev_live)
        t->prev_live->next_live = t->next_live;
    else
        loop->live_first = t->next_live;
    if (t->next_live)
        t->next_live->prev_live = t->prev_live;
    else
        loop->live_last = t->prev_live;
    t->next_live = t->prev_live = NULL;
    loop->nlive--;
}

/* ------------------------------------------------------------------------ */
/* Accessors                                                                */
/* ------------------------------------------------------------------------ */

/* Accessors: see rt.h. */
rt_world *rt_loop_world(const rt_loop *loop) { return loop->w; }
uint64_t rt_loop_id(const rt_loop *loop) { return loop->id; }
double rt_loop_time(const rt_loop *loop) { return rt__clock_now(loop->w); }
void rt_loop_set_data(rt_loop *loop, void *data) { loop->data = data; }
void *rt_loop_data(const rt_loop *loop) { return loop->data; }
bool rt_loop_is_running(const rt_loop *loop) { return loop->running; }
bool rt_loop_is_closed(const rt_loop *loop) { return loop->closed; }
rt_task *rt_loop_current_task(const rt_loop *loop) { return loop->current; }
size_t rt_loop_ready_count(const rt_loop *loop) { return loop->rcount; }
size_t rt_loop_timer_count(const rt_loop *loop) { return loop->nheap; }
uint64_t rt_loop_iteration(const rt_loop *loop) { return loop->iteration; }

/* Simulated I/O: see rt.h. */
void rt_loop_set_io(rt_loop *loop, const rt_io_ops *ops, void *data)
{
    loop->io = ops;
    loop->io_data = ops ? data : NULL;
}

/* Calls fn for each live task in creation order. fn must not free tasks
 * other than the one it is given. */
void rt_loop_foreach_task(rt_loop *loop, void (*fn)(rt_task *t, void *data),
                          void *data)
{
    rt_task *t = loop->live_first;
    while (t) {
        rt_task *next = t->next_live;
        fn(t, data);
        t = next;
    }
}

/* loop.call_exception_handler: reports the call as exc.handler (naming the
 * task or future and the exception), then calls the host's handler. */
void rt_loop_call_exception_handler(rt_loop *loop, const rt_exc_context *ctx)
{
    rt_world *w = loop->w;
    if (w->hook) {
        char type[RT__TEXT], text[RT__TEXT];
        rt_event ev = rt_event_init(RT_EV_EXC_HANDLER);
        ev.loop = loop->id;
        if (ctx->future) {
            if (ctx->future->is_task)
                ev.task = ctx->future->id;
            else
                ev.future = ctx->future->id;
        }
        if (!rt_is_none(ctx->exception)) {
            rt__describe(w, ctx->exception, RT_DESCRIBE_TYPE, type,
                         sizeof type);
            rt__describe(w, ctx->exception, RT_DESCRIBE_STR, text,
                         sizeof text);
            ev.type = type;
            ev.text = text;
        }
        if (ctx->handle)
            ev.handle = ctx->handle->id;
        ev.name = ctx->message;
        rt_world_emit(w, &ev);
    }
    rt__call_host_handler(w, loop, ctx);
}

/* Checked by run_once after each handle: see rt.h. */
void rt_loop_raise_exit(rt_loop *loop) { loop->exit_pending = true; }

rt_value rt_loop_take_exit_exception(rt_loop *loop)
{
    rt_value v = loop->exit_exc;
    loop->exit_exc = RT_NONE;
    return v;
}

/* ------------------------------------------------------------------------ */
/* One iteration                                                            */
/* ------------------------------------------------------------------------ */

static void emit_phase(rt_loop *loop, rt_loop_phase phase, double when,
                       int64_t n)
{
    rt_event ev = rt_event_init(RT_EV_LOOP_PHASE);
    ev.loop = loop->id;
    ev.kind2 = phase;
    ev.when = when;
    ev.n = n;
    rt_world_emit(loop->w, &ev);
}

static int deadlock(rt_loop *loop)
{
    if (loop->w->hook) {
        rt_event ev = rt_event_init(RT_EV_LOOP_DEADLOCK);
        ev.loop = loop->id;
        rt_world_emit(loop->w, &ev);
    }
    return RT_EDEADLOCK;
}

/* Real mode: waits on the eventfd for `timeout` seconds (forever when
 * `forever`), without the GIL so that workers can run meanwhile. */
static void real_wait(rt_loop *loop, double timeout, bool forever)
{
    struct pollfd p = {loop->efd, POLLIN, 0};
    struct timespec ts, *tsp = NULL;
    if (!forever) {
        ts.tv_sec = (time_t)timeout;
        ts.tv_nsec = (long)((timeout - (double)ts.tv_sec) * 1e9);
        if (ts.tv_nsec >= 1000000000L)
            ts.tv_nsec = 999999999L;
        tsp = &ts;
    }
    rt__gil_release(loop->w);
    while (ppoll(&p, 1, tsp, NULL) < 0 && errno == EINTR)
        ;
    rt__gil_acquire(loop->w);
}

/* What simulated I/O says before a select that would wait (see
 * rt_io_ops): whether an event is ready now, else when the next timed one
 * comes (INFINITY: none). An event already due counts as ready. */
typedef struct io_state {
    bool ready;
    double next;
} io_state;

static io_state io_query(rt_loop *loop, double timeout, bool forever)
{
    io_state s = {false, INFINITY};
    if (!loop->io || (!forever && !(timeout > 0)))
        return s;
    s.ready = loop->io->ready(loop->io_data);
    if (!s.ready) {
        s.next = loop->io->next(loop->io_data);
        if (isnan(s.next))
            s.next = INFINITY;
        if (s.next <= rt__clock_now(loop->w))
            s.ready = true;
    }
    return s;
}

/* Step 3: the select phase. Virtual mode lets time pass by running the
 * workers that wake before the deadline, one at a time; the first of them
 * that queues a threadsafe callback for this loop ends the wait at its
 * wake time, as an I/O event would end select(). Otherwise the clock lands
 * on now + timeout, computed exactly as Python computes it, or earlier on
 * the next timed I/O event. Simulated I/O that is ready means select()
 * returns at once. Last, the threadsafe queue joins the ready queue and the
 * simulated selector reports what is ready. */
static int select_phase(rt_loop *loop, double timeout, bool forever,
                        io_state io)
{
    rt_world *w = loop->w;
    if (io.ready) {
        timeout = 0.0;
        forever = false;
    }
    bool io_timed = !isinf(io.next);
    if (forever && !io_timed && rt__outstanding_jobs(w) == 0 &&
        !rt__loop_tsq_nonempty(loop))
        return deadlock(loop);
    if (w->mode == RT_CLOCK_VIRTUAL) {
        if (forever) {
            if (!rt__run_due_workers(w, io.next, !io_timed, loop) && io_timed)
                rt__clock_advance(w, io.next, "io");
        } else if (timeout > 0) {
            double target = w->now + timeout;
            bool io_first = io.next < target;
            double limit = io_first ? io.next : target;
            if (!rt__run_due_workers(w, limit, false, loop))
                rt__clock_advance(w, limit, io_first ? "io" : "timer");
        }
    } else if (forever || timeout > 0) {
        if (io_timed) {
            double d = io.next - rt__clock_now(w);
            d = d > 0 ? d : 0.0;
            if (forever || d < timeout)
                timeout = d;
            forever = false;
        }
        real_wait(loop, timeout, forever);
    }
    rt__loop_drain(loop);
    if (loop->io)
        loop->io->poll(loop->io_data, loop);
    return RT_OK;
}

/* Step 4: every timer due before end_time joins the ready queue, in heap
 * order. If the ring cannot grow, the rest wait for the next iteration.
 * The handles are marked unscheduled in a second pass that fetches them a
 * few entries ahead: popping reads only the heap array, and with many due
 * timers the handles themselves are cache misses best taken in parallel.
 * Nothing runs between the two passes, so the result is the same. */
static void collect_due_timers(rt_loop *loop, double end_time)
{
    size_t first = loop->rcount, n = 0;
    while (loop->nheap > 0 && loop->heap[0].when < end_time) {
        if (loop->rcount == loop->rcap &&
            ready_grow(loop, loop->rcount + 1) < 0)
            break;
        ready_push(loop, rt__heap_pop(loop));
        n++;
    }
    size_t mask = loop->rcap - 1, base = loop->rhead + first;
    for (size_t i = 0; i < n; i++) {
        if (i + 8 < n)
            __builtin_prefetch(loop->ready[(base + i + 8) & mask]);
        rt_handle *h = loop->ready[(base + i) & mask];
        h->scheduled = false;
        if (loop->w->hook) {
            rt_event ev = rt_event_init(RT_EV_TIMER_FIRE);
            ev.loop = loop->id;
            ev.handle = h->id;
            ev.when = h->when;
            rt_world_emit(loop->w, &ev);
        }
    }
}

/* BaseEventLoop._run_once; see the top of this file. */
static int run_once(rt_loop *loop)
{
    rt_world *w = loop->w;
    loop->iteration++;
    if (w->hook) {
        rt_event ev = rt_event_init(RT_EV_LOOP_ITERATION);
        ev.loop = loop->id;
        ev.n = (int64_t)loop->iteration;
        rt_world_emit(w, &ev);
    }

    /* 1. Cancelled timers. */
    rt__timers_prune(loop);

    /* 2. The timeout. */
    double timeout = 0.0;
    bool forever = false;
    if (loop->rcount > 0 || loop->stopping || rt__loop_tsq_nonempty(loop)) {
        /* CPython's call_soon_threadsafe appends to _ready at once, so a
         * queued threadsafe handle counts as ready here. */
        timeout = 0.0;
    } else if (loop->nheap > 0) {
        double d = loop->heap[0].when - rt__clock_now(w);
        timeout = d > 0 ? d : 0.0;
        if (timeout > RT__MAX_SELECT_TIMEOUT)
            timeout = RT__MAX_SELECT_TIMEOUT;
    } else {
        forever = true;
    }

    /* 3. Select. */
    io_state io = io_query(loop, timeout, forever);
    if (w->hook) {
        double until = !forever && timeout > 0 ? rt__clock_now(w) + timeout
                                               : 0.0;
        if (io.ready)
            until = 0.0;
        else if (!isinf(io.next) && (until == 0.0 || io.next < until))
            until = io.next;
        emit_phase(loop, RT_PHASE_SELECT, until, 0);
    }
    int r = select_phase(loop, timeout, forever, io);
    if (r < 0)
        return r;

    /* 4. Due timers. */
    if (w->hook)
        emit_phase(loop, RT_PHASE_TIMERS, 0.0, 0);
    collect_due_timers(loop, rt__clock_now(w) + RT__CLOCK_RESOLUTION);

    /* 5. Exactly the handles ready now. */
    size_t ntodo = loop->rcount;
    if (w->hook)
        emit_phase(loop, RT_PHASE_READY, 0.0, (int64_t)ntodo);
    for (size_t i = 0; i < ntodo; i++) {
        /* Fetch the handle 8 entries on: after a burst of timers the
         * handles are cache misses, now overlapped with useful work.
         * (Fetching their targets too was measured: it costs more than it
         * saves when handles come hot from the free list.) */
        size_t mask = loop->rcap - 1;
        if (i + 8 < ntodo)
            __builtin_prefetch(loop->ready[(loop->rhead + 8) & mask]);
        /* handle.run is emitted while the handle still heads the queue, so
         * that a hook sees a consistent state between two handles. A task's
         * step or wake-up has none: the task.step it makes says it. */
        rt_handle *h = loop->ready[loop->rhead];
        if (w->hook && !h->cancelled && h->fn != rt__task_step_cb &&
            h->fn != rt__task_wakeup_cb) {
            char name[RT__TEXT];
            rt_event ev = rt_event_init(RT_EV_HANDLE_RUN);
            handle_event_fields(loop, h, &ev, name, sizeof name);
            rt_world_emit(w, &ev);
        }
        ready_pop(loop);
        if (h->cancelled) {
            rt_handle_release(h);
            continue;
        }
        if (loop->slow_fn) {
            double t0 = rt__clock_now(w);
            h->fn(loop, h);
            double dt = rt__clock_now(w) - t0;
            if (dt >= loop->slow_threshold && loop->slow_fn)
                loop->slow_fn(loop->slow_data, h, dt);
        } else {
            h->fn(loop, h);
        }
        /* It ran: a later cancel() only marks it (no event, as nothing is
         * left to skip). */
        h->fn = NULL;
        rt_handle_release(h);
        if (loop->exit_pending) {
            loop->exit_pending = false;
            return RT_EEXIT;
        }
    }
    return RT_OK;
}

void rt_loop_set_slow_report(rt_loop *loop, double threshold, rt_slow_fn fn,
                             void *data)
{
    loop->slow_fn = fn;
    loop->slow_data = data;
    loop->slow_threshold = threshold;
}

/* Marks the loop running on the world's loop thread, refusing a second
 * running loop as asyncio does ("Cannot run the event loop while another
 * loop is running"). */
static int enter_running(rt_loop *loop)
{
    if (loop->closed)
        return RT_ECLOSED;
    if (loop->running || loop->in_iteration)
        return RT_ERUNNING;
    if (loop->w->running_loop && loop->w->running_loop != loop)
        return RT_ERUNNING;
    loop->running = true;
    loop->w->running_loop = loop;
    return RT_OK;
}

static void leave_running(rt_loop *loop)
{
    loop->running = false;
    loop->w->running_loop = NULL;
}

/* One iteration: see rt.h. When the loop is not running already (a test
 * or a stepping front end driving it by hand), it counts as running for the
 * duration of the iteration. */
int rt_loop_run_once(rt_loop *loop)
{
    bool was_running = loop->running;
    if (!was_running) {
        int r = enter_running(loop);
        if (r < 0)
            return r;
    } else if (loop->in_iteration) {
        return RT_ERUNNING;
    }
    loop->in_iteration = true;
    int r = run_once(loop);
    loop->in_iteration = false;
    if (!was_running)
        leave_running(loop);
    return r;
}

static int run_forever(rt_loop *loop, const char *how)
{
    int r = enter_running(loop);
    if (r < 0)
        return r;
    if (loop->w->hook) {
        rt_event ev = rt_event_init(RT_EV_LOOP_RUN);
        ev.loop = loop->id;
        ev.text = how;
        rt_world_emit(loop->w, &ev);
    }
    for (;;) {
        loop->in_iteration = true;
        r = run_once(loop);
        loop->in_iteration = false;
        if (r < 0 || loop->stopping)
            break;
    }
    loop->stopping = false;
    leave_running(loop);
    return r;
}

/* loop.run_forever(): 0 after stop(), or the error that ended it
 * (RT_EDEADLOCK, RT_EEXIT). */
int rt_loop_run_forever(rt_loop *loop) { return run_forever(loop, "run_forever"); }

/* asyncio's _run_until_complete_cb: stops the loop when the future is done,
 * unless it holds KeyboardInterrupt/SystemExit (the loop is leaving through
 * RT_EEXIT anyway). Reading the exception marks it retrieved, as
 * fut.exception() does. */
static void run_until_complete_cb(rt_loop *loop, rt_handle *h)
{
    rt_future *fut = (rt_future *)h->target;
    if (!rt_future_cancelled(fut)) {
        fut->log_traceback = false;
        if (!rt_is_none(rt_future_peek_exception(fut)) &&
            rt__classify(loop->w, rt_future_peek_exception(fut)) == RT_EXC_FATAL)
            return;
    }
    rt_loop_stop(fut->loop);
}

/* loop.run_until_complete(fut): see rt.h. */
int rt_loop_run_until_complete(rt_loop *loop, rt_future *fut)
{
    if (!fut)
        return RT_EINVAL;
    if (loop->closed)
        return RT_ECLOSED;
    if (loop->running || loop->in_iteration ||
        (loop->w->running_loop && loop->w->running_loop != loop))
        return RT_ERUNNING;
    if (fut->loop != loop)
        return RT_EINVAL;
    int r = rt__future_add_callback(fut, run_until_complete_cb, NULL,
                                    RT_NONE, RT_HANDLE_DONE_CALLBACK);
    if (r < 0)
        return r;
    rt_future_retain(fut);
    r = run_forever(loop, "run_until_complete");
    rt_future_remove_done_callback(fut, run_until_complete_cb, NULL, RT_NONE,
                                   NULL);
    bool done = rt_future_done(fut);
    rt_future_release(fut);
    if (r < 0)
        return r;
    return done ? RT_OK : RT_ESTOPPED;
}

/* loop.stop(): takes effect when the current iteration ends. */
void rt_loop_stop(rt_loop *loop)
{
    loop->stopping = true;
    if (loop->w->hook) {
        rt_event ev = rt_event_init(RT_EV_LOOP_STOP);
        ev.loop = loop->id;
        rt_world_emit(loop->w, &ev);
    }
}

/* ------------------------------------------------------------------------ */
/* The invariant check                                                      */
/* ------------------------------------------------------------------------ */

#define CHECK(cond, ...)                                                     \
    do {                                                                     \
        if (!(cond)) {                                                       \
            if (why && size)                                                 \
                snprintf(why, size, __VA_ARGS__);                            \
            return RT_ESTATE;                                                \
        }                                                                    \
    } while (0)

/* Whether future `f` holds the wake-up callback of task `t`. */
static bool holds_wakeup(const rt_future *f, const rt_task *t)
{
    for (uint32_t i = 0; i < f->ncallbacks; i++)
        if (f->callbacks[i].kind == RT_HANDLE_WAKEUP &&
            (f->callbacks[i].arg.kind & RT_KIND_OBJECT) &&
            f->callbacks[i].arg.u.p == t)
            return true;
    return false;
}

/* Checks the invariants of rt.h: the ready queue and heap are well formed,
 * and every live task is in exactly one place. O(tasks x queue): for tests
 * and debug builds. Between handles no task is running; called from inside
 * a step, the running task is only checked to be the current one. */
int rt_loop_check(const rt_loop *loop, char *why, size_t size)
{
    CHECK(loop->rcount <= loop->rcap, "ready count %zu > capacity %zu",
          loop->rcount, loop->rcap);
    for (size_t i = 0; i < loop->rcount; i++) {
        const rt_handle *h = loop->ready[(loop->rhead + i) & (loop->rcap - 1)];
        CHECK(h->obj.refs >= 1 && h->obj.type == &rt__handle_type,
              "ready[%zu] is not a live handle", i);
        CHECK(h->loop == loop, "ready[%zu] belongs to another loop", i);
        CHECK(!h->scheduled, "ready[%zu] (handle %llu) is still in the heap",
              i, (unsigned long long)h->id);
    }
    size_t ncancelled = 0;
    for (size_t i = 0; i < loop->nheap; i++) {
        const rt_handle *h = loop->heap[i].h;
        CHECK(h->timer && h->scheduled,
              "heap[%zu] (handle %llu) is not a scheduled timer", i,
              (unsigned long long)h->id);
        CHECK(loop->heap[i].when == h->when, "heap[%zu] has a stale deadline",
              i);
        if (i > 0)
            CHECK(!(loop->heap[i].when < loop->heap[(i - 1) / 2].when),
                  "heap[%zu] is less than its parent", i);
        ncancelled += h->cancelled;
    }
    CHECK(ncancelled == loop->ncancelled,
          "%zu cancelled timers in the heap but the count says %zu",
          ncancelled, loop->ncancelled);
    CHECK(!loop->current || loop->current->running,
          "the current task is not marked running");

    size_t nlive = 0;
    const rt_task *prev = NULL;
    for (const rt_task *t = loop->live_first; t; t = t->next_live) {
        char nb[RT_TASK_NAME_SIZE];
        const char *tn = rt_task_name(t, nb);
        nlive++;
        CHECK(t->prev_live == prev, "live task list is broken at %s",
              tn);
        prev = t;
        CHECK(t->fut.loop == loop, "%s belongs to another loop", tn);
        if (t->running) {
            CHECK(loop->current == t, "%s runs but is not current", tn);
            continue;
        }
        size_t nready = 0;
        for (size_t i = 0; i < loop->rcount; i++) {
            const rt_handle *h =
                loop->ready[(loop->rhead + i) & (loop->rcap - 1)];
            if (!h->cancelled && handle_task(h) == t)
                nready++;
        }
        bool waiting = t->fut_waiter && !rt_future_done(t->fut_waiter) &&
                       holds_wakeup(t->fut_waiter, t);
        bool done = rt_future_done(&t->fut);
        CHECK(nready <= 1, "%s has %zu handles in the ready queue", tn,
              nready);
        CHECK(t->step_queued == (nready == 1),
              "%s: step_queued is %d but %zu handles are queued", tn,
              t->step_queued, nready);
        int places = (nready == 1) + waiting + done;
        CHECK(places == 1,
              "%s is in %d places (ready %zu, waiting %d, done %d)", tn,
              places, nready, waiting, done);
        CHECK(!done || !t->fut_waiter, "%s is done but awaits a future",
              tn);
    }
    CHECK(nlive == loop->nlive, "live list has %zu tasks, count says %zu",
          nlive, loop->nlive);
    return RT_OK;
}
