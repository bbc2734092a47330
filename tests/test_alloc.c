/*
 * test_alloc.c - allocation-failure injection (SQLite's discipline): for
 * every public constructor and scheduling call, make the n-th allocation
 * fail for n = 0, 1, 2, ... until the call succeeds. Each failure must be a
 * clean RT_ENOMEM that emits no event, consumes no id or task name, queues
 * nothing and changes no object; ASan (the asan preset) checks that
 * nothing leaks along the way.
 */
#include "support.h"

/* Room for a default task name (rt_task_name). */
static char nb[RT_TASK_NAME_SIZE];

/* A fresh world and loop for each attempt, so that no free list or
 * pre-grown array hides an allocation. */
typedef struct fx {
    tenv e;
    rt_future *fut;    /* a pending future with three callbacks */
    rt_executor *ex;
    void *extra;
} fx;

static void noop_cb(rt_loop *loop, rt_handle *h) {}

static void fx_setup(fx *f)
{
    memset(f, 0, sizeof *f);
    tenv_init(&f->e, RT_CLOCK_VIRTUAL, true);
    assert_int_equal(rt_future_new(f->e.loop, &f->fut), RT_OK);
    for (int i = 0; i < 3; i++)
        assert_int_equal(rt_future_add_done_callback(f->fut, noop_cb, NULL,
                                                     rt_int(i)),
                         RT_OK);
    assert_int_equal(rt_executor_new(f->e.w, 2, "fx", &f->ex), RT_OK);
}

static void fx_teardown(fx *f)
{
    rt_executor_free(f->ex);
    rt_future_release(f->fut);
    tenv_free(&f->e);
}

/* What must not change when a call fails. */
typedef struct snap {
    int events;
    size_t ready, timers;
    uint32_t ncallbacks;
    int state;
    int ntasks;
} snap;

static void count_task(rt_task *t, void *data) { (*(int *)data)++; }

static snap take(fx *f)
{
    snap s;
    s.events = 0;
    for (int i = 0; i < RT_EV__COUNT; i++)
        s.events += f->e.rec.counts[i];
    s.ready = rt_loop_ready_count(f->e.loop);
    s.timers = rt_loop_timer_count(f->e.loop);
    s.ncallbacks = f->fut->ncallbacks;
    s.state = f->fut->state;
    s.ntasks = 0;
    rt_loop_foreach_task(f->e.loop, count_task, &s.ntasks);
    return s;
}

static void same(snap a, snap b)
{
    assert_int_equal(a.events, b.events);
    assert_int_equal(a.ready, b.ready);
    assert_int_equal(a.timers, b.timers);
    assert_int_equal(a.ncallbacks, b.ncallbacks);
    assert_int_equal(a.state, b.state);
    assert_int_equal(a.ntasks, b.ntasks);
}

typedef int (*op_fn)(fx *f);
typedef void (*step_fn)(fx *f);

/* The driver: `prep` runs without injection, then `op` with the n-th
 * allocation failing, then `ok` on success and `cleanup` in any case.
 * Returns how many injected failures the call went through. */
static int inject_full(step_fn prep, op_fn op, step_fn ok, step_fn cleanup)
{
    for (long n = 0; n < 64; n++) {
        fx f;
        fx_setup(&f);
        if (prep)
            prep(&f);
        snap before = take(&f);
        rt_alloc_fail_after(n);
        int r = op(&f);
        rt_alloc_fail_after(-1);
        if (r == RT_OK) {
            if (ok)
                ok(&f);
            if (cleanup)
                cleanup(&f);
            fx_teardown(&f);
            return (int)n;
        }
        if (r != RT_ENOMEM)
            fail_msg("attempt %ld: %s instead of RT_ENOMEM", n,
                     rt_strerror(r));
        same(before, take(&f));
        if (cleanup)
            cleanup(&f);
        fx_teardown(&f);
    }
    fail_msg("the call never succeeded");
    return -1;
}

static int inject(op_fn op, step_fn ok) { return inject_full(NULL, op, ok, NULL); }

/* ---- the calls -------------------------------------------------------- */

static int op_world_new(fx *f)
{
    rt_world *w;
    int r = rt_world_new(NULL, &w);
    if (r == RT_OK)
        rt_world_free(w);
    return r;
}

static int op_loop_new(fx *f)
{
    rt_loop *l;
    int r = rt_loop_new(f->e.w, &l);
    if (r == RT_OK)
        rt_loop_free(l);
    return r;
}

static int op_future_new(fx *f)
{
    rt_future *g;
    int r = rt_future_new(f->e.loop, &g);
    if (r == RT_OK)
        rt_future_release(g);
    return r;
}

static int op_call_soon(fx *f)
{
    rt_handle *h;
    int r = rt_loop_call_soon(f->e.loop, RT_HANDLE_CALLBACK, noop_cb, NULL,
                              NULL, rt_int(1), &h);
    if (r == RT_OK) {
        assert_int_equal(h->id, 1);
        rt_handle_release(h);
    }
    return r;
}

