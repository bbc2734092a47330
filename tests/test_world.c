/*
 * test_world.c - the world: configuration and defaults, id counters, the
 * event hook (sequence numbers, times, the worker stamp), both clocks,
 * time.sleep on the loop thread and on a worker, and the float formatting
 * that event texts use.
 */
#include <pthread.h>

#include "support.h"
#include "rt_internal.h"

static void stop_cb(rt_loop *loop, rt_handle *h) { rt_loop_stop(loop); }

static void test_new_and_defaults(void **state)
{
    rt_world *w;
    assert_int_equal(rt_world_new(NULL, NULL), RT_EINVAL);
    rt_world_config bad = {(rt_clock_mode)7, NULL, NULL, NULL, NULL};
    assert_int_equal(rt_world_new(&bad, &w), RT_EINVAL);
    assert_int_equal(rt_world_new(NULL, &w), RT_OK);
    assert_int_equal(rt_world_clock_mode(w), RT_CLOCK_VIRTUAL);
    assert_true(rt_world_time(w) == 0.0);
    assert_false(rt_world_tracing(w));
    assert_int_equal(rt_world_next_id(w, RT_ID_JOB), 1);
    assert_int_equal(rt_world_next_id(w, RT_ID_JOB), 2);
    assert_int_equal(rt_world_next_id(w, RT_ID_TASK), 1);
    assert_int_equal(rt_world_next_id(w, RT_ID__COUNT), 0);
    assert_int_equal(rt_world_next_id(w, -1), 0);
    rt_world_free(w);
    rt_world_free(NULL);
}

/* Ids: each kind of thing counts from 1 on its own. */
static void test_id_counters(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, false);
    rt_loop *l2;
    rt_loop_new(e.w, &l2);
    assert_int_equal(rt_loop_id(e.loop), 1);
    assert_int_equal(rt_loop_id(l2), 2);
    rt_future *f;
    rt_future_new(e.loop, &f);
    assert_int_equal(f->id, 1);
    rt_handle *h;
    rt_loop_call_soon(e.loop, RT_HANDLE_CALLBACK, stop_cb,
                      NULL, NULL, RT_NONE, &h);
    assert_int_equal(h->id, 1);
    rt_task *t = tspawn(e.loop, tcoro_new(), NULL);
    assert_int_equal(t->fut.id, 1);
    assert_int_equal(t->fut.id, 1); /* a task's future id is its task id */
    rt_future *g;
    rt_future_new(e.loop, &g);
    assert_int_equal(g->id, 2); /* tasks do not use future ids */
    rt_handle_release(h);
    rt_future_release(f);
    rt_future_release(g);
    rt_task_release(t);
    rt_loop_free(l2);
    tenv_free(&e);
}

typedef struct hookrec {
    uint64_t seqs[64];
    int kinds[64];
    double ts[64];
    int n;
} hookrec;

static void hook(void *data, const rt_event *ev)
{
    hookrec *r = data;
    if (r->n < 64) {
        r->seqs[r->n] = ev->seq;
        r->kinds[r->n] = ev->kind;
        r->ts[r->n] = ev->t;
        r->n++;
    }
}

static void test_hook_and_emit(void **state)
{
    rt_world *w;
    hookrec r = {{0}, {0}, {0}, 0};
    assert_int_equal(rt_world_new(NULL, &w), RT_OK);
    rt_loop *loop;
    rt_loop_new(w, &loop); /* no hook yet: no event */
    rt_world_set_hook(w, hook, &r);
    assert_true(rt_world_tracing(w));
    rt_event ev = rt_event_init(RT_EV_OUTPUT);
    assert_int_equal(ev.worker, -1);
    ev.text = "hello";
    rt_world_emit(w, &ev);
    rt_world_sleep(w, 0.5);
    rt_world_emit(w, &ev);
    assert_int_equal(r.n, 4); /* output, loop.block, clock.advance, output */
    for (int i = 0; i < r.n; i++)
        assert_int_equal(r.seqs[i], i);
    assert_int_equal(r.kinds[0], RT_EV_OUTPUT);
    assert_int_equal(r.kinds[1], RT_EV_LOOP_BLOCK);
    assert_int_equal(r.kinds[2], RT_EV_CLOCK_ADVANCE);
    assert_true(r.ts[2] == 0.0); /* stamped before the jump */
    assert_true(r.ts[3] == 0.5);
    rt_world_set_hook(w, NULL, NULL);
    rt_world_emit(w, &ev);
    assert_int_equal(r.n, 4);
    rt_loop_free(loop);
    rt_world_free(w);
}

/* time.sleep inside a task step blocks the loop: loop.block names the
 * loop, the task and its line; the clock moves. */
static void sleep_call(void *arg) { rt_world_sleep(arg, 2.5); }

