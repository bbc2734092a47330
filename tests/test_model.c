/*
 * test_model.c - the window's view model without SDL: which task is where
 * and what the narration says at chosen steps of the hand-made traces,
 * the invariants at every step of every trace, the step grouping, seeking
 * (correct from anywhere, and fast on a 100,000-event run), navigation,
 * live runs fed from another thread, syntax colours, synthetic runs, and
 * the same runs read as version 1 and version 2 traces.
 */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "model.h"

static const char *const TRACES[] = {"hello", "two_tasks", "executor", "exception",
                                     "cancel", "deadlock", "many_tasks"};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static rt_trace *load(const char *name)
{
    char path[4096];
    if (strcmp(name, "big") == 0 || strcmp(name, "many_tasks") == 0) {
        /* The large traces are generated into the build tree. */
        const char *d = getenv("LOOPSCOPE_TRACE_OUT");
        snprintf(path, sizeof path, "%s/%s.jsonl", d && *d ? d : ".", name);
    } else {
        snprintf(path, sizeof path, "%s/tests/traces/%s.jsonl", LOOPSCOPE_SOURCE_DIR, name);
    }
    rt_trace *tr;
    rt_trace_error err;
    if (rt_trace_read(path, 0, &tr, &err))
        fail_msg("%s:%d: %s", err.file, err.line, err.message);
    return tr;
}

/* A loaded trace with its timeline and a model to seek with. */
typedef struct fixture {
    rt_trace *tr;
    sim_timeline *tl;
    sim_model m;
} fixture;

static fixture *open_trace(const char *name)
{
    fixture *f = calloc(1, sizeof *f);
    f->tr = load(name);
    f->tl = sim_timeline_new(f->tr);
    assert_non_null(f->tl);
    sim_model_init(&f->m);
    return f;
}

static void close_trace(fixture *f)
{
    sim_model_deinit(&f->m);
    sim_timeline_free(f->tl);
    rt_trace_free(f->tr);
    free(f);
}

static const char *narration(fixture *f, size_t s)
{
    static char buf[2048];
    sim_narrate(f->tl, s, buf, sizeof buf);
    return buf;
}

/* The first step at or after `from` whose headline is of kind k (and,
 * when task != 0, concerns that task). */
static size_t find_step(fixture *f, size_t from, rt_event_kind k, uint64_t task)
{
    size_t n = sim_timeline_steps(f->tl);
    for (size_t s = from; s <= n; s++) {
        sim_step st = sim_timeline_step(f->tl, s);
        const rt_event *e = &f->tr->events[st.head];
        if (e->kind == k && (!task || e->task == task))
            return s;
    }
    fail_msg("no step with a %s headline after %zu", rt_trace_kind_name(k), from);
    return 0;
}

static const sim_task *task(fixture *f, uint64_t id)
{
    const sim_task *t = sim_model_task(&f->m, id);
    assert_non_null(t);
    return t;
}

static void seek(fixture *f, size_t s)
{
    assert_int_equal(sim_timeline_seek(f->tl, s, &f->m), 0);
}

#define assert_contains(hay, needle)                                         \
    do {                                                                     \
        if (!strstr((hay), (needle)))                                        \
            fail_msg("\"%s\"\n does not contain \"%s\"", (hay), (needle));   \
    } while (0)

/* ------------------------------------------------------------------------ */
/* Invariants at every step                                                 */
/* ------------------------------------------------------------------------ */

/* Every task in exactly one place, consistent with the queues. */
static void check_invariants(const sim_model *m, const char *where)
{
    size_t live = 0;
    for (size_t i = 0; i < m->tasks.len; i++) {
        const sim_task *t = &m->tasks.v[i];
        if (!t->id)
            continue;
        if (t->id != i + 1)
            fail_msg("%s: task slot %zu holds id %llu", where, i, (unsigned long long)t->id);
        if (t->place != SIM_DONE)
            live++;
        size_t cards = 0;
        for (size_t k = 0; k < m->ready.len; k++)
            if (m->ready.v[k].task == t->id && (m->ready.v[k].hkind == RT_HANDLE_STEP ||
                                                m->ready.v[k].hkind == RT_HANDLE_WAKEUP))
                cards++;
        if (t->place == SIM_READY && cards != 1)
            fail_msg("%s: %s task %llu has %zu cards in the ready queue", where,
                     sim_place_name(t->place), (unsigned long long)t->id, cards);
        if (t->place != SIM_READY && cards)
            fail_msg("%s: %s task %llu has a step card", where, sim_place_name(t->place),
                     (unsigned long long)t->id);
        if (t->place == SIM_RUNNING && m->loop.running_task != t->id)
            fail_msg("%s: running task %llu is not the loop's", where,
                     (unsigned long long)t->id);
        if ((t->place == SIM_WAITING || t->place == SIM_SLEEPING) &&
            !t->await_fut && !t->await_peer)
            fail_msg("%s: waiting task %llu awaits nothing", where, (unsigned long long)t->id);
        if (t->place == SIM_SLEEPING && t->await_until <= 0)
            fail_msg("%s: sleeping task %llu has no due time", where, (unsigned long long)t->id);
    }
    if (live != m->ntasks_live)
        fail_msg("%s: %zu live tasks, counted %zu", where, live, m->ntasks_live);
    for (size_t k = 0; k < m->timers.len; k++) {
        const sim_timer *tm = &m->timers.v[k];
        if (tm->state == SIM_TIMER_FIRED && k + 1 < m->timers.len &&
            m->timers.v[k + 1].state != SIM_TIMER_FIRED)
            fail_msg("%s: fired timers must come after armed ones", where);
    }
}