static int op_call_later(fx *f)
{
    rt_handle *h;
    int r = rt_loop_call_later(f->e.loop, 1.0, noop_cb, NULL, NULL, RT_NONE,
                               &h);
    if (r == RT_OK) {
        assert_int_equal(h->id, 1);
        rt_handle_release(h);
    }
    return r;
}

static int op_call_at(fx *f)
{
    return rt_loop_call_at(f->e.loop, 2.0, noop_cb, NULL, NULL, RT_NONE, NULL);
}

static int op_call_soon_threadsafe(fx *f)
{
    return rt_loop_call_soon_threadsafe(f->e.loop, noop_cb, NULL, NULL,
                                        RT_NONE);
}

static void check_ready_one(fx *f)
{
    /* threadsafe: queued for the next select. */
    assert_int_equal(rt_loop_run_once(f->e.loop), RT_OK);
}

static int op_task_new(fx *f)
{
    tcoro *c = tcoro_new();
    rt_task *t;
    int r = rt_task_new(f->e.loop, &c->obj, &tcoro_class, NULL, &t);
    rt_object_release(&c->obj);
    if (r == RT_OK) {
        /* No failed attempt consumed a task name or id. */
        assert_string_equal(rt_task_name(t, nb), "Task-1");
        assert_int_equal(t->fut.id, 1);
        rt_loop_run_once(f->e.loop);
        rt_task_release(t);
    }
    return r;
}

static int op_task_new_named(fx *f)
{
    tcoro *c = tcoro_new();
    rt_task *t;
    int r = rt_task_new(f->e.loop, &c->obj, &tcoro_class, "named", &t);
    rt_object_release(&c->obj);
    if (r == RT_OK) {
        rt_loop_run_once(f->e.loop);
        rt_task_release(t);
    }
    return r;
}

/* The embedded form, in an object of the test's own type. */
typedef struct mytask {
    rt_task task;
} mytask;

static void mytask_destroy(rt_object *o)
{
    rt_task_deinit((rt_task *)o);
    free(o);
}

static const rt_type mytask_type = {"MyTask", mytask_destroy};

static int op_task_init(fx *f)
{
    mytask *m = calloc(1, sizeof *m);
    m->task.fut.obj.refs = 1;
    m->task.fut.obj.type = &mytask_type;
    tcoro *c = tcoro_new();
    int r = rt_task_init(&m->task, f->e.loop, &c->obj, &tcoro_class, "worker");
    rt_object_release(&c->obj);
    if (r != RT_OK) {
        free(m); /* never initialised: plain memory */
        return r;
    }
    assert_string_equal(rt_task_name(&m->task, nb), "worker");
    rt_loop_run_once(f->e.loop);
    rt_task_release(&m->task);
    return r;
}

static void prep_task(fx *f)
{
    tcoro *c = tcoro_new();
    rt_task *t;
    assert_int_equal(rt_task_new(f->e.loop, &c->obj, &tcoro_class, NULL, &t),
                     RT_OK);
    rt_object_release(&c->obj);
    f->extra = t;
}

static void cleanup_task(fx *f)
{
    rt_task *t = f->extra;
    rt_loop_run_once(f->e.loop);
    rt_task_release(t);
}

static int op_set_name(fx *f)
{
    rt_task *t = f->extra;
    int r = rt_task_set_name(t, "a much longer name than before");
    if (r != RT_OK)
        assert_string_equal(rt_task_name(t, nb), "Task-1");
    else
        assert_string_equal(rt_task_name(t, nb), "a much longer name than before");
    return r;
}

static void prep_fourth_callback(fx *f)
{
    assert_int_equal(rt_future_add_done_callback(f->fut, noop_cb, NULL,
                                                 rt_int(3)),
                     RT_OK);
}

static int op_add_done_callback(fx *f)
{
    /* The fifth callback grows the list (capacity 1, 2, 4, 8). */
    return rt_future_add_done_callback(f->fut, noop_cb, NULL, rt_int(4));
}

static int op_add_done_callback_done(fx *f)
{
    rt_future *g;
    rt_alloc_fail_after(-1);
    assert_int_equal(rt_future_new(f->e.loop, &g), RT_OK);
    rt_future_set_result(g, RT_NONE);
    f->extra = g;
    size_t events = f->e.rec.len;
    rt_alloc_fail_after(0);
    int r = rt_future_add_done_callback(g, noop_cb, NULL, rt_int(1));
    if (r == RT_OK) {
        r = RT_ENOMEM; /* the first attempt must not succeed */
        fail_msg("scheduling needed no allocation");
    }
    assert_int_equal(events, f->e.rec.len);
    assert_int_equal(rt_loop_ready_count(f->e.loop), 0);
    rt_alloc_fail_after(-1);
    assert_int_equal(rt_future_add_done_callback(g, noop_cb, NULL, rt_int(1)),
                     RT_OK);
    assert_int_equal(rt_loop_ready_count(f->e.loop), 1);
    rt_future_release(g);
    return RT_OK;
}

static int op_set_result(fx *f)
{
    return rt_future_set_result(f->fut, rt_int(5));
}

static void check_three_scheduled(fx *f)
{
    assert_int_equal(rt_loop_ready_count(f->e.loop), 3);
    assert_true(rt_future_done(f->fut));
}

