/*
 * future.c - asyncio.Future: a result that will exist later, and the done
 * callbacks that run (through the loop, never directly) when it does.
 *
 * The semantics are those of CPython 3.11's futures.py, including the
 * corners a scenario can observe: callbacks are scheduled with call_soon in
 * registration order; cancel(msg) keeps the message; result() of a
 * cancelled future raises a CancelledError built from that message, or the
 * very CancelledError that ended a task (_make_cancelled_error, which hands
 * it out only once); log_traceback is set by set_exception, cleared by
 * result(), exception() and cancel(), and a future destroyed with it still
 * set reports "Future exception was never retrieved" through the loop's
 * exception handler.
 *
 * A future whose loop has callbacks to schedule reserves the ready-queue
 * room and the handles first, so completing it either fails cleanly
 * (RT_ENOMEM, nothing changed) or schedules every callback.
 */
#include <stddef.h>
#include <string.h>

#include "rt_internal.h"

static void future_destroy(rt_object *obj)
{
    rt_future *f = (rt_future *)obj;
    rt_future_deinit(f);
    rt_free(f);
}

const rt_type rt__future_type = {"Future", future_destroy};

/* Sets up everything but the header, the id and the events; shared with
 * tasks. */
void rt__future_setup(rt_future *fut, rt_loop *loop, rt_future_role role)
{
    rt_object header = fut->obj;
    uint64_t ref = fut->ref; /* the embedder may set it before init */
    memset(fut, 0, sizeof *fut);
    fut->obj = header;
    fut->ref = ref;
    fut->loop = loop;
    fut->role = (uint8_t)role;
    fut->state = RT_FUTURE_PENDING;
    rt__loop_user_add(loop);
}

/* Initialises an embedded future (header set by the embedder) and emits
 * future.create naming the task that created it. Cannot fail beyond
 * RT_EINVAL for a missing loop or role. */
int rt_future_init(rt_future *fut, rt_loop *loop, rt_future_role role)
{
    if (!fut || !loop || (unsigned)role >= RT_ROLE__COUNT)
        return RT_EINVAL;
    rt__future_setup(fut, loop, role);
    rt__register_future_type(loop->w, fut->obj.type, false);
    fut->id = rt__next_id(loop->w, RT_ID_FUTURE);
    if (loop->w->hook) {
        rt_event ev = rt_event_init(RT_EV_FUTURE_CREATE);
        ev.loop = loop->id;
        ev.future = fut->id;
        ev.kind2 = role;
        if (role == RT_ROLE_JOB)
            ev.job = fut->ref;
        if (loop->current)
            ev.task = loop->current->fut.id;
        /* The embedder may have labelled the future before this call. */
        char name[RT__TEXT];
        rt__describe(loop->w, rt__obj_value(&fut->obj), RT_DESCRIBE_NAME,
                     name, sizeof name);
        if (name[0])
            ev.name = name;
        rt_world_emit(loop->w, &ev);
    }
    return RT_OK;
}

/* Creates a plain pending future with one reference for the caller. */
int rt_future_new(rt_loop *loop, rt_future **out)
{
    if (!loop || !out)
        return RT_EINVAL;
    rt_future *f = rt_malloc(sizeof *f);
    if (!f)
        return RT_ENOMEM;
    f->obj.refs = 1;
    f->obj.flags = 0;
    f->obj.type = &rt__future_type;
    rt_future_init(f, loop, RT_ROLE_PLAIN);
    *out = f;
    return RT_OK;
}

/* See rt_internal.h: the handler gets a future whose count reads 1, so a
 * retain/release pair in it cannot destroy the future a second time. It
 * must not keep the future (CPython's __del__ cannot resurrect it either
 * without trouble). */
void rt__future_report(rt_future *fut, const char *message, rt_value exc)
{
    uint32_t refs = fut->obj.refs;
    fut->obj.refs = 1; /* a retain/release pair in the handler is harmless */
    rt_exc_context ctx = {message, exc, fut, NULL};
    rt_loop_call_exception_handler(fut->loop, &ctx);
    fut->obj.refs = refs;
}

