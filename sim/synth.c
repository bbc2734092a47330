/*
 * synth.c - synthetic runs for benchmarks and tests: a trace built in
 * memory by a miniature event loop, with the same event shapes as the
 * runtime's (tasks created by main, sleeping on timers, printing, then
 * gathered), so that `loopscope bench` can measure drawing 1,000 tasks
 * and seeking 100,000 events without any file or scenario.
 *
 * The miniature loop keeps asyncio's structure (iterations with select,
 * timers and ready phases; a FIFO ready queue; timers ordered by deadline)
 * but none of its corner cases: it is a load generator, not a reference.
 * Its events have the shapes of trace format version 2: a task's first
 * step is named by its task.create, and the loop taking a task's step or
 * wake-up is its task.step (no handle.run).
 */
#include <stdio.h>
#include <string.h>

#include "model.h"

enum { H_STEP, H_WAKEUP, H_TIMER, H_GATHER_CB, H_DONE_CB };

typedef struct shandle {
    uint64_t id;
    int what;        /* H_* */
    uint64_t task;
    uint64_t fut;    /* timers: the sleep future */
    double when;
} shandle;

typedef struct synth {
    rt_trace *tr;
    double t;
    bool oom;
    uint64_t next_handle, next_fut;
    shandle *ready;      /* ring buffer */
    size_t rhead, rlen, rcap;
    shandle *heap;       /* timer heap on when */
    size_t hlen, hcap;
    int *round;          /* by task id: sleeps done */
    int ntasks, rounds, left;
    uint64_t gather_fut;
    bool stop;
} synth;

static void emit(synth *s, rt_event ev)
{
    ev.t = s->t;
    if (!ev.worker)
        ev.worker = -1;
    if (!s->oom && rt_trace_append(s->tr, &ev))
        s->oom = true;
}

static void ready_push(synth *s, shandle h)
{
    if (s->rlen == s->rcap) {
        size_t cap = s->rcap ? s->rcap * 2 : 1024;
        shandle *p = rt_malloc(cap * sizeof *p);
        if (!p) {
            s->oom = true;
            return;
        }
        for (size_t i = 0; i < s->rlen; i++)
            p[i] = s->ready[(s->rhead + i) % s->rcap];
        rt_free(s->ready);
        s->ready = p;
        s->rhead = 0;
        s->rcap = cap;
    }
    s->ready[(s->rhead + s->rlen++) % s->rcap] = h;
}

/* Queues a handle without an event; returns its id. */
static uint64_t queue(synth *s, int what, uint64_t task)
{
    shandle h = {++s->next_handle, what, task, 0, 0};
    ready_push(s, h);
    return h.id;
}

static void schedule(synth *s, int what, uint64_t task, int hkind, const char *name)
{
    uint64_t id = queue(s, what, task);
    emit(s, (rt_event){.kind = RT_EV_HANDLE_SCHEDULE, .loop = 1, .task = task,
                       .handle = id, .kind2 = hkind, .name = name});
}

/* task.create with its first step queued. */
static void create_task(synth *s, uint64_t id, uint64_t parent, int line, const char *func,
                        const char *name)
{
    uint64_t h = queue(s, H_STEP, id);
    emit(s, (rt_event){.kind = RT_EV_TASK_CREATE, .loop = 1, .task = id, .handle = h,
                       .peer = parent, .line = line, .func = func, .name = name});
}

static void heap_push(synth *s, shandle h)
{
    if (s->hlen == s->hcap) {
        size_t cap = s->hcap ? s->hcap * 2 : 1024;
        shandle *p = rt_realloc(s->heap, cap * sizeof *p);
        if (!p) {
            s->oom = true;
            return;
        }
        s->heap = p;
        s->hcap = cap;
    }
    size_t i = s->hlen++;
    while (i > 0 && h.when < s->heap[(i - 1) / 2].when) {
        s->heap[i] = s->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    s->heap[i] = h;
}

static shandle heap_pop(synth *s)
{
    shandle top = s->heap[0];
    shandle last = s->heap[--s->hlen];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= s->hlen)
            break;
        if (c + 1 < s->hlen && s->heap[c + 1].when < s->heap[c].when)
            c++;
        if (!(s->heap[c].when < last.when))
            break;
        s->heap[i] = s->heap[c];
        i = c;
    }
    if (s->hlen)
        s->heap[i] = last;
    return top;
}

