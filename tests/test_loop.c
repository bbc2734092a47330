/*
 * test_loop.c - the event loop: ready-queue order, iteration boundaries,
 * run_forever / run_until_complete / stop / close, the deadlock report,
 * call_soon_threadsafe from the loop thread, and the lifetime of handles
 * and loops.
 */
#include "support.h"

/* Callbacks append their argument to a log; some queue more. */
typedef struct cblog {
    int order[64];
    int n;
    rt_loop *loop;
    rt_future *fut; /* for callbacks that complete a future */
} cblog;

static void log_cb(rt_loop *loop, rt_handle *h)
{
    cblog *l = h->data;
    l->order[l->n++] = (int)h->arg.u.i;
}

/* Logs its argument and queues arg+1 (a chain of callbacks). */
static void chain_cb(rt_loop *loop, rt_handle *h)
{
    cblog *l = h->data;
    int i = (int)h->arg.u.i;
    l->order[l->n++] = i;
    rt_loop_call_soon(loop, RT_HANDLE_CALLBACK, chain_cb, l, NULL,
                      rt_int(i + 1), NULL);
}

static void set_result_cb(rt_loop *loop, rt_handle *h)
{
    cblog *l = h->data;
    l->order[l->n++] = (int)h->arg.u.i;
    assert_int_equal(rt_future_set_result(l->fut, rt_int(42)), RT_OK);
}

static void stop_cb(rt_loop *loop, rt_handle *h) { rt_loop_stop(loop); }

static void test_call_soon_fifo(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, false);
    cblog l = {{0}, 0, e.loop, NULL};
    for (int i = 0; i < 40; i++)
        assert_int_equal(rt_loop_call_soon(e.loop, RT_HANDLE_CALLBACK, log_cb,
                                           &l, NULL, rt_int(i), NULL),
                         RT_OK);
    assert_int_equal(rt_loop_ready_count(e.loop), 40);
    assert_int_equal(rt_loop_run_once(e.loop), RT_OK);
    assert_int_equal(l.n, 40);
    for (int i = 0; i < 40; i++)
        assert_int_equal(l.order[i], i);
    assert_int_equal(rt_loop_iteration(e.loop), 1);
    tenv_free(&e);
}

/* Handles queued while the ready phase runs wait for the next iteration,
 * and the ring keeps FIFO order across wrap-around and growth. */
static void test_iteration_boundary(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, false);
    cblog l = {{0}, 0, e.loop, NULL};
    rt_loop_call_soon(e.loop, RT_HANDLE_CALLBACK, chain_cb, &l, NULL,
                      rt_int(0), NULL);
    for (int it = 1; it <= 5; it++) {
        assert_int_equal(rt_loop_run_once(e.loop), RT_OK);
        assert_int_equal(l.n, it);
        assert_int_equal(rt_loop_ready_count(e.loop), 1);
    }
    for (int i = 0; i < 5; i++)
        assert_int_equal(l.order[i], i);
    tenv_free(&e);
}

static void test_ring_growth_keeps_order(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, false);
    cblog l = {{0}, 0, e.loop, NULL};
    /* Fill 10, run 10, then push 50 so that the ring wraps and grows. */
    for (int i = 0; i < 10; i++)
        rt_loop_call_soon(e.loop, RT_HANDLE_CALLBACK, log_cb, &l, NULL,
                          rt_int(i), NULL);
    rt_loop_run_once(e.loop);
    l.n = 0;
    for (int i = 0; i < 50; i++)
        rt_loop_call_soon(e.loop, RT_HANDLE_CALLBACK, log_cb, &l, NULL,
                          rt_int(i), NULL);
    rt_loop_run_once(e.loop);
    assert_int_equal(l.n, 50);
    for (int i = 0; i < 50; i++)
        assert_int_equal(l.order[i], i);
    tenv_free(&e);
}

static void test_cancelled_handle_skipped(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, true);
    cblog l = {{0}, 0, e.loop, NULL};
    rt_handle *h[3];
    for (int i = 0; i < 3; i++)
        rt_loop_call_soon(e.loop, RT_HANDLE_CALLBACK, log_cb, &l, NULL,
                          rt_int(i), &h[i]);
    rt_handle_cancel(h[1]);
    assert_int_equal(rt_loop_run_once(e.loop), RT_OK);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.order[0], 0);
    assert_int_equal(l.order[1], 2);
    assert_int_equal(e.rec.counts[RT_EV_HANDLE_RUN], 2);
    assert_int_equal(e.rec.counts[RT_EV_HANDLE_CANCEL], 1);
    for (int i = 0; i < 3; i++)
        rt_handle_release(h[i]);
    tenv_free(&e);
}

