/*
 * test_executor.c - thread-pool executors on real threads: jobs start at
 * once, queue FIFO beyond max_workers, wake in (wake time, sleep order),
 * reach the loop only through call_soon_threadsafe, and give the same
 * event stream on every run in virtual-clock mode. In real-clock mode a
 * worker wakes a loop that waits in ppoll.
 */
#include <pthread.h>
#include <time.h>

#include "support.h"

/* A job: sleeps as listed, then posts its value to a future. */
typedef struct tjob {
    rt_loop *loop;
    rt_future *fut;      /* NULL: post nothing */
    double sleeps[4];
    int nsleeps;
    int value;
    bool started;        /* set before the first sleep */
    bool was_current;    /* rt_job_current() was this job */
    int worker;          /* rt_job_worker() */
    char tname[16];      /* the thread's name */
    rt_value exc;        /* when set: rt_job_set_exception */
    rt_executor *nested; /* when set: submits `nested_job` there */
    struct tjob *nested_job;
} tjob;

static void set_result_ts(rt_loop *loop, rt_handle *h)
{
    rt_future *f = (rt_future *)h->target;
    if (!rt_future_done(f))
        rt_future_set_result(f, h->arg);
}

static void job_fn(rt_job *job, void *data);

static void job_fn(rt_job *job, void *data)
{
    tjob *j = data;
    j->started = true;
    j->was_current = rt_job_current() == job;
    j->worker = rt_job_worker(job);
    pthread_getname_np(pthread_self(), j->tname, sizeof j->tname);
    if (j->nested)
        rt_executor_submit(j->nested, job_fn, j->nested_job, "nested", NULL);
    for (int i = 0; i < j->nsleeps; i++)
        rt_job_sleep(job, j->sleeps[i]);
    if (!rt_is_none(j->exc))
        rt_job_set_exception(job, j->exc);
    if (j->fut)
        rt_loop_call_soon_threadsafe(j->loop, set_result_ts, NULL,
                                     &j->fut->obj, rt_int(j->value));
}

static rt_executor *new_executor(rt_world *w, int n, const char *name)
{
    rt_executor *ex;
    assert_int_equal(rt_executor_new(w, n, name, &ex), RT_OK);
    return ex;
}

/* A job starts at once and runs until it blocks before submit returns;
 * its completion wakes the loop at its wake time. */
static void test_submit_runs_at_once(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, true);
    rt_executor *ex = new_executor(e.w, 2, "pool");
    rt_future *f;
    rt_future_new(e.loop, &f);
    tjob j = {e.loop, f, {1.5}, 1, 7, false, false, -1, "", RT_NONE,
              NULL, NULL};
    uint64_t id = 0;
    assert_int_equal(rt_executor_submit(ex, job_fn, &j, "job", &id), RT_OK);
    assert_int_equal(id, 1);
    assert_true(j.started);
    assert_true(j.was_current);
    assert_null(rt_job_current());
    assert_int_equal(j.worker, 0);
    assert_string_equal(j.tname, "pool_0");
    assert_false(rt_future_done(f)); /* still sleeping */
    assert_int_equal(rt_loop_run_until_complete(e.loop, f), RT_OK);
    assert_true(rt_loop_time(e.loop) == 1.5);
    rt_value r, x;
    assert_int_equal(rt_future_result(f, &r, &x), RT_OK);
    assert_int_equal(r.u.i, 7);
    assert_int_equal(rt_executor_shutdown(ex, true), RT_OK);
    assert_int_equal(rt_executor_submit(ex, job_fn, &j, "late", NULL),
                     RT_ESHUTDOWN);
    rt_executor_free(ex);
    const char *want[] = {"exec.create", "exec.submit", "exec.thread",
                          "exec.start", "exec.block", "loop.run",
                          "clock.advance", "exec.wake", "exec.done",
                          "handle.schedule", "exec.shutdown"};
    const char *p = e.rec.buf;
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        const char *q = strstr(p, want[i]);
        if (!q)
            fail_msg("missing %s (event %zu)", want[i], i);
        p = q + 1;
    }
    assert_non_null(strstr(e.rec.buf, "exec.block loop=0 task=0 fut=0 h=0 "
                                      "job=1 ex=1 peer=0 w=0 line=0 k2=0 "
                                      "n=0 when=1.5 name= type= "
                                      "text=time.sleep(1.5)"));
    assert_non_null(strstr(e.rec.buf, "clock.advance loop=0 task=0 fut=0 "
                                      "h=0 job=0 ex=0 peer=0 w=-1 line=0 "
                                      "k2=0 n=0 when=1.5 name= type= "
                                      "text=worker"));
    rt_future_release(f);
    tenv_free(&e);
}

