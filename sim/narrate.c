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

/* What a future is called: its label ("sleep(1)", "Lock.acquire()"), else
 * "a future" (or its role: "a gather"). */
static const char *fut_label(const sim_timeline *tl, uint64_t fut, char *buf, size_t size)
{
    const sim_fut_info *fi = sim_index_fut(sim_timeline_index(tl), fut);
    if (fi && fi->name)
        return fi->name;
    if (fi && fi->role != RT_ROLE_PLAIN) {
        snprintf(buf, size, "a %s", rt_trace_kind2_name(RT_EV_FUTURE_CREATE, fi->role));
        return buf;
    }
    return "a future";
}

static const char *job_label(const sim_timeline *tl, uint64_t job)
{
    const sim_job_info *j = sim_index_job(sim_timeline_index(tl), job);
    return j && j->name ? j->name : "the job";
}

/* A callback's name as a reader says it: asyncio's nested functions
 * ("gather.<locals>._done_callback") become "gather's _done_callback". */
static const char *cb_name(const char *name, char *buf, size_t size)
{
    if (!name)
        return NULL;
    const char *loc = strstr(name, ".<locals>.");
    if (!loc)
        return name;
    snprintf(buf, size, "%.*s's %s", (int)(loc - name), name, loc + 10);
    return buf;
}

/* Printed text as one line of prose: the final newline dropped, inner
 * ones shown as a return arrow, cut at 120 bytes (on a UTF-8 boundary). */