/* run_until_complete stops after the iteration in which the stopping
 * callback runs: callbacks queued in that iteration still run. */
static void test_run_until_complete_iteration(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, false);
    rt_future *f;
    assert_int_equal(rt_future_new(e.loop, &f), RT_OK);
    cblog l = {{0}, 0, e.loop, f};
    /* A sets the result (queuing the stop callback), B queues C. */
    rt_loop_call_soon(e.loop, RT_HANDLE_CALLBACK, set_result_cb, &l, NULL,
                      rt_int(1), NULL);
    rt_loop_call_soon(e.loop, RT_HANDLE_CALLBACK, chain_cb, &l, NULL,
                      rt_int(10), NULL);
    assert_int_equal(rt_loop_run_until_complete(e.loop, f), RT_OK);
    /* Iteration 1: A, B(10). Iteration 2: stop callback, C(11). C queued
     * D(12), which waits. */
    assert_int_equal(l.n, 3);
    assert_int_equal(l.order[0], 1);
    assert_int_equal(l.order[1], 10);
    assert_int_equal(l.order[2], 11);
    assert_int_equal(rt_loop_iteration(e.loop), 2);
    assert_int_equal(rt_loop_ready_count(e.loop), 1);
    assert_false(rt_loop_is_running(e.loop));
    /* The stopping callback was removed. */
    assert_int_equal(f->ncallbacks, 0);
    rt_value r, x;
    assert_int_equal(rt_future_result(f, &r, &x), RT_OK);
    assert_int_equal(r.u.i, 42);
    rt_future_release(f);
    tenv_free(&e);
}

static void test_run_until_complete_done_future(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, false);
    rt_future *f;
    rt_future_new(e.loop, &f);
    rt_future_set_result(f, rt_int(1));
    assert_int_equal(rt_loop_run_until_complete(e.loop, f), RT_OK);
    assert_int_equal(rt_loop_iteration(e.loop), 1);
    rt_future_release(f);
    tenv_free(&e);
}

static void test_run_until_complete_stopped(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, false);
    rt_future *f;
    rt_future_new(e.loop, &f);
    rt_loop_call_soon(e.loop, RT_HANDLE_CALLBACK, stop_cb, NULL, NULL,
                      RT_NONE, NULL);
    assert_int_equal(rt_loop_run_until_complete(e.loop, f), RT_ESTOPPED);
    assert_int_equal(f->ncallbacks, 0);
    assert_false(rt_future_done(f));
    rt_future_release(f);
    tenv_free(&e);
}

static void test_stop_before_run(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, false);
    cblog l = {{0}, 0, e.loop, NULL};
    rt_loop_call_soon(e.loop, RT_HANDLE_CALLBACK, log_cb, &l, NULL,
                      rt_int(0), NULL);
    rt_loop_stop(e.loop);
    assert_int_equal(rt_loop_run_forever(e.loop), RT_OK);
    assert_int_equal(l.n, 1);
    assert_int_equal(rt_loop_iteration(e.loop), 1);
    /* stop() is reset: the next run goes on until stopped again. */
    rt_loop_call_later(e.loop, 5, stop_cb, NULL, NULL, RT_NONE, NULL);
    assert_int_equal(rt_loop_run_forever(e.loop), RT_OK);
    assert_true(rt_loop_time(e.loop) == 5.0);
    tenv_free(&e);
}

static void nested_run_cb(rt_loop *loop, rt_handle *h)
{
    int *r = h->data;
    r[0] = rt_loop_run_forever(loop);
    r[1] = rt_loop_run_once(loop);
    r[2] = rt_loop_close(loop);
    r[3] = rt_loop_is_running(loop);
}