static void test_invariants_everywhere(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof TRACES / sizeof TRACES[0]; i++) {
        fixture *f = open_trace(TRACES[i]);
        size_t n = sim_timeline_steps(f->tl);
        assert_true(n > 5);
        char where[64];
        for (size_t s = 0; s <= n; s++) {
            seek(f, s);
            snprintf(where, sizeof where, "%s step %zu", TRACES[i], s);
            check_invariants(&f->m, where);
            /* Every step narrates something. */
            if (s > 0 && narration(f, s)[0] == '\0')
                fail_msg("%s: empty narration", where);
        }
        /* At the end every task is done (but in the deadlock). */
        if (strcmp(TRACES[i], "deadlock") != 0)
            assert_int_equal(f->m.ntasks_live, 0);
        assert_true(f->m.loop.ended);
        /* Steps tile the events without gaps. */
        size_t at = 0;
        for (size_t s = 1; s <= n; s++) {
            sim_step st = sim_timeline_step(f->tl, s);
            assert_int_equal(st.begin, at);
            assert_true(st.end > st.begin);
            assert_true(st.head >= st.begin && st.head < st.end);
            at = st.end;
        }
        assert_int_equal(at, f->tr->len);
        close_trace(f);
    }
}

/* ------------------------------------------------------------------------ */
/* Chosen steps                                                             */
/* ------------------------------------------------------------------------ */

static void test_hello(void **state)
{
    (void)state;
    fixture *f = open_trace("hello");
    /* The grouping, spelled out: each pair is a step's [begin, end). */
    static const size_t want[][2] = {{0, 3},   {3, 10},  {10, 11}, {11, 14},
                                     {14, 17}, {17, 19}, {19, 23}, {23, 29},
                                     {29, 30}, {30, 32}, {32, 38}, {38, 40}};
    assert_int_equal(sim_timeline_steps(f->tl), 12);
    for (size_t s = 1; s <= 12; s++) {
        sim_step st = sim_timeline_step(f->tl, s);
        if (st.begin != want[s - 1][0] || st.end != want[s - 1][1])
            fail_msg("step %zu is [%zu, %zu), want [%zu, %zu)", s, st.begin, st.end,
                     want[s - 1][0], want[s - 1][1]);
    }
    assert_contains(narration(f, 0), "Nothing has run yet");

    seek(f, 1);
    assert_string_equal(narration(f, 1), "An event loop is created. Task-1 is created for "
                                         "main(): its first step joins the ready queue.");
    assert_int_equal(task(f, 1)->place, SIM_READY);
    assert_int_equal(f->m.ready.len, 1);
    assert_int_equal(f->m.ready.v[0].task, 1);

    seek(f, 2);
    assert_int_equal(task(f, 1)->place, SIM_RUNNING);
    assert_int_equal(f->m.loop.running_task, 1);
    assert_int_equal(f->m.loop.iteration, 1);
    assert_int_equal(f->m.ready.len, 0);
    assert_contains(narration(f, 2), "main() starts running");

    seek(f, 3);
    assert_int_equal(f->m.noutput, 1);
    assert_string_equal(narration(f, 3), "main prints \"Hello ...\" at t=0.000.");

    seek(f, 4);
    assert_string_equal(narration(f, 4), "main awaits sleep(1): it leaves the loop and a "
                                         "timer for t=1.000 is armed.");
    assert_int_equal(task(f, 1)->place, SIM_SLEEPING);
    assert_int_equal(task(f, 1)->line, 5);
    assert_true(task(f, 1)->await_until == 1.0);
    assert_int_equal(f->m.timers.len, 1);
    assert_int_equal(f->m.timers.v[0].state, SIM_TIMER_ARMED);
    assert_int_equal(f->m.loop.running_task, 0);

    seek(f, 5);
    assert_string_equal(narration(f, 5), "Iteration 2. Nothing is ready: the loop sleeps until "
                                         "the next timer, main's sleep(1), due at t=1.000. On "
                                         "the virtual clock the wait takes no time: it jumps "
                                         "from 0.000 to 1.000.");
    assert_true(f->m.t == 1.0);

    seek(f, 6);
    assert_string_equal(narration(f, 6), "main's sleep(1) timer is due: its callback moves to "
                                         "the ready queue.");
    assert_int_equal(f->m.ready.len, 1);
    assert_true(f->m.ready.v[0].timer);
    assert_int_equal(f->m.timers.v[0].state, SIM_TIMER_FIRED);
    assert_int_equal(task(f, 1)->place, SIM_SLEEPING);

    seek(f, 7);
    assert_string_equal(narration(f, 7),
                        "The loop runs the callback of main's sleep(1) timer. The sleep(1) future "
                        "gets its result. main's wake-up joins the ready queue.");
    assert_int_equal(task(f, 1)->place, SIM_READY);

    seek(f, 8);
    assert_contains(narration(f, 8), "it resumes at line 5, where it awaited sleep(1).");
    seek(f, 12);
    assert_string_equal(narration(f, 12), "The loop is closed. The run ends.");
    assert_true(f->m.loop.closed);
    assert_int_equal(task(f, 1)->place, SIM_DONE);
    close_trace(f);
}