/* Beyond max_workers jobs queue FIFO; a finishing worker takes the next
 * one at once; the worker idle longest gets new work first. */
static void test_queue_and_idle_order(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, true);
    rt_executor *ex = new_executor(e.w, 2, "q");
    tjob j[4] = {
        {e.loop, NULL, {2.0}, 1, 0, false, false, -1, "", RT_NONE, NULL, NULL},
        {e.loop, NULL, {1.0}, 1, 0, false, false, -1, "", RT_NONE, NULL, NULL},
        {e.loop, NULL, {1.0}, 1, 0, false, false, -1, "", RT_NONE, NULL, NULL},
        {e.loop, NULL, {0.0}, 0, 0, false, false, -1, "", RT_NONE, NULL, NULL},
    };
    for (int i = 0; i < 3; i++)
        assert_int_equal(rt_executor_submit(ex, job_fn, &j[i], "j", NULL),
                         RT_OK);
    assert_true(j[0].started && j[1].started);
    assert_false(j[2].started); /* queued */
    assert_non_null(strstr(e.rec.buf, "exec.submit loop=0 task=0 fut=0 h=0 "
                                      "job=3 ex=1 peer=0 w=-1 line=0 k2=0 "
                                      "n=1"));
    /* Let time pass: worker 1 wakes at 1 and takes job 3 at once. */
    assert_int_equal(rt_world_sleep(e.w, 1.0), RT_OK);
    assert_true(j[2].started);
    assert_int_equal(j[2].worker, 1);
    /* At 2.0 both finish; worker 0 (slept first) goes idle first. */
    assert_int_equal(rt_world_sleep(e.w, 1.0), RT_OK);
    assert_int_equal(rt_executor_submit(ex, job_fn, &j[3], "j", NULL),
                     RT_OK);
    assert_int_equal(j[3].worker, 0);
    rt_executor_free(ex); /* waits and joins */
    tenv_free(&e);
}

/* Workers that wake at the same instant run in the order they went to
 * sleep; earlier wake times first. */
static void test_wake_order(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, true);
    rt_executor *ex = new_executor(e.w, 4, "w");
    tjob j[4] = {
        {e.loop, NULL, {2.0}, 1, 0, false, false, -1, "", RT_NONE, NULL, NULL},
        {e.loop, NULL, {1.0}, 1, 0, false, false, -1, "", RT_NONE, NULL, NULL},
        {e.loop, NULL, {2.0}, 1, 0, false, false, -1, "", RT_NONE, NULL, NULL},
        {e.loop, NULL, {1.0}, 1, 0, false, false, -1, "", RT_NONE, NULL, NULL},
    };
    for (int i = 0; i < 4; i++)
        rt_executor_submit(ex, job_fn, &j[i], "j", NULL);
    rt_executor_shutdown(ex, true);
    assert_true(rt_world_time(e.w) == 2.0);
    /* exec.wake in the order jobs 2, 4, 1, 3. */
    const int want[] = {2, 4, 1, 3};
    const char *p = e.rec.buf;
    for (int i = 0; i < 4; i++) {
        char needle[64];
        snprintf(needle, sizeof needle, "exec.wake loop=0 task=0 fut=0 h=0 "
                                        "job=%d ",
                 want[i]);
        const char *q = strstr(p, needle);
        if (!q)
            fail_msg("exec.wake of job %d missing or out of order", want[i]);
        p = q;
    }
    rt_executor_free(ex);
    tenv_free(&e);
}