static void test_running_and_closed_errors(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, false);
    int r[4] = {0};
    rt_loop_call_soon(e.loop, RT_HANDLE_CALLBACK, nested_run_cb, r, NULL,
                      RT_NONE, NULL);
    rt_loop_call_soon(e.loop, RT_HANDLE_CALLBACK, stop_cb, NULL, NULL,
                      RT_NONE, NULL);
    assert_int_equal(rt_loop_run_forever(e.loop), RT_OK);
    assert_int_equal(r[0], RT_ERUNNING);
    assert_int_equal(r[1], RT_ERUNNING);
    assert_int_equal(r[2], RT_ERUNNING);
    assert_int_equal(r[3], 1);
    /* A second loop cannot run while the first runs. */
    rt_loop *other;
    assert_int_equal(rt_loop_new(e.w, &other), RT_OK);
    assert_int_equal(rt_loop_close(e.loop), RT_OK);
    assert_int_equal(rt_loop_close(e.loop), RT_OK);
    assert_true(rt_loop_is_closed(e.loop));
    assert_int_equal(rt_loop_run_forever(e.loop), RT_ECLOSED);
    assert_int_equal(rt_loop_call_soon(e.loop, RT_HANDLE_CALLBACK, stop_cb,
                                       NULL, NULL, RT_NONE, NULL),
                     RT_ECLOSED);
    assert_int_equal(rt_loop_call_later(e.loop, 1, stop_cb, NULL, NULL,
                                        RT_NONE, NULL),
                     RT_ECLOSED);
    assert_int_equal(rt_loop_call_soon_threadsafe(e.loop, stop_cb, NULL, NULL,
                                                  RT_NONE),
                     RT_ECLOSED);
    rt_loop_free(other);
    tenv_free(&e);
}

typedef struct nest {
    rt_loop *other;
    int r[3];
} nest;

static void run_other_cb(rt_loop *loop, rt_handle *h)
{
    nest *n = h->data;
    n->r[0] = rt_loop_run_once(n->other);
    n->r[1] = rt_loop_run_forever(n->other);
    n->r[2] = rt_loop_run_until_complete(n->other, NULL);
}

/* asyncio: "Cannot run the event loop while another loop is running". */
static void test_two_loops_cannot_nest(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, false);
    nest n = {NULL, {0}};
    rt_loop_new(e.w, &n.other);
    rt_loop_call_soon(e.loop, RT_HANDLE_CALLBACK, run_other_cb, &n, NULL,
                      RT_NONE, NULL);
    assert_int_equal(rt_loop_run_once(e.loop), RT_OK);
    assert_int_equal(n.r[0], RT_ERUNNING);
    assert_int_equal(n.r[1], RT_ERUNNING);
    assert_int_equal(n.r[2], RT_EINVAL);
    assert_int_equal(rt_loop_iteration(n.other), 0);
    rt_loop_free(n.other);
    tenv_free(&e);
}

/* Nothing ready, nothing scheduled, no worker: deadlock, reported once,
 * with the state left as it was. */
static void test_deadlock(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, true);
    rt_future *f;
    rt_future_new(e.loop, &f);
    assert_int_equal(rt_loop_run_until_complete(e.loop, f), RT_EDEADLOCK);
    assert_int_equal(e.rec.counts[RT_EV_LOOP_DEADLOCK], 1);
    assert_false(rt_loop_is_running(e.loop));
    assert_false(rt_future_done(f));
    assert_int_equal(f->ncallbacks, 0);
    /* A timer far away is not a deadlock: the clock jumps to it. */
    rt_loop_call_later(e.loop, 3600.0, stop_cb, NULL, NULL, RT_NONE, NULL);
    assert_int_equal(rt_loop_run_forever(e.loop), RT_OK);
    assert_true(rt_loop_time(e.loop) == 3600.0);
    rt_future_release(f);
    tenv_free(&e);
}

/* close() drops queued handles without running them. */
static void test_close_releases(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, false);
    rt_value v = texc_new("Obj", "x");
    rt_object *obj = v.u.p;
    rt_loop_call_soon(e.loop, RT_HANDLE_CALLBACK, stop_cb, NULL, obj, v, NULL);
    rt_loop_call_later(e.loop, 1, stop_cb, NULL, obj, v, NULL);
    rt_loop_call_soon_threadsafe(e.loop, stop_cb, NULL, obj, v);
    assert_int_equal(obj->refs, 7);
    assert_int_equal(rt_loop_close(e.loop), RT_OK);
    assert_int_equal(obj->refs, 1);
    assert_int_equal(rt_loop_ready_count(e.loop), 0);
    assert_int_equal(rt_loop_timer_count(e.loop), 0);
    rt_value_release(v);
    tenv_free(&e);
}

