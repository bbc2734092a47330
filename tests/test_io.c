/*
 * test_io.c - the loop's hook for simulated I/O (rt_loop_set_io): the
 * select phase asks whether I/O is ready before it waits, never moves the
 * clock past the next timed I/O event, does not call a loop deadlocked
 * while such an event is coming, and lets the simulated selector queue its
 * callbacks after the threadsafe queue and before the due timers, so that
 * they run in the same iteration, as CPython's _run_once orders
 * select(), _process_events() and the timer heap.
 *
 * The simulated I/O here is a list of events, each becoming ready at a
 * time; "ready" ones are reported by the next poll and then consumed.
 */
#include <math.h>

#include "support.h"

/* Callbacks append their argument to a log. */
typedef struct cblog {
    int order[64];
    double when[64]; /* the clock when each one ran */
    int n;
} cblog;

static void log_cb(rt_loop *loop, rt_handle *h)
{
    cblog *l = h->data;
    l->when[l->n] = rt_loop_time(loop);
    l->order[l->n++] = (int)h->arg.u.i;
}

/* The fake simulated I/O: event i becomes ready at at[i]; the poll after
 * that queues log_cb(id[i]) and consumes it. */
typedef struct tio {
    double at[16];
    int id[16];
    bool fired[16];
    int n;
    cblog *log;
    int nready, nnext, npoll; /* calls of each callback */
    int queued_before_poll;   /* ready-queue length when poll was called */
    rt_loop *loop;            /* the loop it is installed on */
} tio;

static bool tio_due(tio *io, int i, rt_loop *loop)
{
    return !io->fired[i] && io->at[i] <= rt_loop_time(loop);
}

static bool tio_ready(void *data)
{
    tio *io = data;
    io->nready++;
    for (int i = 0; i < io->n; i++)
        if (tio_due(io, i, io->loop))
            return true;
    return false;
}

static double tio_next(void *data)
{
    tio *io = data;
    io->nnext++;
    double next = INFINITY;
    for (int i = 0; i < io->n; i++)
        if (!io->fired[i] && io->at[i] < next)
            next = io->at[i];
    return next;
}

static void tio_poll(void *data, rt_loop *loop)
{
    tio *io = data;
    io->npoll++;
    io->queued_before_poll = (int)rt_loop_ready_count(loop);
    for (int i = 0; i < io->n; i++)
        if (tio_due(io, i, loop)) {
            io->fired[i] = true;
            assert_int_equal(rt_loop_call_soon(loop, RT_HANDLE_CALLBACK,
                                               log_cb, io->log, NULL,
                                               rt_int(io->id[i]), NULL),
                             RT_OK);
        }
}

static const rt_io_ops tio_ops = {tio_ready, tio_next, tio_poll};

static void tio_add(tio *io, double at, int id)
{
    io->at[io->n] = at;
    io->id[io->n] = id;
    io->fired[io->n] = false;
    io->n++;
}

static void setup(tenv *e, tio *io, cblog *log, bool record)
{
    tenv_init(e, RT_CLOCK_VIRTUAL, record);
    memset(io, 0, sizeof *io);
    memset(log, 0, sizeof *log);
    io->log = log;
    io->loop = e->loop;
    rt_loop_set_io(e->loop, &tio_ops, io);
}

/* Ready I/O keeps the clock where it is although a timer is armed for
 * later, and its callback runs in the very iteration whose select saw it,
 * before the timer that comes due afterwards. */
static void test_ready_io_does_not_move_clock(void **state)
{
    tenv e;
    tio io;
    cblog l;
    setup(&e, &io, &l, true);
    tio_add(&io, 0.0, 7);
    rt_loop_call_later(e.loop, 5.0, log_cb, &l, NULL, rt_int(1), NULL);
    assert_int_equal(rt_loop_run_once(e.loop), RT_OK);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.order[0], 7);
    assert_true(rt_loop_time(e.loop) == 0.0);
    assert_int_equal(e.rec.counts[RT_EV_CLOCK_ADVANCE], 0);
    /* Nothing is ready now: the clock goes to the timer. */
    assert_int_equal(rt_loop_run_once(e.loop), RT_OK);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.order[1], 1);
    assert_true(rt_loop_time(e.loop) == 5.0);
    tenv_free(&e);
}

/* The clock stops at a timed I/O event that comes before the next timer,
 * reported as clock.advance "io"; the timer waits for a later select. */
