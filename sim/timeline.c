/*
 * timeline.c - a trace seen as steps: the index of facts, the grouping of
 * events into steps, and checkpoints for instant seeking.
 *
 * sim_timeline_sync walks the events appended since its last call once:
 * it records what each event states for good (the index), feeds the step
 * grouper, folds the event into the "tip" model (the state after every
 * event so far) and, every SIM_CHECKPOINT_EVERY events, keeps a copy of
 * the tip. Seeking to any event is then one model copy plus fewer than
 * SIM_CHECKPOINT_EVERY folds: a 100,000-event run seeks in well under a
 * millisecond, and stepping back is just a seek.
 *
 * The grouper (documented in model.h) decides where steps end while it
 * reads: a step ends when the next headline arrives, so the last step of
 * a live run stays open and may still grow.
 */
#include <string.h>

#include "model.h"

#define NONE ((size_t)-1)

struct sim_timeline {
    const rt_trace *tr;        /* borrowed */
    sim_index ix;              /* facts, grown as events come */
    sim_step *steps;           /* closed steps: step s is steps[s - 1] */
    size_t nsteps, capsteps;
    size_t group_start;        /* first event of the open group */
    bool has_head;             /* the open group has its headline */
    size_t head;               /* ... at this index */
    size_t pending;            /* lead-in events after it start here, or NONE */
    int64_t pend_iteration;    /* the iteration when `pending` was set */
    double pend_t;             /* the clock then */
    sim_model tip;             /* the state after all synced events */
    sim_model *checks;         /* checks[k]: the state after k * EVERY events */
    size_t nchecks, capchecks;
    size_t synced;             /* events folded so far */
};

/* ------------------------------------------------------------------------ */
/* The index                                                                */
/* ------------------------------------------------------------------------ */

const sim_task_info *sim_index_task(const sim_index *ix, uint64_t id)
{
    return id && id < ix->ntasks && ix->tasks[id].name ? &ix->tasks[id] : NULL;
}

const sim_fut_info *sim_index_fut(const sim_index *ix, uint64_t id)
{
    return id && id < ix->nfuts && ix->futs[id].known ? &ix->futs[id] : NULL;
}

const sim_job_info *sim_index_job(const sim_index *ix, uint64_t id)
{
    return id && id < ix->njobs ? &ix->jobs[id] : NULL;
}

const sim_handle_info *sim_index_handle(const sim_index *ix, uint64_t id)
{
    return id && id < ix->nhandles ? &ix->handles[id] : NULL;
}

bool sim_index_internal_task(const sim_index *ix, uint64_t id)
{
    const sim_task_info *ti = sim_index_task(ix, id);
    return ti && ti->line == 0 && ti->func;
}

const char *sim_task_name(const sim_index *ix, uint64_t id, char *buf, size_t size)
{
    const sim_task_info *ti = sim_index_task(ix, id);
    if (ti)
        return ti->name;
    snprintf(buf, size, "task %llu", (unsigned long long)id);
    return buf;
}

