/*
 * trace_chrome.c - export of the event stream in the Chrome Trace Event
 * format, so that Perfetto (ui.perfetto.dev) and chrome://tracing show a
 * run on a timeline.
 *
 * The output is one JSON object {"traceEvents": [...], "displayTimeUnit":
 * "ms"} streamed while the run goes: process 1 is the loop; it has one
 * track (tid) for the loop itself, one per task and one per executor
 * worker, named by thread_name metadata events.
 *
 *   - Loop track (tid 1): an "X" slice per loop iteration, and inside it
 *     one per plain callback the loop runs (timer callbacks, done
 *     callbacks, call_soon callbacks).
 *   - Task tracks (tid 1000 + task id): an "X" slice per step, from
 *     task.step to task.suspend or task.done.
 *   - Worker tracks (tid 1000000000 + 1000 * executor + worker): "X"
 *     slices for a job's running stretches (exec.start or exec.wake to
 *     exec.block or exec.done) and for its blocked stretches.
 *   - Instant events ("i") for timers, exceptions, cancellations, output,
 *     warnings and clock jumps, on the track where they happened.
 *   - Flow arrows ("s" then "f" with bp "e") from the completion of what a
 *     task awaits (future.done, task.done of the awaited task, exec.done of
 *     the job behind the future) to the task.step it wakes.
 *
 * Time: virtual time is in microseconds, but the clock often stands still
 * for many events, which would make slices of zero length that overlap.
 * Each event therefore gets a synthetic offset of 2 ns per seq:
 * ts = t * 1e6 us + seq * 0.002 us. Consecutive slices at the same virtual
 * time then line up one after the other without overlapping, order is kept
 * across clock jumps, and a flow's start can sit 1 ns before the end of
 * the slice that encloses it. The offset is far below what the timeline
 * shows at any sensible zoom (100,000 events add 0.2 ms).
 */
#include <math.h>
#include <stdlib.h>

#include "trace_internal.h"

enum {
    LOOP_TID = 1,
    TASK_TID = 1000,
    WORKER_TID = 1000000000,
    LABEL = 64 /* bytes kept of a borrowed label */
};

/* What the exporter remembers about one task. */
typedef struct ctask {
    char name[LABEL];     /* its name (task.create, task.rename): events
                             name a task by its id only */
    bool open;            /* a step slice is open */
    int64_t ts;           /* its start (ns) */
    int line;             /* the line it started at */
    char func[LABEL];     /* the function it started in */
    uint64_t await_fut;   /* the future it awaits (0: none) */
    uint64_t await_peer;  /* the task it awaits (0: none) */
    uint64_t await_job;   /* the executor job behind await_fut (0: none) */
    uint64_t flow[4];     /* flows to finish at its next step */
    int nflow;
} ctask;

/* One executor worker's track. */
typedef struct cworker {
    uint64_t executor;
    int worker;
    bool open;            /* a slice (running or blocked) is open */
    bool blocked;         /* the open slice is a blocked stretch */
    int64_t ts;           /* the open slice's start */
    uint64_t job;         /* the job on it */
    char label[LABEL];    /* the open slice's name */
} cworker;

struct rt_chrome {
    ctask *tasks;           /* indexed by task id */
    size_t ntasks;          /* allocated entries */
    cworker *workers;       /* in order of first appearance */
    size_t nworkers, capworkers;
    uint64_t *fut_job;      /* future id -> job id */
    size_t nfut;
    char (*job_label)[LABEL]; /* job id -> function name */
    size_t njob;
    uint64_t running;       /* the task whose step is open, or 0 */
    bool cb_open;           /* a callback slice is open on the loop track */
    int64_t cb_ts;
    char cb_name[LABEL];
    bool it_open;           /* an iteration slice is open */
    int64_t it_ts;
    int64_t it_n;
    uint64_t next_flow;     /* flow ids, from 1 */
    int64_t last_ts;        /* the last event's ts */
    bool oom;               /* an allocation failed: tracks degrade */
};

