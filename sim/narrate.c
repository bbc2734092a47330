/*
 * narrate.c - the plain sentences under the picture: what happened in this
 * step, and the history of one task.
 *
 * Each event kind has one sentence template; a step's narration is the
 * sentences of its events in order, with a few merges that read better
 * ("Task-2 is created for say_after(): its first step joins the ready
 * queue" instead of two sentences; several due timers in one sentence).
 * Names come from the index; a task is called by its coroutine's name when
 * no other task runs the same function ("main"), else by its task name
 * ("Task-2"). Everything here is a pure function of the trace prefix.
 */
#include <stdarg.h>
#include <string.h>

#include "model.h"

/* A bounded string builder. */
typedef struct sb {
    char *buf;
    size_t size, len;
} sb;

static void sb_printf(sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_printf(sb *b, const char *fmt, ...)
{
    if (b->len + 1 >= b->size)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->buf + b->len, b->size - b->len, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    b->len += (size_t)n;
    if (b->len >= b->size) {
        /* Truncated: end on a whole UTF-8 character with an ellipsis. */
        b->len = b->size - 1;
        if (b->size > 4) {
            size_t k = b->size - 4;
            while (k > 0 && ((unsigned char)b->buf[k] & 0xc0) == 0x80)
                k--;
            memcpy(b->buf + k, "...", 4);
            b->len = k + 3;
        }
    }
}

/* Starts a new sentence (a space after the previous one). */
static void sb_sentence(sb *b)
{
    if (b->len && b->len + 1 < b->size)
        sb_printf(b, " ");
}

void sim_format_time(double t, char *buf, size_t size)
{
    snprintf(buf, size, "%.3f", t);
}

/* How narration calls task `id`: see sim_task_label. */
static const char *label(const sim_timeline *tl, uint64_t id, char *buf, size_t size)
{
    if (!id)
        return "the loop";
    return sim_task_label(sim_timeline_index(tl), id, buf, size);
}

/* What a future or awaited thing is called. */
static const char *fut_label(const sim_timeline *tl, uint64_t fut, char *buf, size_t size)
{
    const sim_fut_info *fi = sim_index_fut(sim_timeline_index(tl), fut);
    if (fi && fi->name)
        return fi->name;
    if (fi) {
        snprintf(buf, size, "%s", rt_trace_kind2_name(RT_EV_FUTURE_CREATE, fi->role));
        return buf;
    }
    snprintf(buf, size, "future %llu", (unsigned long long)fut);
    return buf;
}

static const char *job_label(const sim_timeline *tl, uint64_t job)
{
    const sim_job_info *j = sim_index_job(sim_timeline_index(tl), job);
    return j && j->name ? j->name : "the job";
}

/* The last time task `id` suspended before event i: what it awaited. */
static const rt_event *last_suspend(const rt_trace *tr, uint64_t id, size_t i)
{
    size_t stop = i > 20000 ? i - 20000 : 0;
    for (size_t k = i; k-- > stop;) {
        const rt_event *e = &tr->events[k];
        if (e->task != id)
            continue;
        if (e->kind == RT_EV_TASK_SUSPEND)
            return e;
        if (e->kind == RT_EV_TASK_STEP || e->kind == RT_EV_TASK_CREATE)
            return NULL;
    }
    return NULL;
}

static bool first_step(const rt_trace *tr, const sim_index *ix, uint64_t id, size_t i)
{
    const sim_task_info *ti = sim_index_task(ix, id);
    size_t from = ti ? ti->created_at : 0;
    for (size_t k = i; k-- > from;)
        if (tr->events[k].kind == RT_EV_TASK_STEP && tr->events[k].task == id)
            return false;
    return true;
}

/* Narrates event i of the step [begin, end) into b. `lead` says whether i
 * is a lead-in that a later sentence covers. */
static void narrate_event(const sim_timeline *tl, size_t begin, size_t end, size_t i, sb *b,
                          bool alone)
{
    const rt_trace *tr = sim_timeline_trace(tl);
    const sim_index *ix = sim_timeline_index(tl);
    const rt_event *e = &tr->events[i];
    const rt_event *prev = i > begin ? &tr->events[i - 1] : NULL;
    const rt_event *next = i + 1 < end ? &tr->events[i + 1] : NULL;
    char b1[64], b2[64], b3[64], tw[32];
    const char *who = label(tl, e->task, b1, sizeof b1);
    sim_format_time(e->when, tw, sizeof tw);
    switch (e->kind) {
    case RT_EV_LOOP_CREATE:
        sb_sentence(b);
        sb_printf(b, "An event loop is created.");
        break;
    case RT_EV_LOOP_RUN:
        sb_sentence(b);
        sb_printf(b, "The loop starts running (%s).", e->text ? e->text : "run");
        break;
    case RT_EV_LOOP_ITERATION:
        if (alone || (next && i + 1 < end)) {
            sb_sentence(b);
            sb_printf(b, "Iteration %lld.", (long long)e->n);
        }
        break;
    case RT_EV_LOOP_PHASE: {
        bool jump = false;
        for (size_t k = i + 1; k < end; k++)
            jump |= tr->events[k].kind == RT_EV_CLOCK_ADVANCE ||
                    tr->events[k].kind == RT_EV_LOOP_DEADLOCK;
        if (e->kind2 == RT_PHASE_SELECT && e->when != 0 && !jump) {
            sb_sentence(b);
            sb_printf(b, "The loop waits for the next timer (t=%s).", tw);
        } else if (alone) {
            sb_sentence(b);
            sb_printf(b, "The loop enters its %s phase.",
                      rt_trace_kind2_name(e->kind, e->kind2));
        }
        break;
    }
    case RT_EV_LOOP_STOP:
        sb_sentence(b);
        sb_printf(b, "loop.stop() was called: the loop stops after this iteration.");
        break;
    case RT_EV_LOOP_CLOSE:
        sb_sentence(b);
        sb_printf(b, "The loop is closed.");
        break;
    case RT_EV_LOOP_BLOCK: {
        char lw[64];
        const char *bw = label(tl, e->task, lw, sizeof lw);
        sb_sentence(b);
        sb_printf(b, "%s calls %s on the loop's own thread: the whole loop is blocked "
                     "until t=%s and nothing else can run.",
                  e->task ? bw : "The running code", e->text ? e->text : "a blocking call", tw);
        break;
    }
    case RT_EV_LOOP_DEADLOCK:
        sb_sentence(b);
        sb_printf(b, "Deadlock: nothing is ready, no timer is armed and no worker will call "
                     "back, so the waiting tasks would wait forever. The run stops.");
        break;
    case RT_EV_CLOCK_ADVANCE:
        sb_sentence(b);
        if (e->text && strcmp(e->text, "worker") == 0)
            sb_printf(b, "Nothing is ready until a worker thread wakes up, so the clock "
                         "jumps to %s.", tw);
        else if (e->text && strcmp(e->text, "sleep") == 0)
            sb_printf(b, "While the loop's thread sleeps, the clock moves to %s.", tw);
        else
            sb_printf(b, "Nothing is ready, so the clock jumps to %s.", tw);
        break;
    case RT_EV_HANDLE_SCHEDULE: {
        if (prev && prev->kind == RT_EV_TASK_CREATE && prev->task == e->task &&
            e->kind2 == RT_HANDLE_STEP)
            break; /* said by task.create */
        sb_sentence(b);
        switch (e->kind2) {
        case RT_HANDLE_STEP:
            sb_printf(b, "%s's next step joins the ready queue.", who);
            break;
        case RT_HANDLE_WAKEUP:
            sb_printf(b, "%s's wake-up joins the ready queue.", who);
            break;
        case RT_HANDLE_DONE_CALLBACK:
            sb_printf(b, "The done callback %s joins the ready queue.",
                      e->name ? e->name : "");
            break;
        case RT_HANDLE_THREADSAFE:
            sb_printf(b, "%s joins the ready queue from a worker thread "
                         "(call_soon_threadsafe).", e->name ? e->name : "A callback");
            break;
        default:
            sb_printf(b, "%s joins the ready queue (call_soon).",
                      e->name ? e->name : "A callback");
        }
        break;
    }
    case RT_EV_HANDLE_RUN: {
        if (e->kind2 == RT_HANDLE_STEP || e->kind2 == RT_HANDLE_WAKEUP) {
            if (alone) {
                sb_sentence(b);
                sb_printf(b, "The loop takes %s's %s from the ready queue.", who,
                          e->kind2 == RT_HANDLE_STEP ? "step" : "wake-up");
            }
            break;
        }
        const sim_handle_info *h = sim_index_handle(ix, e->handle);
        const char *name = e->name ? e->name : h && h->name ? h->name : "a callback";
        sb_sentence(b);
        if (h && h->timer)
            sb_printf(b, "The loop runs the timer callback of %s.", name);
        else if (e->kind2 == RT_HANDLE_DONE_CALLBACK)
            sb_printf(b, "The loop runs the done callback %s.", name);
        else if (e->kind2 == RT_HANDLE_THREADSAFE)
            sb_printf(b, "The loop runs %s, queued by a worker thread.", name);
        else
            sb_printf(b, "The loop runs the callback %s.", name);
        break;
    }
    case RT_EV_HANDLE_CANCEL:
        sb_sentence(b);
        sb_printf(b, "A queued callback is cancelled: the loop will skip it.");
        break;
    case RT_EV_TIMER_ARM:
        if (e->future && !alone) {
            bool covered = false;
            for (size_t k = i + 1; k < end; k++)
                covered |= tr->events[k].kind == RT_EV_TASK_SUSPEND;
            if (covered)
                break;
        }
        sb_sentence(b);
        sb_printf(b, "A timer for %s is armed, due at t=%s.", e->name ? e->name : "a callback",
                  tw);
        break;
    case RT_EV_TIMER_FIRE: {
        if (prev && prev->kind == RT_EV_TIMER_FIRE)
            break; /* counted with the first */
        size_t n = 1;
        while (i + n < end && tr->events[i + n].kind == RT_EV_TIMER_FIRE)
            n++;
        const sim_handle_info *h = sim_index_handle(ix, e->handle);
        sb_sentence(b);
        if (n == 1)
            sb_printf(b, "The timer for %s is due: it moves to the ready queue.",
                      h && h->name ? h->name : "a callback");
        else
            sb_printf(b, "%zu timers are due: they move to the ready queue in the heap's "
                         "order.", n);
        break;
    }
    case RT_EV_TIMER_CANCEL: {
        const sim_handle_info *h = sim_index_handle(ix, e->handle);
        sb_sentence(b);
        sb_printf(b, "The timer for %s is cancelled: it stays in the heap, struck out, until "
                     "the loop pops it.", h && h->name ? h->name : "a callback");
        break;
    }
    case RT_EV_FUTURE_CREATE:
        if (alone) {
            sb_sentence(b);
            sb_printf(b, "A future for %s is created.", fut_label(tl, e->future, b2, sizeof b2));
        }
        break;
    case RT_EV_FUTURE_DONE: {
        const char *f = fut_label(tl, e->future, b2, sizeof b2);
        sb_sentence(b);
        if (e->kind2 == RT_DONE_EXCEPTION)
            sb_printf(b, "The %s future gets an exception (%s).", f, e->type ? e->type : "?");
        else if (e->kind2 == RT_DONE_CANCELLED)
            sb_printf(b, "The %s future is cancelled.", f);
        else
            sb_printf(b, "The %s future gets its result.", f);
        break;
    }
    case RT_EV_TASK_CREATE: {
        const char *name = e->name ? e->name : "A task";
        sb_sentence(b);
        if (e->peer)
            sb_printf(b, "%s creates %s for %s()", label(tl, e->peer, b2, sizeof b2), name,
                      e->func ? e->func : "?");
        else
            sb_printf(b, "%s is created for %s()", name, e->func ? e->func : "?");
        if (next && next->kind == RT_EV_HANDLE_SCHEDULE && next->task == e->task)
            sb_printf(b, ": its first step joins the ready queue.");
        else
            sb_printf(b, ".");
        break;
    }
    case RT_EV_TASK_STEP: {
        sb_sentence(b);
        if (first_step(tr, ix, e->task, i)) {
            sb_printf(b, "The loop takes %s's first step from the ready queue: %s() starts "
                         "running.", who, e->func ? e->func : "its coroutine");
            break;
        }
        const rt_event *s = last_suspend(tr, e->task, i);
        if (s && s->kind2 == RT_ROLE_YIELD && !e->type) {
            sb_printf(b, "%s runs again from line %d.", who, e->line);
            break;
        }
        sb_printf(b, "The loop takes %s's wake-up from the ready queue: ", who);
        if (e->type)
            sb_printf(b, "%s is thrown into it at line %d", e->type, e->line);
        else
            sb_printf(b, "it resumes at line %d", e->line);
        if (s && s->peer)
            sb_printf(b, ", where it awaited %s", label(tl, s->peer, b2, sizeof b2));
        else if (s && s->name)
            sb_printf(b, ", where it awaited %s", s->name);
        sb_printf(b, ".");
        break;
    }
    case RT_EV_TASK_SUSPEND: {
        const char *what = e->name ? e->name : rt_trace_kind2_name(e->kind, e->kind2);
        sb_sentence(b);
        switch (e->kind2) {
        case RT_ROLE_SLEEP: {
            double when = 0;
            for (size_t k = begin; k < i; k++)
                if (tr->events[k].kind == RT_EV_TIMER_ARM && tr->events[k].future == e->future)
                    when = tr->events[k].when;
            if (when != 0) {
                sim_format_time(when, tw, sizeof tw);
                sb_printf(b, "%s awaits %s: it leaves the loop and a timer for t=%s is armed.",
                          who, what, tw);
            } else {
                sb_printf(b, "%s awaits %s: it leaves the loop until its timer fires.", who,
                          what);
            }
            break;
        }
        case RT_ROLE_YIELD:
            sb_printf(b, "%s yields (%s): it goes to the back of the ready queue.", who,
                      e->name ? e->name : "sleep(0)");
            break;
        case RT_ROLE_TASK: {
            const char *peer = e->peer ? label(tl, e->peer, b2, sizeof b2) : what;
            sb_printf(b, "%s awaits %s: it waits until %s is done.", who, peer, peer);
            break;
        }
        case RT_ROLE_JOB:
            sb_printf(b, "%s awaits %s, which runs in a worker thread: it leaves the loop "
                         "until the job is done.", who, what);
            break;
        case RT_ROLE_GATHER:
            sb_printf(b, "%s awaits %s: it waits until all of them are done.", who, what);
            break;
        default:
            sb_printf(b, "%s awaits %s: it leaves the loop until that is done.", who, what);
        }
        break;
    }
    case RT_EV_TASK_DONE:
        sb_sentence(b);
        if (e->kind2 == RT_DONE_EXCEPTION)
            sb_printf(b, "%s ends with %s%s%s: the exception is stored in the task for "
                         "whoever awaits it.",
                      who, e->type ? e->type : "an exception", e->text ? ": " : "",
                      e->text ? e->text : "");
        else if (e->kind2 == RT_DONE_CANCELLED)
            sb_printf(b, "%s is cancelled: it is done.", who);
        else if (e->text && strcmp(e->text, "None") != 0)
            sb_printf(b, "%s returns %s: it is done.", who, e->text);
        else
            sb_printf(b, "%s returns: it is done.", who);
        break;
    case RT_EV_TASK_CANCEL_REQUEST:
        sb_sentence(b);
        if (e->text)
            sb_printf(b, "%s calls %s.cancel('%s'): CancelledError will be thrown into it at "
                         "its await.", e->peer ? label(tl, e->peer, b2, sizeof b2) : "The loop",
                      who, e->text);
        else
            sb_printf(b, "%s calls %s.cancel(): CancelledError will be thrown into it at its "
                         "await.", e->peer ? label(tl, e->peer, b2, sizeof b2) : "The loop", who);
        break;
    case RT_EV_TASK_CANCEL_DELIVER:
        if (!alone && next && next->kind == RT_EV_TASK_STEP && next->task == e->task)
            break; /* the step says it */
        sb_sentence(b);
        sb_printf(b, "CancelledError is thrown into %s at line %d.", who, e->line);
        break;
    case RT_EV_TASK_FREE:
        break;
    case RT_EV_EXEC_CREATE:
        sb_sentence(b);
        sb_printf(b, "An executor with up to %lld worker threads is created.", (long long)e->n);
        break;
    case RT_EV_EXEC_THREAD:
        sb_sentence(b);
        sb_printf(b, "It starts the thread %s.", e->name ? e->name : "");
        break;
    case RT_EV_EXEC_SUBMIT: {
        bool starts = false;
        for (size_t k = i + 1; k < end; k++)
            starts |= tr->events[k].kind == RT_EV_EXEC_START && tr->events[k].job == e->job;
        sb_sentence(b);
        sb_printf(b, "%s() is handed to the executor as job %llu.", e->name ? e->name : "A job",
                  (unsigned long long)e->job);
        if (!starts) {
            sb_sentence(b);
            sb_printf(b, "Every worker is busy, so it waits in the job queue.");
        }
        break;
    }
    case RT_EV_EXEC_START:
        sb_sentence(b);
        sb_printf(b, "Worker %d starts job %llu (%s) at once.", e->worker,
                  (unsigned long long)e->job, job_label(tl, e->job));
        break;
    case RT_EV_EXEC_BLOCK:
        sb_sentence(b);
        sb_printf(b, "%s() calls %s on worker %d: that thread is blocked until t=%s, but the "
                     "loop goes on.", job_label(tl, e->job), e->text ? e->text : "a blocking call",
                  e->worker, tw);
        break;
    case RT_EV_EXEC_WAKE:
        sb_sentence(b);
        sb_printf(b, "Worker %d wakes up: %s() continues.", e->worker, job_label(tl, e->job));
        break;
    case RT_EV_EXEC_DONE:
        sb_sentence(b);
        if (e->kind2 == RT_DONE_EXCEPTION)
            sb_printf(b, "%s() raises %s on worker %d: the exception travels back to the loop.",
                      job_label(tl, e->job), e->type ? e->type : "an exception", e->worker);
        else
            sb_printf(b, "%s() returns on worker %d: its result travels back to the loop "
                         "through call_soon_threadsafe.", job_label(tl, e->job), e->worker);
        break;
    case RT_EV_EXEC_SHUTDOWN:
        sb_sentence(b);
        sb_printf(b, "The executor shuts down%s.", e->n ? ", waiting for its jobs" : "");
        break;
    case RT_EV_EXC_RAISE:
        sb_sentence(b);
        if (e->text)
            sb_printf(b, "%s raises %s: %s (line %d).", e->func ? e->func : who,
                      e->type ? e->type : "an exception", e->text, e->line);
        else
            sb_printf(b, "%s raises %s (line %d).", e->func ? e->func : who,
                      e->type ? e->type : "an exception", e->line);
        break;
    case RT_EV_EXC_PROPAGATE:
        sb_sentence(b);
        if (e->peer)
            sb_printf(b, "The %s that ended %s arrives in %s at the await on line %d.",
                      e->type ? e->type : "exception", label(tl, e->peer, b2, sizeof b2), who,
                      e->line);
        else
            sb_printf(b, "%s is not caught in %s: it travels up to %s (line %d).",
                      e->type ? e->type : "The exception", e->func ? e->func : "?",
                      e->name ? e->name : "its caller", e->line);
        break;
    case RT_EV_EXC_CATCH:
        sb_sentence(b);
        sb_printf(b, "The except at line %d in %s catches %s.", e->line, e->func ? e->func : who,
                  e->type ? e->type : "it");
        break;
    case RT_EV_EXC_UNHANDLED:
        sb_sentence(b);
        sb_printf(b, "Nobody catches %s: it leaves the program and the traceback is printed.",
                  e->type ? e->type : "the exception");
        break;
    case RT_EV_EXC_HANDLER:
        sb_sentence(b);
        sb_printf(b, "The loop's exception handler is called: %s.",
                  e->name ? e->name : e->type ? e->type : "an error");
        break;
    case RT_EV_WARN:
        sb_sentence(b);
        sb_printf(b, "%s: %s", e->type ? e->type : "Warning", e->text ? e->text : "");
        break;
    case RT_EV_OUTPUT:
        sb_sentence(b);
        if (e->task)
            sb_printf(b, "%s prints \"%s\".", who, e->text ? e->text : "");
        else
            sb_printf(b, "A worker thread prints \"%s\".", e->text ? e->text : "");
        break;
    case RT_EV_RUN_END:
        sb_sentence(b);
        if (e->n)
            sb_printf(b, "The run ends: %s (exit status %lld).", e->text ? e->text : "error",
                      (long long)e->n);
        else
            sb_printf(b, "The run ends.");
        break;
    default:
        break;
    }
    (void)b3;
}

void sim_narrate(const sim_timeline *tl, size_t s, char *buf, size_t size)
{
    sb b = {buf, size, 0};
    if (size)
        buf[0] = '\0';
    const rt_trace *tr = sim_timeline_trace(tl);
    if (s == 0) {
        if (tr->len == 0)
            sb_printf(&b, "Waiting for the first event.");
        else
            sb_printf(&b, "Nothing has run yet. Press Space to play or the right arrow to "
                          "take one step.");
        return;
    }
    sim_step st = sim_timeline_step(tl, s);
    bool alone = st.end - st.begin == 1;
    for (size_t i = st.begin; i < st.end; i++)
        narrate_event(tl, st.begin, st.end, i, &b, alone);
    if (b.len == 0) {
        /* Only silent events: say what the loop is doing. */
        for (size_t i = st.begin; i < st.end; i++)
            narrate_event(tl, st.begin, st.end, i, &b, true);
    }
}

void sim_describe_event(const sim_timeline *tl, size_t i, char *buf, size_t size)
{
    sb b = {buf, size, 0};
    if (size)
        buf[0] = '\0';
    if (i < sim_timeline_trace(tl)->len)
        narrate_event(tl, i, i + 1, i, &b, true);
}

void sim_task_history(const sim_timeline *tl, uint64_t id, size_t upto,
                      void (*fn)(void *data, size_t event, const char *text), void *data)
{
    const rt_trace *tr = sim_timeline_trace(tl);
    const sim_task_info *ti = sim_index_task(sim_timeline_index(tl), id);
    if (upto > tr->len)
        upto = tr->len;
    char text[400];
    for (size_t i = ti ? ti->created_at : 0; i < upto; i++) {
        const rt_event *e = &tr->events[i];
        bool mine = false;
        switch (e->kind) {
        case RT_EV_TASK_CREATE:
            mine = e->task == id || e->peer == id;
            break;
        case RT_EV_TASK_STEP:
        case RT_EV_TASK_SUSPEND:
        case RT_EV_TASK_DONE:
        case RT_EV_TASK_CANCEL_REQUEST:
        case RT_EV_TASK_CANCEL_DELIVER:
        case RT_EV_OUTPUT:
        case RT_EV_EXC_RAISE:
        case RT_EV_EXC_PROPAGATE:
        case RT_EV_EXC_CATCH:
        case RT_EV_EXC_UNHANDLED:
        case RT_EV_LOOP_BLOCK:
            mine = e->task == id;
            break;
        case RT_EV_HANDLE_SCHEDULE:
            mine = e->task == id && e->kind2 == RT_HANDLE_WAKEUP;
            break;
        default:
            break;
        }
        if (!mine)
            continue;
        char t[32];
        sim_format_time(e->t, t, sizeof t);
        sb b = {text, sizeof text, 0};
        sb_printf(&b, "t=%s ", t);
        sb inner = {text + b.len, sizeof text - b.len, 0};
        narrate_event(tl, i, i + 1, i, &inner, true);
        fn(data, i, text);
    }
}
