/*
 * test_lessons.c - the window's view model on real runs: every lesson of
 * the course, read from its golden trace (tests/golden/<stem>.jsonl, made
 * by `loopscope trace`), checked at chosen steps for what a teacher points
 * at: which task is where, what it awaits, what the loop, the timers and
 * the workers are doing, where an exception is, and what the narration
 * says. No SDL.
 *
 * Steps are found by what they show (the first step whose narration says
 * X, the first step headed by a kind of event), not by number, so that a
 * change to the grouping rules that keeps the story intact keeps these
 * tests passing; the golden traces pin the events themselves.
 *
 * A first test walks every step of every lesson checking the invariants
 * the window relies on (each task in exactly one place, consistent with
 * the ready queue) and that each narration is a clean sentence.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model.h"

/* A lesson's golden trace, its timeline and a model to seek with. */
typedef struct lesson {
    rt_trace *tr;
    sim_timeline *tl;
    sim_model m;
    char name[64];
} lesson;

static lesson *open_lesson(const char *stem)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/golden/%s.jsonl", LOOPSCOPE_SOURCE_DIR, stem);
    lesson *l = calloc(1, sizeof *l);
    rt_trace_error err;
    if (rt_trace_read(path, 0, &l->tr, &err))
        fail_msg("%s:%d: %s", err.file, err.line, err.message);
    l->tl = sim_timeline_new(l->tr);
    assert_non_null(l->tl);
    sim_model_init(&l->m);
    snprintf(l->name, sizeof l->name, "%s", stem);
    return l;
}

static void close_lesson(lesson *l)
{
    sim_model_deinit(&l->m);
    sim_timeline_free(l->tl);
    rt_trace_free(l->tr);
    free(l);
}

static const char *narration(lesson *l, size_t s)
{
    static char buf[2048];
    sim_narrate(l->tl, s, buf, sizeof buf);
    return buf;
}

static void seek(lesson *l, size_t s)
{
    assert_int_equal(sim_timeline_seek(l->tl, s, &l->m), 0);
}

/* The first step at or after `from` whose narration contains `text`
 * (then seeks there); fails when there is none. */
static size_t step_saying(lesson *l, size_t from, const char *text)
{
    size_t n = sim_timeline_steps(l->tl);
    for (size_t s = from; s <= n; s++)
        if (strstr(narration(l, s), text)) {
            seek(l, s);
            return s;
        }
    fail_msg("%s: no step from %zu on says \"%s\"", l->name, from, text);
    return 0;
}

/* The first step at or after `from` headed by an event of kind k (for
 * task `task` when not 0); seeks there. */
static size_t step_headed(lesson *l, size_t from, rt_event_kind k, uint64_t task)
{
    size_t n = sim_timeline_steps(l->tl);
    for (size_t s = from; s <= n; s++) {
        const rt_event *e = &l->tr->events[sim_timeline_step(l->tl, s).head];
        if (e->kind == k && (!task || e->task == task)) {
            seek(l, s);
            return s;
        }
    }
    fail_msg("%s: no step from %zu is headed by %s", l->name, from, rt_trace_kind_name(k));
    return 0;
}

static const sim_task *task(lesson *l, uint64_t id)
{
    const sim_task *t = sim_model_task(&l->m, id);
    if (!t)
        fail_msg("%s: no task %llu", l->name, (unsigned long long)id);
    return t;
}

/* The exception in flight (or just finished) in the model, newest first. */
static const sim_exc *exc_now(lesson *l)
{
    const sim_exc *best = NULL;
    for (int i = 0; i < SIM_EXCS; i++)
        if (l->m.excs[i].used && (!best || l->m.excs[i].raised_at > best->raised_at))
            best = &l->m.excs[i];
    if (!best)
        fail_msg("%s: no exception in the model", l->name);
    return best;
}

#define assert_contains(hay, needle)                                         \
    do {                                                                     \
        const char *hay_ = (hay);                                            \
        if (!strstr(hay_, (needle)))                                         \
            fail_msg("\"%s\"\n does not contain \"%s\"", hay_, (needle));    \
    } while (0)

/* ------------------------------------------------------------------------ */
/* Every lesson, every step                                                 */
/* ------------------------------------------------------------------------ */