static void copy_label(char *dst, const char *src)
{
    size_t n = src ? strlen(src) : 0;
    if (n >= LABEL)
        n = LABEL - 1;
    memcpy(dst, src ? src : "", n);
    dst[n] = '\0';
}

/* Grows a zeroed array indexed by id so that index `id` exists. */
static void *grow_index(void *arr, size_t *n, size_t id, size_t elem)
{
    if (id < *n)
        return arr;
    size_t want = *n ? *n : 64;
    while (want <= id)
        want *= 2;
    char *p = rt_realloc(arr, want * elem);
    if (!p)
        return NULL;
    memset(p + *n * elem, 0, (want - *n) * elem);
    *n = want;
    return p;
}

static ctask *task_of(rt_chrome *c, uint64_t id)
{
    if (!id)
        return NULL;
    ctask *t = grow_index(c->tasks, &c->ntasks, id, sizeof *t);
    if (!t) {
        c->oom = true;
        return NULL;
    }
    c->tasks = t;
    return &t[id];
}

static int64_t ts_of(const rt_event *ev)
{
    return llround(ev->t * 1e9) + 2 * (int64_t)ev->seq;
}

/* Writes a time in ns as microseconds with three decimals. */
static void put_us(rt__sink *s, int64_t ns)
{
    if (ns < 0) {
        rt__sink_put(s, "-", 1);
        ns = -ns;
    }
    rt__sink_int(s, ns / 1000);
    char frac[4] = {'.', (char)('0' + ns / 100 % 10), (char)('0' + ns / 10 % 10),
                    (char)('0' + ns % 10)};
    rt__sink_put(s, frac, 4);
}

/* Starts one trace event object; the caller adds fields and "}". */
static void begin(rt__sink *s, const char *ph, const char *name,
                  const char *cat, int64_t ts, int64_t tid)
{
    rt__sink_lit(s, ",\n{\"name\":");
    rt__sink_json_string(s, name, strlen(name));
    rt__sink_lit(s, ",\"cat\":\"");
    rt__sink_lit(s, cat);
    rt__sink_lit(s, "\",\"ph\":\"");
    rt__sink_lit(s, ph);
    rt__sink_lit(s, "\",\"ts\":");
    put_us(s, ts);
    rt__sink_lit(s, ",\"pid\":1,\"tid\":");
    rt__sink_int(s, tid);
}

static void arg_str(rt__sink *s, bool *first, const char *key, const char *v)
{
    if (!v || !*v)
        return;
    rt__sink_lit(s, *first ? ",\"args\":{\"" : ",\"");
    *first = false;
    rt__sink_lit(s, key);
    rt__sink_lit(s, "\":");
    rt__sink_json_string(s, v, strlen(v));
}

static void arg_int(rt__sink *s, bool *first, const char *key, int64_t v)
{
    rt__sink_lit(s, *first ? ",\"args\":{\"" : ",\"");
    *first = false;
    rt__sink_lit(s, key);
    rt__sink_lit(s, "\":");
    rt__sink_int(s, v);
}

static void end_args(rt__sink *s, bool first)
{
    rt__sink_lit(s, first ? "}" : "}}");
}