/* A loop freed while the embedder still holds its handle and future:
 * both stay usable; the loop's memory goes with the last of them. */
static void test_zombie_loop(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, false);
    rt_handle *h;
    rt_future *f;
    rt_loop_call_later(e.loop, 1, stop_cb, NULL, NULL, RT_NONE, &h);
    rt_future_new(e.loop, &f);
    rt_loop_free(e.loop);
    e.loop = NULL;
    rt_handle_cancel(h);
    assert_true(h->cancelled);
    assert_true(rt_loop_is_closed(f->loop));
    assert_int_equal(rt_future_set_result(f, rt_int(1)), RT_OK);
    rt_handle_release(h);
    rt_future_release(f);
    tenv_free(&e);
}

/* call_soon_threadsafe from the loop thread: the handle joins the ready
 * queue at the next select, after what is already queued. */
static void test_threadsafe_from_loop_thread(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, true);
    cblog l = {{0}, 0, e.loop, NULL};
    rt_loop_call_soon_threadsafe(e.loop, log_cb, &l, NULL, rt_int(2));
    rt_loop_call_soon(e.loop, RT_HANDLE_CALLBACK, log_cb, &l, NULL, rt_int(1),
                      NULL);
    assert_int_equal(rt_loop_ready_count(e.loop), 1);
    assert_int_equal(rt_loop_run_once(e.loop), RT_OK);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.order[0], 1);
    assert_int_equal(l.order[1], 2);
    assert_non_null(strstr(e.rec.buf, "handle.schedule loop=1 task=0 fut=0 "
                                      "h=1 job=0 ex=0 peer=0 w=-1 line=0 "
                                      "k2=4"));
    /* With only a timer pending, a queued threadsafe handle still means
     * "something is ready": the select does not wait for the timer. */
    rt_loop_call_later(e.loop, 5.0, log_cb, &l, NULL, rt_int(3), NULL);
    rt_loop_call_soon_threadsafe(e.loop, log_cb, &l, NULL, rt_int(4));
    assert_int_equal(rt_loop_run_once(e.loop), RT_OK);
    assert_true(rt_loop_time(e.loop) == 0.0);
    assert_int_equal(l.n, 3);
    assert_int_equal(l.order[2], 4);
    tenv_free(&e);
}

static void exit_cb(rt_loop *loop, rt_handle *h)
{
    log_cb(loop, h);
    rt_loop_raise_exit(loop);
}

/* KeyboardInterrupt out of a callback: the loop returns RT_EEXIT at once;
 * the rest of the iteration's handles stay queued. */
static void test_raise_exit(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, false);
    cblog l = {{0}, 0, e.loop, NULL};
    rt_loop_call_soon(e.loop, RT_HANDLE_CALLBACK, log_cb, &l, NULL, rt_int(0),
                      NULL);
    rt_loop_call_soon(e.loop, RT_HANDLE_CALLBACK, exit_cb, &l, NULL,
                      rt_int(1), NULL);
    rt_loop_call_soon(e.loop, RT_HANDLE_CALLBACK, log_cb, &l, NULL, rt_int(2),
                      NULL);
    assert_int_equal(rt_loop_run_forever(e.loop), RT_EEXIT);
    assert_int_equal(l.n, 2);
    assert_int_equal(rt_loop_ready_count(e.loop), 1);
    assert_false(rt_loop_is_running(e.loop));
    assert_int_equal(rt_loop_run_once(e.loop), RT_OK);
    assert_int_equal(l.n, 3);
    tenv_free(&e);
}

/* The exception handler hears of calls, with exc.handler events. */
static void test_exception_handler(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, true);
    rt_value exc = texc_new("ValueError", "boom");
    rt_exc_context ctx = {"Exception in callback f()", exc, NULL, NULL};
    rt_loop_call_exception_handler(e.loop, &ctx);
    assert_int_equal(e.handler.calls, 1);
    assert_string_equal(e.handler.last_message, "Exception in callback f()");
    assert_string_equal(e.handler.last_exc, "ValueError: boom");
    assert_non_null(strstr(e.rec.buf, "exc.handler loop=1"));
    assert_non_null(strstr(e.rec.buf, "name=Exception in callback f() "
                                      "type=ValueError text=boom"));
    rt_value_release(exc);
    tenv_free(&e);
}