/* The determinism scenario: tasks submit jobs to two pools (the first
 * with max_workers=2 for three concurrent jobs, so one queues), with ties
 * in wake times, a timer that submits more work, and exceptions. */
typedef struct submit_arg {
    rt_executor *ex;
    tjob *job;
} submit_arg;

static void submit_call(void *p)
{
    submit_arg *a = p;
    assert_int_equal(rt_executor_submit(a->ex, job_fn, a->job, "work", NULL),
                     RT_OK);
}

static void timer_submit(rt_loop *loop, rt_handle *h) { submit_call(h->data); }

static void scenario(trec *rec)
{
    rt_world_config cfg = {RT_CLOCK_VIRTUAL, &thost, NULL, trec_hook, rec};
    rt_world *w;
    rt_loop *loop;
    assert_int_equal(rt_world_new(&cfg, &w), RT_OK);
    assert_int_equal(rt_loop_new(w, &loop), RT_OK);
    rt_executor *a = new_executor(w, 2, "a");
    rt_executor *b = new_executor(w, 3, "b");
    enum { N = 8 };
    static const double sleeps[N][2] = {{1.0, 0}, {0.5, 0.5}, {1.0, 0},
                                        {2.0, 0}, {0.25, 0}, {1.0, 0},
                                        {0.0, 0}, {1.5, 0.1}};
    tjob jobs[N + 1];
    submit_arg args[N + 1];
    rt_future *futs[N + 1];
    rt_task *tasks[N];
    for (int i = 0; i <= N; i++) {
        rt_future_new(loop, &futs[i]);
        memset(&jobs[i], 0, sizeof jobs[i]);
        jobs[i].loop = loop;
        jobs[i].fut = futs[i];
        jobs[i].value = i;
        jobs[i].sleeps[0] = i < N ? sleeps[i][0] : 0.75;
        jobs[i].sleeps[1] = i < N ? sleeps[i][1] : 0;
        jobs[i].nsleeps = i < N && sleeps[i][1] > 0 ? 2 : 1;
        if (i == 5)
            jobs[i].exc = texc_new("OSError", "disk");
        args[i].ex = i % 2 ? b : a;
        args[i].job = &jobs[i];
    }
    for (int i = 0; i < N; i++) {
        tcoro *c = tcoro_new();
        c->catch_all = true;
        tc_call(c, submit_call, &args[i]);
        tc_await(c, futs[i]);
        if (i == 3)
            tc_await(c, futs[N]);
        tc_bare(c);
        tasks[i] = tspawn(loop, c, NULL);
    }
    rt_loop_call_later(loop, 1.0, timer_submit, &args[N], NULL, RT_NONE,
                       NULL);
    for (int i = 0; i < N; i++)
        assert_int_equal(rt_loop_run_until_complete(loop, &tasks[i]->fut),
                         RT_OK);
    rt_executor_shutdown(a, true);
    rt_executor_shutdown(b, true);
    rt_executor_free(a);
    rt_executor_free(b);
    for (int i = 0; i < N; i++)
        rt_task_release(tasks[i]);
    for (int i = 0; i <= N; i++) {
        rt_future_release(futs[i]);
        rt_value_release(jobs[i].exc);
    }
    rt_loop_free(loop);
    rt_world_free(w);
}

static void test_determinism(void **state)
{
    trec first = {0};
    scenario(&first);
    assert_true(first.counts[RT_EV_EXEC_WAKE] >= 9);
    assert_int_equal(first.counts[RT_EV_EXEC_THREAD], 5);
    assert_int_equal(first.counts[RT_EV_EXEC_DONE], 9);
    assert_non_null(strstr(first.buf, "type=OSError text=disk"));
    for (int run = 1; run < 100; run++) {
        trec again = {0};
        scenario(&again);
        if (again.len != first.len || memcmp(again.buf, first.buf, first.len))
            fail_msg("run %d gave a different event stream", run);
        trec_free(&again);
    }
    trec_free(&first);
}

