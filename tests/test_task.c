/*
 * test_task.c - Task.__step and Task.__wakeup with native C coroutines:
 * step order, awaiting, cancellation in every position, exception
 * propagation through a chain of tasks, bad yields, fatal exceptions,
 * lifetime, the "never retrieved" and "destroyed but pending" reports, and
 * the "every task in exactly one place" invariant after every handle.
 *
 * Expected messages follow CPython 3.11; for instance the cancellation
 * messages of test_cancel_* match this snippet's output:
 *
 *   t = asyncio.ensure_future(f()); t.cancel("m")   # never started
 *   ... t.result() -> CancelledError('m'), again -> CancelledError()
 *   t2 awaiting fut; t2.cancel("why")
 *   ... fut.cancelled() True, t2.cancelling() 1,
 *       t2.result() -> CancelledError('why'), again -> CancelledError()
 */
#include "support.h"

/* Room for a default task name (rt_task_name). */
static char nb[RT_TASK_NAME_SIZE];

static void test_create_and_finish(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, true);
    tcoro *c = tcoro_new();
    tc_return(c, rt_int(5));
    rt_task *t = tspawn(e.loop, c, NULL);
    assert_string_equal(rt_task_name(t, nb), "Task-1");
    assert_int_equal(t->fut.id, 1);
    assert_int_equal(t->fut.obj.refs, 2); /* ours and the step handle's */
    assert_int_equal(rt_task_place_of(t), RT_PLACE_READY);
    assert_int_equal(rt_loop_ready_count(e.loop), 1);
    assert_loop_ok(e.loop);
    assert_int_equal(rt_loop_run_once(e.loop), RT_OK);
    assert_int_equal(rt_task_place_of(t), RT_PLACE_DONE);
    assert_int_equal(t->fut.obj.refs, 1);
    rt_value r, x;
    assert_int_equal(rt_future_result(&t->fut, &r, &x), RT_OK);
    assert_int_equal(r.u.i, 5);
    assert_non_null(strstr(e.rec.buf, "task.create loop=1 task=1"));
    assert_non_null(strstr(e.rec.buf, "func=tcoro"));
    assert_non_null(strstr(e.rec.buf, "task.step loop=1 task=1 fut=0 h=1 "
                                      "job=0 ex=0 peer=0 w=-1 line=10"));
    assert_non_null(strstr(e.rec.buf, "task.done loop=1 task=1 fut=0 h=0 "
                                      "job=0 ex=0 peer=0 w=-1 line=0 k2=0 "
                                      "n=0 when=0 name= type= text=5"));
    /* Tasks cannot be completed from outside. */
    assert_int_equal(rt_future_set_result(&t->fut, rt_int(1)), RT_EINVAL);
    rt_task_release(t);
    assert_int_equal(e.rec.counts[RT_EV_TASK_FREE], 1);
    tenv_free(&e);
}

/* Default names count like asyncio's _task_name_counter: an explicit name
 * does not consume a number. */
static void test_names(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, true);
    rt_task *a = tspawn(e.loop, tcoro_new(), NULL);
    rt_task *b = tspawn(e.loop, tcoro_new(), "worker");
    rt_task *c = tspawn(e.loop, tcoro_new(), NULL);
    assert_string_equal(rt_task_name(a, nb), "Task-1");
    assert_string_equal(rt_task_name(b, nb), "worker");
    assert_string_equal(rt_task_name(c, nb), "Task-2");
    assert_int_equal(c->fut.id, 3);
    assert_int_equal(rt_task_set_name(a, "renamed"), RT_OK);
    assert_string_equal(rt_task_name(a, nb), "renamed");
    assert_int_equal(rt_task_set_name(a, "again"), RT_OK);
    assert_string_equal(rt_task_name(a, nb), "again");
    /* Events name tasks by id; task.create and task.rename give names. */
    assert_non_null(strstr(e.rec.buf, "task.create loop=1 task=2 fut=0 h=2 "));
    assert_non_null(strstr(e.rec.buf, "name=worker "));
    assert_non_null(strstr(e.rec.buf, "task.rename loop=0 task=1 "));
    assert_non_null(strstr(e.rec.buf, "name=again "));
    assert_int_equal(e.rec.counts[RT_EV_TASK_RENAME], 2);
    run_until_idle(e.loop, 10);
    rt_task_release(a);
    rt_task_release(b);
    rt_task_release(c);
    tenv_free(&e);
}