/* The lessons, from scenarios/ (each must have a golden trace). */
static int lesson_stems(char stems[][64], int max)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/scenarios", LOOPSCOPE_SOURCE_DIR);
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < max) {
        size_t len = strlen(e->d_name);
        if (len > 3 && len < 60 && e->d_name[0] >= '0' && e->d_name[0] <= '9' &&
            strcmp(e->d_name + len - 3, ".py") == 0) {
            memcpy(stems[n], e->d_name, len - 3);
            stems[n][len - 3] = '\0';
            n++;
        }
    }
    closedir(d);
    return n;
}

static void check_model(const sim_model *m, const char *where)
{
    size_t live = 0;
    for (size_t i = 0; i < m->tasks.len; i++) {
        const sim_task *t = &m->tasks.v[i];
        if (!t->id)
            continue;
        live += t->place != SIM_DONE;
        size_t cards = 0;
        for (size_t k = 0; k < m->ready.len; k++)
            cards += m->ready.v[k].task == t->id && (m->ready.v[k].hkind == RT_HANDLE_STEP ||
                                                     m->ready.v[k].hkind == RT_HANDLE_WAKEUP);
        if ((t->place == SIM_READY) != (cards == 1) || cards > 1)
            fail_msg("%s: %s task %llu has %zu cards in the ready queue", where,
                     sim_place_name(t->place), (unsigned long long)t->id, cards);
        if (t->place == SIM_RUNNING && m->loop.running_task != t->id)
            fail_msg("%s: running task %llu is not the loop's", where,
                     (unsigned long long)t->id);
        if ((t->place == SIM_WAITING || t->place == SIM_SLEEPING) && !t->await_fut &&
            !t->await_peer)
            fail_msg("%s: waiting task %llu awaits nothing", where, (unsigned long long)t->id);
        if (t->await_role == RT_ROLE_JOB && !t->await_job)
            fail_msg("%s: task %llu awaits a job the model cannot name", where,
                     (unsigned long long)t->id);
    }
    if (live != m->ntasks_live)
        fail_msg("%s: %zu live tasks, counted %zu", where, live, m->ntasks_live);
}

/* A narration a teacher can read aloud: not empty, one line, no
 * placeholders, no doubled words or spaces, ends a sentence. */