const char *sim_task_label(const sim_index *ix, uint64_t id, char *buf, size_t size)
{
    const sim_task_info *ti = sim_index_task(ix, id);
    if (!ti)
        return sim_task_name(ix, id, buf, size);
    if (ti->func && ti->func_slot && strncmp(ti->name, "Task-", 5) == 0 &&
        ix->funcs[ti->func_slot - 1].count == 1)
        return ti->func;
    return ti->name;
}

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* Counts one more task running `func`; returns its slot + 1 (0: none). */
static uint32_t count_func(sim_index *ix, const char *func)
{
    if (!func)
        return 0;
    if (ix->nfuncs * 2 >= ix->cap_funcs) {
        size_t cap = ix->cap_funcs ? ix->cap_funcs * 2 : 64;
        struct sim_func_count *fresh = rt_calloc(cap, sizeof *fresh);
        if (!fresh)
            return 0;
        /* Rehash; tasks refer to slots, so renumber them too. */
        uint32_t *moved = rt_calloc(ix->cap_funcs ? ix->cap_funcs : 1, sizeof *moved);
        if (!moved) {
            rt_free(fresh);
            return 0;
        }
        for (size_t i = 0; i < ix->cap_funcs; i++) {
            if (!ix->funcs[i].func)
                continue;
            size_t j = hash_str(ix->funcs[i].func) % cap;
            while (fresh[j].func)
                j = (j + 1) % cap;
            fresh[j] = ix->funcs[i];
            moved[i] = (uint32_t)j + 1;
        }
        for (size_t k = 0; k < ix->ntasks; k++)
            if (ix->tasks[k].func_slot)
                ix->tasks[k].func_slot = moved[ix->tasks[k].func_slot - 1];
        rt_free(moved);
        rt_free(ix->funcs);
        ix->funcs = fresh;
        ix->cap_funcs = cap;
    }
    size_t j = hash_str(func) % ix->cap_funcs;
    while (ix->funcs[j].func && strcmp(ix->funcs[j].func, func) != 0)
        j = (j + 1) % ix->cap_funcs;
    if (!ix->funcs[j].func) {
        ix->funcs[j].func = func;
        ix->nfuncs++;
    }
    ix->funcs[j].count++;
    return (uint32_t)j + 1;
}

/* Makes entry `id` of a zeroed, id-indexed array exist. Ids count from 1
 * in creation order, so an id can never exceed the number of events seen
 * so far; `limit` enforces that against hostile traces. */
static void *slot(void **arr, size_t *n, size_t *cap, uint64_t id, size_t elem,
                  size_t limit)
{
    if (!id || id > limit)
        return NULL;
    if (id >= *cap) {
        size_t want = *cap ? *cap : 64;
        while (want <= id)
            want *= 2;
        char *p = rt_realloc(*arr, want * elem);
        if (!p)
            return NULL;
        memset(p + *cap * elem, 0, (want - *cap) * elem);
        *arr = p;
        *cap = want;
    }
    if (id >= *n)
        *n = id + 1;
    return (char *)*arr + id * elem;
}

#define SLOT(ix, field, n, cap, id, limit)                                   \
    slot((void **)&(ix)->field, &(ix)->n, &(ix)->cap, (id), sizeof *(ix)->field, (limit))

/* Records what a handle.schedule says of its handle, or what a version 2
 * task.create or task.suspend says of the step it queued (`peer`: the task
 * running when it was queued, 0 when that is the task itself). */
static int index_handle(sim_index *ix, size_t i, size_t limit, uint64_t handle, uint64_t task,
                        uint64_t peer, const char *name, int hkind)
{
    sim_handle_info *h = SLOT(ix, handles, nhandles, cap_handles, handle, limit);
    if (!h)
        return handle && handle <= limit ? RT_ENOMEM : RT_OK;
    h->name = name;
    h->task = task;
    h->peer = peer;
    h->fut = 0;
    h->scheduled_at = i;
    h->timer = false;
    h->when = 0;
    h->hkind = (uint8_t)hkind;
    return RT_OK;
}