/* The step of a suspended task starts where it suspended: the position
 * task.suspend (or task.create) looked up is reused by the next task.step
 * instead of asking the coroutine again, except after a bad yield, which
 * suspends without a task.suspend. */
static void test_step_position(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, true);
    tcoro *c = tcoro_new();
    c->catch_all = true;
    tc_bare(c);                            /* pc 0 -> 1: suspends at line 11 */
    tc_bad(c, rt_int(7));                  /* pc 1 -> 2: RuntimeError thrown at 12 */
    tc_bare(c);                            /* pc 2 -> 3: suspends at line 13 */
    tc_return(c, RT_NONE);
    rt_task *t = tspawn(e.loop, c, NULL);
    run_until_idle(e.loop, 10);
    assert_int_equal(rt_task_place_of(t), RT_PLACE_DONE);
    /* Lines of the task.step and task.suspend events, in order. */
    char got[128] = "";
    for (const char *p = e.rec.buf; (p = strstr(p, " task.")); p++) {
        const char *kind = p + 6;
        if (strncmp(kind, "step ", 5) && strncmp(kind, "suspend ", 8))
            continue;
        const char *line = strstr(p, " line=");
        char item[16];
        snprintf(item, sizeof item, "%c%d ", *kind, atoi(line + 6));
        strncat(got, item, sizeof got - strlen(got) - 1);
    }
    assert_string_equal(got, "s10 s11 s11 s12 s13 s13 ");
    /* where(): for task.create, each task.suspend and the step after the
     * bad yield; no other step asked. */
    assert_int_equal(c->wheres, 4);
    rt_task_release(t);
    tenv_free(&e);
}

/* Bare yields: tasks take turns, one step per iteration, FIFO. */
static void test_bare_yield_round_robin(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, true);
    e.rec.check_loop = e.loop;
    rt_task *t[3];
    for (int i = 0; i < 3; i++) {
        tcoro *c = tcoro_new();
        tc_bare(tc_bare(c));
        t[i] = tspawn(e.loop, c, NULL);
    }
    for (int it = 0; it < 3; it++) {
        assert_int_equal(rt_loop_run_once(e.loop), RT_OK);
        assert_loop_ok(e.loop);
        for (int i = 0; i < 3; i++)
            assert_int_equal(((tcoro *)t[i]->coro)->resumes, it + 1);
    }
    for (int i = 0; i < 3; i++) {
        assert_int_equal(rt_task_place_of(t[i]), RT_PLACE_DONE);
        rt_task_release(t[i]);
    }
    assert_false(e.rec.failed);
    assert_true(e.rec.checks >= 9);
    /* A bare yield suspends with the role "yield", naming the step it
     * queued (handle 4: the three first steps are 1 to 3), and no
     * handle.schedule reports that step; no handle.run reports a step. */
    assert_non_null(strstr(e.rec.buf, "task.suspend loop=1 task=1 fut=0 h=4 "
                                      "job=0 ex=0 peer=0 w=-1 line=11 k2=13"));
    assert_int_equal(e.rec.counts[RT_EV_HANDLE_SCHEDULE], 0);
    assert_int_equal(e.rec.counts[RT_EV_HANDLE_RUN], 0);
    assert_int_equal(e.rec.counts[RT_EV_TASK_STEP], 9);
    tenv_free(&e);
}

static void cancel_self(void *arg) { rt_task_cancel(arg, RT_NONE); }