/* Releases what the future holds (Future.__del__ first: an exception that
 * nobody retrieved is reported). The memory is the caller's. */
void rt_future_deinit(rt_future *fut)
{
    if (fut->log_traceback) {
        fut->log_traceback = false;
        rt__future_report(fut,
                          fut->is_task ? "Task exception was never retrieved"
                                       : "Future exception was never retrieved",
                          rt_future_peek_exception(fut));
    }
    rt_value_release(fut->outcome);
    fut->outcome = RT_NONE;
    fut->has_exception = false;
    if (fut->rare) {
        rt_value_release(fut->rare->cancel_msg);
        rt_value_release(fut->rare->cancelled_exc);
        rt_free(fut->rare);
        fut->rare = NULL;
    }
    for (uint32_t i = 0; i < fut->ncallbacks; i++)
        rt_value_release(fut->callbacks[i].arg);
    rt_free(fut->callbacks);
    fut->callbacks = NULL;
    fut->ncallbacks = fut->capcallbacks = 0;
    rt__loop_user_drop(fut->loop);
}

/* ------------------------------------------------------------------------ */
/* Completion                                                               */
/* ------------------------------------------------------------------------ */

void rt__outcome_fields(rt_world *w, rt_future *fut, rt_event *ev, char *type,
                        char *text)
{
    if (fut->state == RT_FUTURE_CANCELLED) {
        ev->kind2 = RT_OUTCOME_CANCELLED;
        rt_value why = RT_NONE;
        if (fut->rare)
            why = !rt_is_none(fut->rare->cancelled_exc)
                      ? fut->rare->cancelled_exc
                      : fut->rare->cancel_msg;
        if (!rt_is_none(why)) {
            rt__describe(w, why, RT_DESCRIBE_STR, text, RT__TEXT);
            if (text[0])
                ev->text = text;
        }
    } else if (!rt_is_none(rt_future_peek_exception(fut))) {
        ev->kind2 = RT_OUTCOME_EXCEPTION;
        rt__describe(w, rt_future_peek_exception(fut), RT_DESCRIBE_TYPE, type, RT__TEXT);
        rt__describe(w, rt_future_peek_exception(fut), RT_DESCRIBE_STR, text, RT__TEXT);
        ev->type = type;
        ev->text = text;
    } else {
        ev->kind2 = RT_OUTCOME_RESULT;
        rt__describe(w, rt_future_peek_result(fut), RT_DESCRIBE_REPR, text, RT__TEXT);
        ev->text = text;
    }
}

/* future.done, or task.done for a task, with the outcome. */
void rt__future_emit_done(rt_future *fut)
{
    rt_loop *loop = fut->loop;
    if (!loop->w->hook)
        return;
    char type[RT__TEXT], text[RT__TEXT];
    rt_event ev = rt_event_init(fut->is_task ? RT_EV_TASK_DONE
                                             : RT_EV_FUTURE_DONE);
    ev.loop = loop->id;
    if (fut->is_task)
        ev.task = fut->id;
    else
        ev.future = fut->id;
    rt__outcome_fields(loop->w, fut, &ev, type, text);
    rt_world_emit(loop->w, &ev);
}

/* Checks that the callbacks can be scheduled: the loop is open and has room
 * for them. Nothing changes on failure. */
static int prepare_callbacks(rt_future *fut)
{
    if (fut->ncallbacks == 0)
        return RT_OK;
    if (fut->loop->closed)
        return RT_ECLOSED;
    return rt__loop_reserve(fut->loop, fut->ncallbacks);
}

/* Future.__schedule_callbacks: every callback becomes a handle at the tail
 * of the ready queue, in registration order; the list is emptied. A task's
 * wake-up marks the task ready. Cannot fail after prepare_callbacks. */