static void test_two_tasks(void **state)
{
    (void)state;
    fixture *f = open_trace("two_tasks");
    /* main awaits Task-2: both say_after tasks sleep, main waits on a task. */
    size_t s = find_step(f, 1, RT_EV_TASK_SUSPEND, 1);
    while (f->tr->events[sim_timeline_step(f->tl, s).head].peer != 2)
        s = find_step(f, s + 1, RT_EV_TASK_SUSPEND, 1);
    seek(f, s);
    assert_string_equal(narration(f, s),
                        "main awaits Task-2: it waits until Task-2 is done.");
    assert_int_equal(task(f, 1)->place, SIM_WAITING);
    assert_int_equal(task(f, 1)->await_peer, 2);
    assert_int_equal(task(f, 2)->place, SIM_READY);
    assert_int_equal(task(f, 3)->place, SIM_READY);
    assert_int_equal(f->m.ready.len, 2);
    assert_int_equal(f->m.ready.v[0].task, 2); /* FIFO: Task-2 first */

    /* Later both sleep, with timers at 1.0 and 2.0. */
    s = find_step(f, s, RT_EV_TASK_SUSPEND, 3);
    seek(f, s);
    assert_int_equal(task(f, 2)->place, SIM_SLEEPING);
    assert_int_equal(task(f, 3)->place, SIM_SLEEPING);
    assert_true(task(f, 3)->await_until == 2.0);
    assert_int_equal(f->m.timers.len, 2);
    assert_true(f->m.timers.v[0].when == 1.0 && f->m.timers.v[1].when == 2.0);

    /* Shift+Right goes to the next iteration, Ctrl+Right to another line. */
    size_t nx = sim_timeline_next_iteration(f->tl, s);
    assert_true(nx > s);
    assert_true(sim_timeline_step(f->tl, nx).iteration > sim_timeline_step(f->tl, s).iteration);
    assert_true(sim_timeline_prev_iteration(f->tl, nx) <= s);
    size_t nl = sim_timeline_next_line(f->tl, s);
    assert_true(nl > s);
    assert_int_not_equal(sim_timeline_step(f->tl, nl).line, sim_timeline_step(f->tl, s).line);
    close_trace(f);
}

static void test_executor(void **state)
{
    (void)state;
    fixture *f = open_trace("executor");
    size_t s = find_step(f, 1, RT_EV_EXEC_BLOCK, 0);
    seek(f, s);
    assert_contains(narration(f, s), "blocking_io() calls time.sleep(1) on worker 0: that "
                                     "thread is blocked until t=1.000, but the loop goes on.");
    const sim_worker *w = sim_model_worker(&f->m, 1, 0);
    assert_non_null(w);
    assert_int_equal(w->state, SIM_WORKER_BLOCKED);
    assert_true(w->until == 1.0);
    assert_int_equal(w->job, 1);
    s = find_step(f, s, RT_EV_TASK_SUSPEND, 1);
    seek(f, s);
    assert_int_equal(task(f, 1)->place, SIM_WAITING);
    assert_int_equal(task(f, 1)->await_job, 1);
    assert_contains(narration(f, s), "which runs in a worker thread");
    /* Meanwhile the ticker runs: the loop is free. */
    s = find_step(f, s, RT_EV_OUTPUT, 2);
    seek(f, s);
    assert_string_equal(narration(f, s), "ticker prints \"tick 0\" at t=0.000.");
    /* The worker wakes at 1.0 and its result comes back threadsafe. */
    s = find_step(f, s, RT_EV_CLOCK_ADVANCE, 0);
    while (f->tr->events[sim_timeline_step(f->tl, s).head].text[0] != 'w')
        s = find_step(f, s + 1, RT_EV_CLOCK_ADVANCE, 0);
    assert_contains(narration(f, s), "the loop waits for worker 0, blocked in time.sleep(1), "
                                     "which wakes at t=1.000.");
    s = find_step(f, s, RT_EV_EXEC_DONE, 0);
    seek(f, s);
    w = sim_model_worker(&f->m, 1, 0);
    assert_int_equal(w->state, SIM_WORKER_IDLE);
    assert_int_equal(f->m.ready.len, 1);
    assert_int_equal(f->m.ready.v[0].hkind, RT_HANDLE_THREADSAFE);
    close_trace(f);
}