static void check_current(void *arg)
{
    rt_task *t = arg;
    assert_ptr_equal(rt_loop_current_task(t->fut.loop), t);
    assert_int_equal(rt_task_place_of(t), RT_PLACE_RUNNING);
    assert_loop_ok(t->fut.loop);
}

/* Awaiting a future: waiting, woken by a WAKEUP handle in the same handle
 * that steps it, then reading the result. */
static void test_await_future(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, true);
    e.rec.check_loop = e.loop;
    rt_future *f;
    rt_future_new(e.loop, &f);
    tcoro *c = tcoro_new();
    rt_task *t;
    tc_call(c, check_current, NULL);
    tc_return(tc_await(c, f), rt_int(1));
    t = tspawn(e.loop, c, NULL);
    c->steps[0].arg = t;
    rt_loop_run_once(e.loop);
    assert_null(rt_loop_current_task(e.loop));
    assert_int_equal(rt_task_place_of(t), RT_PLACE_WAITING);
    assert_ptr_equal(t->fut_waiter, f);
    assert_int_equal(f->ncallbacks, 1);
    assert_int_equal(f->callbacks[0].kind, RT_HANDLE_WAKEUP);
    assert_loop_ok(e.loop);
    rt_future_set_result(f, rt_int(3));
    assert_int_equal(rt_task_place_of(t), RT_PLACE_READY);
    assert_loop_ok(e.loop);
    rt_loop_run_once(e.loop);
    assert_int_equal(rt_task_place_of(t), RT_PLACE_DONE);
    assert_null(t->fut_waiter);
    assert_string_equal(c->log, "S;S;");
    assert_false(e.rec.failed);
    assert_non_null(strstr(e.rec.buf, "handle.schedule loop=1 task=1 fut=0 "
                                      "h=2 job=0 ex=0 peer=0 w=-1 line=0 "
                                      "k2=2"));
    assert_non_null(strstr(e.rec.buf, "task.suspend loop=1 task=1 fut=1 h=0 "
                                      "job=0 ex=0 peer=0 w=-1 line=11 k2=0"));
    rt_task_release(t);
    rt_future_release(f);
    tenv_free(&e);
}

/* cancel() before the first step: CancelledError is thrown in at once. */
static void test_cancel_before_first_step(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, true);
    e.rec.check_loop = e.loop;
    tcoro *c = tcoro_new();
    tc_bare(c);
    rt_task *t = tspawn(e.loop, c, NULL);
    rt_value msg = tstr("m");
    assert_true(rt_task_cancel(t, msg));
    rt_value_release(msg);
    assert_true(t->must_cancel);
    assert_int_equal(rt_task_cancelling(t), 1);
    assert_false(rt_future_cancelled(&t->fut));
    rt_loop_run_once(e.loop);
    assert_string_equal(c->log, "TCancelledError:m;");
    assert_true(rt_future_cancelled(&t->fut));
    assert_false(t->must_cancel);
    rt_value r, x;
    assert_int_equal(rt_future_result(&t->fut, &r, &x), RT_ESTATE);
    assert_string_equal(texc_msg(x), "m");
    rt_value_release(x);
    assert_int_equal(rt_future_result(&t->fut, &r, &x), RT_ESTATE);
    assert_string_equal(texc_typename(x), "CancelledError");
    assert_string_equal(texc_msg(x), "");
    rt_value_release(x);
    assert_int_equal(e.rec.counts[RT_EV_TASK_CANCEL_REQUEST], 1);
    assert_int_equal(e.rec.counts[RT_EV_TASK_CANCEL_DELIVER], 1);
    assert_non_null(strstr(e.rec.buf, "task.done loop=1 task=1 fut=0 h=0 "
                                      "job=0 ex=0 peer=0 w=-1 line=0 k2=2"));
    assert_false(e.rec.failed);
    rt_task_release(t);
    tenv_free(&e);
}