static void schedule_callbacks(rt_future *fut)
{
    rt_done_callback *cbs = fut->callbacks;
    uint32_t n = fut->ncallbacks;
    fut->callbacks = NULL;
    fut->ncallbacks = fut->capcallbacks = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (cbs[i].kind == RT_HANDLE_WAKEUP &&
            (cbs[i].arg.kind & RT_KIND_OBJECT))
            ((rt_task *)cbs[i].arg.u.p)->step_queued = true;
        rt__loop_soon_reserved(fut->loop, cbs[i].kind, cbs[i].fn, cbs[i].data,
                               &fut->obj, cbs[i].arg);
    }
    rt_free(cbs);
}

/* Future.set_result: RT_ESTATE when done; RT_ECLOSED or RT_ENOMEM when the
 * callbacks could not be queued, with nothing changed. The order inside is
 * asyncio's: state, then callbacks (events: done, then the schedules). */
int rt__future_set_result(rt_future *fut, rt_value result)
{
    if (fut->state != RT_FUTURE_PENDING)
        return RT_ESTATE;
    int r = prepare_callbacks(fut);
    if (r < 0)
        return r;
    rt_value_retain(result);
    fut->outcome = result;
    fut->state = RT_FUTURE_FINISHED;
    rt__future_emit_done(fut);
    schedule_callbacks(fut);
    return RT_OK;
}

/* Future.set_exception: as set_result, and log_traceback is set last. */
int rt__future_set_exception(rt_future *fut, rt_value exc)
{
    if (fut->state != RT_FUTURE_PENDING)
        return RT_ESTATE;
    int r = prepare_callbacks(fut);
    if (r < 0)
        return r;
    rt_value_retain(exc);
    fut->outcome = exc;
    fut->has_exception = true;
    fut->state = RT_FUTURE_FINISHED;
    rt__future_emit_done(fut);
    schedule_callbacks(fut);
    fut->log_traceback = true;
    return RT_OK;
}

/* The base Future.cancel. Should the callbacks not fit in memory, the
 * future stays pending, the failure is reported through the exception
 * handler, and the answer is false: a failed call changes nothing. */
bool rt__future_cancel(rt_future *fut, rt_value msg)
{
    fut->log_traceback = false;
    if (fut->state != RT_FUTURE_PENDING)
        return false;
    int r = prepare_callbacks(fut);
    if (r != RT_ENOMEM) {
        rt_value_retain(msg);
        if (rt__future_set_cancel_msg(fut, msg) < 0)
            r = RT_ENOMEM;
    }
    if (r == RT_ENOMEM) {
        rt_exc_context ctx = {"out of memory: cannot cancel the future",
                              RT_NONE, fut, NULL};
        rt_loop_call_exception_handler(fut->loop, &ctx);
        return false;
    }
    fut->state = RT_FUTURE_CANCELLED;
    rt__future_emit_done(fut);
    if (r == RT_OK) {
        schedule_callbacks(fut);
    } else {
        /* The loop is closed: asyncio's call_soon would raise after the
         * state changed. The callbacks can never run; drop them. */
        for (uint32_t i = 0; i < fut->ncallbacks; i++)
            rt_value_release(fut->callbacks[i].arg);
        rt_free(fut->callbacks);
        fut->callbacks = NULL;
        fut->ncallbacks = fut->capcallbacks = 0;
    }
    return true;
}

/* set_result: RT_ESTATE when done, RT_EINVAL on a task (asyncio: "Task
 * does not support set_result operation"), RT_ECLOSED when callbacks would
 * go to a closed loop, RT_ENOMEM. */
int rt_future_set_result(rt_future *fut, rt_value result)
{
    if (fut->is_task)
        return RT_EINVAL;
    return rt__future_set_result(fut, result);
}

/* As rt_future_set_result; classifying the exception (asyncio refuses
 * StopIteration) is the embedder's business. */
int rt_future_set_exception(rt_future *fut, rt_value exc)
{
    if (fut->is_task)
        return RT_EINVAL;
    return rt__future_set_exception(fut, exc);
}