static void test_exception(void **state)
{
    (void)state;
    fixture *f = open_trace("exception");
    size_t s = find_step(f, 1, RT_EV_EXC_RAISE, 2);
    seek(f, s);
    assert_string_equal(narration(f, s), "parse raises ValueError at line 5 (in worker's "
                                         "task): not a number: 'forty-two'.");
    const sim_exc *x = &f->m.excs[0];
    assert_true(x->used);
    assert_int_equal(x->state, SIM_EXC_RAISED);
    assert_int_equal(x->nhops, 1);
    assert_int_equal(x->hops[0].line, 5);

    s = find_step(f, s, RT_EV_TASK_DONE, 2);
    seek(f, s);
    assert_int_equal(x->state, SIM_EXC_STORED);
    assert_int_equal(task(f, 2)->done_state, RT_DONE_EXCEPTION);
    assert_string_equal(task(f, 2)->exc_type, "ValueError");

    /* It crosses into main at the await, then main's except catches it. */
    s = find_step(f, s, RT_EV_EXC_PROPAGATE, 1);
    seek(f, s);
    assert_string_equal(narration(f, s), "The ValueError that ended worker arrives in main at "
                                         "the await on line 15.");
    assert_int_equal(x->state, SIM_EXC_PROPAGATING);
    assert_int_equal(x->task, 1);
    assert_int_equal(x->nhops, 3);
    assert_int_equal(x->hops[1].task, 2);
    assert_int_equal(x->hops[1].line, 10);
    assert_int_equal(x->hops[2].task, 1);
    assert_int_equal(x->hops[2].line, 15);
    s = find_step(f, s, RT_EV_EXC_CATCH, 1);
    seek(f, s);
    assert_string_equal(narration(f, s), "The except at line 16 in main catches the "
                                         "ValueError: main goes on from there.");
    assert_int_equal(x->state, SIM_EXC_CAUGHT);
    /* Gone at the next iteration. */
    s = sim_timeline_next_iteration(f->tl, s);
    seek(f, s);
    assert_false(f->m.excs[0].used);
    close_trace(f);
}

static void test_cancel(void **state)
{
    (void)state;
    fixture *f = open_trace("cancel");
    size_t s = find_step(f, 1, RT_EV_TASK_CANCEL_REQUEST, 2);
    seek(f, s);
    assert_contains(narration(f, s), "main calls slow.cancel('too slow'): CancelledError will "
                                     "be thrown into it at its await.");
    assert_true(task(f, 2)->cancel_requested);
    assert_int_equal(task(f, 2)->place, SIM_READY); /* its sleep future was cancelled */
    s = find_step(f, s, RT_EV_TASK_STEP, 2);
    seek(f, s);
    assert_contains(narration(f, s), "The loop takes slow's wake-up from the ready queue: "
                                     "CancelledError is thrown into it at line 5, where it "
                                     "awaited sleep(10).");
    assert_false(task(f, 2)->cancel_requested);
    assert_true(f->m.excs[0].cancel);
    /* The sleep(10) timer is cancelled but stays in the heap, struck out. */
    s = find_step(f, s, RT_EV_EXC_CATCH, 2);
    seek(f, s);
    int struck = 0;
    for (size_t k = 0; k < f->m.timers.len; k++)
        struck += f->m.timers.v[k].state == SIM_TIMER_CANCELLED && f->m.timers.v[k].when == 10.0;
    assert_int_equal(struck, 1);
    s = find_step(f, s, RT_EV_TASK_DONE, 2);
    seek(f, s);
    assert_int_equal(task(f, 2)->done_state, RT_DONE_CANCELLED);
    assert_string_equal(narration(f, s), "slow is cancelled: it is done. main's wake-up joins "
                                         "the ready queue.");
    close_trace(f);
}