static void test_timed_io_before_timer(void **state)
{
    tenv e;
    tio io;
    cblog l;
    setup(&e, &io, &l, true);
    tio_add(&io, 2.0, 7);
    rt_loop_call_later(e.loop, 5.0, log_cb, &l, NULL, rt_int(1), NULL);
    assert_int_equal(rt_loop_run_once(e.loop), RT_OK);
    assert_true(rt_loop_time(e.loop) == 2.0);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.order[0], 7);
    assert_non_null(strstr(e.rec.buf, "clock.advance"));
    assert_non_null(strstr(e.rec.buf, "text=io"));
    assert_int_equal(rt_loop_run_once(e.loop), RT_OK);
    assert_true(rt_loop_time(e.loop) == 5.0);
    assert_int_equal(l.order[1], 1);
    tenv_free(&e);
}

/* A timer that comes first wins; the I/O event waits for its time. */
static void test_timer_before_timed_io(void **state)
{
    tenv e;
    tio io;
    cblog l;
    setup(&e, &io, &l, false);
    tio_add(&io, 3.0, 7);
    rt_loop_call_later(e.loop, 1.0, log_cb, &l, NULL, rt_int(1), NULL);
    assert_int_equal(rt_loop_run_once(e.loop), RT_OK);
    assert_true(rt_loop_time(e.loop) == 1.0);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.order[0], 1);
    assert_int_equal(rt_loop_run_once(e.loop), RT_OK);
    assert_true(rt_loop_time(e.loop) == 3.0);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.order[1], 7);
    tenv_free(&e);
}

/* An I/O event due at the same instant as a timer: the select ends there,
 * the I/O callback is queued by the poll and the timer after it, so the
 * I/O callback runs first, in the same iteration. */
static void test_io_and_timer_same_instant(void **state)
{
    tenv e;
    tio io;
    cblog l;
    setup(&e, &io, &l, false);
    rt_loop_call_later(e.loop, 2.0, log_cb, &l, NULL, rt_int(1), NULL);
    tio_add(&io, 2.0, 7);
    assert_int_equal(rt_loop_run_once(e.loop), RT_OK);
    assert_true(rt_loop_time(e.loop) == 2.0);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.order[0], 7);
    assert_int_equal(l.order[1], 1);
    tenv_free(&e);
}

/* With no timer and no worker, a coming I/O event is not a deadlock: the
 * clock jumps to it. Once nothing is coming, the loop is deadlocked. */
static void test_timed_io_is_not_deadlock(void **state)
{
    tenv e;
    tio io;
    cblog l;
    setup(&e, &io, &l, true);
    tio_add(&io, 4.5, 9);
    assert_int_equal(rt_loop_run_once(e.loop), RT_OK);
    assert_true(rt_loop_time(e.loop) == 4.5);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.order[0], 9);
    assert_int_equal(e.rec.counts[RT_EV_LOOP_DEADLOCK], 0);
    assert_int_equal(rt_loop_run_once(e.loop), RT_EDEADLOCK);
    assert_int_equal(e.rec.counts[RT_EV_LOOP_DEADLOCK], 1);
    tenv_free(&e);
}

/* When something is ready the select does not wait, so neither `ready`
 * nor `next` is asked; `poll` is still called in every iteration, after the
 * ready queue was formed (call_soon handles are already in it). */
static void test_callbacks_consulted_only_when_waiting(void **state)
{
    tenv e;
    tio io;
    cblog l;
    setup(&e, &io, &l, false);
    rt_loop_call_soon(e.loop, RT_HANDLE_CALLBACK, log_cb, &l, NULL,
                      rt_int(1), NULL);
    rt_loop_call_soon(e.loop, RT_HANDLE_CALLBACK, log_cb, &l, NULL,
                      rt_int(2), NULL);
    assert_int_equal(rt_loop_run_once(e.loop), RT_OK);
    assert_int_equal(io.nready, 0);
    assert_int_equal(io.nnext, 0);
    assert_int_equal(io.npoll, 1);
    assert_int_equal(io.queued_before_poll, 2);
    rt_loop_call_later(e.loop, 1.0, log_cb, &l, NULL, rt_int(3), NULL);
    assert_int_equal(rt_loop_run_once(e.loop), RT_OK);
    assert_int_equal(io.nready, 1);
    assert_int_equal(io.nnext, 1);
    assert_int_equal(io.npoll, 2);
    assert_int_equal(l.n, 3);
    tenv_free(&e);
}

/* I/O events reported by a poll join the queue behind what call_soon
 * queued before, and run in that iteration; what they queue themselves
 * waits for the next one. */