/* Future.cancel, or Task.cancel for a task (the method is virtual in
 * asyncio, and Task.cancel cancels the awaited future through it). */
bool rt_future_cancel(rt_future *fut, rt_value msg)
{
    if (fut->rare && fut->rare->cancel_hook)
        return fut->rare->cancel_hook(fut, msg);
    if (fut->is_task)
        return rt_task_cancel((rt_task *)fut, msg);
    return rt__future_cancel(fut, msg);
}

/* The rare part, made on first use. */
static rt_future_rare *rare_part(rt_future *fut)
{
    if (!fut->rare) {
        fut->rare = rt_malloc(sizeof *fut->rare);
        if (fut->rare) {
            fut->rare->cancel_msg = RT_NONE;
            fut->rare->cancelled_exc = RT_NONE;
            fut->rare->cancel_hook = NULL;
        }
    }
    return fut->rare;
}

/* Moves v into the rare part's value at `offset` (none needs no part). */
static int set_rare_value(rt_future *fut, size_t offset, rt_value v)
{
    if (rt_is_none(v) && !fut->rare)
        return RT_OK;
    if (!rare_part(fut)) {
        rt_value_release(v);
        return RT_ENOMEM;
    }
    rt_value *slot = (rt_value *)(void *)((char *)fut->rare + offset);
    rt_value_release(*slot);
    *slot = v;
    return RT_OK;
}

int rt__future_set_cancel_msg(rt_future *fut, rt_value msg)
{
    return set_rare_value(fut, offsetof(rt_future_rare, cancel_msg), msg);
}

int rt__future_set_cancelled_exc(rt_future *fut, rt_value exc)
{
    return set_rare_value(fut, offsetof(rt_future_rare, cancelled_exc), exc);
}

int rt_future_set_cancel_hook(rt_future *fut,
                              bool (*hook)(rt_future *fut, rt_value msg))
{
    if (!hook && !fut->rare)
        return RT_OK;
    if (!rare_part(fut))
        return RT_ENOMEM;
    fut->rare->cancel_hook = hook;
    return RT_OK;
}

bool rt_future_cancel_base(rt_future *fut, rt_value msg)
{
    if (fut->is_task)
        return rt_task_cancel((rt_task *)fut, msg);
    return rt__future_cancel(fut, msg);
}

/* ------------------------------------------------------------------------ */
/* Reading the outcome                                                      */
/* ------------------------------------------------------------------------ */

/* _make_cancelled_error: the saved CancelledError is handed out once (and
 * forgotten); otherwise a new one carries the cancel message. */
rt_value rt_future_make_cancelled_error(rt_future *fut)
{
    if (fut->rare && !rt_is_none(fut->rare->cancelled_exc)) {
        rt_value exc = fut->rare->cancelled_exc;
        fut->rare->cancelled_exc = RT_NONE;
        return exc;
    }
    return rt__make_exception(fut->loop->w, RT_MAKE_CANCELLED,
                              rt_future_cancel_message(fut), NULL);
}

/* Shared by result() and exception(): the error to raise when the future
 * is cancelled or pending, into *exc; RT_OK when finished. */
static int not_finished(rt_future *fut, rt_value *exc, const char *pending)
{
    if (fut->state == RT_FUTURE_CANCELLED) {
        *exc = rt_future_make_cancelled_error(fut);
    } else if (fut->state != RT_FUTURE_FINISHED) {
        *exc = rt__make_exception(fut->loop->w, RT_MAKE_INVALID_STATE, RT_NONE,
                                  pending);
    } else {
        return RT_OK;
    }
    return rt_is_none(*exc) ? RT_ENOMEM : RT_ESTATE;
}

/* Future.result(): see rt.h. The stored exception is handed out as a new
 * reference, the same object every time (CPython re-raises it). */