/* With the default host, the default handler prints to stderr and
 * nothing crashes when values are plain integers. */
static void test_default_host(void **state)
{
    rt_world *w;
    rt_loop *loop;
    assert_int_equal(rt_world_new(NULL, &w), RT_OK);
    assert_int_equal(rt_loop_new(w, &loop), RT_OK);
    rt_future *f;
    rt_future_new(loop, &f);
    assert_true(rt_future_cancel(f, RT_NONE));
    rt_value r, x;
    assert_int_equal(rt_future_result(f, &r, &x), RT_ESTATE);
    assert_int_equal(x.kind, RT_KIND_INT);
    assert_int_equal(x.u.i, RT_CEXC_CANCELLED);
    rt_future_release(f);
    rt_future_new(loop, &f);
    assert_int_equal(rt_future_result(f, &r, &x), RT_ESTATE);
    assert_int_equal(x.u.i, RT_CEXC_INVALID_STATE);
    rt_future_set_exception(f, rt_int(7));
    rt_future_release(f); /* "Future exception was never retrieved" */
    rt_loop_free(loop);
    rt_world_free(w);
}

static void test_strings(void **state)
{
    assert_string_equal(rt_strerror(RT_ECLOSED), "Event loop is closed");
    assert_string_equal(rt_strerror(RT_ESTOPPED),
                        "Event loop stopped before Future completed.");
    assert_string_equal(rt_strerror(12345), "unknown error");
    assert_string_equal(rt_event_name(RT_EV_TASK_STEP), "task.step");
    assert_string_equal(rt_event_name(RT_EV_RUN_END), "run.end");
    assert_string_equal(rt_event_name(RT_EV__COUNT), "?");
    assert_string_equal(rt_handle_kind_name(RT_HANDLE_WAKEUP), "wakeup");
    assert_string_equal(rt_handle_kind_name(RT_HANDLE_DONE_CALLBACK), "done");
    assert_string_equal(rt_future_role_name(RT_ROLE_SLEEP), "sleep");
    assert_string_equal(rt_future_role_name(RT_ROLE_YIELD), "yield");
    assert_string_equal(rt_outcome_name(RT_OUTCOME_EXCEPTION), "exception");
    assert_string_equal(rt_outcome_name(RT_OUTCOME__COUNT), "?");
}

/* The phases of an iteration, in the order the trace format lists. */
static void test_iteration_events(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, true);
    cblog l = {{0}, 0, e.loop, NULL};
    rt_loop_call_later(e.loop, 0.5, log_cb, &l, NULL, rt_int(0), NULL);
    assert_int_equal(rt_loop_run_once(e.loop), RT_OK);
    const char *want[] = {"timer.arm", "loop.iteration", "loop.phase",
                          "clock.advance", "loop.phase", "timer.fire",
                          "loop.phase", "handle.run"};
    const char *p = e.rec.buf;
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        const char *q = strstr(p, want[i]);
        if (!q)
            fail_msg("missing %s after %zu events", want[i], i);
        p = q + 1;
    }
    assert_non_null(strstr(e.rec.buf, "loop.phase loop=1 task=0 fut=0 h=0 "
                                      "job=0 ex=0 peer=0 w=-1 line=0 k2=0 "
                                      "n=0 when=0.5"));
    assert_non_null(strstr(e.rec.buf, "k2=2 n=1 when=0"));
    tenv_free(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_call_soon_fifo),
        cmocka_unit_test(test_iteration_boundary),
        cmocka_unit_test(test_ring_growth_keeps_order),
        cmocka_unit_test(test_cancelled_handle_skipped),
        cmocka_unit_test(test_run_until_complete_iteration),
        cmocka_unit_test(test_run_until_complete_done_future),
        cmocka_unit_test(test_run_until_complete_stopped),
        cmocka_unit_test(test_stop_before_run),
        cmocka_unit_test(test_running_and_closed_errors),
        cmocka_unit_test(test_two_loops_cannot_nest),
        cmocka_unit_test(test_deadlock),
        cmocka_unit_test(test_close_releases),
        cmocka_unit_test(test_zombie_loop),
        cmocka_unit_test(test_threadsafe_from_loop_thread),
        cmocka_unit_test(test_raise_exit),
        cmocka_unit_test(test_exception_handler),
        cmocka_unit_test(test_default_host),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_iteration_events),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