static void test_sleep_in_task(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, true);
    tcoro *c = tcoro_new();
    tc_call(c, sleep_call, e.w);
    rt_task *t = tspawn(e.loop, c, NULL);
    assert_int_equal(rt_loop_run_until_complete(e.loop, &t->fut), RT_OK);
    assert_true(rt_loop_time(e.loop) == 2.5);
    assert_non_null(strstr(e.rec.buf, "loop.block loop=1 task=1 fut=0 h=0 "
                                      "job=0 ex=0 peer=0 w=-1 line=11 k2=0 "
                                      "n=0 when=2.5 name= type= "
                                      "text=time.sleep(2.5) func=tcoro"));
    assert_non_null(strstr(e.rec.buf, "text=sleep"));
    assert_int_equal(rt_world_sleep(e.w, -1), RT_EINVAL);
    rt_task_release(t);
    tenv_free(&e);
}

/* A job's own events carry its worker and executor; rt_world_sleep on a
 * worker is that job's sleep; an embedder event emitted from a job is
 * stamped with the worker too. */
static void job_emits(rt_job *job, void *data)
{
    rt_world *w = data;
    rt_event ev = rt_event_init(RT_EV_OUTPUT);
    ev.text = "from a job";
    rt_world_emit(w, &ev);
    assert_int_equal(rt_world_sleep(w, 1.0), RT_OK);
}

static void test_worker_stamp(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, true);
    rt_executor *ex;
    rt_executor_new(e.w, 2, "st", &ex);
    rt_executor_submit(ex, job_emits, e.w, "emit", NULL);
    rt_executor_submit(ex, job_emits, e.w, "emit", NULL);
    rt_executor_shutdown(ex, true);
    assert_non_null(strstr(e.rec.buf, "output loop=0 task=0 fut=0 h=0 job=0 "
                                      "ex=1 peer=0 w=0 line=0 k2=0 n=0 "
                                      "when=0 name= type= text=from a job"));
    assert_non_null(strstr(e.rec.buf, "ex=1 peer=0 w=1 line=0 k2=0 n=0 "
                                      "when=0 name= type= text=from a job"));
    assert_int_equal(e.rec.counts[RT_EV_EXEC_BLOCK], 2);
    assert_true(rt_world_time(e.w) == 1.0);
    rt_executor_free(ex);
    tenv_free(&e);
}

/* The real clock starts at 0 and follows CLOCK_MONOTONIC. */
static void test_real_clock(void **state)
{
    rt_world_config cfg = {RT_CLOCK_REAL, NULL, NULL, NULL, NULL};
    rt_world *w;
    assert_int_equal(rt_world_new(&cfg, &w), RT_OK);
    double t0 = rt_world_time(w);
    assert_true(t0 >= 0.0 && t0 < 0.5);
    assert_int_equal(rt_world_sleep(w, 0.02), RT_OK);
    double t1 = rt_world_time(w);
    assert_true(t1 - t0 >= 0.02);
    assert_true(t1 - t0 < 2.0);
    rt_world_free(w);
}

/* Python's repr(float), which traces and event texts rely on. */
static void test_format_float(void **state)
{
    static const struct {
        double v;
        const char *want;
    } cases[] = {
        {0.0, "0.0"},
        {-0.0, "-0.0"},
        {1.0, "1.0"},
        {1.5, "1.5"},
        {0.1 + 0.2, "0.30000000000000004"},
        {1e16, "1e+16"},
        {1e15, "1000000000000000.0"},
        {123456789012345678.0, "1.2345678901234568e+17"},
        {0.0001, "0.0001"},
        {0.00001, "1e-05"},
        {-2.5e-7, "-2.5e-07"},
        {1.0 / 3.0, "0.3333333333333333"},
        {86400.0, "86400.0"},
        {30139.036567664698, "30139.036567664698"},
        {1.7976931348623157e308, "1.7976931348623157e+308"},
        {5e-324, "5e-324"},
    };
    char buf[64];
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        rt__format_float(cases[i].v, buf, sizeof buf);
        assert_string_equal(buf, cases[i].want);
    }
}

/* The world stays consistent with several loops, the same host for all. */
static void test_two_loops_share_clock(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, false);
    rt_loop *l2;
    rt_loop_new(e.w, &l2);
    rt_loop_call_later(e.loop, 3.0, stop_cb, NULL, NULL,
                       RT_NONE, NULL);
    rt_loop_run_forever(e.loop);
    assert_true(rt_loop_time(l2) == 3.0);
    assert_ptr_equal(rt_loop_world(l2), e.w);
    rt_loop_set_data(l2, &e);
    assert_ptr_equal(rt_loop_data(l2), &e);
    rt_loop_free(l2);
    tenv_free(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_and_defaults),
        cmocka_unit_test(test_id_counters),
        cmocka_unit_test(test_hook_and_emit),
        cmocka_unit_test(test_sleep_in_task),
        cmocka_unit_test(test_worker_stamp),
        cmocka_unit_test(test_real_clock),
        cmocka_unit_test(test_format_float),
        cmocka_unit_test(test_two_loops_share_clock),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