/* cancel() while awaiting: the awaited future is cancelled with the
 * message, and the wake-up throws CancelledError in. */
static void test_cancel_while_awaiting(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, true);
    e.rec.check_loop = e.loop;
    rt_future *f;
    rt_future_new(e.loop, &f);
    tcoro *c = tcoro_new();
    tc_await(c, f);
    rt_task *t = tspawn(e.loop, c, NULL);
    rt_loop_run_once(e.loop);
    rt_value msg = tstr("why");
    assert_true(rt_task_cancel(t, msg));
    rt_value_release(msg);
    assert_true(rt_future_cancelled(f));
    assert_false(t->must_cancel);
    assert_int_equal(rt_task_place_of(t), RT_PLACE_READY);
    assert_loop_ok(e.loop);
    rt_loop_run_once(e.loop);
    assert_string_equal(c->log, "S;TCancelledError:why;");
    assert_true(rt_future_cancelled(&t->fut));
    assert_int_equal(rt_task_cancelling(t), 1);
    rt_value r, x;
    assert_int_equal(rt_future_result(&t->fut, &r, &x), RT_ESTATE);
    assert_string_equal(texc_msg(x), "why");
    rt_value_release(x);
    assert_int_equal(rt_future_result(&t->fut, &r, &x), RT_ESTATE);
    assert_string_equal(texc_msg(x), "");
    rt_value_release(x);
    /* Cancelling a finished task: false, no count. */
    assert_false(rt_task_cancel(t, RT_NONE));
    assert_int_equal(rt_task_cancelling(t), 1);
    assert_false(e.rec.failed);
    rt_task_release(t);
    rt_future_release(f);
    tenv_free(&e);
}

/* The coroutine catches the CancelledError and finishes normally; the
 * request count stays until uncancel(). */
static void test_cancel_caught_and_uncancel(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, false);
    rt_future *f;
    rt_future_new(e.loop, &f);
    tcoro *c = tcoro_new();
    c->catch_all = true;
    tc_return(tc_await(c, f), rt_int(8));
    rt_task *t = tspawn(e.loop, c, NULL);
    rt_loop_run_once(e.loop);
    assert_true(rt_task_cancel(t, RT_NONE));
    /* A second request while the first is in flight: the waiter is
     * already cancelled, so it marks must_cancel. */
    assert_true(rt_task_cancel(t, RT_NONE));
    assert_int_equal(rt_task_cancelling(t), 2);
    assert_true(t->must_cancel);
    rt_loop_run_once(e.loop);
    /* must_cancel: the wake-up's CancelledError is kept, not replaced. */
    assert_string_equal(c->log, "S;TCancelledError:;");
    assert_false(rt_future_cancelled(&t->fut));
    rt_value r, x;
    assert_int_equal(rt_future_result(&t->fut, &r, &x), RT_OK);
    assert_int_equal(r.u.i, 8);
    assert_int_equal(rt_task_uncancel(t), 1);
    assert_int_equal(rt_task_uncancel(t), 0);
    assert_int_equal(rt_task_uncancel(t), 0);
    rt_task_release(t);
    rt_future_release(f);
    tenv_free(&e);
}

/* A task that cancels itself during its step and then returns ends
 * cancelled (must_cancel at StopIteration); one that then awaits has the
 * awaited future cancelled at once. */
static void test_cancel_self(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, false);
    e.rec.check_loop = e.loop;
    tcoro *c = tcoro_new();
    tc_return(tc_call(c, cancel_self, NULL), rt_int(1));
    rt_task *t = tspawn(e.loop, c, NULL);
    c->steps[0].arg = t;
    rt_loop_run_once(e.loop);
    assert_true(rt_future_cancelled(&t->fut));
    rt_task_release(t);

    rt_future *f;
    rt_future_new(e.loop, &f);
    c = tcoro_new();
    tc_await(tc_call(c, cancel_self, NULL), f);
    t = tspawn(e.loop, c, NULL);
    c->steps[0].arg = t;
    rt_loop_run_once(e.loop);
    assert_true(rt_future_cancelled(f));
    assert_false(t->must_cancel);
    assert_int_equal(rt_task_place_of(t), RT_PLACE_READY);
    rt_loop_run_once(e.loop);
    assert_true(rt_future_cancelled(&t->fut));
    assert_string_equal(c->log, "S;TCancelledError:;");
    rt_task_release(t);
    rt_future_release(f);
    tenv_free(&e);
}