static int op_set_exception(fx *f)
{
    rt_value exc = rt_int(9);
    int r = rt_future_set_exception(f->fut, exc);
    if (r == RT_OK) {
        rt_value out, x;
        rt_future_exception(f->fut, &out, &x);
    }
    return r;
}

static int op_run_until_complete(fx *f)
{
    rt_future *g;
    rt_alloc_fail_after(-1);
    rt_future_new(f->e.loop, &g);
    rt_future_set_result(g, RT_NONE);
    size_t events = f->e.rec.len;
    rt_alloc_fail_after(0);
    int r = rt_loop_run_until_complete(f->e.loop, g);
    assert_int_equal(r, RT_ENOMEM);
    assert_int_equal(events, f->e.rec.len);
    rt_alloc_fail_after(-1);
    assert_int_equal(rt_loop_run_until_complete(f->e.loop, g), RT_OK);
    rt_future_release(g);
    return RT_OK;
}

static int op_executor_new(fx *f)
{
    rt_executor *ex;
    int r = rt_executor_new(f->e.w, 4, "pool", &ex);
    if (r == RT_OK) {
        assert_int_equal(rt_executor_id(ex), 2);
        rt_executor_free(ex);
    }
    return r;
}

static void job_fn(rt_job *job, void *data) { rt_job_sleep(job, 1.0); }

static int op_submit(fx *f)
{
    uint64_t id = 0;
    int r = rt_executor_submit(f->ex, job_fn, NULL, "label", &id);
    if (r == RT_OK)
        assert_int_equal(id, 1);
    return r;
}

static int op_submit_queued(fx *f)
{
    /* Fill both workers first (no injection), then queue a third. */
    rt_alloc_fail_after(-1);
    assert_int_equal(rt_executor_submit(f->ex, job_fn, NULL, "a", NULL),
                     RT_OK);
    assert_int_equal(rt_executor_submit(f->ex, job_fn, NULL, "b", NULL),
                     RT_OK);
    size_t events = f->e.rec.len;
    for (long n = 0;; n++) {
        rt_alloc_fail_after(n);
        int r = rt_executor_submit(f->ex, job_fn, NULL, "c", NULL);
        rt_alloc_fail_after(-1);
        if (r == RT_OK)
            break;
        assert_int_equal(r, RT_ENOMEM);
        assert_int_equal(events, f->e.rec.len);
    }
    return RT_OK;
}

/* ---- the tests -------------------------------------------------------- */

static void test_constructors(void **state)
{
    assert_true(inject(op_world_new, NULL) >= 1);
    assert_true(inject(op_loop_new, NULL) >= 1);
    assert_true(inject(op_future_new, NULL) >= 1);
    assert_true(inject(op_task_new, NULL) >= 2);
    assert_true(inject(op_task_new_named, NULL) >= 2);
    assert_true(inject(op_task_init, NULL) >= 3);
    assert_true(inject(op_executor_new, NULL) >= 3);
}

static void test_scheduling(void **state)
{
    assert_true(inject(op_call_soon, NULL) >= 2);
    assert_true(inject(op_call_later, NULL) >= 2);
    assert_true(inject(op_call_at, NULL) >= 2);
    assert_true(inject(op_call_soon_threadsafe, check_ready_one) >= 2);
    assert_true(inject_full(prep_fourth_callback, op_add_done_callback, NULL,
                            NULL) >= 1);
    assert_true(inject(op_add_done_callback_done, NULL) == 0);
    assert_true(inject(op_run_until_complete, NULL) == 0);
}

static void test_completion(void **state)
{
    assert_true(inject(op_set_result, check_three_scheduled) >= 2);
    assert_true(inject(op_set_exception, check_three_scheduled) >= 2);
    assert_true(inject_full(prep_task, op_set_name, NULL, cleanup_task) >= 1);
}

static void test_executor(void **state)
{
    assert_true(inject(op_submit, NULL) >= 3);
    assert_true(inject(op_submit_queued, NULL) == 0);
}

/* cancel() is bool-valued: its failure is "false, nothing changed". */
static void test_cancel(void **state)
{
    int failures = 0;
    for (long n = 0; n < 64; n++) {
        fx f;
        fx_setup(&f);
        rt_alloc_fail_after(n);
        bool ok = rt_future_cancel(f.fut, RT_NONE);
        rt_alloc_fail_after(-1);
        if (ok) {
            assert_int_equal(rt_loop_ready_count(f.e.loop), 3);
            fx_teardown(&f);
            break;
        }
        failures++;
        assert_false(rt_future_done(f.fut));
        assert_int_equal(f.fut->ncallbacks, 3);
        assert_int_equal(rt_loop_ready_count(f.e.loop), 0);
        assert_int_equal(f.e.handler.calls, 1);
        fx_teardown(&f);
    }
    assert_true(failures >= 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_constructors),
        cmocka_unit_test(test_scheduling),
        cmocka_unit_test(test_completion),
        cmocka_unit_test(test_executor),
        cmocka_unit_test(test_cancel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