static int index_add(sim_index *ix, size_t i, const rt_event *ev)
{
    size_t limit = i + 1024;
    switch (ev->kind) {
    case RT_EV_TASK_CREATE: {
        sim_task_info *t = SLOT(ix, tasks, ntasks, cap_tasks, ev->task, limit);
        if (!t)
            return ev->task && ev->task <= limit ? RT_ENOMEM : RT_OK;
        t->name = ev->name ? ev->name : "task";
        t->func = ev->func;
        t->line = ev->line;
        t->parent = ev->peer;
        t->created_at = i;
        t->color = (int)((ev->task - 1) % SIM_TASK_COLORS);
        t->func_slot = count_func(ix, ev->func);
        if (ev->handle)
            return index_handle(ix, i, limit, ev->handle, ev->task, ev->peer, NULL,
                                RT_HANDLE_STEP);
        break;
    }
    case RT_EV_TASK_RENAME: {
        /* Its name from now on, and in every step the window shows. */
        sim_task_info *t = sim_index_task(ix, ev->task) ? &ix->tasks[ev->task] : NULL;
        if (t && ev->name)
            t->name = ev->name;
        break;
    }
    case RT_EV_TASK_SUSPEND:
        if (ev->handle)
            return index_handle(ix, i, limit, ev->handle, ev->task, 0, NULL, RT_HANDLE_STEP);
        break;
    case RT_EV_FUTURE_CREATE: {
        sim_fut_info *f = SLOT(ix, futs, nfuts, cap_futs, ev->future, limit);
        if (!f)
            return ev->future && ev->future <= limit ? RT_ENOMEM : RT_OK;
        f->name = ev->name;
        f->creator = ev->task;
        f->job = ev->job;
        f->role = (uint8_t)ev->kind2;
        f->known = true;
        ix->unbound_job_fut = ev->kind2 == RT_ROLE_JOB && !ev->job ? ev->future : 0;
        if (ev->job) {
            sim_job_info *j = SLOT(ix, jobs, njobs, cap_jobs, ev->job, limit);
            if (j)
                j->fut = ev->future;
        }
        break;
    }
    case RT_EV_EXEC_SUBMIT: {
        sim_job_info *j = SLOT(ix, jobs, njobs, cap_jobs, ev->job, limit);
        if (!j)
            return ev->job && ev->job <= limit ? RT_ENOMEM : RT_OK;
        j->name = ev->name;
        j->executor = ev->executor;
        j->submitted_at = i;
        if (ix->unbound_job_fut && ix->unbound_job_fut < ix->nfuts) {
            /* The future created just before carries this job's result. */
            ix->futs[ix->unbound_job_fut].job = ev->job;
            if (!j->fut)
                j->fut = ix->unbound_job_fut;
            ix->unbound_job_fut = 0;
        }
        break;
    }
    case RT_EV_HANDLE_SCHEDULE:
    case RT_EV_TIMER_ARM: {
        sim_handle_info *h = SLOT(ix, handles, nhandles, cap_handles, ev->handle, limit);
        if (!h)
            return ev->handle && ev->handle <= limit ? RT_ENOMEM : RT_OK;
        h->name = ev->name;
        h->task = ev->task;
        h->peer = ev->kind == RT_EV_HANDLE_SCHEDULE ? ev->peer : 0;
        h->fut = ev->kind == RT_EV_TIMER_ARM ? ev->future : 0;
        h->scheduled_at = i;
        h->timer = ev->kind == RT_EV_TIMER_ARM;
        h->when = h->timer ? ev->when : 0;
        h->hkind = (uint8_t)(h->timer ? RT_HANDLE_CALLBACK : ev->kind2);
        break;
    }
    case RT_EV_OUTPUT:
    case RT_EV_WARN:
    case RT_EV_EXC_UNHANDLED:
        /* Warnings and the last line of an uncaught exception's traceback
         * are printed on stderr too: the output panel shows them. */
        if (ix->noutputs == ix->cap_outputs) {
            size_t cap = ix->cap_outputs ? ix->cap_outputs * 2 : 64;
            size_t *p = rt_realloc(ix->outputs, cap * sizeof *p);
            if (!p)
                return RT_ENOMEM;
            ix->outputs = p;
            ix->cap_outputs = cap;
        }
        ix->outputs[ix->noutputs++] = i;
        break;
    default:
        break;
    }
    return RT_OK;
}

static void index_free(sim_index *ix)
{
    rt_free(ix->tasks);
    rt_free(ix->futs);
    rt_free(ix->jobs);
    rt_free(ix->handles);
    rt_free(ix->outputs);
    rt_free(ix->funcs);
    memset(ix, 0, sizeof *ix);
}

