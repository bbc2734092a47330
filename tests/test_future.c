/*
 * test_future.c - asyncio.Future semantics: done-callback order and
 * scheduling, cancel messages, result()/exception(), log_traceback and the
 * "never retrieved" report, and the events a future emits.
 */
#include "support.h"

typedef struct cblog {
    int order[32];
    uint64_t target[32];
    int kind[32];
    int n;
} cblog;

static void log_cb(rt_loop *loop, rt_handle *h)
{
    cblog *l = h->data;
    l->order[l->n] = (int)h->arg.u.i;
    l->target[l->n] = h->target ? ((rt_future *)h->target)->id : 0;
    l->kind[l->n] = h->kind;
    l->n++;
}

static void other_cb(rt_loop *loop, rt_handle *h) { log_cb(loop, h); }

static void test_done_callbacks_in_order(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, false);
    rt_future *f;
    assert_int_equal(rt_future_new(e.loop, &f), RT_OK);
    cblog l = {{0}, {0}, {0}, 0};
    for (int i = 0; i < 5; i++)
        assert_int_equal(rt_future_add_done_callback(f, log_cb, &l, rt_int(i)),
                         RT_OK);
    /* Something queued before completion runs before the callbacks. */
    rt_loop_call_soon(e.loop, RT_HANDLE_CALLBACK, log_cb, &l, NULL,
                      rt_int(100), NULL);
    assert_int_equal(rt_future_set_result(f, rt_int(7)), RT_OK);
    assert_int_equal(f->ncallbacks, 0);
    assert_int_equal(rt_loop_ready_count(e.loop), 6);
    assert_int_equal(l.n, 0); /* never called directly */
    rt_loop_run_once(e.loop);
    assert_int_equal(l.n, 6);
    assert_int_equal(l.order[0], 100);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(l.order[i + 1], i);
        assert_int_equal(l.target[i + 1], f->id);
        assert_int_equal(l.kind[i + 1], RT_HANDLE_DONE_CALLBACK);
    }
    /* Registered on a done future: scheduled at once. */
    assert_int_equal(rt_future_add_done_callback(f, log_cb, &l, rt_int(9)),
                     RT_OK);
    assert_int_equal(rt_loop_ready_count(e.loop), 1);
    rt_loop_run_once(e.loop);
    assert_int_equal(l.order[6], 9);
    rt_future_release(f);
    tenv_free(&e);
}

static bool same_int(rt_value a, rt_value b) { return a.u.i % 10 == b.u.i % 10; }

static void test_remove_done_callback(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, false);
    rt_future *f;
    rt_future_new(e.loop, &f);
    cblog l = {{0}, {0}, {0}, 0};
    rt_future_add_done_callback(f, log_cb, &l, rt_int(1));
    rt_future_add_done_callback(f, other_cb, &l, rt_int(2));
    rt_future_add_done_callback(f, log_cb, &l, rt_int(1));
    rt_future_add_done_callback(f, log_cb, &l, rt_int(3));
    rt_future_add_done_callback(f, log_cb, &l, rt_int(11));
    assert_int_equal(rt_future_remove_done_callback(f, log_cb, &l, rt_int(1),
                                                    NULL),
                     2);
    assert_int_equal(rt_future_remove_done_callback(f, log_cb, &l, rt_int(1),
                                                    NULL),
                     0);
    assert_int_equal(rt_future_remove_done_callback(f, log_cb, &l, rt_int(1),
                                                    same_int),
                     1); /* 11 */
    assert_int_equal(f->ncallbacks, 2);
    rt_future_set_result(f, RT_NONE);
    rt_loop_run_once(e.loop);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.order[0], 2);
    assert_int_equal(l.order[1], 3);
    rt_future_release(f);
    tenv_free(&e);
}

static void test_result_and_exception(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, false);
    rt_future *f;
    rt_future_new(e.loop, &f);
    rt_value r, x;
    assert_int_equal(rt_future_result(f, &r, &x), RT_ESTATE);
    assert_string_equal(texc_typename(x), "InvalidStateError");
    assert_string_equal(texc_msg(x), "Result is not set.");
    rt_value_release(x);
    assert_int_equal(rt_future_exception(f, &r, &x), RT_ESTATE);
    assert_string_equal(texc_msg(x), "Exception is not set.");
    rt_value_release(x);

    rt_value val = texc_new("Value", "v");
    assert_int_equal(rt_future_set_result(f, val), RT_OK);
    assert_int_equal(rt_future_set_result(f, val), RT_ESTATE);
    assert_int_equal(rt_future_set_exception(f, val), RT_ESTATE);
    assert_false(rt_future_cancel(f, RT_NONE));
    assert_int_equal(rt_future_result(f, &r, &x), RT_OK);
    assert_ptr_equal(r.u.p, val.u.p);
    rt_value_release(r);
    assert_int_equal(rt_future_exception(f, &r, &x), RT_OK);
    assert_true(rt_is_none(r));
    rt_value_release(val);
    rt_future_release(f);
    tenv_free(&e);
}