static void test_deadlock(void **state)
{
    (void)state;
    fixture *f = open_trace("deadlock");
    size_t n = sim_timeline_steps(f->tl);
    seek(f, n);
    assert_true(f->m.loop.deadlock);
    assert_int_equal(f->m.loop.exit_status, 3);
    assert_int_equal(task(f, 1)->place, SIM_WAITING);
    assert_int_equal(task(f, 1)->await_peer, 2);
    assert_int_equal(task(f, 2)->place, SIM_WAITING);
    assert_int_equal(task(f, 2)->await_role, RT_ROLE_EVENT);
    assert_contains(narration(f, n), "Deadlock: nothing is ready");
    assert_contains(narration(f, n), "The run ends: deadlock (exit status 3).");
    close_trace(f);
}

static void test_many_tasks(void **state)
{
    (void)state;
    fixture *f = open_trace("many_tasks");
    /* After main suspends on the gather, all 1000 workers are ready. */
    size_t s = find_step(f, 1, RT_EV_TASK_SUSPEND, 1);
    seek(f, s);
    assert_int_equal(sim_model_count(&f->m, SIM_READY), 1000);
    assert_int_equal(f->m.ready.len, 1000);
    assert_contains(narration(f, s), "main awaits gather(1000 tasks)");
    /* When the last of them suspended, 900 sleep (the others yielded). */
    s = find_step(f, s, RT_EV_TASK_SUSPEND, 1001);
    seek(f, s);
    assert_int_equal(sim_model_count(&f->m, SIM_SLEEPING), 900);
    assert_int_equal(f->m.timers.len, 900);
    close_trace(f);
}

/* ------------------------------------------------------------------------ */
/* Seeking                                                                  */
/* ------------------------------------------------------------------------ */

static void assert_same_model(const sim_model *a, const sim_model *b)
{
    assert_int_equal(a->applied, b->applied);
    assert_true(a->t == b->t);
    assert_memory_equal(&a->loop, &b->loop, sizeof a->loop);
    assert_int_equal(a->tasks.len, b->tasks.len);
    assert_memory_equal(a->tasks.v, b->tasks.v, a->tasks.len * sizeof *a->tasks.v);
    assert_int_equal(a->ready.len, b->ready.len);
    assert_memory_equal(a->ready.v, b->ready.v, a->ready.len * sizeof *a->ready.v);
    assert_int_equal(a->timers.len, b->timers.len);
    assert_memory_equal(a->timers.v, b->timers.v, a->timers.len * sizeof *a->timers.v);
    assert_int_equal(a->workers.len, b->workers.len);
    assert_memory_equal(a->excs, b->excs, sizeof a->excs);
    assert_int_equal(a->noutput, b->noutput);
}

static void test_seek_matches_fold(void **state)
{
    (void)state;
    fixture *f = open_trace("big");
    size_t n = sim_timeline_steps(f->tl);
    assert_true(f->tr->len >= 100000);
    sim_model fold;
    sim_model_init(&fold);
    const sim_index *ix = sim_timeline_index(f->tl);
    /* Forward fold, compared with seeks from elsewhere at chosen steps. */
    srand(42);
    size_t checks[64];
    for (int k = 0; k < 64; k++)
        checks[k] = (size_t)rand() % (n + 1);
    for (int k = 0; k < 64; k++) {
        size_t s = checks[k];
        size_t end = s ? sim_timeline_step(f->tl, s).end : 0;
        sim_model_deinit(&fold);
        sim_model_init(&fold);
        for (size_t i = 0; i < end; i++)
            sim_model_apply(&fold, ix, &f->tr->events[i]);
        seek(f, (size_t)rand() % (n + 1)); /* start from somewhere else */
        seek(f, s);
        assert_same_model(&f->m, &fold);
        if (s > 0) {
            seek(f, s - 1); /* one step back, then forward again */
            seek(f, s);
            assert_same_model(&f->m, &fold);
        }
    }
    sim_model_deinit(&fold);
    close_trace(f);
}


static void test_seek_speed(void **state)
{
    (void)state;
    double t0 = now_ms();
    fixture *f = open_trace("big");
    double load = now_ms() - t0;
    size_t n = sim_timeline_steps(f->tl);
    double worst = 0;
    srand(7);
    for (int k = 0; k < 200; k++) {
        seek(f, 0);
        size_t s = (size_t)rand() % (n + 1);
        double a = now_ms();
        seek(f, s);
        double ms = now_ms() - a;
        if (ms > worst)
            worst = ms;
    }
    print_message("big trace: %zu events, %zu steps, read + timeline %.1f ms, worst seek "
                  "%.3f ms\n", f->tr->len, n, load, worst);
    close_trace(f);
}