/* Runs one step of worker task `id`, from handle `handle`. */
static void worker_step(synth *s, uint64_t id, uint64_t handle)
{
    int i = (int)id - 2;
    int k = s->round[id];
    emit(s, (rt_event){.kind = RT_EV_TASK_STEP, .loop = 1, .task = id, .handle = handle,
                       .line = k ? 5 : 3, .func = "worker"});
    if (k < s->rounds || (s->rounds == 0 && k == 0)) {
        if (k % 25 == 0) {
            char text[64];
            snprintf(text, sizeof text, "worker %d round %d", i, k);
            emit(s, (rt_event){.kind = RT_EV_OUTPUT, .task = id, .line = 7, .name = "stdout",
                               .text = text});
        }
        double d = s->rounds ? (double)((i * 7 + k) % 13) * 0.01 : 1000.0 + i * 0.001;
        char label[48];
        snprintf(label, sizeof label, "sleep(%g)", d);
        uint64_t fut = ++s->next_fut;
        emit(s, (rt_event){.kind = RT_EV_FUTURE_CREATE, .loop = 1, .task = id, .future = fut,
                           .kind2 = RT_ROLE_SLEEP, .name = label});
        shandle h = {++s->next_handle, H_TIMER, id, fut, s->t + d};
        emit(s, (rt_event){.kind = RT_EV_TIMER_ARM, .loop = 1, .task = id, .future = fut,
                           .handle = h.id, .when = h.when, .name = label});
        heap_push(s, h);
        emit(s, (rt_event){.kind = RT_EV_TASK_SUSPEND, .loop = 1, .task = id, .future = fut,
                           .line = 5, .func = "worker", .kind2 = RT_ROLE_SLEEP, .name = label});
        s->round[id] = k + 1;
        return;
    }
    emit(s, (rt_event){.kind = RT_EV_TASK_DONE, .loop = 1, .task = id,
                       .kind2 = RT_DONE_RESULT, .text = "None"});
    schedule(s, H_GATHER_CB, 0, RT_HANDLE_DONE_CALLBACK, "_done_callback");
}

static void run_handle(synth *s, shandle h)
{
    static const int hk[] = {RT_HANDLE_STEP, RT_HANDLE_WAKEUP, RT_HANDLE_CALLBACK,
                             RT_HANDLE_DONE_CALLBACK, RT_HANDLE_DONE_CALLBACK};
    const char *name = h.what == H_GATHER_CB ? "_done_callback"
                       : h.what == H_DONE_CB ? "_run_until_complete_cb"
                       : h.what == H_TIMER   ? "sleep"
                                             : NULL;
    if (h.what != H_STEP && h.what != H_WAKEUP)
        emit(s, (rt_event){.kind = RT_EV_HANDLE_RUN, .loop = 1, .task = h.task,
                           .handle = h.id, .kind2 = hk[h.what], .name = name});
    switch (h.what) {
    case H_TIMER:
        emit(s, (rt_event){.kind = RT_EV_FUTURE_DONE, .loop = 1, .future = h.fut,
                           .kind2 = RT_DONE_RESULT, .text = "None"});
        schedule(s, H_WAKEUP, h.task, RT_HANDLE_WAKEUP, NULL);
        break;
    case H_STEP:
    case H_WAKEUP:
        if (h.task == 1) {
            /* main: create the workers and gather them; later, finish. */
            if (s->gather_fut == 0) {
                emit(s, (rt_event){.kind = RT_EV_TASK_STEP, .loop = 1, .task = 1,
                                   .handle = h.id, .line = 9, .func = "main"});
                for (int i = 0; i < s->ntasks; i++) {
                    char name[32];
                    snprintf(name, sizeof name, "Task-%d", i + 2);
                    create_task(s, (uint64_t)i + 2, 1, 10, "worker", name);
                }
                s->gather_fut = ++s->next_fut;
                char label[48];
                snprintf(label, sizeof label, "gather(%d tasks)", s->ntasks);
                emit(s, (rt_event){.kind = RT_EV_FUTURE_CREATE, .loop = 1, .task = 1,
                                   .future = s->gather_fut, .kind2 = RT_ROLE_GATHER,
                                   .name = label});
                emit(s, (rt_event){.kind = RT_EV_TASK_SUSPEND, .loop = 1, .task = 1,
                                   .future = s->gather_fut, .line = 11, .func = "main",
                                   .kind2 = RT_ROLE_GATHER, .name = label});
            } else {
                emit(s, (rt_event){.kind = RT_EV_TASK_STEP, .loop = 1, .task = 1,
                                   .handle = h.id, .line = 11, .func = "main"});
                emit(s, (rt_event){.kind = RT_EV_OUTPUT, .task = 1, .line = 12,
                                   .name = "stdout", .text = "all done"});
                emit(s, (rt_event){.kind = RT_EV_TASK_DONE, .loop = 1, .task = 1,
                                   .kind2 = RT_DONE_RESULT, .text = "None"});
                schedule(s, H_DONE_CB, 0, RT_HANDLE_DONE_CALLBACK, "_run_until_complete_cb");
            }
        } else {
            worker_step(s, h.task, h.id);
        }
        break;
    case H_GATHER_CB:
        if (--s->left == 0) {
            emit(s, (rt_event){.kind = RT_EV_FUTURE_DONE, .loop = 1, .future = s->gather_fut,
                               .kind2 = RT_DONE_RESULT, .text = "[...]"});
            schedule(s, H_WAKEUP, 1, RT_HANDLE_WAKEUP, NULL);
        }
        break;
    case H_DONE_CB:
        emit(s, (rt_event){.kind = RT_EV_LOOP_STOP, .loop = 1});
        s->stop = true;
        break;
    }
}