/* time.sleep on the loop thread lets workers run in between; their
 * completions are already in the ready queue when it returns. */
static void test_world_sleep_runs_workers(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, false);
    rt_executor *ex = new_executor(e.w, 1, "s");
    rt_future *f;
    rt_future_new(e.loop, &f);
    tjob j = {e.loop, f, {1.0}, 1, 3, false, false, -1, "", RT_NONE, NULL,
              NULL};
    rt_executor_submit(ex, job_fn, &j, "j", NULL);
    assert_int_equal(rt_loop_ready_count(e.loop), 0);
    assert_int_equal(rt_world_sleep(e.w, 2.0), RT_OK);
    assert_true(rt_world_time(e.w) == 2.0);
    assert_int_equal(rt_loop_ready_count(e.loop), 1);
    assert_int_equal(rt_loop_run_once(e.loop), RT_OK);
    assert_true(rt_future_done(f));
    rt_executor_free(ex);
    rt_future_release(f);
    tenv_free(&e);
}

static void test_cancel_queued_job(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, true);
    rt_executor *ex = new_executor(e.w, 1, "c");
    tjob j[2] = {
        {e.loop, NULL, {1.0}, 1, 0, false, false, -1, "", RT_NONE, NULL, NULL},
        {e.loop, NULL, {1.0}, 1, 0, false, false, -1, "", RT_NONE, NULL, NULL},
    };
    uint64_t id0, id1;
    rt_executor_submit(ex, job_fn, &j[0], "a", &id0);
    rt_executor_submit(ex, job_fn, &j[1], "b", &id1);
    assert_false(rt_executor_cancel(ex, id0)); /* running */
    assert_true(rt_executor_cancel(ex, id1));
    assert_false(rt_executor_cancel(ex, id1));
    assert_int_equal(rt_executor_shutdown(ex, true), RT_OK);
    assert_false(j[1].started);
    assert_true(rt_world_time(e.w) == 1.0);
    assert_non_null(strstr(e.rec.buf, "exec.done loop=0 task=0 fut=0 h=0 "
                                      "job=2 ex=1 peer=0 w=-1 line=0 k2=2"));
    rt_executor_free(ex);
    tenv_free(&e);
}

/* A job may submit to another pool: the baton goes to that worker and
 * comes back to the submitting job. */
static void test_nested_submit(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, false);
    rt_executor *outer = new_executor(e.w, 1, "outer");
    rt_executor *inner = new_executor(e.w, 1, "inner");
    rt_future *f;
    rt_future_new(e.loop, &f);
    tjob in = {e.loop, f, {0.5}, 1, 9, false, false, -1, "", RT_NONE, NULL,
               NULL};
    tjob out = {e.loop, NULL, {1.0}, 1, 0, false, false, -1, "", RT_NONE,
                inner, &in};
    rt_executor_submit(outer, job_fn, &out, "outer", NULL);
    assert_true(in.started);
    assert_string_equal(in.tname, "inner_0");
    assert_int_equal(rt_loop_run_until_complete(e.loop, f), RT_OK);
    assert_true(rt_loop_time(e.loop) == 0.5);
    rt_executor_free(outer);
    rt_executor_free(inner);
    assert_true(rt_world_time(e.w) == 1.0);
    rt_future_release(f);
    tenv_free(&e);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Real clock: the loop waits in ppoll on its eventfd, a worker's
 * call_soon_threadsafe wakes it; a job that ends without calling back
 * leads to a deadlock report instead of an endless wait. */