/* A task awaiting a task: cancelling the outer cancels the inner (the
 * virtual Task.cancel), and the CancelledError travels back out. */
static void test_cancel_propagates_to_awaited_task(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, false);
    e.rec.check_loop = e.loop;
    rt_future *f;
    rt_future_new(e.loop, &f);
    tcoro *ci = tcoro_new();
    tc_await(ci, f);
    rt_task *inner = tspawn(e.loop, ci, "inner");
    tcoro *co = tcoro_new();
    tc_await(co, &inner->fut);
    rt_task *outer = tspawn(e.loop, co, "outer");
    rt_loop_run_once(e.loop);
    assert_ptr_equal(outer->fut_waiter, &inner->fut);
    rt_value msg = tstr("bye");
    rt_task_cancel(outer, msg);
    rt_value_release(msg);
    assert_int_equal(rt_task_cancelling(inner), 1);
    assert_true(rt_future_cancelled(f));
    run_until_idle(e.loop, 10);
    assert_true(rt_future_cancelled(&inner->fut));
    assert_true(rt_future_cancelled(&outer->fut));
    assert_string_equal(ci->log, "S;TCancelledError:bye;");
    assert_string_equal(co->log, "S;TCancelledError:bye;");
    assert_false(e.rec.failed);
    rt_task_release(inner);
    rt_task_release(outer);
    rt_future_release(f);
    tenv_free(&e);
}

/* An exception raised five tasks deep reaches the top one hop per
 * iteration; every task ends with the same exception object. */
static void test_exception_chain_of_five(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, true);
    e.rec.check_loop = e.loop;
    rt_task *t[5];
    tcoro *c[5];
    rt_value exc = texc_new("ValueError", "deep");
    c[4] = tcoro_new();
    rt_value_retain(exc);
    tc_raise(tc_bare(c[4]), exc);
    t[4] = tspawn(e.loop, c[4], "t4");
    for (int i = 3; i >= 0; i--) {
        c[i] = tcoro_new();
        tc_await(c[i], &t[i + 1]->fut);
        char name[16];
        snprintf(name, sizeof name, "t%d", i);
        t[i] = tspawn(e.loop, c[i], name);
    }
    assert_int_equal(rt_loop_run_until_complete(e.loop, &t[0]->fut), RT_OK);
    for (int i = 0; i < 5; i++) {
        rt_value r, x;
        assert_int_equal(rt_future_result(&t[i]->fut, &r, &x), RT_ESTATE);
        assert_ptr_equal(x.u.p, exc.u.p);
        rt_value_release(x);
        if (i < 4)
            assert_string_equal(c[i]->log, "S;TValueError:deep;");
    }
    /* task.done in order t4, t3, t2, t1, t0. */
    const char *p = e.rec.buf;
    for (int i = 4; i >= 0; i--) {
        char want[64];
        snprintf(want, sizeof want, "task.done loop=1 task=%d ", 5 - i);
        const char *q = strstr(p, want);
        if (!q)
            fail_msg("task.done of t%d missing or out of order", i);
        p = q;
    }
    assert_false(e.rec.failed);
    assert_int_equal(e.handler.calls, 0);
    for (int i = 0; i < 5; i++)
        rt_task_release(t[i]);
    assert_int_equal(e.handler.calls, 0); /* every one was retrieved */
    rt_value_release(exc);
    tenv_free(&e);
}