static void check_sentence(const char *s, const char *where)
{
    static const char *const bad[] = {"\n", "(null)", "  ", " .", "future future",
                                      "the the", "callback a callback", "'s 's", "?()"};
    size_t n = strlen(s);
    if (n == 0)
        fail_msg("%s: empty narration", where);
    /* What the scenario printed or said is quoted as is: check the rest. */
    char prose[2048];
    snprintf(prose, sizeof prose, "%s", s);
    bool quoted = false;
    for (char *p = prose; *p; p++) {
        if (*p == '"')
            quoted = !quoted;
        else if (quoted)
            *p = 'x';
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (strstr(prose, bad[i]))
            fail_msg("%s: narration has \"%s\": %s", where, bad[i], s);
    if (s[n - 1] != '.' && s[n - 1] != '!' && strcmp(s + (n > 3 ? n - 3 : 0), "...") != 0)
        fail_msg("%s: narration does not end a sentence: %s", where, s);
}

static void test_every_step_of_every_lesson(void **state)
{
    (void)state;
    char stems[64][64];
    int n = lesson_stems(stems, 64);
    assert_true(n >= 24);
    for (int i = 0; i < n; i++) {
        lesson *l = open_lesson(stems[i]);
        size_t steps = sim_timeline_steps(l->tl);
        assert_true(steps >= 2);
        char where[128];
        /* A golden trace is version 2: the loop taking a task's step is its
         * task.step, a task's first step and a yield's next step are named
         * by task.create and task.suspend, and handle events of a task's
         * steps carry no name (the task's is in task.create). */
        assert_int_equal(l->tr->version, 2);
        for (size_t e = 0; e < l->tr->len; e++) {
            const rt_event *ev = &l->tr->events[e];
            snprintf(where, sizeof where, "%.60s event %zu", stems[i], e);
            if (ev->kind == RT_EV_HANDLE_RUN || ev->kind == RT_EV_HANDLE_SCHEDULE) {
                bool task_handle = ev->task && (ev->kind2 == RT_HANDLE_STEP ||
                                                ev->kind2 == RT_HANDLE_WAKEUP);
                if (task_handle && (ev->kind == RT_EV_HANDLE_RUN || ev->name))
                    fail_msg("%s: a %s of a task's step or wake-up", where,
                             rt_trace_kind_name(ev->kind));
            }
            if (ev->kind == RT_EV_TASK_STEP && !ev->handle)
                fail_msg("%s: a task.step without its handle", where);
            if (ev->kind == RT_EV_TASK_SUSPEND && ev->kind2 == RT_ROLE_YIELD && !ev->handle)
                fail_msg("%s: a yield without the step it queued", where);
        }
        for (size_t s = 0; s <= steps; s++) {
            seek(l, s);
            snprintf(where, sizeof where, "%.60s step %zu", stems[i], s);
            check_model(&l->m, where);
            check_sentence(narration(l, s), where);
        }
        /* The last step ends the run. */
        assert_true(l->m.loop.ended);
        close_lesson(l);
    }
}

/* asyncio.run's clean-up is one quiet step per clean-up task, told as
 * such, and never shown as the scenario's own work. */
static void test_cleanup_is_quiet(void **state)
{
    (void)state;
    lesson *l = open_lesson("01_hello");
    size_t s = step_saying(l, 1, "Clean-up before the loop closes");
    assert_contains(narration(l, s), "shutdown_asyncgens() as Task-2, which finishes at once.");
    size_t s2 = step_saying(l, s + 1, "Clean-up before the loop closes");
    assert_int_equal(s2, s + 1);
    assert_contains(narration(l, s2), "shutdown_default_executor() as Task-3");
    assert_int_equal(task(l, 2)->place, SIM_DONE);
    assert_int_equal(task(l, 3)->place, SIM_DONE);
    /* Then the loop closes: the last step. */
    assert_int_equal(s2 + 1, sim_timeline_steps(l->tl));
    assert_string_equal(narration(l, s2 + 1), "The loop is closed. The run ends.");
    close_lesson(l);
}

/* ------------------------------------------------------------------------ */
/* Lessons 1 to 13: the tutorial                                            */
/* ------------------------------------------------------------------------ */

/* Why "World" prints one second after "Hello", from the screen alone. */
static void test_01_hello(void **state)
{
    (void)state;
    lesson *l = open_lesson("01_hello");
    size_t s = step_saying(l, 1, "main prints \"Hello\" at t=0.000.");
    assert_true(l->m.t == 0.0);
    assert_int_equal(task(l, 1)->place, SIM_RUNNING);
    assert_int_equal(task(l, 1)->line, 10); /* the print, not the def */

    s = step_saying(l, s, "main awaits sleep(1): it leaves the loop and a timer for t=1.000 "
                          "is armed.");
    assert_int_equal(task(l, 1)->place, SIM_SLEEPING);
    assert_true(task(l, 1)->await_until == 1.0);
    assert_int_equal(l->m.timers.len, 1);
    assert_int_equal(l->m.loop.running_task, 0);

    /* Nothing is ready: the clock jumps to the timer. */
    s = step_headed(l, s, RT_EV_CLOCK_ADVANCE, 0);
    assert_string_equal(narration(l, s),
                        "Iteration 2. Nothing is ready: the loop sleeps until the next timer, "
                        "main's sleep(1), due at t=1.000. On the virtual clock the wait takes "
                        "no time: it jumps from 0.000 to 1.000.");
    assert_true(l->m.t == 1.0);
    assert_true(l->m.t_prev_jump == 0.0);
    assert_int_equal(l->m.jump_iteration, l->m.loop.iteration);
    assert_false(l->m.jump_blocked);
    assert_int_equal(l->m.loop.phase, RT_PHASE_SELECT);

    s = step_saying(l, s, "main's sleep(1) timer is due");
    assert_int_equal(l->m.ready.len, 1);
    assert_true(l->m.ready.v[0].timer);
    s = step_saying(l, s, "main's wake-up joins the ready queue");
    assert_int_equal(task(l, 1)->place, SIM_READY);
    s = step_saying(l, s, "it resumes at line 11, where it awaited sleep(1).");
    assert_int_equal(task(l, 1)->place, SIM_RUNNING);
    s = step_saying(l, s, "main prints \"World\" at t=1.000.");
    assert_int_equal(l->m.noutput, 2);
    s = step_saying(l, s, "main returns: it is done.");
    assert_int_equal(task(l, 1)->place, SIM_DONE);
    s = step_saying(l, s, "The loop runs main's done callback. It calls loop.stop()");
    assert_true(l->m.loop.stopping);
    close_lesson(l);
}

static void test_02_lazy(void **state)
{
    (void)state;
    lesson *l = open_lesson("02_coroutines_are_lazy");
    size_t s = step_saying(l, 1, "Python warns (RuntimeWarning");
    assert_contains(narration(l, s), "coroutine 'hello_world' was never awaited");
    /* The warning is printed (on stderr): the output panel counts it. */
    assert_int_equal(l->m.noutput, 2);
    /* Awaiting the second coroutine runs it inside main: no new task. */
    s = step_saying(l, s, "main prints \"Hello\"");
    assert_int_equal(task(l, 1)->place, SIM_RUNNING);
    assert_null(sim_model_task(&l->m, 2));
    close_lesson(l);
}

static void test_03_tasks(void **state)
{
    (void)state;
    lesson *l = open_lesson("03_tasks_create_task");
    /* Sequential: main sleeps twice, one second each. */
    size_t s = step_saying(l, 1, "main prints \"sequential awaits took 2.0 s\" at t=2.000.");
    /* Concurrent: both tasks sleep at once, with timers due together. */
    s = step_saying(l, s, "main awaits Task-2: it waits until Task-2 is done.");
    assert_int_equal(task(l, 1)->await_peer, 2);
    assert_int_equal(task(l, 2)->place, SIM_READY);
    assert_int_equal(task(l, 3)->place, SIM_READY);
    assert_int_equal(l->m.ready.v[0].task, 2); /* FIFO */
    s = step_saying(l, s, "Task-3 awaits sleep(1)");
    assert_int_equal(task(l, 2)->place, SIM_SLEEPING);
    assert_int_equal(task(l, 3)->place, SIM_SLEEPING);
    assert_true(task(l, 2)->await_until == 3.0 && task(l, 3)->await_until == 3.0);
    s = step_saying(l, s, "2 timers are due");
    assert_int_equal(l->m.ready.len, 2);
    step_saying(l, s, "main prints \"two tasks took 1.0 s\" at t=3.000.");
    close_lesson(l);
}

static void test_04_loop_by_hand(void **state)
{
    (void)state;
    lesson *l = open_lesson("04_event_loop_by_hand");
    size_t s = step_saying(l, 1, "The loop is closed.");
    assert_true(l->m.loop.closed);
    /* The print after close() runs outside any loop. */
    s = step_saying(l, s, "The program prints \"closed: True\"");
    assert_true(l->m.loop.ended);
    close_lesson(l);
}

static void test_05_async_await(void **state)
{
    (void)state;
    lesson *l = open_lesson("05_async_await");
    size_t s = step_saying(l, 1, "hello_world awaits sleep(1)");
    assert_int_equal(task(l, 1)->place, SIM_SLEEPING);
    step_saying(l, s, "hello_world prints \"World\" at t=1.000.");
    close_lesson(l);
}

/* What the worker thread does while the loop goes on. */
static void test_06_run_in_executor(void **state)
{
    (void)state;
    lesson *l = open_lesson("06_run_in_executor");
    size_t s = step_saying(l, 1, "The loop's default executor is created (up to 8 worker "
                                 "threads).");
    assert_contains(narration(l, s), "main hands blocking_operation() to the executor "
                                     "(run_in_executor) as job 1.");
    assert_contains(narration(l, s), "Worker 0 starts job 1 (blocking_operation) at once.");
    s = step_saying(l, s, "blocking_operation() calls time.sleep(1) on worker 0: that thread is "
                          "blocked until t=1.000, but the loop goes on.");
    const sim_worker *w = sim_model_worker(&l->m, 1, 0);
    assert_non_null(w);
    assert_int_equal(w->state, SIM_WORKER_BLOCKED);
    assert_true(w->until == 1.0);
    assert_string_equal(w->block_text, "time.sleep(1)");
    s = step_saying(l, s, "main awaits blocking_operation(), which runs in a worker thread");
    assert_int_equal(task(l, 1)->place, SIM_WAITING);
    assert_int_equal(task(l, 1)->await_job, 1); /* bound although created before the job */
    /* The ticker runs on the loop while the worker sleeps. */
    s = step_saying(l, s, "ticker prints \"tick 2\" at t=0.900.");
    assert_int_equal(sim_model_worker(&l->m, 1, 0)->state, SIM_WORKER_BLOCKED);
    s = step_saying(l, s, "the loop waits for worker 0, blocked in time.sleep(1), which wakes "
                          "at t=1.000.");
    s = step_saying(l, s, "blocking_operation() returns on worker 0");
    assert_int_equal(sim_model_worker(&l->m, 1, 0)->state, SIM_WORKER_IDLE);
    assert_int_equal(l->m.ready.len, 1);
    assert_int_equal(l->m.ready.v[0].hkind, RT_HANDLE_THREADSAFE);
    /* asyncio's wrap_future gave the future its own done callback first
     * (_chain_future's cancel check), then main awaited it. */
    s = step_saying(l, s, "main's blocking_operation() is done. The blocking_operation() "
                          "future's done callback joins the ready queue. main's wake-up joins");
    step_saying(l, s, "main prints \"Blocking operation is complete\" at t=1.000.");
    close_lesson(l);
}

static void test_07_custom_executor(void **state)
{
    (void)state;
    lesson *l = open_lesson("07_custom_executor");
    size_t s = step_saying(l, 1, "An executor (ThreadPoolExecutor-0) with up to 2 worker "
                                 "threads is created.");
    s = step_saying(l, s, "as job 4. Every worker is busy, so it waits in the job queue.");
    assert_int_equal(l->m.job_queue.len, 2);
    assert_int_equal(l->m.workers.len, 2);
    s = step_saying(l, s, "main awaits as_completed(): it waits for the next of them to "
                          "finish.");
    assert_int_equal(task(l, 1)->await_role, RT_ROLE_WAIT);
    s = step_saying(l, s, "Worker 1 takes the next job from the queue: job 3 (job).");
    assert_int_equal(l->m.job_queue.len, 1);
    step_saying(l, s, "main prints \"0.5 b slept 0.5 s\" at t=0.500.");
    close_lesson(l);
}

/* Where the exception went: up the await chain into main's except. */
static void test_08_error_handling(void **state)
{
    (void)state;
    lesson *l = open_lesson("08_error_handling");
    size_t s = step_saying(l, 1, "raise_exception raises Exception at line 12 (in main's "
                                 "task): This is an exception.");
    const sim_exc *x = exc_now(l);
    assert_int_equal(x->state, SIM_EXC_RAISED);
    assert_int_equal(x->hops[0].line, 12);
    s = step_saying(l, s, "raise_exception does not catch the Exception: it travels up to its "
                          "caller, main, at line 17.");
    x = exc_now(l);
    assert_int_equal(x->state, SIM_EXC_PROPAGATING);
    assert_int_equal(x->nhops, 2);
    assert_string_equal(x->hops[1].func, "main");
    assert_int_equal(x->hops[1].line, 17);
    assert_int_equal(task(l, 1)->line, 17);
    s = step_saying(l, s, "The except at line 18 in main catches the Exception");
    x = exc_now(l);
    assert_int_equal(x->state, SIM_EXC_CAUGHT);
    assert_int_equal(x->hops[x->nhops - 1].line, 18);
    step_saying(l, s, "main prints \"Caught exception: This is an exception\"");
    close_lesson(l);
}

static void test_09_never_retrieved(void **state)
{
    (void)state;
    lesson *l = open_lesson("09_never_retrieved");
    size_t s = step_saying(l, 1, "fetch ends with ValueError: cannot fetch example.org: the "
                                 "exception is stored in the task");
    assert_int_equal(task(l, 2)->place, SIM_DONE);
    assert_int_equal(task(l, 2)->done_state, RT_DONE_EXCEPTION);
    assert_int_equal(exc_now(l)->state, SIM_EXC_STORED);
    s = step_saying(l, s, "asyncio reports \"Task exception was never retrieved\" (ValueError: "
                          "cannot fetch example.org) to the loop's exception handler.");
    assert_int_equal(exc_now(l)->state, SIM_EXC_HANDLED);
    /* main never noticed. */
    assert_int_equal(task(l, 1)->place, SIM_SLEEPING);
    step_saying(l, s, "main prints \"main finished, unaware of the failure\"");
    close_lesson(l);
}

static void test_10_exception_handler(void **state)
{
    (void)state;
    lesson *l = open_lesson("10_exception_handler");
    size_t s = step_saying(l, 1, "main calls loop.call_soon(bad_callback): it joins the tail "
                                 "of the ready queue.");
    assert_int_equal(l->m.ready.len, 1);
    assert_string_equal(l->m.ready.v[0].name, "bad_callback");
    s = step_saying(l, s, "The loop runs the callback bad_callback.");
    assert_true(l->m.loop.running_card);
    s = step_saying(l, s, "No await can catch an exception raised in a callback");
    /* The message names the file without its directory (portable). */
    assert_contains(narration(l, s), "\"Exception in callback bad_callback() at "
                                     "10_exception_handler.py:18\"");
    s = step_saying(l, s, "The exception handler prints \"handler: Exception in callback");
    s = step_saying(l, s, "failing_task is freed");
    step_saying(l, s, "The exception handler, called during main's step, prints");
    close_lesson(l);
}

static void test_11_io_vs_cpu(void **state)
{
    (void)state;
    lesson *l = open_lesson("11_io_bound_vs_cpu_bound");
    size_t s = step_saying(l, 1, "3 timers are due");
    assert_int_equal(l->m.ready.len, 3);
    s = step_saying(l, s, "main prints \"IO-bound:  0.5 s\" at t=0.500.");
    s = step_saying(l, s, "Task-5 calls time.sleep(0.5) on the loop's own thread: the whole "
                          "loop is blocked until t=1.000");
    assert_true(l->m.loop.blocked);
    assert_string_equal(l->m.loop.block_text, "time.sleep(0.5)");
    assert_int_equal(task(l, 6)->place, SIM_READY); /* waits its turn */
    s = step_saying(l, s, "While the loop's thread sleeps, the clock moves on to 1.000.");
    assert_true(l->m.jump_blocked);
    step_saying(l, s, "main prints \"CPU-bound: 1.5 s\" at t=2.000.");
    close_lesson(l);
}

static void test_12_time_sleep(void **state)
{
    (void)state;
    lesson *l = open_lesson("12_time_sleep_blocks_the_loop");
    size_t s = step_saying(l, 1, "careless calls time.sleep(1) on the loop's own thread");
    assert_true(l->m.loop.blocked);
    assert_int_equal(task(l, 2)->place, SIM_SLEEPING);
    s = step_saying(l, s, "heartbeat's sleep(0.25) (due at t=0.500) is late: it cannot fire "
                          "before the loop is free again.");
    assert_true(l->m.t == 1.3);
    step_saying(l, s, "heartbeat prints \"1.30 beat\" at t=1.300.");
    close_lesson(l);
}

static void test_13_no_running_loop(void **state)
{
    (void)state;
    lesson *l = open_lesson("13_create_task_without_a_loop");
    size_t s = step_saying(l, 1, "The main program raises RuntimeError at line 18: no running "
                                 "event loop.");
    s = step_saying(l, s, "Nobody catches the RuntimeError");
    assert_int_equal(exc_now(l)->state, SIM_EXC_UNHANDLED);
    assert_int_equal(l->m.loop.exit_status, 1);
    assert_int_equal(l->m.noutput, 1); /* the traceback's last line */
    assert_int_equal(l->m.loop.id, 0); /* no loop ever existed */
    close_lesson(l);
}

/* ------------------------------------------------------------------------ */
/* Lessons 14 to 26                                                         */
/* ------------------------------------------------------------------------ */

static void test_14_gather(void **state)
{
    (void)state;
    lesson *l = open_lesson("14_gather");
    size_t s = step_saying(l, 1, "main awaits gather(): it waits until all of them are done.");
    assert_int_equal(task(l, 1)->await_role, RT_ROLE_GATHER);
    s = step_saying(l, s, "main's gather() is done.");
    s = step_saying(l, s, "main prints \"['SLOW', 'FAST', 'MID']\"");
    /* Without return_exceptions the first failure is thrown into main. */
    s = step_saying(l, s, "main's gather() fails with ValueError.");
    s = step_saying(l, s, "ValueError is thrown into it at line 26, where it awaited gather().");
    assert_int_equal(task(l, 1)->place, SIM_RUNNING);
    step_saying(l, s, "The except at line 27 in main catches the ValueError");
    close_lesson(l);
}

static void test_15_wait_for(void **state)
{
    (void)state;
    lesson *l = open_lesson("15_wait_for_timeouts");
    size_t s = step_saying(l, 1, "main awaits wait_for()");
    assert_int_equal(task(l, 1)->await_role, RT_ROLE_WAIT);
    s = step_saying(l, s, "main calls Task-3.cancel(): CancelledError will be thrown into it");
    assert_true(task(l, 3)->cancel_requested);
    assert_int_equal(task(l, 3)->place, SIM_READY);
    s = step_saying(l, s, "CancelledError is thrown into it at line 13, where it awaited "
                          "sleep(5).");
    assert_false(task(l, 3)->cancel_requested);
    assert_true(exc_now(l)->cancel);
    /* The cancelled sleep's timer stays in the heap, struck out. */
    int struck = 0;
    for (size_t k = 0; k < l->m.timers.len; k++)
        struck += l->m.timers.v[k].state == SIM_TIMER_CANCELLED;
    assert_true(struck >= 1);
    s = step_saying(l, s, "wait_for does not catch the TimeoutError: it travels up to its "
                          "caller, main, at line 26.");
    step_saying(l, s, "main prints \"gave up on slow\"");
    close_lesson(l);
}

static void test_16_cancellation(void **state)
{
    (void)state;
    lesson *l = open_lesson("16_cancellation");
    size_t s = step_saying(l, 1, "main calls worker.cancel()");
    s = step_saying(l, s, "The except at line 17 in worker catches the CancelledError");
    assert_int_equal(exc_now(l)->state, SIM_EXC_CAUGHT);
    s = step_saying(l, s, "worker is cancelled: it is done.");
    assert_int_equal(task(l, 2)->done_state, RT_DONE_CANCELLED);
    assert_int_equal(task(l, 1)->place, SIM_READY);
    step_saying(l, s, "main prints \"main: worker cancelled = True\"");
    close_lesson(l);
}

static void test_17_callbacks(void **state)
{
    (void)state;
    lesson *l = open_lesson("17_callbacks");
    size_t s = step_saying(l, 1, "main calls loop.call_later(): a timer for say is armed, due "
                                 "at t=1.000.");
    s = step_saying(l, s, "main calls loop.call_soon(say)");
    s = step_saying(l, s, "The timer for say is cancelled: it stays in the heap, struck out");
    int struck = 0;
    for (size_t k = 0; k < l->m.timers.len; k++)
        struck += l->m.timers.v[k].state == SIM_TIMER_CANCELLED && l->m.timers.v[k].when == 0.7;
    assert_int_equal(struck, 1);
    s = step_saying(l, s, "The callback say prints \"0.0 call_soon first\" at t=0.000.");
    step_saying(l, s, "The callback say prints \"1.0 call_later 1.0\" at t=1.000.");
    close_lesson(l);
}

static void test_18_futures(void **state)
{
    (void)state;
    lesson *l = open_lesson("18_futures");
    size_t s = step_saying(l, 1, "Task-2 awaits a future: it leaves the loop until something "
                                 "sets its result.");
    assert_int_equal(task(l, 2)->await_role, RT_ROLE_PLAIN);
    s = step_saying(l, s, "The loop runs the timer's callback, set_result. The future that "
                          "Task-2 awaits gets its result.");
    s = step_saying(l, s, "KeyError is thrown into it at line 13");
    step_saying(l, s, "The except at line 15 in wait_for_box catches the KeyError");
    close_lesson(l);
}

static void test_19_deadlock(void **state)
{
    (void)state;
    lesson *l = open_lesson("19_deadlock");
    size_t s = step_saying(l, 1, "Task-3 awaits Lock.acquire(): Task-2 holds the lock");
    s = step_headed(l, s, RT_EV_LOOP_DEADLOCK, 0);
    assert_contains(narration(l, s), "Deadlock: nothing is ready");
    assert_true(l->m.loop.deadlock);
    assert_int_equal(task(l, 2)->place, SIM_WAITING);
    assert_int_equal(task(l, 3)->place, SIM_WAITING);
    assert_int_equal(task(l, 2)->await_role, RT_ROLE_LOCK);
    assert_int_equal(task(l, 3)->await_role, RT_ROLE_LOCK);
    assert_int_equal(task(l, 1)->await_role, RT_ROLE_GATHER);
    seek(l, sim_timeline_steps(l->tl));
    assert_int_equal(l->m.loop.exit_status, 3);
    close_lesson(l);
}

static void test_20_queues(void **state)
{
    (void)state;
    lesson *l = open_lesson("20_queues");
    size_t s = step_saying(l, 1, "main awaits Queue.put(): the queue is full, so it waits for a "
                                 "free place.");
    assert_int_equal(task(l, 1)->await_role, RT_ROLE_QUEUE);
    s = step_saying(l, s, "Task-2 takes an item from the full queue. main's Queue.put() finds a "
                          "free place.");
    assert_int_equal(task(l, 1)->place, SIM_READY);
    s = step_saying(l, s, "main awaits Queue.join(): it waits until every item is marked done");
    step_saying(l, s, "Task-3 marks the last item done (task_done). main's Queue.join() is "
                      "done.");
    close_lesson(l);
}

static void test_21_locks(void **state)
{
    (void)state;
    lesson *l = open_lesson("21_locks_and_semaphores");
    size_t s = step_saying(l, 1, "Task-6 awaits Lock.acquire()");
    for (uint64_t id = 3; id <= 6; id++)
        assert_int_equal(task(l, id)->await_role, RT_ROLE_LOCK);
    s = step_saying(l, s, "Task-2 releases the lock. Task-3 gets the lock.");
    assert_int_equal(task(l, 3)->place, SIM_READY);
    assert_int_equal(task(l, 4)->place, SIM_WAITING); /* FIFO: the others still wait */
    step_saying(l, s, "Task-7 releases the semaphore. Task-9 gets the free place.");
    close_lesson(l);
}

static void test_22_events(void **state)
{
    (void)state;
    lesson *l = open_lesson("22_events");
    size_t s = step_saying(l, 1, "main sets the event.");
    assert_contains(narration(l, s), "Task-4's Event.wait() is done.");
    /* One set() wakes every waiter at once. */
    assert_int_equal(l->m.ready.len, 3);
    for (uint64_t id = 2; id <= 4; id++)
        assert_int_equal(task(l, id)->place, SIM_READY);
    close_lesson(l);
}

static void test_23_taskgroup(void **state)
{
    (void)state;
    lesson *l = open_lesson("23_taskgroup");
    size_t s = step_saying(l, 1, "main awaits TaskGroup");
    s = step_saying(l, s, "job raises ValueError at line 19: bad failed.");
    s = step_saying(l, s, "asyncio calls Task-4.cancel()");
    s = step_saying(l, s, "__aexit__ does not catch the ExceptionGroup: it travels up to its "
                          "caller, main, at line 29.");
    step_saying(l, s, "The except at line 33 in main catches the ExceptionGroup");
    close_lesson(l);
}

static void test_24_timeout(void **state)
{
    (void)state;
    lesson *l = open_lesson("24_timeout");
    size_t s = step_saying(l, 1, "a timer for Timeout._on_timeout is armed, due at t=1.000.");
    s = step_saying(l, s, "asyncio calls main.cancel()");
    assert_true(task(l, 1)->cancel_requested);
    s = step_saying(l, s, "__aexit__ does not catch the TimeoutError");
    step_saying(l, s, "main prints \"first block timed out after 1.0 s\"");
    close_lesson(l);
}

static void test_25_round_robin(void **state)
{
    (void)state;
    lesson *l = open_lesson("25_round_robin");
    size_t s = step_saying(l, 1, "Task-4 yields (sleep(0)): it goes to the back of the ready "
                                 "queue.");
    /* Round-robin: a, b, c again, in that order. */
    assert_int_equal(l->m.ready.len, 3);
    assert_int_equal(l->m.ready.v[0].task, 2);
    assert_int_equal(l->m.ready.v[1].task, 3);
    assert_int_equal(l->m.ready.v[2].task, 4);
    step_saying(l, s, "Task-2 runs again from line 14.");
    close_lesson(l);
}

static void test_26_shield(void **state)
{
    (void)state;
    lesson *l = open_lesson("26_shield");
    size_t s = step_saying(l, 1, "main cancels the shield() future.");
    /* The shielded task goes on sleeping. */
    assert_int_equal(task(l, 2)->place, SIM_SLEEPING);
    s = step_saying(l, s, "main prints \"gave up waiting after 1.0 s\"");
    step_saying(l, s, "save prints \"saved after 2.0 s\" at t=2.000.");
    close_lesson(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_step_of_every_lesson),
        cmocka_unit_test(test_cleanup_is_quiet),
        cmocka_unit_test(test_01_hello),
        cmocka_unit_test(test_02_lazy),
        cmocka_unit_test(test_03_tasks),
        cmocka_unit_test(test_04_loop_by_hand),
        cmocka_unit_test(test_05_async_await),
        cmocka_unit_test(test_06_run_in_executor),
        cmocka_unit_test(test_07_custom_executor),
        cmocka_unit_test(test_08_error_handling),
        cmocka_unit_test(test_09_never_retrieved),
        cmocka_unit_test(test_10_exception_handler),
        cmocka_unit_test(test_11_io_vs_cpu),
        cmocka_unit_test(test_12_time_sleep),
        cmocka_unit_test(test_13_no_running_loop),
        cmocka_unit_test(test_14_gather),
        cmocka_unit_test(test_15_wait_for),
        cmocka_unit_test(test_16_cancellation),
        cmocka_unit_test(test_17_callbacks),
        cmocka_unit_test(test_18_futures),
        cmocka_unit_test(test_19_deadlock),
        cmocka_unit_test(test_20_queues),
        cmocka_unit_test(test_21_locks),
        cmocka_unit_test(test_22_events),
        cmocka_unit_test(test_23_taskgroup),
        cmocka_unit_test(test_24_timeout),
        cmocka_unit_test(test_25_round_robin),
        cmocka_unit_test(test_26_shield),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
