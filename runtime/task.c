/*
 * task.c - asyncio.Task: a future that drives a coroutine, one step per
 * handle, with the exact semantics of CPython 3.11's Task.__step and
 * Task.__wakeup (tasks.py).
 *
 * A step resumes the coroutine once. What it does next decides where the
 * task goes: a returned value or a raised exception finishes the task; a
 * yielded future makes it wait (its wake-up becomes a done callback of that
 * future); a bare yield queues the next step at the tail of the ready
 * queue; anything else queues a step that throws RuntimeError in. When the
 * awaited future completes, the wake-up reads its outcome and steps the
 * task with nothing or with the exception, in the same handle.
 *
 * Cancellation is a request: cancel() cancels the awaited future if there
 * is one (the wake-up then throws CancelledError in), or marks the task so
 * that its next step throws it. The coroutine may catch it.
 *
 * Lifetime: a task is kept alive only by references: its queued step
 * handle (the handle's target), its wake-up callback in the awaited
 * future's list (the callback's argument), and the embedder's. The loop's
 * list of live tasks holds none, like asyncio's WeakSet of tasks.
 */
#include <stdio.h>
#include <string.h>

#include "rt_internal.h"

/* rt__task_type's flag: the given name lives in the task's own block. */
#define TASK_INLINE_NAME 1u

static void task_destroy(rt_object *obj)
{
    rt_task *t = (rt_task *)obj;
    rt_task_deinit(t);
    rt_free(t);
}

const rt_type rt__task_type = {"Task", task_destroy};

/* "Task-<n>" without printf, which would cost more than the rest of task
 * creation. Returns the length. */