/* Yields the task must refuse, with asyncio's messages. */
static void test_bad_yields(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, false);
    e.rec.check_loop = e.loop;
    tcoro *c = tcoro_new();
    c->catch_all = true;
    tc_bad(c, rt_int(42));
    rt_task *t = tspawn(e.loop, c, NULL);
    run_until_idle(e.loop, 10);
    assert_string_equal(c->log, "S;TRuntimeError:Task got bad yield: 42;");
    rt_task_release(t);

    c = tcoro_new();
    c->catch_all = true;
    t = tspawn(e.loop, c, NULL);
    tc_await(c, &t->fut);
    run_until_idle(e.loop, 10);
    assert_string_equal(c->log, "S;TRuntimeError:Task cannot await on "
                                "itself: <Task Task-2>;");
    rt_task_release(t);

    rt_loop *other;
    rt_loop_new(e.w, &other);
    rt_future *f;
    rt_future_new(other, &f);
    c = tcoro_new();
    c->catch_all = true;
    tc_await(c, f);
    t = tspawn(e.loop, c, NULL);
    run_until_idle(e.loop, 10);
    assert_string_equal(c->log, "S;TRuntimeError:Task <Task Task-3> got "
                                "Future <Future> attached to a different "
                                "loop;");
    rt_task_release(t);
    rt_future_release(f);
    rt_loop_free(other);
    tenv_free(&e);
}

/* KeyboardInterrupt in a task: stored, and the loop leaves with RT_EEXIT
 * right after that step; run_until_complete does not stop for it. */
static void test_fatal_exception(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, false);
    tcoro *c = tcoro_new();
    tc_raise(tc_bare(c), texc_new("KeyboardInterrupt", ""));
    rt_task *t = tspawn(e.loop, c, NULL);
    tcoro *other = tcoro_new();
    tc_bare(tc_bare(other));
    rt_task *u = tspawn(e.loop, other, NULL);
    assert_int_equal(rt_loop_run_until_complete(e.loop, &t->fut), RT_EEXIT);
    assert_true(rt_future_done(&t->fut));
    /* The other task's step of that iteration did not run. */
    assert_int_equal(other->resumes, 1);
    assert_int_equal(rt_loop_ready_count(e.loop), 2); /* u's step + stop cb */
    rt_value r, x;
    assert_int_equal(rt_future_exception(&t->fut, &r, &x), RT_OK);
    assert_string_equal(texc_typename(r), "KeyboardInterrupt");
    rt_value_release(r);
    run_until_idle(e.loop, 10);
    rt_task_release(t);
    rt_task_release(u);
    tenv_free(&e);
}

/* Reports: a task's exception nobody read, and a task destroyed while
 * pending (its future went away with its wake-up). */
static void test_never_retrieved_and_pending(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, true);
    tcoro *c = tcoro_new();
    tc_raise(c, texc_new("ValueError", "nobody"));
    rt_task *t = tspawn(e.loop, c, NULL);
    run_until_idle(e.loop, 10);
    assert_int_equal(e.handler.calls, 0);
    rt_task_release(t);
    assert_int_equal(e.handler.calls, 1);
    assert_string_equal(e.handler.last_message,
                        "Task exception was never retrieved");
    assert_string_equal(e.handler.last_exc, "ValueError: nobody");

    /* Task.cancel on a done task clears log_traceback. */
    c = tcoro_new();
    tc_raise(c, texc_new("ValueError", "seen"));
    t = tspawn(e.loop, c, NULL);
    run_until_idle(e.loop, 10);
    assert_false(rt_task_cancel(t, RT_NONE));
    rt_task_release(t);
    assert_int_equal(e.handler.calls, 1);

    rt_future *f;
    rt_future_new(e.loop, &f);
    c = tcoro_new();
    tc_await(c, f);
    t = tspawn(e.loop, c, NULL);
    uint64_t id = t->fut.id;
    run_until_idle(e.loop, 10);
    rt_task_release(t); /* still alive: f's callback holds it */
    assert_int_equal(e.handler.calls, 1);
    rt_future_release(f); /* a cycle: t holds f, f's callback holds t */
    assert_int_equal(e.handler.calls, 1);
    /* Freeing the loop breaks the cycle, as CPython's collector would. */
    rt_loop_free(e.loop);
    e.loop = NULL;
    assert_int_equal(e.handler.calls, 2);
    assert_string_equal(e.handler.last_message,
                        "Task was destroyed but it is pending!");
    assert_int_equal(e.handler.last_future, id);
    tenv_free(&e);
}