/* ------------------------------------------------------------------------ */
/* Live runs                                                                */
/* ------------------------------------------------------------------------ */

typedef struct producer {
    const rt_trace *src;
    sim_live *live;
} producer;

static void *produce(void *arg)
{
    producer *p = arg;
    for (size_t i = 0; i < p->src->len; i++) {
        rt_event e = p->src->events[i];
        /* The hook copies the strings: pass stack copies to prove it. */
        char name[256] = "", text[256] = "";
        if (e.name)
            snprintf(name, sizeof name, "%s", e.name);
        if (e.text)
            snprintf(text, sizeof text, "%s", e.text);
        e.name = e.name ? name : NULL;
        e.text = e.text ? text : NULL;
        sim_live_hook(p->live, &e);
        if (i % 7 == 0) {
            struct timespec ts = {0, 100000};
            nanosleep(&ts, NULL);
        }
    }
    sim_live_finish(p->live);
    return NULL;
}

static void test_live(void **state)
{
    (void)state;
    rt_trace *src = load("two_tasks");
    rt_trace *tr = rt_trace_new(src->scenario, src->source, src->source_len, src->clock);
    sim_live *live = sim_live_new();
    sim_timeline *tl = sim_timeline_new(tr);
    assert_non_null(tl);
    producer p = {src, live};
    pthread_t th;
    pthread_create(&th, NULL, produce, &p);
    bool finished = false;
    size_t last_steps = 0;
    while (!finished) {
        long n = sim_live_drain(live, tr, &finished);
        assert_true(n >= 0);
        assert_true(sim_timeline_sync(tl) == n);
        /* Steps only grow (the open one may extend). */
        size_t steps = sim_timeline_steps(tl);
        assert_true(steps >= last_steps);
        last_steps = steps;
        struct timespec ts = {0, 300000};
        nanosleep(&ts, NULL);
    }
    pthread_join(th, NULL);
    assert_true(sim_live_idle(live) >= 0);
    /* The same steps and the same final state as the whole trace read at once. */
    sim_timeline *whole = sim_timeline_new(src);
    assert_int_equal(tr->len, src->len);
    assert_int_equal(sim_timeline_steps(tl), sim_timeline_steps(whole));
    for (size_t s = 1; s <= sim_timeline_steps(tl); s++) {
        sim_step a = sim_timeline_step(tl, s), b = sim_timeline_step(whole, s);
        assert_int_equal(a.begin, b.begin);
        assert_int_equal(a.end, b.end);
    }
    for (size_t i = 0; i < tr->len; i++) {
        assert_int_equal(tr->events[i].kind, src->events[i].kind);
        if (src->events[i].text)
            assert_string_equal(tr->events[i].text, src->events[i].text);
    }
    sim_timeline_free(whole);
    sim_timeline_free(tl);
    sim_live_free(live);
    rt_trace_free(tr);
    rt_trace_free(src);
}

/* ------------------------------------------------------------------------ */
/* Syntax colours, synthetic runs, allocation failure                       */
/* ------------------------------------------------------------------------ */

static void test_syntax(void **state)
{
    (void)state;
    sim_span sp[32];
    int st = 0;
    const char *line = "    await asyncio.sleep(1.5)  # wait";
    int n = sim_syntax_line(line, strlen(line), &st, sp, 32);
    char got[256] = "";
    for (int i = 0; i < n; i++) {
        if (sp[i].tok == SIM_TOK_TEXT)
            continue;
        char one[64];
        snprintf(one, sizeof one, "%d:%.*s|", sp[i].tok, (int)sp[i].len, line + sp[i].start);
        strcat(got, one);
    }
    char want[128];
    snprintf(want, sizeof want, "%d:await|%d:asyncio|%d:1.5|%d:# wait|", SIM_TOK_AWAIT,
             SIM_TOK_BUILTIN, SIM_TOK_NUMBER, SIM_TOK_COMMENT);
    assert_string_equal(got, want);
    /* def names, f-strings, and a docstring across lines. */
    const char *l2 = "async def main(): print(f\"{x}\") ";
    n = sim_syntax_line(l2, strlen(l2), &st, sp, 32);
    assert_int_equal(sp[0].tok, SIM_TOK_AWAIT);
    bool defname = false, fstr = false;
    for (int i = 0; i < n; i++) {
        defname |= sp[i].tok == SIM_TOK_DEFNAME && sp[i].len == 4;
        fstr |= sp[i].tok == SIM_TOK_STRING && l2[sp[i].start] == 'f';
    }
    assert_true(defname && fstr);
    const char *d1 = "\"\"\"Hello: a docstring", *d2 = "still inside\"\"\" x = 1";
    n = sim_syntax_line(d1, strlen(d1), &st, sp, 32);
    assert_int_equal(st, 2);
    n = sim_syntax_line(d2, strlen(d2), &st, sp, 32);
    assert_int_equal(st, 0);
    assert_int_equal(sp[0].tok, SIM_TOK_STRING);
    assert_int_equal(sp[0].len, strlen("still inside\"\"\""));
}