/* ------------------------------------------------------------------------ */
/* Grouping events into steps                                               */
/* ------------------------------------------------------------------------ */

sim_group sim_event_group(const rt_event *ev)
{
    switch (ev->kind) {
    case RT_EV_LOOP_CREATE:
    case RT_EV_LOOP_RUN:
    case RT_EV_LOOP_ITERATION:
    case RT_EV_LOOP_PHASE:
    case RT_EV_FUTURE_CREATE:
    case RT_EV_EXEC_CREATE:
    case RT_EV_TASK_CANCEL_DELIVER:
        return SIM_GROUP_LEAD;
    case RT_EV_HANDLE_RUN:
        return ev->kind2 == RT_HANDLE_STEP || ev->kind2 == RT_HANDLE_WAKEUP ? SIM_GROUP_LEAD
                                                                            : SIM_GROUP_HEAD;
    case RT_EV_TIMER_ARM:
        return ev->future ? SIM_GROUP_LEAD : SIM_GROUP_HEAD;
    case RT_EV_HANDLE_SCHEDULE:
    case RT_EV_HANDLE_CANCEL:
    case RT_EV_TIMER_CANCEL:
    case RT_EV_FUTURE_DONE:
    case RT_EV_TIMER_FIRE:
    case RT_EV_EXEC_THREAD:
    case RT_EV_EXEC_START:
    case RT_EV_TASK_FREE:
    case RT_EV_TASK_RENAME:
    case RT_EV_LOOP_STOP:
    case RT_EV_RUN_END:
        return SIM_GROUP_FOLLOW;
    default:
        return SIM_GROUP_HEAD;
    }
}

/* The line a step is about: its headline's, else the last one it names. */
static int group_line(const rt_trace *tr, size_t begin, size_t end, size_t head)
{
    if (head < end && tr->events[head].line)
        return tr->events[head].line;
    for (size_t i = end; i-- > begin;)
        if (tr->events[i].line)
            return tr->events[i].line;
    return 0;
}

static int close_group(sim_timeline *tl, size_t end, int64_t iteration, double t)
{
    if (tl->nsteps == tl->capsteps) {
        size_t cap = tl->capsteps ? tl->capsteps * 2 : 256;
        sim_step *p = rt_realloc(tl->steps, cap * sizeof *p);
        if (!p)
            return RT_ENOMEM;
        tl->steps = p;
        tl->capsteps = cap;
    }
    sim_step st = {tl->group_start, end, tl->has_head ? tl->head : end - 1, 0, iteration, t};
    st.line = group_line(tl->tr, st.begin, st.end, st.head);
    tl->steps[tl->nsteps++] = st;
    tl->group_start = end;
    return RT_OK;
}

/* Is event `ev` part of asyncio's own clean-up (see model.h)? It is when
 * it concerns a task created without a source line: that task's steps,
 * its handles, the done callback it triggers, or what runs while it runs.
 * The task.create itself is not: it heads the clean-up step. */