/* A task lives while its step is queued, even if nobody else holds it. */
static void test_lifetime(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, true);
    tcoro *c = tcoro_new();
    tc_bare(tc_bare(c));
    rt_object_retain(&c->obj);
    rt_task *t = tspawn(e.loop, c, NULL);
    rt_task_release(t);
    assert_int_equal(rt_loop_ready_count(e.loop), 1);
    run_until_idle(e.loop, 10);
    assert_int_equal(c->resumes, 3);
    rt_object_release(&c->obj);
    assert_int_equal(e.rec.counts[RT_EV_TASK_FREE], 1);
    assert_int_equal(e.handler.calls, 0);
    tenv_free(&e);
}

static void count_task(rt_task *t, void *data) { (*(int *)data) += (int)t->fut.id; }

static void test_foreach_task(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, false);
    rt_task *t[4];
    for (int i = 0; i < 4; i++)
        t[i] = tspawn(e.loop, tcoro_new(), NULL);
    rt_task_release(t[1]);
    run_until_idle(e.loop, 10); /* t[1] freed after its step */
    int sum = 0;
    rt_loop_foreach_task(e.loop, count_task, &sum);
    assert_int_equal(sum, 1 + 3 + 4);
    rt_task_release(t[0]);
    rt_task_release(t[2]);
    rt_task_release(t[3]);
    sum = 0;
    rt_loop_foreach_task(e.loop, count_task, &sum);
    assert_int_equal(sum, 0);
    tenv_free(&e);
}

/* A larger mix under the invariant check at every handle: sleepers on
 * timers, tasks awaiting tasks, cancellations and bare yields. */
static void set_result_later(rt_loop *loop, rt_handle *h)
{
    rt_future *f = (rt_future *)h->target;
    if (!rt_future_done(f))
        rt_future_set_result(f, RT_NONE);
}

static void test_invariant_mix(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, true);
    e.rec.check_loop = e.loop;
    enum { N = 12 };
    rt_future *sleeps[N];
    rt_task *t[N];
    for (int i = 0; i < N; i++) {
        rt_future_new(e.loop, &sleeps[i]);
        rt_loop_call_later(e.loop, (double)(i % 4), set_result_later, NULL,
                           &sleeps[i]->obj, RT_NONE, NULL);
        tcoro *c = tcoro_new();
        c->catch_all = i % 3 == 0;
        tc_bare(c);
        tc_await(c, sleeps[i]);
        if (i > 0 && i % 2 == 0)
            tc_await(c, &t[i - 1]->fut);
        tc_bare(c);
        t[i] = tspawn(e.loop, c, NULL);
    }
    rt_loop_run_once(e.loop);
    rt_loop_run_once(e.loop);
    rt_task_cancel(t[3], RT_NONE);
    rt_task_cancel(t[6], RT_NONE);
    rt_task_cancel(t[7], RT_NONE);
    assert_loop_ok(e.loop);
    run_until_idle(e.loop, 100);
    assert_false(e.rec.failed);
    assert_true(e.rec.checks > 30);
    for (int i = 0; i < N; i++) {
        assert_true(rt_future_done(&t[i]->fut));
        if (!rt_future_cancelled(&t[i]->fut)) {
            rt_value r, x;
            rt_future_exception(&t[i]->fut, &r, &x);
            rt_value_release(r);
            rt_value_release(x);
        }
    }
    for (int i = 0; i < N; i++) {
        rt_task_release(t[i]);
        rt_future_release(sleeps[i]);
    }
    tenv_free(&e);
}