static void test_synth(void **state)
{
    (void)state;
    rt_trace *tr = sim_synth_trace(1000, 0);
    assert_non_null(tr);
    assert_true(tr->complete);
    sim_timeline *tl = sim_timeline_new(tr);
    sim_model m;
    sim_model_init(&m);
    /* Somewhere in the middle 1000 tasks sleep at once. */
    size_t most = 0;
    for (size_t s = 1; s <= sim_timeline_steps(tl); s++) {
        sim_timeline_seek(tl, s, &m);
        size_t n = sim_model_count(&m, SIM_SLEEPING);
        most = n > most ? n : most;
    }
    assert_int_equal(most, 1000);
    sim_timeline_seek(tl, sim_timeline_steps(tl), &m);
    assert_int_equal(m.ntasks_live, 0);
    sim_model_deinit(&m);
    sim_timeline_free(tl);
    rt_trace_free(tr);
    tr = sim_synth_trace(120, 100);
    assert_non_null(tr);
    assert_true(tr->len >= 100000);
    /* It writes as a valid trace that reads back. */
    char *text = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&text, &len);
    assert_int_equal(rt_trace_export(tr, fp, RT_TRACE_JSONL), 0);
    fclose(fp);
    rt_trace *back;
    rt_trace_error err;
    if (rt_trace_parse(text, len, "synth", 0, &back, &err))
        fail_msg("%d: %s", err.line, err.message);
    assert_int_equal(back->len, tr->len);
    rt_trace_free(back);
    free(text);
    rt_trace_free(tr);
}

/* ------------------------------------------------------------------------ */
/* Version 1 and version 2 traces of the same run                           */
/* ------------------------------------------------------------------------ */

static bool same_text(const char *a, const char *b)
{
    return (!a || !*a) ? (!b || !*b) : (b && strcmp(a, b) == 0);
}

/* Compares what the window draws of two models, field by field (their
 * strings live in different traces). Task cards are named by their task
 * (version 1 repeated the task's name on them, version 2 does not). */
static void same_model(const sim_model *a, const sim_model *b, const char *where)
{
#define SAME(cond, what)                                                     \
    do {                                                                     \
        if (!(cond))                                                         \
            fail_msg("%s: %s differ", where, what);                          \
    } while (0)
    SAME(a->t == b->t && a->noutput == b->noutput && a->ntasks_live == b->ntasks_live,
         "the clock, output or live count");
    SAME(a->loop.iteration == b->loop.iteration && a->loop.phase == b->loop.phase &&
             a->loop.running_task == b->loop.running_task &&
             a->loop.running_card == b->loop.running_card &&
             (!a->loop.running_card || a->loop.running.handle == b->loop.running.handle) &&
             a->loop.blocked == b->loop.blocked && a->loop.ended == b->loop.ended,
         "the loops");
    SAME(a->tasks.len == b->tasks.len, "the task counts");
    for (size_t i = 0; i < a->tasks.len; i++) {
        const sim_task *x = &a->tasks.v[i], *y = &b->tasks.v[i];
        SAME(x->id == y->id && x->place == y->place && x->line == y->line &&
                 same_text(x->func, y->func) && x->await_role == y->await_role &&
                 x->await_fut == y->await_fut && x->await_peer == y->await_peer &&
                 x->await_until == y->await_until && x->steps == y->steps &&
                 x->done_state == y->done_state && x->cancel_requested == y->cancel_requested,
             "tasks");
        if (!x->await_peer)
            SAME(same_text(x->await_name, y->await_name), "await names");
    }
    SAME(a->ready.len == b->ready.len, "ready queue lengths");
    for (size_t i = 0; i < a->ready.len; i++) {
        const sim_card *x = &a->ready.v[i], *y = &b->ready.v[i];
        SAME(x->handle == y->handle && x->task == y->task && x->hkind == y->hkind &&
                 x->timer == y->timer && x->cancelled == y->cancelled &&
                 (x->task || same_text(x->name, y->name)),
             "ready cards");
    }
    SAME(a->timers.len == b->timers.len, "timer counts");
    for (size_t i = 0; i < a->timers.len; i++)
        SAME(a->timers.v[i].handle == b->timers.v[i].handle &&
                 a->timers.v[i].state == b->timers.v[i].state &&
                 a->timers.v[i].when == b->timers.v[i].when,
             "timers");
    SAME(a->workers.len == b->workers.len && a->job_queue.len == b->job_queue.len, "workers");
    for (size_t i = 0; i < a->workers.len; i++)
        SAME(a->workers.v[i].state == b->workers.v[i].state &&
                 a->workers.v[i].job == b->workers.v[i].job,
             "worker states");
    for (int i = 0; i < SIM_EXCS; i++) {
        const sim_exc *x = &a->excs[i], *y = &b->excs[i];
        SAME(x->used == y->used && (!x->used || (x->state == y->state && x->nhops == y->nhops &&
                                                  same_text(x->type, y->type))),
             "exceptions");
    }
#undef SAME
}