static bool quiet(const sim_timeline *tl, const rt_event *ev)
{
    const sim_index *ix = &tl->ix;
    switch (ev->kind) {
    case RT_EV_TASK_CREATE:
        return false;
    case RT_EV_HANDLE_RUN: {
        const sim_handle_info *h = sim_index_handle(ix, ev->handle);
        if (h && h->hkind == RT_HANDLE_DONE_CALLBACK && sim_index_internal_task(ix, h->peer))
            return true;
        break;
    }
    case RT_EV_HANDLE_SCHEDULE:
        if (ev->kind2 == RT_HANDLE_DONE_CALLBACK && sim_index_internal_task(ix, ev->peer))
            return true;
        break;
    case RT_EV_OUTPUT:
    case RT_EV_WARN:
    case RT_EV_EXC_RAISE:
    case RT_EV_EXC_PROPAGATE:
    case RT_EV_EXC_CATCH:
    case RT_EV_EXC_UNHANDLED:
    case RT_EV_EXC_HANDLER:
    case RT_EV_CLOCK_ADVANCE:
    case RT_EV_EXEC_WAKE:
    case RT_EV_EXEC_DONE:
    case RT_EV_EXEC_BLOCK:
    case RT_EV_LOOP_BLOCK:
    case RT_EV_LOOP_DEADLOCK:
        return false; /* worth a step of its own even during clean-up */
    default:
        break;
    }
    if (ev->task && sim_index_internal_task(ix, ev->task))
        return true;
    /* What happens while a clean-up task runs (the executor shutting
     * down). */
    return !ev->task && tl->tip.loop.running_task &&
           sim_index_internal_task(ix, tl->tip.loop.running_task) &&
           ev->kind == RT_EV_EXEC_SHUTDOWN;
}

/* The group of event `ev` given what came before it: the kind's group
 * (sim_event_group), refined by content as the top of model.h says.
 * Returns SIM_GROUP_FOLLOW for an event that must join the open step even
 * after lead-ins (*absorb set), else the group. */
static sim_group group_of(const sim_timeline *tl, const rt_event *ev, bool *absorb)
{
    const rt_trace *tr = tl->tr;
    const rt_event *head = tl->has_head ? &tr->events[tl->head] : NULL;
    *absorb = false;
    if (head && quiet(tl, ev)) {
        *absorb = true;
        return SIM_GROUP_FOLLOW;
    }
    switch (ev->kind) {
    case RT_EV_HANDLE_SCHEDULE:
        /* A running task calls call_soon: that is what it does now. */
        if (ev->kind2 == RT_HANDLE_CALLBACK && ev->peer)
            return SIM_GROUP_HEAD;
        break;
    case RT_EV_FUTURE_DONE:
        if (ev->kind2 != RT_DONE_CANCELLED && tl->tip.loop.running_task &&
            tl->pending == NONE) {
            /* Task code completes a future (releases a lock, sets an
             * event...): a headline, joined by the ones right after it. */
            if (head && head->kind == RT_EV_FUTURE_DONE)
                return SIM_GROUP_FOLLOW;
            return SIM_GROUP_HEAD;
        }
        break;
    case RT_EV_TASK_CANCEL_DELIVER:
        /* The runtime reports the delivery after the step that throws it. */
        if (head && head->kind == RT_EV_TASK_STEP && head->task == ev->task &&
            tl->pending == NONE)
            return SIM_GROUP_FOLLOW;
        break;
    case RT_EV_EXC_RAISE:
        /* The exception the resuming step threw in appears in the frame. */
        if (head && head->kind == RT_EV_TASK_STEP && head->task == ev->task && head->type &&
            ev->type && strcmp(head->type, ev->type) == 0 && tl->pending == NONE)
            return SIM_GROUP_FOLLOW;
        break;
    default:
        break;
    }
    return sim_event_group(ev);
}

/* Feeds event i (not yet folded into the tip). */
static int feed(sim_timeline *tl, size_t i, const rt_event *ev)
{
    bool absorb;
    sim_group g = group_of(tl, ev, &absorb);
    if (absorb) {
        tl->pending = NONE; /* the lead-ins belong to this step too */
        return RT_OK;
    }
    if (g == SIM_GROUP_LEAD) {
        if (tl->has_head && tl->pending == NONE) {
            tl->pending = i;
            tl->pend_iteration = tl->tip.loop.iteration;
            tl->pend_t = tl->tip.t;
        }
        return RT_OK;
    }
    if (g == SIM_GROUP_FOLLOW && tl->has_head && tl->pending == NONE)
        return RT_OK; /* a consequence of the open step's headline */
    if (tl->has_head) {
        int rc = tl->pending != NONE
                     ? close_group(tl, tl->pending, tl->pend_iteration, tl->pend_t)
                     : close_group(tl, i, tl->tip.loop.iteration, tl->tip.t);
        if (rc)
            return rc;
    }
    tl->has_head = true;
    tl->head = i;
    tl->pending = NONE;
    return RT_OK;
}