int rt_future_result(rt_future *fut, rt_value *out, rt_value *exc)
{
    *out = RT_NONE;
    *exc = RT_NONE;
    int r = not_finished(fut, exc, "Result is not set.");
    if (r < 0)
        return r;
    fut->log_traceback = false;
    if (fut->has_exception) {
        rt_value_retain(fut->outcome);
        *exc = fut->outcome;
        return RT_ESTATE;
    }
    rt_value_retain(fut->outcome);
    *out = fut->outcome;
    return RT_OK;
}

/* Future.exception(): see rt.h. */
int rt_future_exception(rt_future *fut, rt_value *out, rt_value *exc)
{
    *out = RT_NONE;
    *exc = RT_NONE;
    int r = not_finished(fut, exc, "Exception is not set.");
    if (r < 0)
        return r;
    fut->log_traceback = false;
    *out = rt_future_peek_exception(fut);
    rt_value_retain(*out);
    return RT_OK;
}

/* ------------------------------------------------------------------------ */
/* Done callbacks                                                           */
/* ------------------------------------------------------------------------ */

/* add_done_callback with a handle kind: see rt_internal.h. A done future
 * schedules at once (and a task's wake-up then marks it ready). */
int rt__future_add_callback(rt_future *fut, rt_handle_fn fn, void *data,
                            rt_value arg, rt_handle_kind kind)
{
    if (fut->state != RT_FUTURE_PENDING) {
        if (fut->loop->closed)
            return RT_ECLOSED;
        if (rt__loop_reserve(fut->loop, 1) < 0)
            return RT_ENOMEM;
        rt_value_retain(arg);
        if (kind == RT_HANDLE_WAKEUP && (arg.kind & RT_KIND_OBJECT))
            ((rt_task *)arg.u.p)->step_queued = true;
        rt__loop_soon_reserved(fut->loop, kind, fn, data, &fut->obj, arg);
        return RT_OK;
    }
    if (fut->ncallbacks == fut->capcallbacks) {
        /* One slot first: most futures get exactly one callback. */
        uint32_t cap = fut->capcallbacks ? fut->capcallbacks * 2 : 1;
        rt_done_callback *cbs =
            rt_realloc(fut->callbacks, cap * sizeof *cbs);
        if (!cbs)
            return RT_ENOMEM;
        fut->callbacks = cbs;
        fut->capcallbacks = cap;
    }
    rt_value_retain(arg);
    rt_done_callback *cb = &fut->callbacks[fut->ncallbacks++];
    cb->fn = fn;
    cb->data = data;
    cb->arg = arg;
    cb->kind = kind;
    return RT_OK;
}

/* add_done_callback: registers fn, or schedules it at once when the future
 * is already done. RT_ENOMEM / RT_ECLOSED leave everything unchanged. */
int rt_future_add_done_callback(rt_future *fut, rt_handle_fn fn, void *data,
                                rt_value arg)
{
    if (!fn)
        return RT_EINVAL;
    return rt__future_add_callback(fut, fn, data, arg,
                                   RT_HANDLE_DONE_CALLBACK);
}

static bool same_bits(rt_value a, rt_value b)
{
    return a.kind == b.kind && a.aux == b.aux && a.u.i == b.u.i;
}

/* remove_done_callback: removes every matching registration, keeping the
 * others in order; returns how many went. */
int rt_future_remove_done_callback(rt_future *fut, rt_handle_fn fn,
                                   void *data, rt_value arg,
                                   bool (*same)(rt_value a, rt_value b))
{
    if (!same)
        same = same_bits;
    uint32_t kept = 0;
    int removed = 0;
    for (uint32_t i = 0; i < fut->ncallbacks; i++) {
        rt_done_callback cb = fut->callbacks[i];
        if (cb.fn == fn && cb.data == data && same(cb.arg, arg)) {
            rt_value_release(cb.arg);
            removed++;
        } else {
            fut->callbacks[kept++] = cb;
        }
    }
    fut->ncallbacks = kept;
    return removed;
}