static const char *one_line(const char *text, char *buf, size_t size)
{
    size_t o = 0, n = text ? strlen(text) : 0;
    if (n && text[n - 1] == '\n')
        n--;
    for (size_t i = 0; i < n && o + 8 < size; i++) {
        if (o >= 120 && ((unsigned char)text[i] & 0xc0) != 0x80) {
            memcpy(buf + o, "\xe2\x80\xa6", 3); /* ... */
            o += 3;
            break;
        }
        if (text[i] == '\n') {
            memcpy(buf + o, " \xe2\x86\xb5 ", 5); /* a return arrow */
            o += 5;
        } else if (text[i] == '\t' || text[i] == '\r') {
            buf[o++] = ' ';
        } else {
            buf[o++] = text[i];
        }
    }
    buf[o] = '\0';
    return buf;
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

/* The task that awaits future `fut` as of event i (its last task.suspend
 * on it), or 0. */
static uint64_t waiter_of(const rt_trace *tr, uint64_t fut, size_t i)
{
    size_t stop = i > 20000 ? i - 20000 : 0;
    for (size_t k = i; k-- > stop;) {
        const rt_event *e = &tr->events[k];
        if (e->kind == RT_EV_TASK_SUSPEND && e->future == fut)
            return e->task;
        if (e->kind == RT_EV_FUTURE_CREATE && e->future == fut)
            return 0;
    }
    return 0;
}

/* The task whose step runs at event i (the last task.step before it, if
 * that step has not ended), or 0: who called call_later, run_in_executor,
 * Lock.release... */
static uint64_t running_at(const rt_trace *tr, size_t i)
{
    size_t stop = i > 5000 ? i - 5000 : 0;
    for (size_t k = i; k-- > stop;) {
        const rt_event *r = &tr->events[k];
        if (r->kind == RT_EV_TASK_STEP)
            return r->task;
        if (r->kind == RT_EV_TASK_SUSPEND || r->kind == RT_EV_TASK_DONE ||
            r->kind == RT_EV_LOOP_ITERATION ||
            (r->kind == RT_EV_HANDLE_RUN && r->kind2 != RT_HANDLE_STEP &&
             r->kind2 != RT_HANDLE_WAKEUP))
            return 0;
    }
    return 0;
}

/* Task `id`'s name before event i: its task.create's, or its last
 * task.rename's before i (the index knows only the newest). */
static const char *name_before(const rt_trace *tr, uint64_t id, size_t i)
{
    for (size_t k = i; k-- > 0;) {
        const rt_event *e = &tr->events[k];
        if ((e->kind == RT_EV_TASK_RENAME || e->kind == RT_EV_TASK_CREATE) && e->task == id)
            return e->name;
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

/* The first letter of `s` at the start of a sentence: "the ..." and
 * "a ..." get a capital; names (main, fetch) keep their spelling. */
static char cap(const char *s)
{
    if (strncmp(s, "the ", 4) == 0 || strncmp(s, "a ", 2) == 0)
        return (char)(s[0] - 'a' + 'A');
    return s[0];
}

/* Whose done callback the handle.schedule at event i is: the completion
 * just before it (a task.done, or a future.done), as "main" or "the
 * shield() future"; NULL when none is found. */
static const char *done_owner(const sim_timeline *tl, size_t i, char *buf, size_t size)
{
    const rt_trace *tr = sim_timeline_trace(tl);
    size_t stop = i > 200 ? i - 200 : 0;
    for (size_t k = i; k-- > stop;) {
        const rt_event *e = &tr->events[k];
        if (e->kind == RT_EV_TASK_DONE)
            return label(tl, e->task, buf, size);
        if (e->kind == RT_EV_FUTURE_DONE) {
            char fb[48];
            const char *f = fut_label(tl, e->future, fb, sizeof fb);
            if (strncmp(f, "a ", 2) == 0)
                snprintf(buf, size, "%.60s", f);
            else
                snprintf(buf, size, "the %.60s future", f);
            return buf;
        }
        if (e->kind != RT_EV_HANDLE_SCHEDULE)
            return NULL;
    }
    return NULL;
}

/* Who runs the code that caused event i when the event names no task:
 * the loop's exception handler, a callback (by name), or the program
 * outside any loop. Writes into buf. */
static const char *who_else(const sim_timeline *tl, size_t i, char *buf, size_t size)
{
    const rt_trace *tr = sim_timeline_trace(tl);
    const sim_index *ix = sim_timeline_index(tl);
    size_t stop = i > 5000 ? i - 5000 : 0;
    for (size_t k = i; k-- > stop;) {
        const rt_event *e = &tr->events[k];
        switch (e->kind) {
        case RT_EV_EXC_HANDLER:
            return "The exception handler";
        case RT_EV_TASK_STEP: /* version 2: a task's step has no handle.run */
            return "The program";
        case RT_EV_HANDLE_RUN: {
            if (e->kind2 == RT_HANDLE_STEP || e->kind2 == RT_HANDLE_WAKEUP)
                return "The program";
            const sim_handle_info *h = sim_index_handle(ix, e->handle);
            char nb[96];
            const char *n = cb_name(e->name ? e->name : h ? h->name : NULL, nb, sizeof nb);
            snprintf(buf, size, "The callback %s", n ? n : "");
            return buf;
        }
        case RT_EV_LOOP_ITERATION:
        case RT_EV_LOOP_CLOSE:
        case RT_EV_LOOP_CREATE:
        case RT_EV_TASK_SUSPEND:
        case RT_EV_TASK_DONE:
            return "The program";
        default:
            break;
        }
    }
    return "The program";
}

/* Armed timers due by `when` (not fired or cancelled before event i), for
 * "these are late" sentences: up to two labels in buf, and their count. */
static int late_timers(const sim_timeline *tl, size_t i, double when, char *buf, size_t size)
{
    const rt_trace *tr = sim_timeline_trace(tl);
    size_t stop = i > 5000 ? i - 5000 : 0;
    int n = 0;
    size_t o = 0;
    buf[0] = '\0';
    for (size_t k = stop; k < i; k++) {
        const rt_event *e = &tr->events[k];
        if (e->kind != RT_EV_TIMER_ARM || e->when > when)
            continue;
        bool gone = false;
        for (size_t j = k + 1; j < i && !gone; j++) {
            const rt_event *f = &tr->events[j];
            gone = (f->kind == RT_EV_TIMER_FIRE || f->kind == RT_EV_TIMER_CANCEL ||
                    f->kind == RT_EV_HANDLE_CANCEL) &&
                   f->handle == e->handle;
        }
        if (gone)
            continue;
        if (n < 2 && o + 1 < size) {
            char lb[64], tw[32];
            sim_format_time(e->when, tw, sizeof tw);
            int w = snprintf(buf + o, size - o, "%s%s%s%s (due at t=%s)", n ? " and " : "",
                             e->task ? label(tl, e->task, lb, sizeof lb) : "",
                             e->task ? "'s " : "", e->name ? e->name : "a callback", tw);
            if (w > 0)
                o = o + (size_t)w < size ? o + (size_t)w : size - 1;
        }
        n++;
    }
    return n;
}

/* What the loop waits for in a select that jumps the clock to `when`: the
 * timer due then that fires first (armed first, not cancelled), said as
 * "main's sleep(1)" (and how many more are due with it), or the worker
 * that wakes then. */
static const char *due_at(const sim_timeline *tl, size_t i, double when, bool worker,
                          char *buf, size_t size)
{
    const rt_trace *tr = sim_timeline_trace(tl);
    size_t stop = i > 20000 ? i - 20000 : 0;
    char lb[64];
    const rt_event *first = NULL;
    int more = 0;
    for (size_t k = i; k-- > stop;) {
        const rt_event *e = &tr->events[k];
        if (worker && e->kind == RT_EV_EXEC_BLOCK && e->when == when) {
            snprintf(buf, size, "worker %d, blocked in %s", e->worker,
                     e->text ? e->text : "a blocking call");
            return buf;
        }
        if (!worker && e->kind == RT_EV_TIMER_ARM && e->when == when) {
            bool cancelled = false;
            for (size_t j = k + 1; j < i && !cancelled; j++)
                cancelled = (tr->events[j].kind == RT_EV_TIMER_CANCEL ||
                             tr->events[j].kind == RT_EV_HANDLE_CANCEL) &&
                            tr->events[j].handle == e->handle;
            if (cancelled)
                continue;
            more += first != NULL;
            first = e;
        }
    }
    if (!first)
        return NULL;
    if (first->task && first->future)
        snprintf(buf, size, "%s's %s%s", label(tl, first->task, lb, sizeof lb),
                 first->name ? first->name : "timer", more ? " (and more)" : "");
    else
        snprintf(buf, size, "the timer for %s%s", first->name ? first->name : "a callback",
                 more ? " (and more)" : "");
    return buf;
}

/* The first sentence of a future completed by task code (see model.h):
 * what `who` did, by the future's role. */
static const char *completes(const sim_fut_info *fi)
{
    if (!fi)
        return NULL;
    switch (fi->role) {
    case RT_ROLE_LOCK:
        return "releases the lock";
    case RT_ROLE_SEMAPHORE:
        return "releases the semaphore";
    case RT_ROLE_EVENT:
        return "sets the event";
    case RT_ROLE_CONDITION:
        return "notifies the condition";
    case RT_ROLE_QUEUE:
        if (fi->name && strstr(fi->name, "get"))
            return "puts an item in the queue";
        if (fi->name && strstr(fi->name, "put"))
            return "takes an item from the full queue";
        if (fi->name && strstr(fi->name, "join"))
            return "marks the last item done (task_done)";
        return "changes the queue";
    case RT_ROLE_PLAIN:
        return "sets a future's result";
    default:
        return NULL;
    }
}

/* Narrates event i of the step [begin, end) into b. `alone`: the step is
 * this event only (or only silent events), so lead-ins speak too. */
static void narrate_event(const sim_timeline *tl, size_t begin, size_t end, size_t headi,
                          size_t i, sb *b, bool alone)
{
    const rt_trace *tr = sim_timeline_trace(tl);
    const sim_index *ix = sim_timeline_index(tl);
    const rt_event *e = &tr->events[i];
    const rt_event *prev = i > begin ? &tr->events[i - 1] : NULL;
    const rt_event *next = i + 1 < end ? &tr->events[i + 1] : NULL;
    const rt_event *head = &tr->events[headi];
    char b1[64], b2[96], b3[160], tw[32], text[400];
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
        if (prev && prev->kind == RT_EV_HANDLE_RUN && prev->kind2 == RT_HANDLE_DONE_CALLBACK)
            sb_printf(b, "It calls loop.stop(): the loop stops after this iteration and "
                         "run_until_complete returns.");
        else
            sb_printf(b, "loop.stop() was called: the loop stops after this iteration.");
        break;
    case RT_EV_LOOP_CLOSE:
        sb_sentence(b);
        sb_printf(b, "The loop is closed.");
        break;
    case RT_EV_LOOP_BLOCK: {
        sb_sentence(b);
        sb_printf(b, "%s calls %s on the loop's own thread: the whole loop is blocked "
                     "until t=%s and nothing else can run.",
                  e->task ? who : "The running code", e->text ? e->text : "a blocking call", tw);
        break;
    }
    case RT_EV_LOOP_DEADLOCK:
        sb_sentence(b);
        sb_printf(b, "Deadlock: nothing is ready, no timer is armed and no worker will call "
                     "back, so the waiting tasks would wait forever. The run stops.");
        break;
    case RT_EV_CLOCK_ADVANCE: {
        char from[32];
        sim_format_time(e->t, from, sizeof from);
        sb_sentence(b);
        if (e->text && strcmp(e->text, "sleep") == 0) {
            int late = late_timers(tl, i, e->when, b3, sizeof b3);
            sb_printf(b, "While the loop's thread sleeps, the clock moves on to %s.", tw);
            if (late == 1)
                sb_printf(b, " %s is late: it cannot fire before the loop is free again.", b3);
            else if (late > 1)
                sb_printf(b, " %d timers, %s%s, are late: none can fire before the loop is "
                             "free again.", late, b3, late > 2 ? "..." : "");
            break;
        }
        bool worker = e->text && strcmp(e->text, "worker") == 0;
        const char *what = due_at(tl, i, e->when, worker, b3, sizeof b3);
        if (worker)
            sb_printf(b, "Nothing is ready and no timer is due: the loop waits for %s, which "
                         "wakes at t=%s.", what ? what : "a worker thread", tw);
        else
            sb_printf(b, "Nothing is ready: the loop sleeps until the next timer, %s, due at "
                         "t=%s.", what ? what : "the earliest one", tw);
        sb_printf(b, " On the virtual clock the wait takes no time: it jumps from %s to %s.",
                  from, tw);
        break;
    }
    case RT_EV_HANDLE_SCHEDULE: {
        if (prev && prev->kind == RT_EV_TASK_CREATE && prev->task == e->task &&
            e->kind2 == RT_HANDLE_STEP)
            break; /* said by task.create */
        if (prev && prev->kind == RT_EV_TASK_SUSPEND && prev->kind2 == RT_ROLE_YIELD &&
            prev->task == e->task && e->kind2 == RT_HANDLE_STEP)
            break; /* said by the yield */
        const char *name = cb_name(e->name, b2, sizeof b2);
        sb_sentence(b);
        switch (e->kind2) {
        case RT_HANDLE_STEP:
            sb_printf(b, "%s's next step joins the ready queue.", who);
            break;
        case RT_HANDLE_WAKEUP:
            sb_printf(b, "%s's wake-up joins the ready queue.", who);
            break;
        case RT_HANDLE_DONE_CALLBACK: {
            char pb[64];
            const char *owner = done_owner(tl, i, pb, sizeof pb);
            if (owner && name)
                sb_printf(b, "%c%s's done callback %s joins the ready queue.", cap(owner),
                          owner + 1, name);
            else if (owner)
                sb_printf(b, "%c%s's done callback joins the ready queue.", cap(owner),
                          owner + 1);
            else if (name)
                sb_printf(b, "The done callback %s joins the ready queue.", name);
            else
                sb_printf(b, "One of asyncio's own done callbacks joins the ready queue.");
            break;
        }
        case RT_HANDLE_THREADSAFE:
            sb_printf(b, "The worker hands the outcome to the loop: a callback for %s joins "
                         "the ready queue (call_soon_threadsafe).", name ? name : "it");
            break;
        default:
            if (e->peer)
                sb_printf(b, "%s calls loop.call_soon(%s): it joins the tail of the ready "
                             "queue.", label(tl, e->peer, b3, sizeof b3), name ? name : "...");
            else
                sb_printf(b, "%s joins the ready queue (call_soon).", name ? name : "A callback");
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
        const char *name = cb_name(e->name ? e->name : h ? h->name : NULL, b2, sizeof b2);
        sb_sentence(b);
        if (h && h->timer) {
            if (h->task && h->fut)
                sb_printf(b, "The loop runs the callback of %s's %s timer.",
                          label(tl, h->task, b3, sizeof b3), name ? name : "");
            else
                sb_printf(b, "The loop runs the timer's callback, %s.", name ? name : "");
        } else if (e->kind2 == RT_HANDLE_DONE_CALLBACK) {
            char pb[64];
            const char *owner = h ? done_owner(tl, h->scheduled_at, pb, sizeof pb) : NULL;
            if (owner && name)
                sb_printf(b, "The loop runs %s's done callback, %s.", owner, name);
            else if (owner)
                sb_printf(b, "The loop runs %s's done callback.", owner);
            else if (name)
                sb_printf(b, "The loop runs the done callback %s.", name);
            else
                sb_printf(b, "The loop runs one of asyncio's own done callbacks.");
        } else if (e->kind2 == RT_HANDLE_THREADSAFE) {
            sb_printf(b, "The loop runs the callback the worker queued for %s.",
                      name ? name : "its job");
        } else {
            sb_printf(b, "The loop runs the callback %s.", name ? name : "");
        }
        break;
    }
    case RT_EV_HANDLE_CANCEL:
        sb_sentence(b);
        sb_printf(b, "A queued callback is cancelled: the loop will skip it.");
        break;
    case RT_EV_TIMER_ARM: {
        if (e->future && !alone) {
            bool covered = false;
            for (size_t k = i + 1; k < end; k++)
                covered |= tr->events[k].kind == RT_EV_TASK_SUSPEND;
            if (covered)
                break;
        }
        const char *name = cb_name(e->name, b2, sizeof b2);
        sb_sentence(b);
        uint64_t running = e->future ? 0 : running_at(tr, i);
        if (running) {
            /* call_later, by the task whose step runs now. */
            sb_printf(b, "%s calls loop.call_later(): a timer for %s is armed, due at t=%s.",
                      label(tl, running, b3, sizeof b3), name ? name : "a callback", tw);
            break;
        }
        sb_printf(b, "A timer for %s is armed, due at t=%s.", name ? name : "a callback", tw);
        break;
    }
    case RT_EV_TIMER_FIRE: {
        if (prev && prev->kind == RT_EV_TIMER_FIRE)
            break; /* counted with the first */
        size_t n = 1;
        while (i + n < end && tr->events[i + n].kind == RT_EV_TIMER_FIRE)
            n++;
        const sim_handle_info *h = sim_index_handle(ix, e->handle);
        sb_sentence(b);
        if (n == 1 && h && h->task && h->fut)
            sb_printf(b, "%s's %s timer is due: its callback moves to the ready queue.",
                      label(tl, h->task, b3, sizeof b3), h->name ? h->name : "");
        else if (n == 1)
            sb_printf(b, "The timer for %s is due: it moves to the ready queue.",
                      h && h->name ? cb_name(h->name, b2, sizeof b2) : "a callback");
        else
            sb_printf(b, "%zu timers are due: they move to the ready queue in the heap's "
                         "order.", n);
        break;
    }
    case RT_EV_TIMER_CANCEL: {
        const sim_handle_info *h = sim_index_handle(ix, e->handle);
        sb_sentence(b);
        if (!alone && h && h->fut && h->task && head->task == h->task) {
            /* A task's own sleep, cancelled as the cancellation reaches it. */
            sb_printf(b, "Its %s timer is cancelled and struck out.", h->name ? h->name : "");
            break;
        }
        sb_printf(b, "The timer for %s is cancelled: it stays in the heap, struck out, until "
                     "the loop pops it.", h && h->name ? cb_name(h->name, b2, sizeof b2)
                                                       : "a callback");
        break;
    }
    case RT_EV_FUTURE_CREATE:
        if (alone) {
            sb_sentence(b);
            sb_printf(b, "A future for %s is created.", fut_label(tl, e->future, b2, sizeof b2));
        }
        break;
    case RT_EV_FUTURE_DONE: {
        const sim_fut_info *fi = sim_index_fut(ix, e->future);
        const char *f = fut_label(tl, e->future, b2, sizeof b2);
        uint64_t waiter = waiter_of(tr, e->future, i);
        char wb[64];
        const char *wname = waiter ? label(tl, waiter, wb, sizeof wb) : NULL;
        sb_sentence(b);
        /* Completed by task code (a headline, see model.h): say what the
         * task did first. */
        const char *did = e->kind2 == RT_DONE_CANCELLED ? "cancels a future" : completes(fi);
        if (i == headi && did) {
            uint64_t by = running_at(tr, i);
            if (by && e->kind2 == RT_DONE_CANCELLED) {
                sb_printf(b, "%s cancels the %s future.", label(tl, by, b3, sizeof b3), f);
                if (wname) {
                    sb_sentence(b);
                    sb_printf(b, "%s will get CancelledError from it.", wname);
                }
                break;
            }
            if (by) {
                sb_printf(b, "%s %s.", label(tl, by, b3, sizeof b3), did);
                sb_sentence(b);
            }
        }
        bool sleep = fi && fi->role == RT_ROLE_SLEEP;
        if (wname && !sleep && fi && fi->name && e->kind2 == RT_DONE_RESULT &&
            (fi->role == RT_ROLE_LOCK || fi->role == RT_ROLE_SEMAPHORE ||
             (fi->role == RT_ROLE_QUEUE && (strstr(f, "get") || strstr(f, "put"))))) {
            /* What the waiter gets, by what it waits for. */
            if (fi->role == RT_ROLE_LOCK)
                sb_printf(b, "%s gets the lock.", wname);
            else if (fi->role == RT_ROLE_SEMAPHORE)
                sb_printf(b, "%s gets the free place.", wname);
            else if (strstr(f, "get"))
                sb_printf(b, "%s's %s gets the item.", wname, f);
            else
                sb_printf(b, "%s's %s finds a free place.", wname, f);
            break;
        }
        if (wname && !sleep && fi && fi->name) {
            /* "main's gather() is done." */
            sb_printf(b, "%s's %s", wname, f);
            if (e->kind2 == RT_DONE_EXCEPTION)
                sb_printf(b, " fails with %s.", e->type ? e->type : "an exception");
            else if (e->kind2 == RT_DONE_CANCELLED)
                sb_printf(b, " is cancelled.");
            else
                sb_printf(b, " is done.");
            break;
        }
        if (fi && fi->name)
            sb_printf(b, "The %s future", f);
        else if (wname)
            sb_printf(b, "The future that %s awaits", wname);
        else
            sb_printf(b, "A future");
        if (e->kind2 == RT_DONE_EXCEPTION)
            sb_printf(b, " gets an exception (%s).", e->type ? e->type : "?");
        else if (e->kind2 == RT_DONE_CANCELLED)
            sb_printf(b, " is cancelled.");
        else
            sb_printf(b, " gets its result.");
        break;
    }
    case RT_EV_TASK_CREATE: {
        const char *name = e->name ? e->name : "A task";
        sb_sentence(b);
        bool cleanup = e->func && (strcmp(e->func, "shutdown_asyncgens") == 0 ||
                                   strcmp(e->func, "shutdown_default_executor") == 0);
        if (sim_index_internal_task(ix, e->task) && !cleanup) {
            /* asyncio's own work, e.g. a server accepting a connection. */
            sb_printf(b, "asyncio starts its own %s() as %s", e->func,
                      name);
            if (next && next->kind == RT_EV_HANDLE_SCHEDULE && next->task == e->task)
                sb_printf(b, ": its first step joins the ready queue.");
            else
                sb_printf(b, ".");
            break;
        }
        if (sim_index_internal_task(ix, e->task)) {
            /* asyncio's clean-up (a quiet step: see model.h). */
            sb_printf(b, "Clean-up before the loop closes: asyncio runs its own %s() as %s",
                      e->func ? e->func : "coroutine", name);
            bool shut = false, done = false;
            for (size_t k = i + 1; k < end; k++) {
                shut |= tr->events[k].kind == RT_EV_EXEC_SHUTDOWN;
                done |= tr->events[k].kind == RT_EV_TASK_DONE && tr->events[k].task == e->task;
            }
            if (shut)
                sb_printf(b, ", which shuts the default executor down (its worker threads "
                             "end)%s", done ? " and finishes." : ".");
            else
                sb_printf(b, "%s", done ? ", which finishes at once." : ".");
            break;
        }
        if (e->peer)
            sb_printf(b, "%s creates %s for %s()", label(tl, e->peer, b2, sizeof b2), name,
                      e->func ? e->func : "?");
        else
            sb_printf(b, "%s is created for %s()", name, e->func ? e->func : "?");
        /* Version 2 names the first step in task.create; version 1 has a
         * handle.schedule right after it. */
        if (e->handle || (next && next->kind == RT_EV_HANDLE_SCHEDULE && next->task == e->task))
            sb_printf(b, ": its first step joins the ready queue.");
        else
            sb_printf(b, ".");
        break;
    }
    case RT_EV_TASK_RENAME: {
        const char *old = name_before(tr, e->task, i);
        sb_sentence(b);
        if (prev && prev->kind == RT_EV_TASK_CREATE && prev->task == e->task)
            sb_printf(b, "It is named %s.", e->name ? e->name : "?");
        else
            sb_printf(b, "%s is renamed %s (set_name).", old ? old : who,
                      e->name ? e->name : "?");
        break;
    }
    case RT_EV_TASK_STEP: {
        if (sim_index_internal_task(ix, e->task) && !alone)
            break; /* said by the clean-up's task.create */
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
        if (s && s->peer && e->type) {
            const char *pn = label(tl, s->peer, b2, sizeof b2);
            sb_printf(b, ", where it awaited %s: the %s that ended %s arrives here", pn,
                      e->type, pn);
        }
        else if (s && s->peer)
            sb_printf(b, ", where it awaited %s", label(tl, s->peer, b2, sizeof b2));
        else if (s && s->name)
            sb_printf(b, ", where it awaited %s", s->name);
        else if (s)
            sb_printf(b, ", where it awaited a future");
        sb_printf(b, ".");
        break;
    }
    case RT_EV_TASK_SUSPEND: {
        const char *what = e->name ? e->name : NULL;
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
                          who, what ? what : "sleep()", tw);
            } else {
                sb_printf(b, "%s awaits %s: it leaves the loop until its timer fires.", who,
                          what ? what : "sleep()");
            }
            break;
        }
        case RT_ROLE_YIELD:
            sb_printf(b, "%s yields (%s): it goes to the back of the ready queue.", who,
                      what ? what : "sleep(0)");
            break;
        case RT_ROLE_TASK: {
            const char *peer = e->peer ? label(tl, e->peer, b2, sizeof b2) : what ? what : "a task";
            sb_printf(b, "%s awaits %s: it waits until %s is done.", who, peer, peer);
            break;
        }
        case RT_ROLE_JOB:
            sb_printf(b, "%s awaits %s, which runs in a worker thread: it leaves the loop "
                         "until the job is done.", who, what ? what : "a job");
            break;
        case RT_ROLE_GATHER:
            sb_printf(b, "%s awaits %s: it waits until all of them are done.", who,
                      what ? what : "gather()");
            break;
        case RT_ROLE_LOCK: {
            /* The label may name the holder: "Lock.acquire(), held by Task-3". */
            const char *held = what ? strstr(what, ", held by ") : NULL;
            if (held)
                sb_printf(b, "%s awaits %.*s: %s holds the lock, so %s waits in the lock's "
                             "queue until it is released.", who, (int)(held - what), what,
                          held + 10, who);
            else
                sb_printf(b, "%s awaits %s: the lock is taken, so it waits in the lock's "
                             "queue until it is released.", who, what ? what : "the lock");
            break;
        }
        case RT_ROLE_SEMAPHORE:
            sb_printf(b, "%s awaits %s: no place is free, so it waits until another task "
                         "releases one.", who, what ? what : "the semaphore");
            break;
        case RT_ROLE_EVENT:
            sb_printf(b, "%s awaits %s: it waits until the event is set.", who,
                      what ? what : "the event");
            break;
        case RT_ROLE_CONDITION:
            sb_printf(b, "%s awaits %s: it waits until the condition is notified.", who,
                      what ? what : "the condition");
            break;
        case RT_ROLE_QUEUE:
            if (what && strstr(what, "get"))
                sb_printf(b, "%s awaits %s: the queue is empty, so it waits for an item.", who,
                          what);
            else if (what && strstr(what, "put"))
                sb_printf(b, "%s awaits %s: the queue is full, so it waits for a free place.",
                          who, what);
            else if (what && strstr(what, "join"))
                sb_printf(b, "%s awaits %s: it waits until every item is marked done "
                             "(task_done).", who, what);
            else
                sb_printf(b, "%s awaits the queue: it leaves the loop until that is done.", who);
            break;
        case RT_ROLE_WAIT:
            if (what && strstr(what, "as_completed"))
                sb_printf(b, "%s awaits %s: it waits for the next of them to finish.", who,
                          what);
            else
                sb_printf(b, "%s awaits %s: it leaves the loop until that is done.", who,
                          what ? what : "the others");
            break;
        case RT_ROLE_PLAIN:
            if (what)
                sb_printf(b, "%s awaits %s: it leaves the loop until that future is done.",
                          who, what);
            else
                sb_printf(b, "%s awaits a future: it leaves the loop until something sets "
                             "its result.", who);
            break;
        default:
            sb_printf(b, "%s awaits %s: it leaves the loop until that is done.", who,
                      what ? what : rt_trace_kind2_name(e->kind, e->kind2));
        }
        break;
    }
    case RT_EV_TASK_DONE:
        if (sim_index_internal_task(ix, e->task) && !alone)
            break; /* said by the clean-up's task.create */
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
    case RT_EV_TASK_CANCEL_REQUEST: {
        const char *by = e->peer ? label(tl, e->peer, b2, sizeof b2) : "asyncio";
        sb_sentence(b);
        if (e->text)
            sb_printf(b, "%s calls %s.cancel('%s'): CancelledError will be thrown into it at "
                         "its await.", by, who, e->text);
        else
            sb_printf(b, "%s calls %s.cancel(): CancelledError will be thrown into it at its "
                         "await.", by, who);
        break;
    }
    case RT_EV_TASK_CANCEL_DELIVER:
        if (!alone && ((next && next->kind == RT_EV_TASK_STEP && next->task == e->task) ||
                       (prev && prev->kind == RT_EV_TASK_STEP && prev->task == e->task)))
            break; /* the step says it */
        sb_sentence(b);
        sb_printf(b, "CancelledError is thrown into %s at line %d.", who, e->line);
        break;
    case RT_EV_TASK_FREE:
        break;
    case RT_EV_EXEC_CREATE:
        sb_sentence(b);
        if (e->name && strcmp(e->name, "asyncio") == 0)
            sb_printf(b, "The loop's default executor is created (up to %lld worker threads).",
                      (long long)e->n);
        else
            sb_printf(b, "An executor%s%s%s with up to %lld worker threads is created.",
                      e->name ? " (" : "", e->name ? e->name : "", e->name ? ")" : "",
                      (long long)e->n);
        break;
    case RT_EV_EXEC_THREAD:
        sb_sentence(b);
        sb_printf(b, "A new worker thread, %s, is started.", e->name ? e->name : "");
        break;
    case RT_EV_EXEC_SUBMIT: {
        bool starts = false;
        for (size_t k = i + 1; k < end; k++)
            starts |= tr->events[k].kind == RT_EV_EXEC_START && tr->events[k].job == e->job;
        uint64_t by = running_at(tr, i);
        sb_sentence(b);
        if (by)
            sb_printf(b, "%s hands %s() to the executor (run_in_executor) as job %llu.",
                      label(tl, by, b3, sizeof b3), e->name ? e->name : "a function",
                      (unsigned long long)e->job);
        else
            sb_printf(b, "%s() is handed to the executor as job %llu.",
                      e->name ? e->name : "A job", (unsigned long long)e->job);
        if (!starts) {
            sb_sentence(b);
            sb_printf(b, "Every worker is busy, so it waits in the job queue.");
        }
        break;
    }
    case RT_EV_EXEC_START:
        sb_sentence(b);
        if (prev && prev->kind == RT_EV_EXEC_DONE && prev->worker == e->worker)
            sb_printf(b, "Worker %d takes the next job from the queue: job %llu (%s).",
                      e->worker, (unsigned long long)e->job, job_label(tl, e->job));
        else
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
        else if (e->kind2 == RT_DONE_CANCELLED)
            sb_printf(b, "Job %llu (%s) is cancelled before it started.",
                      (unsigned long long)e->job, job_label(tl, e->job));
        else
            sb_printf(b, "%s() returns on worker %d: its result travels back to the loop.",
                      job_label(tl, e->job), e->worker);
        break;
    case RT_EV_EXEC_SHUTDOWN:
        if (!alone && head->kind == RT_EV_TASK_CREATE && sim_index_internal_task(ix, head->task))
            break; /* said by the clean-up's task.create */
        sb_sentence(b);
        sb_printf(b, "The executor shuts down%s.", e->n ? ", waiting for its jobs" : "");
        break;
    case RT_EV_EXC_RAISE:
        if (!alone && head->kind == RT_EV_TASK_STEP && head->type && e->type &&
            head->task == e->task && strcmp(head->type, e->type) == 0)
            break; /* the step says it was thrown in */
        sb_sentence(b);
        {
            const char *where = !e->func                       ? (e->task ? who : "The code")
                                : strcmp(e->func, "<module>") == 0 ? "The main program"
                                                                   : e->func;
            bool other = e->task && e->func && strcmp(e->func, who) != 0 &&
                         !(sim_index_task(ix, e->task) && sim_index_task(ix, e->task)->func &&
                           strcmp(sim_index_task(ix, e->task)->func, e->func) == 0);
            sb_printf(b, "%s raises %s at line %d", where, e->type ? e->type : "an exception",
                      e->line);
            if (other)
                sb_printf(b, " (in %s's task)", who);
            if (e->text && *e->text)
                sb_printf(b, ": %s", one_line(e->text, text, sizeof text));
            sb_printf(b, ".");
        }
        break;
    case RT_EV_EXC_PROPAGATE:
        sb_sentence(b);
        if (e->peer)
            sb_printf(b, "The %s that ended %s arrives in %s at the await on line %d.",
                      e->type ? e->type : "exception", label(tl, e->peer, b2, sizeof b2), who,
                      e->line);
        else
            sb_printf(b, "%s does not catch the %s: it travels up to its caller, %s, at line %d.",
                      e->func ? e->func : "The function", e->type ? e->type : "exception",
                      e->name ? e->name : "its caller", e->line);
        break;
    case RT_EV_EXC_CATCH:
        sb_sentence(b);
        sb_printf(b, "The except at line %d in %s catches the %s: %s goes on from there.",
                  e->line, e->func ? e->func : who, e->type ? e->type : "exception",
                  e->func ? e->func : who);
        break;
    case RT_EV_EXC_UNHANDLED:
        sb_sentence(b);
        sb_printf(b, "Nobody catches the %s: it leaves the program and the traceback is "
                     "printed.", e->type ? e->type : "exception");
        break;
    case RT_EV_EXC_HANDLER: {
        const char *msg = e->name ? e->name : "an error";
        char detail[300] = "";
        if (e->type)
            snprintf(detail, sizeof detail, " (%s%s%s)", e->type, e->text ? ": " : "",
                     e->text ? one_line(e->text, text, sizeof text) : "");
        sb_sentence(b);
        if (strstr(msg, "never retrieved"))
            sb_printf(b, "%s is freed, and nobody ever awaited it or asked for its exception: "
                         "asyncio reports \"%s\"%s to the loop's exception handler.",
                      e->task ? who : "A task", msg, detail);
        else if (strncmp(msg, "Exception in callback", 21) == 0)
            sb_printf(b, "No await can catch an exception raised in a callback: the loop "
                         "passes \"%s\"%s to its exception handler and goes on.", msg, detail);
        else
            sb_printf(b, "The loop's exception handler is called: \"%s\"%s.", msg, detail);
        break;
    }
    case RT_EV_WARN:
        sb_sentence(b);
        sb_printf(b, "Python warns (%s, line %d): %s.", e->type ? e->type : "Warning", e->line,
                  e->text ? one_line(e->text, text, sizeof text) : "");
        break;
    case RT_EV_OUTPUT: {
        const char *pr = e->task ? who : who_else(tl, i, b3, sizeof b3);
        char at[48];
        sim_format_time(e->t, tw, sizeof tw);
        snprintf(at, sizeof at, " at t=%s", tw);
        sb_sentence(b);
        if (e->task && strcmp(pr, who) == 0) {
            /* The exception handler may run inside a task's step. */
            const char *h = who_else(tl, i, b3, sizeof b3);
            if (strcmp(h, "The exception handler") == 0) {
                sb_printf(b, "The exception handler, called during %s's step, prints \"%s\"%s.",
                          who, one_line(e->text, text, sizeof text), at);
                break;
            }
        }
        sb_printf(b, "%s prints \"%s\"%s%s.", pr, one_line(e->text, text, sizeof text),
                  e->name && strcmp(e->name, "stderr") == 0 ? " on stderr" : "", at);
        break;
    }
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
    const rt_event *head = &tr->events[st.head];
    if (head->kind == RT_EV_TASK_CREATE &&
        sim_index_internal_task(sim_timeline_index(tl), head->task)) {
        /* asyncio's clean-up: one sentence for the whole quiet step. */
        narrate_event(tl, st.begin, st.end, st.head, st.head, &b, false);
        return;
    }
    for (size_t i = st.begin; i < st.end; i++)
        narrate_event(tl, st.begin, st.end, st.head, i, &b, alone);
    if (b.len == 0) {
        /* Only silent events: say what the loop is doing. */
        for (size_t i = st.begin; i < st.end; i++)
            narrate_event(tl, st.begin, st.end, st.head, i, &b, true);
    }
}

const char *sim_callback_name(const char *name, char *buf, size_t size)
{
    return cb_name(name, buf, size);
}

const char *sim_handle_owner(const sim_timeline *tl, uint64_t handle, char *buf, size_t size)
{
    const sim_handle_info *h = sim_index_handle(sim_timeline_index(tl), handle);
    if (!h || h->timer || h->hkind != RT_HANDLE_DONE_CALLBACK)
        return NULL;
    return done_owner(tl, h->scheduled_at, buf, size);
}

void sim_describe_event(const sim_timeline *tl, size_t i, char *buf, size_t size)
{
    sb b = {buf, size, 0};
    if (size)
        buf[0] = '\0';
    if (i < sim_timeline_trace(tl)->len)
        narrate_event(tl, i, i + 1, i, i, &b, true);
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
        case RT_EV_TASK_RENAME:
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
        narrate_event(tl, i, i + 1, i, i, &inner, true);
        fn(data, i, text);
    }
}