static void test_cancel_message(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, true);
    rt_future *f;
    rt_future_new(e.loop, &f);
    rt_value msg = tstr("stop now");
    assert_true(rt_future_cancel(f, msg));
    rt_value_release(msg);
    assert_true(rt_future_cancelled(f));
    assert_false(rt_future_cancel(f, RT_NONE));
    rt_value r, x;
    assert_int_equal(rt_future_result(f, &r, &x), RT_ESTATE);
    assert_string_equal(texc_typename(x), "CancelledError");
    assert_string_equal(texc_msg(x), "stop now");
    rt_value_release(x);
    assert_int_equal(rt_future_exception(f, &r, &x), RT_ESTATE);
    assert_string_equal(texc_msg(x), "stop now");
    rt_value_release(x);
    assert_non_null(strstr(e.rec.buf, "future.done loop=1 task=0 fut=1"));
    assert_non_null(strstr(e.rec.buf, "k2=2 n=0 when=0 name= type= "
                                      "text=stop now"));
    rt_future_release(f);
    tenv_free(&e);
}

/* log_traceback: set by set_exception; cleared by result(), exception()
 * and cancel(); an exception nobody read is reported when the future
 * goes. */
static void test_log_traceback(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, true);
    rt_value exc = texc_new("ValueError", "lost");
    rt_value r, x;

    rt_future *f;
    rt_future_new(e.loop, &f);
    rt_future_set_exception(f, exc);
    assert_true(f->log_traceback);
    assert_int_equal(rt_future_result(f, &r, &x), RT_ESTATE);
    assert_ptr_equal(x.u.p, exc.u.p);
    rt_value_release(x);
    assert_false(f->log_traceback);
    rt_future_release(f);
    assert_int_equal(e.handler.calls, 0);

    rt_future_new(e.loop, &f);
    rt_future_set_exception(f, exc);
    assert_int_equal(rt_future_exception(f, &r, &x), RT_OK);
    rt_value_release(r);
    rt_future_release(f);
    assert_int_equal(e.handler.calls, 0);

    rt_future_new(e.loop, &f);
    rt_future_set_exception(f, exc);
    assert_false(rt_future_cancel(f, RT_NONE)); /* done, but clears it */
    rt_future_release(f);
    assert_int_equal(e.handler.calls, 0);

    rt_future_new(e.loop, &f);
    uint64_t id = f->id;
    rt_future_set_exception(f, exc);
    rt_future_release(f);
    assert_int_equal(e.handler.calls, 1);
    assert_string_equal(e.handler.last_message,
                        "Future exception was never retrieved");
    assert_string_equal(e.handler.last_exc, "ValueError: lost");
    assert_int_equal(e.handler.last_future, id);
    assert_non_null(strstr(e.rec.buf, "name=Future exception was never "
                                      "retrieved type=ValueError text=lost"));
    rt_value_release(exc);
    tenv_free(&e);
}

/* Completing a future whose callbacks would go to a closed loop fails and
 * changes nothing; without callbacks it is fine (asyncio only fails in
 * call_soon). */
static void test_closed_loop(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, false);
    rt_future *f, *g;
    rt_future_new(e.loop, &f);
    rt_future_new(e.loop, &g);
    cblog l = {{0}, {0}, {0}, 0};
    rt_future_add_done_callback(f, log_cb, &l, rt_int(1));
    rt_loop_close(e.loop);
    assert_int_equal(rt_future_set_result(f, rt_int(1)), RT_ECLOSED);
    assert_false(rt_future_done(f));
    assert_int_equal(f->ncallbacks, 1);
    assert_int_equal(rt_future_set_result(g, rt_int(1)), RT_OK);
    assert_int_equal(rt_future_add_done_callback(g, log_cb, &l, rt_int(1)),
                     RT_ECLOSED);
    rt_future_release(f);
    rt_future_release(g);
    tenv_free(&e);
}

/* Embedding: an object of the embedder's own type that starts with an
 * rt_future; its destroy calls rt_future_deinit. */
typedef struct myfut {
    rt_future fut;
    int extra;
    int *destroyed;
} myfut;

static void myfut_destroy(rt_object *o)
{
    myfut *m = (myfut *)o;
    rt_future_deinit(&m->fut);
    (*m->destroyed)++;
    free(m);
}

static const rt_type myfut_type = {"MyFuture", myfut_destroy};

static void test_embedded_future(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, true);
    int destroyed = 0;
    myfut *m = calloc(1, sizeof *m);
    m->fut.obj.refs = 1;
    m->fut.obj.type = &myfut_type;
    m->destroyed = &destroyed;
    assert_int_equal(rt_future_init(&m->fut, e.loop, RT_ROLE_SLEEP), RT_OK);
    assert_int_equal(m->fut.role, RT_ROLE_SLEEP);
    /* A timer whose target is the future names it in timer.arm. */
    rt_handle *h;
    rt_loop_call_later(e.loop, 1.0, other_cb, NULL, &m->fut.obj,
                       RT_NONE, &h);
    assert_non_null(strstr(e.rec.buf, "future.create loop=1 task=0 fut=1 "
                                      "h=0 job=0 ex=0 peer=0 w=-1 line=0 "
                                      "k2=2"));
    assert_non_null(strstr(e.rec.buf, "timer.arm loop=1 task=0 fut=1 h=1"));
    rt_handle_cancel(h);
    rt_handle_release(h);
    rt_future_release(&m->fut);
    assert_int_equal(destroyed, 1);
    tenv_free(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_done_callbacks_in_order),
        cmocka_unit_test(test_remove_done_callback),
        cmocka_unit_test(test_result_and_exception),
        cmocka_unit_test(test_cancel_message),
        cmocka_unit_test(test_log_traceback),
        cmocka_unit_test(test_closed_loop),
        cmocka_unit_test(test_embedded_future),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