static void test_real_clock_wakeup(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_REAL, true);
    rt_executor *ex = new_executor(e.w, 2, "real");
    rt_future *f;
    rt_future_new(e.loop, &f);
    tjob j = {e.loop, f, {0.03}, 1, 5, false, false, -1, "", RT_NONE, NULL,
              NULL};
    double t0 = now_s();
    assert_int_equal(rt_executor_submit(ex, job_fn, &j, "j", NULL), RT_OK);
    assert_int_equal(rt_loop_run_until_complete(e.loop, f), RT_OK);
    double elapsed = now_s() - t0;
    assert_true(elapsed >= 0.03);
    assert_true(elapsed < 5.0);
    assert_true(rt_loop_time(e.loop) >= 0.03);
    rt_value r, x;
    assert_int_equal(rt_future_result(f, &r, &x), RT_OK);
    assert_int_equal(r.u.i, 5);
    assert_string_equal(j.tname, "real_0");

    rt_future *g;
    rt_future_new(e.loop, &g);
    tjob quiet = {e.loop, NULL, {0.01}, 1, 0, false, false, -1, "", RT_NONE,
                  NULL, NULL};
    rt_executor_submit(ex, job_fn, &quiet, "quiet", NULL);
    assert_int_equal(rt_loop_run_until_complete(e.loop, g), RT_EDEADLOCK);

    /* A timer still works in real time. */
    rt_loop_call_later(e.loop, 0.02, set_result_ts, NULL, &g->obj, rt_int(1),
                       NULL);
    t0 = now_s();
    assert_int_equal(rt_loop_run_until_complete(e.loop, g), RT_OK);
    assert_true(now_s() - t0 >= 0.015);
    assert_int_equal(rt_executor_shutdown(ex, true), RT_OK);
    rt_executor_free(ex);
    rt_future_release(f);
    rt_future_release(g);
    tenv_free(&e);
}

/* Real clock: several workers and many jobs, all completing. */
static void test_real_clock_many_jobs(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_REAL, false);
    rt_executor *ex = new_executor(e.w, 3, "many");
    enum { N = 20 };
    rt_future *f[N];
    tjob j[N];
    for (int i = 0; i < N; i++) {
        rt_future_new(e.loop, &f[i]);
        memset(&j[i], 0, sizeof j[i]);
        j[i].loop = e.loop;
        j[i].fut = f[i];
        j[i].value = i;
        j[i].nsleeps = 1;
        j[i].sleeps[0] = 0.001 * (i % 3);
        assert_int_equal(rt_executor_submit(ex, job_fn, &j[i], "j", NULL),
                         RT_OK);
    }
    for (int i = 0; i < N; i++) {
        assert_int_equal(rt_loop_run_until_complete(e.loop, f[i]), RT_OK);
        rt_value r, x;
        rt_future_result(f[i], &r, &x);
        assert_int_equal(r.u.i, i);
    }
    rt_executor_free(ex);
    for (int i = 0; i < N; i++)
        rt_future_release(f[i]);
    tenv_free(&e);
}

static void test_bad_arguments(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, false);
    rt_executor *ex;
    assert_int_equal(rt_executor_new(e.w, 0, "x", &ex), RT_EINVAL);
    assert_int_equal(rt_executor_new(e.w, 3, NULL, &ex), RT_OK);
    assert_int_equal(rt_executor_max_workers(ex), 3);
    assert_int_equal(rt_executor_id(ex), 1);
    assert_int_equal(rt_executor_submit(ex, NULL, NULL, NULL, NULL),
                     RT_EINVAL);
    /* The default name, as ThreadPoolExecutor numbers its pools. */
    tjob j = {e.loop, NULL, {0}, 0, 0, false, false, -1, "", RT_NONE, NULL,
              NULL};
    rt_executor_submit(ex, job_fn, &j, NULL, NULL);
    assert_string_equal(j.tname, "ThreadPoolExecu"); /* 15 chars */
    rt_executor_shutdown(ex, false);
    rt_executor_free(ex);
    tenv_free(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_submit_runs_at_once),
        cmocka_unit_test(test_queue_and_idle_order),
        cmocka_unit_test(test_wake_order),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_world_sleep_runs_workers),
        cmocka_unit_test(test_cancel_queued_job),
        cmocka_unit_test(test_nested_submit),
        cmocka_unit_test(test_real_clock_wakeup),
        cmocka_unit_test(test_real_clock_many_jobs),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