static size_t format_task_name(char *buf, uint64_t n)
{
    char digits[24];
    size_t nd = 0;
    do {
        digits[nd++] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    memcpy(buf, "Task-", 5);
    for (size_t i = 0; i < nd; i++)
        buf[5 + i] = digits[nd - 1 - i];
    buf[5 + nd] = '\0';
    return 5 + nd;
}

/* The coroutine's position for events: its where() if it has one, else
 * just its name. This is the one position lookup of a step: task.suspend
 * (and task.create) keep what it found in the task, and the next
 * task.step reuses it, since a suspended coroutine has not moved. */
void rt__task_where(const rt_task *t, rt_event *ev)
{
    if (t->cls->where) {
        const char *func = NULL;
        ev->line = t->cls->where(t->coro, &func);
        ev->func = func;
    } else if (t->cls->name) {
        ev->func = t->cls->name(t->coro);
    }
}

/* Checks shared by rt_task_new and rt_task_init. */
static int task_check(rt_loop *loop, rt_object *coro, const rt_coro_class *cls)
{
    if (!loop || !coro || !cls || !cls->resume)
        return RT_EINVAL;
    if (loop->closed)
        return RT_ECLOSED;
    return rt__loop_reserve(loop, 1);
}

/* Everything after the allocations, which cannot fail: Task.__init__'s
 * call_soon(self.__step) and _register_task. `counted` says that the name
 * came from the world's counter, which is consumed only now. */
static void task_commit(rt_task *t, rt_loop *loop, rt_object *coro,
                        const rt_coro_class *cls, char *name)
{
    rt_world *w = loop->w;
    rt__future_setup(&t->fut, loop, RT_ROLE_TASK);
    rt__register_future_type(w, t->fut.obj.type, true);
    t->fut.is_task = true;
    t->fut.ref = name ? 0 : ++w->task_names;
    rt_object_retain(coro);
    t->coro = coro;
    t->cls = cls;
    t->fut_waiter = NULL;
    t->name = name;
    t->fut.id = rt__next_id(w, RT_ID_TASK);
    t->num_cancels_requested = 0;
    t->must_cancel = false;
    t->running = false;
    t->where_known = false;
    rt__loop_live_add(loop, t);
    /* The first step is queued before task.create is reported, which names
     * its handle: a trace says "created, first step queued" in one event. */
    rt_handle *h = rt__loop_soon_unannounced(loop, RT_HANDLE_STEP,
                                             rt__task_step_cb, NULL,
                                             &t->fut.obj, RT_NONE);
    t->step_queued = true;
    if (w->hook) {
        char buf[RT_TASK_NAME_SIZE];
        rt_event ev = rt_event_init(RT_EV_TASK_CREATE);
        ev.loop = loop->id;
        ev.task = t->fut.id;
        ev.handle = h ? h->id : 0;
        if (loop->current)
            ev.peer = loop->current->fut.id;
        rt__task_where(t, &ev);
        t->where_known = true;
        t->where_line = ev.line;
        t->where_func = ev.func;
        ev.name = rt_task_name(t, buf);
        rt_world_emit(w, &ev);
    }
}

/* Creates a task in one block with its default name: see rt.h. */
int rt_task_new(rt_loop *loop, rt_object *coro, const rt_coro_class *cls,
                const char *name, rt_task **out)
{
    if (!out)
        return RT_EINVAL;
    int r = task_check(loop, coro, cls);
    if (r < 0)
        return r;
    size_t len = name ? strlen(name) + 1 : 0;
    rt_task *t = rt_malloc(sizeof *t + len);
    if (!t)
        return RT_ENOMEM;
    t->fut.obj.refs = 1;
    t->fut.obj.flags = name ? TASK_INLINE_NAME : 0;
    t->fut.obj.type = &rt__task_type;
    char *inline_name = NULL;
    if (name) {
        inline_name = (char *)(t + 1);
        memcpy(inline_name, name, len);
    }
    task_commit(t, loop, coro, cls, inline_name);
    *out = t; /* the creation reference; the step handle holds another */
    return RT_OK;
}

/* Initialises an embedded task (the embedder set its header). */
int rt_task_init(rt_task *t, rt_loop *loop, rt_object *coro,
                 const rt_coro_class *cls, const char *name)
{
    if (!t)
        return RT_EINVAL;
    int r = task_check(loop, coro, cls);
    if (r < 0)
        return r;
    char *copy = NULL;
    if (name) {
        size_t len = strlen(name);
        if (!(copy = rt_malloc(len + 1)))
            return RT_ENOMEM;
        memcpy(copy, name, len + 1);
    }
    task_commit(t, loop, coro, cls, copy);
    return RT_OK;
}

static bool name_is_inline(const rt_task *t)
{
    return t->fut.obj.type == &rt__task_type &&
           (t->fut.obj.flags & TASK_INLINE_NAME);
}

/* Releases what the task holds. A task destroyed while pending is
 * reported as asyncio's Task.__del__ does; then the future part reports an
 * exception nobody retrieved. */
void rt_task_deinit(rt_task *t)
{
    rt_loop *loop = t->fut.loop;
    if (loop->w->hook) {
        rt_event ev = rt_event_init(RT_EV_TASK_FREE);
        ev.task = t->fut.id;
        rt_world_emit(loop->w, &ev);
    }
    if (t->fut.state == RT_FUTURE_PENDING)
        rt__future_report(&t->fut, "Task was destroyed but it is pending!",
                          RT_NONE);
    /* Report an unretrieved exception while the task is still whole: the
     * handler may print its repr (name, coroutine). */
    if (t->fut.log_traceback) {
        t->fut.log_traceback = false;
        rt__future_report(&t->fut, "Task exception was never retrieved",
                          rt_future_peek_exception(&t->fut));
    }
    rt__loop_live_remove(loop, t);
    rt_object *coro = t->coro;
    rt_future *waiter = t->fut_waiter;
    t->coro = NULL;
    t->fut_waiter = NULL;
    if (coro)
        rt_object_release(coro);
    rt_future_release(waiter);
    if (!name_is_inline(t))
        rt_free(t->name);
    t->name = NULL;
    rt_future_deinit(&t->fut);
}

/* ------------------------------------------------------------------------ */
/* Stepping                                                                 */
/* ------------------------------------------------------------------------ */

/* Reports a failure that leaves a task stuck: only possible when memory
 * runs out in the middle of a step, after the coroutine has moved on. */
static void report_stuck(rt_task *t, const char *message)
{
    rt_exc_context ctx = {message, RT_NONE, &t->fut, NULL};
    rt_loop_call_exception_handler(t->fut.loop, &ctx);
}

/* call_soon(self.__step, RuntimeError(text)). */
static void schedule_error_step(rt_task *t, const char *text)
{
    rt_loop *loop = t->fut.loop;
    rt_value err = rt__make_exception(loop->w, RT_MAKE_RUNTIME_ERROR, RT_NONE,
                                      text);
    int r = rt_loop_call_soon(loop, RT_HANDLE_STEP, rt__task_step_cb, NULL,
                              &t->fut.obj, err, NULL);
    rt_value_release(err);
    if (r == RT_OK)
        t->step_queued = true;
    else
        report_stuck(t, "out of memory: cannot schedule Task.__step()");
}

/* An event of `kind` about task t, every other field zero (worker -1),
 * set field by field. The two events of every step are built this way
 * rather than with an initialiser: GCC clears a 144-byte initialiser with
 * `rep stos`, whose start-up cost was a third of the time a traced step
 * spends building its events. */
static inline void task_event(rt_event *ev, rt_event_kind kind, const rt_task *t)
{
    ev->kind = kind;
    ev->seq = 0;
    ev->t = 0;
    ev->loop = t->fut.loop->id;
    ev->task = t->fut.id;
    ev->future = 0;
    ev->handle = 0;
    ev->job = 0;
    ev->executor = 0;
    ev->peer = 0;
    ev->worker = -1;
    ev->line = 0;
    ev->kind2 = 0;
    ev->n = 0;
    ev->when = 0;
    ev->name = NULL;
    ev->type = NULL;
    ev->text = NULL;
    ev->func = NULL;
}

/* task.suspend: the task waits for `f`, or (f NULL) yielded and queued
 * its next step `h` (NULL when that failed). An awaited task is named by
 * its id alone (`peer`): its name is in its task.create. The position
 * found here is kept for the next task.step. */
static void emit_suspend(rt_task *t, rt_future *f, const rt_handle *h)
{
    rt_loop *loop = t->fut.loop;
    char name[RT__TEXT];
    rt_event ev;
    task_event(&ev, RT_EV_TASK_SUSPEND, t);
    rt__task_where(t, &ev);
    t->where_known = true;
    t->where_line = ev.line;
    t->where_func = ev.func;
    if (!f) {
        ev.kind2 = RT_ROLE_YIELD;
        ev.handle = h ? h->id : 0;
    } else {
        ev.kind2 = f->role;
        if (f->is_task) {
            ev.peer = f->id;
        } else {
            ev.future = f->id;
            rt__describe(loop->w, rt__obj_value(f), RT_DESCRIBE_NAME, name,
                         sizeof name);
            if (name[0])
                ev.name = name;
        }
    }
    rt_world_emit(loop->w, &ev);
}

/* task.step, which also stands for the loop taking the step's handle `h`
 * from the ready queue (no handle.run is reported for it). The position
 * is the one task.suspend or task.create found, when it is known. */
static void emit_step(rt_task *t, rt_value exc, const rt_handle *h)
{
    rt_world *w = t->fut.loop->w;
    char type[RT__TEXT], text[RT__TEXT];
    rt_event ev;
    task_event(&ev, RT_EV_TASK_STEP, t);
    ev.handle = h ? h->id : 0;
    if (t->where_known) {
        ev.line = t->where_line;
        ev.func = t->where_func;
    } else {
        rt__task_where(t, &ev);
    }
    if (!rt_is_none(exc)) {
        rt__describe(w, exc, RT_DESCRIBE_TYPE, type, sizeof type);
        rt__describe(w, exc, RT_DESCRIBE_STR, text, sizeof text);
        ev.type = type;
        ev.text = text;
    }
    rt_world_emit(w, &ev);
    if (!rt_is_none(exc) && rt__classify(w, exc) == RT_EXC_CANCELLED) {
        rt_event d = rt_event_init(RT_EV_TASK_CANCEL_DELIVER);
        d.loop = ev.loop;
        d.task = ev.task;
        d.line = ev.line;
        d.func = ev.func;
        rt_world_emit(w, &d);
    }
}

/* The task yielded a future: wait for it, unless it belongs to another
 * loop or is the task itself. */
static void await_future(rt_task *t, rt_future *f)
{
    rt_loop *loop = t->fut.loop;
    char text[3 * RT__TEXT], a[RT__TEXT], b[RT__TEXT];
    if (f->loop != loop) {
        rt__describe(loop->w, rt__obj_value(t), RT_DESCRIBE_REPR, a, sizeof a);
        rt__describe(loop->w, rt__obj_value(f), RT_DESCRIBE_REPR, b, sizeof b);
        snprintf(text, sizeof text,
                 "Task %s got Future %s attached to a different loop", a, b);
        schedule_error_step(t, text);
        return;
    }
    if (f == &t->fut) {
        rt__describe(loop->w, rt__obj_value(t), RT_DESCRIBE_REPR, a, sizeof a);
        snprintf(text, sizeof text, "Task cannot await on itself: %s", a);
        schedule_error_step(t, text);
        return;
    }
    if (rt__future_add_callback(f, rt__task_wakeup_cb, NULL,
                                rt__obj_value(t), RT_HANDLE_WAKEUP) < 0) {
        /* The coroutine waits at its await: give it an exception there
         * rather than leave it waiting for a wake-up that cannot come. */
        schedule_error_step(t, "out of memory");
        return;
    }
    rt_future_retain(f);
    t->fut_waiter = f;
    if (loop->w->hook)
        emit_suspend(t, f, NULL);
    if (t->must_cancel && rt_future_cancel(f, rt_future_cancel_message(&t->fut)))
        t->must_cancel = false;
}

/* Task.__step(exc): `exc` (borrowed) is none to send, else to throw. */
static void task_step(rt_task *t, rt_value exc, const rt_handle *h)
{
    rt_loop *loop = t->fut.loop;
    rt_world *w = loop->w;
    t->step_queued = false;
    if (RT_NEVER(t->fut.state != RT_FUTURE_PENDING)) {
        /* asyncio raises InvalidStateError, which Handle._run reports. */
        rt_value err = rt__make_exception(w, RT_MAKE_INVALID_STATE, RT_NONE,
                                          "_step(): already done");
        rt_exc_context ctx = {"Exception in callback Task.__step()", err,
                              &t->fut, (rt_handle *)h};
        rt_loop_call_exception_handler(loop, &ctx);
        rt_value_release(err);
        return;
    }
    rt_value made = RT_NONE;
    if (t->must_cancel) {
        if (rt_is_none(exc) || rt__classify(w, exc) != RT_EXC_CANCELLED) {
            made = rt_future_make_cancelled_error(&t->fut);
            exc = made;
        }
        t->must_cancel = false;
    }
    rt_future *waiter = t->fut_waiter;
    t->fut_waiter = NULL;
    rt_future_release(waiter);

    /* _enter_task. Room for what the step will most likely queue: its next
     * step, or the callbacks of its own completion. A failure here only
     * means the later scheduling may fail and report. */
    loop->current = t;
    t->running = true;
    (void)rt__loop_reserve(loop, (size_t)t->fut.ncallbacks + 1);
    if (w->hook)
        emit_step(t, exc, h);
    t->where_known = false; /* the coroutine moves on from here */

    rt_value value = RT_NONE;
    rt_yield y = {NULL, false, RT_NONE};
    rt_coro_status st =
        t->cls->resume(t->coro, t, rt_is_none(exc) ? RT_RESUME_SEND
                                                   : RT_RESUME_THROW,
                       exc, &value, &y);
    rt_value_release(made);

    switch (st) {
    case RT_CORO_RETURN:
        if (t->must_cancel) {
            t->must_cancel = false;
            rt_value msg = rt_future_cancel_message(&t->fut);
            rt_value_retain(msg);
            if (!rt__future_cancel(&t->fut, msg))
                report_stuck(t, "out of memory: cannot finish the task");
            rt_value_release(msg);
        } else if (rt__future_set_result(&t->fut, value) < 0) {
            report_stuck(t, "out of memory: cannot finish the task");
        }
        rt_value_release(value);
        break;
    case RT_CORO_RAISE: {
        rt_exc_class c = rt__classify(w, value);
        if (c == RT_EXC_CANCELLED) {
            /* Moved in; should memory run out, _make_cancelled_error
             * makes a fresh CancelledError instead. */
            rt__future_set_cancelled_exc(&t->fut, value);
            if (!rt__future_cancel(&t->fut, RT_NONE))
                report_stuck(t, "out of memory: cannot finish the task");
        } else {
            if (rt__future_set_exception(&t->fut, value) < 0)
                report_stuck(t, "out of memory: cannot finish the task");
            if (c == RT_EXC_FATAL) {
                loop->exit_pending = true;
                rt_value_release(loop->exit_exc);
                loop->exit_exc = value; /* moved */
            } else {
                rt_value_release(value);
            }
        }
        break;
    }
    case RT_CORO_YIELD:
        if (y.future) {
            await_future(t, y.future);
        } else if (y.bare) {
            /* call_soon(self.__step), reported by the task.suspend that
             * names its handle. */
            rt_handle *next = NULL;
            if (!loop->closed && rt__loop_reserve(loop, 1) == RT_OK) {
                next = rt__loop_soon_unannounced(loop, RT_HANDLE_STEP,
                                                 rt__task_step_cb, NULL,
                                                 &t->fut.obj, RT_NONE);
                t->step_queued = next != NULL;
            }
            if (w->hook)
                emit_suspend(t, NULL, next);
            if (!next)
                report_stuck(t, "out of memory: cannot schedule Task.__step()");
        } else {
            char text[2 * RT__TEXT], repr[RT__TEXT];
            rt__describe(w, y.bad, RT_DESCRIBE_REPR, repr, sizeof repr);
            snprintf(text, sizeof text, "Task got bad yield: %s", repr);
            rt_value_release(y.bad);
            schedule_error_step(t, text);
        }
        break;
    }
    /* _leave_task */
    loop->current = NULL;
    t->running = false;
}

/* The handle of a step: its target is the task, its argument what to
 * throw in (none: send). */
void rt__task_step_cb(rt_loop *loop, rt_handle *h)
{
    task_step((rt_task *)h->target, h->arg, h);
}

/* Task.__wakeup(future): the handle's target is the awaited future, its
 * argument the task. future.result() would clear log_traceback, or make
 * the CancelledError (consuming a saved one). */
void rt__task_wakeup_cb(rt_loop *loop, rt_handle *h)
{
    rt_future *f = (rt_future *)h->target;
    rt_task *t = (rt_task *)h->arg.u.p;
    rt_value exc = RT_NONE;
    if (f->state == RT_FUTURE_CANCELLED) {
        exc = rt_future_make_cancelled_error(f);
    } else if (!rt_is_none(rt_future_peek_exception(f))) {
        f->log_traceback = false;
        exc = rt_future_peek_exception(f);
        rt_value_retain(exc);
    }
    task_step(t, exc, h);
    rt_value_release(exc);
}

/* ------------------------------------------------------------------------ */
/* Cancellation and names                                                   */
/* ------------------------------------------------------------------------ */

/* Task.cancel(msg): see rt.h. */
bool rt_task_cancel(rt_task *t, rt_value msg)
{
    rt_loop *loop = t->fut.loop;
    t->fut.log_traceback = false;
    if (rt_future_done(&t->fut))
        return false;
    t->num_cancels_requested++;
    if (loop->w->hook) {
        char text[RT__TEXT];
        rt_event ev = rt_event_init(RT_EV_TASK_CANCEL_REQUEST);
        ev.loop = loop->id;
        ev.task = t->fut.id;
        if (loop->current && loop->current != t)
            ev.peer = loop->current->fut.id;
        ev.n = t->num_cancels_requested;
        if (!rt_is_none(msg)) {
            rt__describe(loop->w, msg, RT_DESCRIBE_STR, text, sizeof text);
            ev.text = text;
        }
        rt_world_emit(loop->w, &ev);
    }
    if (t->fut_waiter && rt_future_cancel(t->fut_waiter, msg))
        return true;
    t->must_cancel = true;
    /* Should memory run out, the cancellation comes without its message. */
    rt_value_retain(msg);
    rt__future_set_cancel_msg(&t->fut, msg);
    return true;
}

/* Task.cancelling() and Task.uncancel(), which never goes below 0. */
int rt_task_cancelling(const rt_task *t) { return t->num_cancels_requested; }

const char *rt_task_name(const rt_task *t, char *buf)
{
    if (t->name)
        return t->name;
    format_task_name(buf, t->fut.ref);
    return buf;
}

int rt_task_uncancel(rt_task *t)
{
    if (t->num_cancels_requested > 0)
        t->num_cancels_requested--;
    return t->num_cancels_requested;
}

/* Task.set_name: see rt.h. */
int rt_task_set_name(rt_task *t, const char *name)
{
    if (!name)
        return RT_EINVAL;
    size_t len = strlen(name);
    char *copy = rt_malloc(len + 1);
    if (!copy)
        return RT_ENOMEM;
    memcpy(copy, name, len + 1);
    if (!name_is_inline(t))
        rt_free(t->name);
    if (t->fut.obj.type == &rt__task_type)
        t->fut.obj.flags &= ~TASK_INLINE_NAME;
    t->name = copy;
    rt_world *w = t->fut.loop->w;
    if (w->hook) {
        rt_event ev = rt_event_init(RT_EV_TASK_RENAME);
        ev.task = t->fut.id;
        ev.name = copy;
        rt_world_emit(w, &ev);
    }
    return RT_OK;
}

/* Where the task is: see rt.h. A queued wake-up counts as ready even
 * though fut_waiter is still set (asyncio clears it in the step). */
rt_task_place rt_task_place_of(const rt_task *t)
{
    if (t->running)
        return RT_PLACE_RUNNING;
    if (t->step_queued)
        return RT_PLACE_READY;
    if (t->fut_waiter)
        return RT_PLACE_WAITING;
    if (rt_future_done(&t->fut))
        return RT_PLACE_DONE;
    return RT_PLACE_WAITING;
}