/* The same runs of lessons, recorded as version 1 traces (before version
 * 2 existed: tests/traces/v1/) and as today's goldens (version 2): the
 * window shows the same steps with the same narration, and the same
 * picture at every step, although version 2 has no handle.run or
 * handle.schedule for a task's steps and names tasks only in task.create. */
static void test_v1_and_v2_agree(void **state)
{
    (void)state;
    static const char *const stems[] = {"03_tasks_create_task", "06_run_in_executor",
                                        "10_exception_handler", "16_cancellation",
                                        "23_taskgroup", "25_round_robin"};
    for (size_t k = 0; k < sizeof stems / sizeof stems[0]; k++) {
        char p1[4096], p2[4096];
        snprintf(p1, sizeof p1, "%s/tests/traces/v1/%s.jsonl", LOOPSCOPE_SOURCE_DIR, stems[k]);
        snprintf(p2, sizeof p2, "%s/tests/golden/%s.jsonl", LOOPSCOPE_SOURCE_DIR, stems[k]);
        fixture f[2];
        const char *paths[2] = {p1, p2};
        for (int v = 0; v < 2; v++) {
            rt_trace_error err;
            if (rt_trace_read(paths[v], 0, &f[v].tr, &err))
                fail_msg("%s:%d: %s", err.file, err.line, err.message);
            assert_int_equal(f[v].tr->version, v + 1);
            f[v].tl = sim_timeline_new(f[v].tr);
            assert_non_null(f[v].tl);
            sim_model_init(&f[v].m);
        }
        /* Fewer events, the same steps. */
        assert_true(f[1].tr->len < f[0].tr->len);
        size_t n = sim_timeline_steps(f[0].tl);
        assert_int_equal(sim_timeline_steps(f[1].tl), n);
        for (size_t s = 1; s <= n; s++) {
            char a[2048], b[2048], where[128];
            sim_narrate(f[0].tl, s, a, sizeof a);
            sim_narrate(f[1].tl, s, b, sizeof b);
            snprintf(where, sizeof where, "%s step %zu", stems[k], s);
            if (strcmp(a, b) != 0)
                fail_msg("%s narrates\n v1: %s\n v2: %s", where, a, b);
            sim_step x = sim_timeline_step(f[0].tl, s), y = sim_timeline_step(f[1].tl, s);
            assert_int_equal(x.line, y.line);
            assert_true(x.iteration == y.iteration && x.t == y.t);
            seek(&f[0], s);
            seek(&f[1], s);
            same_model(&f[0].m, &f[1].m, where);
            check_invariants(&f[1].m, where);
        }
        for (int v = 0; v < 2; v++) {
            sim_model_deinit(&f[v].m);
            sim_timeline_free(f[v].tl);
            rt_trace_free(f[v].tr);
        }
    }
}

static void test_alloc_failure(void **state)
{
    (void)state;
    rt_trace *tr = load("cancel");
    int ok = 0;
    for (long n = 0; n < 120; n++) {
        rt_alloc_fail_after(n);
        sim_timeline *tl = sim_timeline_new(tr);
        sim_model m;
        sim_model_init(&m);
        if (tl) {
            int rc = sim_timeline_seek(tl, 5, &m);
            assert_true(rc == 0 || rc == RT_ENOMEM);
            ok++;
        }
        rt_alloc_fail_after(-1);
        sim_model_deinit(&m);
        sim_timeline_free(tl);
    }
    assert_true(ok > 0);
    rt_trace_free(tr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hello),
        cmocka_unit_test(test_two_tasks),
        cmocka_unit_test(test_executor),
        cmocka_unit_test(test_exception),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_deadlock),
        cmocka_unit_test(test_many_tasks),
        cmocka_unit_test(test_invariants_everywhere),
        cmocka_unit_test(test_seek_matches_fold),
        cmocka_unit_test(test_seek_speed),
        cmocka_unit_test(test_live),
        cmocka_unit_test(test_syntax),
        cmocka_unit_test(test_synth),
        cmocka_unit_test(test_v1_and_v2_agree),
        cmocka_unit_test(test_alloc_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