/* Metadata: a track's name and sort position. */
static void name_track(rt__sink *s, int64_t tid, const char *name, int64_t order)
{
    rt__sink_lit(s, ",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":");
    rt__sink_int(s, tid);
    rt__sink_lit(s, ",\"args\":{\"name\":");
    rt__sink_json_string(s, name, strlen(name));
    rt__sink_lit(s, "}},\n{\"name\":\"thread_sort_index\",\"ph\":\"M\",\"pid\":1,\"tid\":");
    rt__sink_int(s, tid);
    rt__sink_lit(s, ",\"args\":{\"sort_index\":");
    rt__sink_int(s, order);
    rt__sink_lit(s, "}}");
}

/* An "X" slice from `start` to `end`. */
static void slice(rt__sink *s, const char *name, const char *cat, int64_t tid,
                  int64_t start, int64_t end, const char *why, int line)
{
    begin(s, "X", name, cat, start, tid);
    rt__sink_lit(s, ",\"dur\":");
    put_us(s, end > start ? end - start : 1);
    bool first = true;
    if (line)
        arg_int(s, &first, "line", line);
    arg_str(s, &first, "end", why);
    end_args(s, first);
}

static void instant(rt__sink *s, const char *name, const char *cat,
                    int64_t tid, int64_t ts, const rt_event *ev)
{
    begin(s, "i", name, cat, ts, tid);
    rt__sink_lit(s, ",\"s\":\"t\"");
    bool first = true;
    if (ev->line)
        arg_int(s, &first, "line", ev->line);
    if (ev->when != 0) {
        char when[32];
        rt_trace_float_repr(ev->when, when);
        rt__sink_lit(s, first ? ",\"args\":{\"when\":" : ",\"when\":");
        first = false;
        rt__sink_lit(s, when);
    }
    arg_str(s, &first, "func", ev->func);
    arg_str(s, &first, "type", ev->type);
    arg_str(s, &first, "text", ev->text);
    end_args(s, first);
}

static void flow(rt__sink *s, const char *ph, uint64_t id, int64_t tid, int64_t ts)
{
    begin(s, ph, "wake-up", "await", ts, tid);
    rt__sink_lit(s, ",\"id\":");
    rt__sink_uint(s, id);
    if (ph[0] == 'f')
        rt__sink_lit(s, ",\"bp\":\"e\"");
    rt__sink_lit(s, "}");
}

static void close_callback(rt_chrome *c, rt__sink *s, int64_t ts)
{
    if (c->cb_open)
        slice(s, c->cb_name, "callback", LOOP_TID, c->cb_ts, ts, NULL, 0);
    c->cb_open = false;
}

static void close_iteration(rt_chrome *c, rt__sink *s, int64_t ts)
{
    close_callback(c, s, ts);
    if (c->it_open) {
        char name[40];
        snprintf(name, sizeof name, "iteration %lld", (long long)c->it_n);
        slice(s, name, "loop", LOOP_TID, c->it_ts, ts, NULL, 0);
    }
    c->it_open = false;
}

/* Ends task `id`'s open step slice at ts, labelled with why it ended. */
static void close_step(rt_chrome *c, rt__sink *s, uint64_t id, int64_t ts,
                       const char *why)
{
    ctask *t = task_of(c, id);
    if (t && t->open) {
        char name[LABEL + 16];
        snprintf(name, sizeof name, "%s", t->func[0] ? t->func : "step");
        slice(s, name, "step", TASK_TID + (int64_t)id, t->ts, ts, why, t->line);
        t->open = false;
    }
    if (c->running == id)
        c->running = 0;
}

static cworker *worker_of(rt_chrome *c, rt__sink *s, uint64_t ex, int worker)
{
    for (size_t i = 0; i < c->nworkers; i++)
        if (c->workers[i].executor == ex && c->workers[i].worker == worker)
            return &c->workers[i];
    if (c->nworkers == c->capworkers) {
        size_t cap = c->capworkers ? c->capworkers * 2 : 8;
        cworker *p = rt_realloc(c->workers, cap * sizeof *p);
        if (!p) {
            c->oom = true;
            return NULL;
        }
        c->workers = p;
        c->capworkers = cap;
    }
    cworker *w = &c->workers[c->nworkers++];
    memset(w, 0, sizeof *w);
    w->executor = ex;
    w->worker = worker;
    return w;
}

static int64_t worker_tid(uint64_t ex, int worker)
{
    return WORKER_TID + 1000 * (int64_t)ex + worker;
}

static void close_worker(rt__sink *s, cworker *w, int64_t ts, const char *why)
{
    if (w && w->open)
        slice(s, w->label, w->blocked ? "blocked" : "job",
              worker_tid(w->executor, w->worker), w->ts, ts, why, 0);
    if (w)
        w->open = false;
}

/* The track where something that happened now on the loop thread goes. */
static int64_t current_tid(const rt_chrome *c)
{
    return c->running ? TASK_TID + (int64_t)c->running : LOOP_TID;
}

/* Starts flows towards every task whose await `matches`; the arrow leaves
 * from track `tid` one nanosecond before `ts`. */
static void start_flows(rt_chrome *c, rt__sink *s, int64_t tid, int64_t ts,
                        uint64_t fut, uint64_t peer, uint64_t job)
{
    for (size_t id = 1; id < c->ntasks; id++) {
        ctask *t = &c->tasks[id];
        bool hit = (fut && t->await_fut == fut) || (peer && t->await_peer == peer) ||
                   (job && t->await_job == job);
        if (!hit || t->nflow == 4)
            continue;
        uint64_t f = ++c->next_flow;
        t->flow[t->nflow++] = f;
        flow(s, "s", f, tid, ts - 1);
    }
}

int rt__chrome_open(rt_trace_writer *w, rt__sink *s, const char *scenario,
                    const char *sha256, rt_clock_mode clock)
{
    w->chrome = rt_calloc(1, sizeof *w->chrome);
    if (!w->chrome)
        return RT_ENOMEM;
    rt__sink_lit(s, "{\"displayTimeUnit\":\"ms\",\"otherData\":{\"format\":"
                    "\"loopscope-trace\",\"version\":");
    rt__sink_int(s, w->version);
    rt__sink_lit(s, ",\"scenario\":");
    rt__sink_json_string(s, scenario, strlen(scenario));
    rt__sink_lit(s, ",\"sha256\":\"");
    rt__sink_lit(s, sha256);
    rt__sink_lit(s, clock == RT_CLOCK_REAL ? "\",\"clock\":\"real\"},\n"
                                           : "\",\"clock\":\"virtual\"},\n");
    rt__sink_lit(s, "\"traceEvents\":[\n{\"name\":\"process_name\",\"ph\":\"M\","
                    "\"pid\":1,\"tid\":1,\"args\":{\"name\":");
    char pname[300];
    snprintf(pname, sizeof pname, "loop: %s", scenario);
    rt__sink_json_string(s, pname, strlen(pname));
    rt__sink_lit(s, "}}");
    name_track(s, LOOP_TID, "event loop", 0);
    return RT_OK;
}

void rt__chrome_event(rt_trace_writer *w, rt__sink *s, const rt_event *ev)
{
    rt_chrome *c = w->chrome;
    int64_t ts = ts_of(ev);
    c->last_ts = ts;
    char name[LABEL + 64];
    switch (ev->kind) {
    case RT_EV_LOOP_ITERATION:
        close_iteration(c, s, ts);
        c->it_open = true;
        c->it_ts = ts;
        c->it_n = ev->n;
        break;
    case RT_EV_LOOP_PHASE:
        close_callback(c, s, ts);
        break;
    case RT_EV_HANDLE_RUN:
        close_callback(c, s, ts);
        if (ev->kind2 != RT_HANDLE_STEP && ev->kind2 != RT_HANDLE_WAKEUP) {
            c->cb_open = true;
            c->cb_ts = ts;
            const char *hk = rt_trace_kind2_name(ev->kind, ev->kind2);
            copy_label(c->cb_name, ev->name && *ev->name ? ev->name : hk ? hk : "callback");
        }
        break;
    case RT_EV_TASK_CREATE: {
        ctask *t = task_of(c, ev->task);
        if (t)
            copy_label(t->name, ev->name);
        snprintf(name, sizeof name, "%s (%s)", ev->name ? ev->name : "task",
                 ev->func ? ev->func : "?");
        name_track(s, TASK_TID + (int64_t)ev->task, name, (int64_t)ev->task);
        snprintf(name, sizeof name, "create %s", ev->name ? ev->name : "task");
        instant(s, name, "task", current_tid(c), ts, ev);
        break;
    }
    case RT_EV_TASK_RENAME: {
        /* The track takes the new name (the last thread_name wins). */
        ctask *t = task_of(c, ev->task);
        if (t)
            copy_label(t->name, ev->name);
        snprintf(name, sizeof name, "%s", ev->name ? ev->name : "task");
        name_track(s, TASK_TID + (int64_t)ev->task, name, (int64_t)ev->task);
        break;
    }
    case RT_EV_TASK_STEP: {
        close_callback(c, s, ts);
        ctask *t = task_of(c, ev->task);
        if (!t)
            break;
        if (t->open)
            close_step(c, s, ev->task, ts, "?");
        t->open = true;
        t->ts = ts;
        t->line = ev->line;
        copy_label(t->func, ev->func);
        for (int i = 0; i < t->nflow; i++)
            flow(s, "f", t->flow[i], TASK_TID + (int64_t)ev->task, ts + 1);
        t->nflow = 0;
        t->await_fut = t->await_peer = t->await_job = 0;
        c->running = ev->task;
        break;
    }
    case RT_EV_TASK_SUSPEND: {
        const char *role = rt_trace_kind2_name(ev->kind, ev->kind2);
        /* An awaited task is named by its id (version 2): its name is the
         * one task.create or task.rename gave. */
        const ctask *peer = ev->peer && ev->peer < c->ntasks ? &c->tasks[ev->peer] : NULL;
        const char *what = ev->name && *ev->name ? ev->name
                           : peer && peer->name[0] ? peer->name
                                                   : role ? role : "?";
        snprintf(name, sizeof name, "awaits %s", what);
        close_step(c, s, ev->task, ts, name);
        ctask *t = task_of(c, ev->task);
        if (t) {
            t->await_fut = ev->future;
            t->await_peer = ev->peer;
            t->await_job = ev->future < c->nfut ? c->fut_job[ev->future] : 0;
        }
        break;
    }
    case RT_EV_TASK_DONE: {
        const char *st = rt_trace_kind2_name(ev->kind, ev->kind2);
        snprintf(name, sizeof name, "done: %s", st ? st : "?");
        int64_t tid = TASK_TID + (int64_t)ev->task;
        start_flows(c, s, tid, ts, 0, ev->task, 0);
        close_step(c, s, ev->task, ts, name);
        break;
    }
    case RT_EV_FUTURE_CREATE:
        if (ev->job && ev->future) {
            uint64_t *p = grow_index(c->fut_job, &c->nfut, ev->future, sizeof *p);
            if (p) {
                c->fut_job = p;
                p[ev->future] = ev->job;
            } else {
                c->oom = true;
            }
        }
        break;
    case RT_EV_FUTURE_DONE:
        start_flows(c, s, current_tid(c), ts, ev->future, 0, 0);
        break;
    case RT_EV_EXEC_THREAD:
        worker_of(c, s, ev->executor, ev->worker);
        name_track(s, worker_tid(ev->executor, ev->worker),
                   ev->name && *ev->name ? ev->name : "worker",
                   worker_tid(ev->executor, ev->worker));
        break;
    case RT_EV_EXEC_SUBMIT: {
        char(*p)[LABEL] = grow_index(c->job_label, &c->njob, ev->job, LABEL);
        if (p) {
            c->job_label = p;
            copy_label(p[ev->job], ev->name);
        } else {
            c->oom = true;
        }
        snprintf(name, sizeof name, "submit job %llu", (unsigned long long)ev->job);
        instant(s, name, "job", current_tid(c), ts, ev);
        break;
    }
    case RT_EV_EXEC_START:
    case RT_EV_EXEC_WAKE: {
        cworker *wk = worker_of(c, s, ev->executor, ev->worker);
        if (!wk)
            break;
        close_worker(s, wk, ts, NULL);
        wk->open = true;
        wk->blocked = false;
        wk->ts = ts;
        wk->job = ev->job;
        const char *fn = ev->job < c->njob ? c->job_label[ev->job] : "";
        snprintf(name, sizeof name, "job %llu %s", (unsigned long long)ev->job, fn);
        copy_label(wk->label, name);
        break;
    }
    case RT_EV_EXEC_BLOCK: {
        cworker *wk = worker_of(c, s, ev->executor, ev->worker);
        if (!wk)
            break;
        close_worker(s, wk, ts, ev->text);
        wk->open = true;
        wk->blocked = true;
        wk->ts = ts;
        wk->job = ev->job;
        copy_label(wk->label, ev->text && *ev->text ? ev->text : "blocked");
        break;
    }
    case RT_EV_EXEC_DONE: {
        cworker *wk = worker_of(c, s, ev->executor, ev->worker);
        start_flows(c, s, worker_tid(ev->executor, ev->worker), ts, 0, 0, ev->job);
        const char *st = rt_trace_kind2_name(ev->kind, ev->kind2);
        close_worker(s, wk, ts, st);
        break;
    }
    case RT_EV_TIMER_ARM:
        snprintf(name, sizeof name, "timer %s", ev->name && *ev->name ? ev->name : "armed");
        instant(s, name, "timer", current_tid(c), ts, ev);
        break;
    case RT_EV_TIMER_FIRE:
        instant(s, "timer fires", "timer", LOOP_TID, ts, ev);
        break;
    case RT_EV_TIMER_CANCEL:
        instant(s, "timer cancelled", "timer", current_tid(c), ts, ev);
        break;
    case RT_EV_CLOCK_ADVANCE: {
        char when[32];
        rt_trace_float_repr(ev->when, when);
        snprintf(name, sizeof name, "clock jumps to %s", when);
        instant(s, name, "clock", LOOP_TID, ts, ev);
        break;
    }
    case RT_EV_EXC_RAISE:
    case RT_EV_EXC_PROPAGATE:
    case RT_EV_EXC_CATCH:
    case RT_EV_EXC_UNHANDLED:
    case RT_EV_EXC_HANDLER: {
        const char *verb = rt_trace_kind_name(ev->kind) + 4;
        snprintf(name, sizeof name, "%s %s", verb, ev->type ? ev->type : "");
        instant(s, name, "exception", ev->task ? TASK_TID + (int64_t)ev->task : LOOP_TID,
                ts, ev);
        break;
    }
    case RT_EV_TASK_CANCEL_REQUEST:
        instant(s, "cancel requested", "cancel", TASK_TID + (int64_t)ev->task, ts, ev);
        break;
    case RT_EV_TASK_CANCEL_DELIVER:
        instant(s, "CancelledError thrown in", "cancel", TASK_TID + (int64_t)ev->task,
                ts, ev);
        break;
    case RT_EV_OUTPUT:
        instant(s, ev->text && *ev->text ? ev->text : "output", "output",
                ev->task ? TASK_TID + (int64_t)ev->task : LOOP_TID, ts, ev);
        break;
    case RT_EV_WARN:
        instant(s, ev->type && *ev->type ? ev->type : "warning", "warning",
                current_tid(c), ts, ev);
        break;
    case RT_EV_LOOP_BLOCK:
        instant(s, ev->text && *ev->text ? ev->text : "loop blocked", "loop",
                current_tid(c), ts, ev);
        break;
    case RT_EV_LOOP_DEADLOCK:
        instant(s, "deadlock", "loop", LOOP_TID, ts, ev);
        break;
    case RT_EV_LOOP_STOP:
        instant(s, "loop.stop()", "loop", current_tid(c), ts, ev);
        break;
    case RT_EV_RUN_END:
        close_iteration(c, s, ts);
        for (size_t id = 1; id < c->ntasks; id++)
            if (c->tasks[id].open)
                close_step(c, s, id, ts, "run ended");
        for (size_t i = 0; i < c->nworkers; i++)
            close_worker(s, &c->workers[i], ts, "run ended");
        break;
    default:
        break;
    }
}

void rt__chrome_close(rt_trace_writer *w, rt__sink *s)
{
    rt_chrome *c = w->chrome;
    if (!c)
        return;
    rt__sink_lit(s, "\n]}\n");
    rt_free(c->tasks);
    rt_free(c->workers);
    rt_free(c->fut_job);
    rt_free(c->job_label);
    if (c->oom && !w->error)
        w->error = RT_ENOMEM;
    rt_free(c);
    w->chrome = NULL;
}