rt_trace *sim_synth_trace(int ntasks, int rounds)
{
    static const char source[] =
        "import asyncio\n"
        "\n"
        "async def worker(i):\n"
        "    for k in range(ROUNDS):\n"
        "        await asyncio.sleep((i * 7 + k) % 13 * 0.01)\n"
        "        if k % 25 == 0:\n"
        "            print('worker', i, 'round', k)\n"
        "\n"
        "async def main():\n"
        "    tasks = [asyncio.create_task(worker(i)) for i in range(NTASKS)]\n"
        "    await asyncio.gather(*tasks)\n"
        "    print('all done')\n"
        "\n"
        "asyncio.run(main())\n";
    synth s;
    memset(&s, 0, sizeof s);
    s.tr = rt_trace_new("synthetic.py", source, sizeof source - 1, RT_CLOCK_VIRTUAL);
    s.round = rt_calloc((size_t)ntasks + 2, sizeof *s.round);
    if (!s.tr || !s.round) {
        rt_trace_free(s.tr);
        rt_free(s.round);
        return NULL;
    }
    s.ntasks = ntasks;
    s.rounds = rounds;
    s.left = ntasks;
    emit(&s, (rt_event){.kind = RT_EV_LOOP_CREATE, .loop = 1});
    create_task(&s, 1, 0, 14, "main", "Task-1");
    emit(&s, (rt_event){.kind = RT_EV_LOOP_RUN, .loop = 1, .text = "run_until_complete"});
    for (int64_t it = 1; !s.stop && !s.oom; it++) {
        emit(&s, (rt_event){.kind = RT_EV_LOOP_ITERATION, .loop = 1, .n = it});
        double when = 0;
        if (!s.rlen && s.hlen)
            when = s.heap[0].when;
        emit(&s, (rt_event){.kind = RT_EV_LOOP_PHASE, .loop = 1, .kind2 = RT_PHASE_SELECT,
                            .when = when > s.t ? when : 0});
        if (!s.rlen && !s.hlen)
            break; /* cannot happen: main is always waiting on something */
        if (when > s.t) {
            emit(&s, (rt_event){.kind = RT_EV_CLOCK_ADVANCE, .when = when, .text = "timer"});
            s.t = when;
        }
        emit(&s, (rt_event){.kind = RT_EV_LOOP_PHASE, .loop = 1, .kind2 = RT_PHASE_TIMERS});
        while (s.hlen && s.heap[0].when < s.t + 1e-9) {
            shandle h = heap_pop(&s);
            emit(&s, (rt_event){.kind = RT_EV_TIMER_FIRE, .loop = 1, .handle = h.id,
                                .when = h.when});
            ready_push(&s, h);
        }
        size_t n = s.rlen;
        emit(&s, (rt_event){.kind = RT_EV_LOOP_PHASE, .loop = 1, .kind2 = RT_PHASE_READY,
                            .n = (int64_t)n});
        for (size_t k = 0; k < n && !s.oom; k++) {
            shandle h = s.ready[s.rhead];
            s.rhead = (s.rhead + 1) % s.rcap;
            s.rlen--;
            run_handle(&s, h);
        }
    }
    emit(&s, (rt_event){.kind = RT_EV_LOOP_CLOSE, .loop = 1});
    emit(&s, (rt_event){.kind = RT_EV_RUN_END, .text = "ok"});
    rt_free(s.ready);
    rt_free(s.heap);
    rt_free(s.round);
    if (s.oom) {
        rt_trace_free(s.tr);
        return NULL;
    }
    return s.tr;
}