/* ------------------------------------------------------------------------ */
/* The timeline                                                             */
/* ------------------------------------------------------------------------ */

sim_timeline *sim_timeline_new(const rt_trace *tr)
{
    sim_timeline *tl = rt_calloc(1, sizeof *tl);
    if (!tl)
        return NULL;
    tl->tr = tr;
    tl->pending = NONE;
    sim_model_init(&tl->tip);
    if (sim_timeline_sync(tl) < 0) {
        sim_timeline_free(tl);
        return NULL;
    }
    return tl;
}

void sim_timeline_free(sim_timeline *tl)
{
    if (!tl)
        return;
    index_free(&tl->ix);
    rt_free(tl->steps);
    sim_model_deinit(&tl->tip);
    for (size_t k = 0; k < tl->nchecks; k++)
        sim_model_deinit(&tl->checks[k]);
    rt_free(tl->checks);
    rt_free(tl);
}

static int add_checkpoint(sim_timeline *tl)
{
    if (tl->nchecks == tl->capchecks) {
        size_t cap = tl->capchecks ? tl->capchecks * 2 : 16;
        sim_model *p = rt_realloc(tl->checks, cap * sizeof *p);
        if (!p)
            return RT_ENOMEM;
        tl->checks = p;
        tl->capchecks = cap;
    }
    sim_model *c = &tl->checks[tl->nchecks];
    sim_model_init(c);
    if (sim_model_copy(c, &tl->tip)) {
        sim_model_deinit(c);
        return RT_ENOMEM;
    }
    tl->nchecks++;
    return RT_OK;
}

long sim_timeline_sync(sim_timeline *tl)
{
    const rt_trace *tr = tl->tr;
    long added = 0;
    while (tl->synced < tr->len) {
        size_t i = tl->synced;
        const rt_event *ev = &tr->events[i];
        if (i % SIM_CHECKPOINT_EVERY == 0 && i / SIM_CHECKPOINT_EVERY == tl->nchecks &&
            add_checkpoint(tl))
            return RT_ENOMEM;
        if (index_add(&tl->ix, i, ev) || feed(tl, i, ev))
            return RT_ENOMEM;
        sim_model_apply(&tl->tip, &tl->ix, ev);
        if (tl->tip.oom)
            return RT_ENOMEM;
        tl->synced++;
        added++;
    }
    return added;
}

const rt_trace *sim_timeline_trace(const sim_timeline *tl) { return tl->tr; }
const sim_index *sim_timeline_index(const sim_timeline *tl) { return &tl->ix; }
const sim_model *sim_timeline_tip(const sim_timeline *tl) { return &tl->tip; }

/* The end of the open group as a step, or NONE when it is not one yet. */
static size_t open_end(const sim_timeline *tl)
{
    bool final = tl->tr->complete && tl->synced == tl->tr->len;
    if (tl->group_start >= tl->synced)
        return NONE;
    if (final)
        return tl->synced;
    if (!tl->has_head)
        return NONE; /* only lead-ins so far: their headline is to come */
    return tl->pending != NONE ? tl->pending : tl->synced;
}

size_t sim_timeline_steps(const sim_timeline *tl)
{
    return tl->nsteps + (open_end(tl) != NONE ? 1 : 0);
}