/* A seeded random mix: 150 tasks with random scripts (bare yields,
 * awaits of timed futures or of earlier tasks, raises, returns), random
 * cancellations from timers, and the invariant checked at every handle.
 * Awaits only point backwards, so every task must end. */
static uint32_t lcg(uint32_t *s)
{
    *s = *s * 1103515245u + 12345u;
    return (*s >> 8) & 0xffffff;
}

static void cancel_later(rt_loop *loop, rt_handle *h)
{
    rt_task_cancel((rt_task *)h->target, RT_NONE);
}

static void test_random_stress(void **state)
{
    for (uint32_t seed = 1; seed <= 5; seed++) {
        tenv e;
        tenv_init(&e, RT_CLOCK_VIRTUAL, true);
        e.rec.check_loop = e.loop;
        enum { N = 150 };
        rt_task *t[N];
        rt_future *f[N];
        uint32_t s = seed;
        for (int i = 0; i < N; i++) {
            rt_future_new(e.loop, &f[i]);
            rt_loop_call_later(e.loop, (double)(lcg(&s) % 50) / 10.0,
                               set_result_later, NULL, &f[i]->obj, RT_NONE,
                               NULL);
            tcoro *c = tcoro_new();
            c->catch_all = lcg(&s) % 2;
            int nops = 1 + (int)(lcg(&s) % 6);
            for (int k = 0; k < nops; k++) {
                switch (lcg(&s) % 5) {
                case 0:
                    tc_bare(c);
                    break;
                case 1:
                    tc_await(c, f[lcg(&s) % (uint32_t)(i + 1)]);
                    break;
                case 2:
                    if (i > 0)
                        tc_await(c, &t[lcg(&s) % (uint32_t)i]->fut);
                    break;
                case 3:
                    if (k == nops - 1)
                        tc_raise(c, texc_new("ValueError", "r"));
                    break;
                default:
                    break;
                }
            }
            t[i] = tspawn(e.loop, c, NULL);
            if (lcg(&s) % 6 == 0)
                rt_loop_call_later(e.loop, (double)(lcg(&s) % 40) / 10.0,
                                   cancel_later, NULL, &t[i]->fut.obj,
                                   RT_NONE, NULL);
        }
        int r = run_until_idle(e.loop, 100000);
        assert_true(r > 0);
        if (e.rec.failed)
            fail_msg("seed %u: %s", seed, e.rec.why);
        assert_true(e.rec.checks > N);
        for (int i = 0; i < N; i++) {
            assert_true(rt_future_done(&t[i]->fut));
            rt_value v, x;
            if (rt_future_exception(&t[i]->fut, &v, &x) == RT_OK)
                rt_value_release(v);
            else
                rt_value_release(x);
        }
        for (int i = 0; i < N; i++) {
            rt_task_release(t[i]);
            rt_future_release(f[i]);
        }
        tenv_free(&e);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_and_finish),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_step_position),
        cmocka_unit_test(test_bare_yield_round_robin),
        cmocka_unit_test(test_await_future),
        cmocka_unit_test(test_cancel_before_first_step),
        cmocka_unit_test(test_cancel_while_awaiting),
        cmocka_unit_test(test_cancel_caught_and_uncancel),
        cmocka_unit_test(test_cancel_self),
        cmocka_unit_test(test_cancel_propagates_to_awaited_task),
        cmocka_unit_test(test_exception_chain_of_five),
        cmocka_unit_test(test_bad_yields),
        cmocka_unit_test(test_fatal_exception),
        cmocka_unit_test(test_never_retrieved_and_pending),
        cmocka_unit_test(test_lifetime),
        cmocka_unit_test(test_foreach_task),
        cmocka_unit_test(test_invariant_mix),
        cmocka_unit_test(test_random_stress),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