static void chain_io_cb(rt_loop *loop, rt_handle *h)
{
    cblog *l = h->data;
    log_cb(loop, h);
    rt_loop_call_soon(loop, RT_HANDLE_CALLBACK, log_cb, l, NULL,
                      rt_int(h->arg.u.i * 10), NULL);
}

static void test_poll_order_and_boundary(void **state)
{
    tenv e;
    tio io;
    cblog l;
    setup(&e, &io, &l, false);
    tio_add(&io, 0.0, 5);
    tio_add(&io, 0.0, 6);
    rt_loop_call_soon(e.loop, RT_HANDLE_CALLBACK, chain_io_cb, &l, NULL,
                      rt_int(1), NULL);
    assert_int_equal(rt_loop_run_once(e.loop), RT_OK);
    assert_int_equal(l.n, 3);
    assert_int_equal(l.order[0], 1);
    assert_int_equal(l.order[1], 5);
    assert_int_equal(l.order[2], 6);
    assert_int_equal(rt_loop_ready_count(e.loop), 1);
    assert_int_equal(rt_loop_run_once(e.loop), RT_OK);
    assert_int_equal(l.order[3], 10);
    tenv_free(&e);
}

/* Removing the hook: the loop is back to timers and workers only. */
static void test_remove_io(void **state)
{
    tenv e;
    tio io;
    cblog l;
    setup(&e, &io, &l, false);
    tio_add(&io, 1.0, 7);
    rt_loop_set_io(e.loop, NULL, &io);
    assert_int_equal(rt_loop_run_once(e.loop), RT_EDEADLOCK);
    assert_int_equal(io.npoll, 0);
    assert_int_equal(l.n, 0);
    tenv_free(&e);
}

/* A worker that wakes at the very instant of a timed I/O event runs first
 * (its threadsafe callback joins the ready queue before the poll queues
 * the I/O callback), and both are seen by the same select. */
typedef struct tjob {
    rt_loop *loop;
    cblog *log;
} tjob;

static void job_fn(rt_job *job, void *data)
{
    tjob *j = data;
    rt_job_sleep(job, 2.0);
    rt_loop_call_soon_threadsafe(j->loop, log_cb, j->log, NULL, rt_int(3));
}

static void test_worker_before_io_at_same_instant(void **state)
{
    tenv e;
    tio io;
    cblog l;
    setup(&e, &io, &l, false);
    rt_executor *ex;
    assert_int_equal(rt_executor_new(e.w, 1, "t", &ex), RT_OK);
    tjob j = {e.loop, &l};
    assert_int_equal(rt_executor_submit(ex, job_fn, &j, "j", NULL), RT_OK);
    tio_add(&io, 2.0, 7);
    assert_int_equal(rt_loop_run_once(e.loop), RT_OK);
    assert_true(rt_loop_time(e.loop) == 2.0);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.order[0], 3);
    assert_int_equal(l.order[1], 7);
    assert_int_equal(rt_executor_shutdown(ex, true), RT_OK);
    rt_executor_free(ex);
    tenv_free(&e);
}

/* The select phase's `when` names the timed I/O event it waits for. */
static void test_phase_deadline_names_io(void **state)
{
    tenv e;
    tio io;
    cblog l;
    setup(&e, &io, &l, true);
    rt_loop_call_later(e.loop, 8.0, log_cb, &l, NULL, rt_int(1), NULL);
    tio_add(&io, 3.0, 7);
    assert_int_equal(rt_loop_run_once(e.loop), RT_OK);
    assert_non_null(strstr(e.rec.buf, "loop.phase"));
    char *phase = strstr(e.rec.buf, "loop.phase");
    char *when = strstr(phase, "when=");
    assert_non_null(when);
    assert_true(strtod(when + 5, NULL) == 3.0);
    tenv_free(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ready_io_does_not_move_clock),
        cmocka_unit_test(test_timed_io_before_timer),
        cmocka_unit_test(test_timer_before_timed_io),
        cmocka_unit_test(test_io_and_timer_same_instant),
        cmocka_unit_test(test_timed_io_is_not_deadlock),
        cmocka_unit_test(test_callbacks_consulted_only_when_waiting),
        cmocka_unit_test(test_poll_order_and_boundary),
        cmocka_unit_test(test_remove_io),
        cmocka_unit_test(test_worker_before_io_at_same_instant),
        cmocka_unit_test(test_phase_deadline_names_io),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