sim_step sim_timeline_step(const sim_timeline *tl, size_t s)
{
    sim_step st = {0, 0, 0, 0, 0, 0.0};
    if (s == 0)
        return st;
    if (s <= tl->nsteps)
        return tl->steps[s - 1];
    size_t end = open_end(tl);
    if (s != tl->nsteps + 1 || end == NONE)
        return s > tl->nsteps ? sim_timeline_step(tl, sim_timeline_steps(tl)) : st;
    st.begin = tl->group_start;
    st.end = end;
    st.head = tl->has_head && tl->head < end ? tl->head : end - 1;
    st.line = group_line(tl->tr, st.begin, st.end, st.head);
    bool tail = end == tl->synced;
    st.iteration = tail ? tl->tip.loop.iteration : tl->pend_iteration;
    st.t = tail ? tl->tip.t : tl->pend_t;
    return st;
}

size_t sim_timeline_step_of(const sim_timeline *tl, size_t event)
{
    size_t n = sim_timeline_steps(tl);
    size_t lo = 1, hi = n;
    while (lo <= hi) {
        size_t mid = lo + (hi - lo) / 2;
        sim_step st = sim_timeline_step(tl, mid);
        if (event < st.begin)
            hi = mid - 1;
        else if (event >= st.end)
            lo = mid + 1;
        else
            return mid;
    }
    return 0;
}

int sim_timeline_seek_event(sim_timeline *tl, size_t events, sim_model *out)
{
    if (events > tl->synced)
        events = tl->synced;
    size_t k = events / SIM_CHECKPOINT_EVERY;
    if (k >= tl->nchecks)
        k = tl->nchecks ? tl->nchecks - 1 : 0;
    size_t base = k * SIM_CHECKPOINT_EVERY;
    if (events == tl->synced) {
        if (sim_model_copy(out, &tl->tip))
            return RT_ENOMEM;
        return RT_OK;
    }
    /* Going forward within the same stretch: fold on from where out is. */
    if (!(out->applied <= events && out->applied >= base && !out->oom)) {
        if (!tl->nchecks) {
            sim_model_deinit(out);
            sim_model_init(out);
        } else if (sim_model_copy(out, &tl->checks[k])) {
            return RT_ENOMEM;
        }
    }
    while (out->applied < events)
        sim_model_apply(out, &tl->ix, &tl->tr->events[out->applied]);
    return out->oom ? RT_ENOMEM : RT_OK;
}

int sim_timeline_seek(sim_timeline *tl, size_t s, sim_model *out)
{
    size_t n = sim_timeline_steps(tl);
    if (s > n)
        s = n;
    return sim_timeline_seek_event(tl, s ? sim_timeline_step(tl, s).end : 0, out);
}

size_t sim_timeline_next_line(const sim_timeline *tl, size_t s)
{
    size_t n = sim_timeline_steps(tl);
    /* The line we are on: this step's, or the last one before it. */
    int line = 0;
    for (size_t k = s; k > 0 && !line; k--)
        line = sim_timeline_step(tl, k).line;
    for (size_t k = s + 1; k <= n; k++) {
        int l = sim_timeline_step(tl, k).line;
        if (l && l != line)
            return k;
    }
    return s;
}

size_t sim_timeline_next_iteration(const sim_timeline *tl, size_t s)
{
    size_t n = sim_timeline_steps(tl);
    int64_t it = sim_timeline_step(tl, s).iteration;
    for (size_t k = s + 1; k <= n; k++)
        if (sim_timeline_step(tl, k).iteration > it)
            return k;
    return s;
}

size_t sim_timeline_prev_iteration(const sim_timeline *tl, size_t s)
{
    if (s == 0)
        return 0;
    int64_t it = sim_timeline_step(tl, s).iteration;
    /* The first step of this iteration, or of the one before when we are
     * on it already. */
    size_t k = s;
    while (k > 1 && sim_timeline_step(tl, k - 1).iteration == it)
        k--;
    if (k < s)
        return k;
    if (k <= 1)
        return 0;
    int64_t prev = sim_timeline_step(tl, k - 1).iteration;
    k--;
    while (k > 1 && sim_timeline_step(tl, k - 1).iteration == prev)
        k--;
    return k;
}
