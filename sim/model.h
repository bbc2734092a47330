/*
 * model.h - the window's view model, without SDL: what the screen shows at
 * step n, as a pure function of the first events of a trace.
 *
 * Three layers, each a fold over the event stream:
 *
 *   sim_model     The state after some prefix of the events: the loop
 *                 (phase, iteration, what runs), the ready queue as cards,
 *                 the timers, every task's place, the executor workers and
 *                 job queues, exceptions in flight, how many lines were
 *                 printed. sim_model_apply(m, index, ev) adds one event.
 *                 It holds only what changes; facts fixed at creation (a
 *                 task's name, a job's function) live in the index.
 *
 *   sim_timeline  Owns the trace's derived data: the index (per task,
 *                 future and job: what never changes), the grouping of
 *                 events into steps, and checkpoints (a copy of the model
 *                 every SIM_CHECKPOINT_EVERY events) so that the state at
 *                 any step is one copy plus at most that many events away:
 *                 stepping back is a seek. Events may be appended to the
 *                 trace at any time (a live run); sim_timeline_sync folds
 *                 them in.
 *
 *   narration     One or two plain sentences per step (sim_narrate), and a
 *                 readable history of a task (sim_task_history).
 *
 * What a step is. A key press should show one thing happening, so raw
 * events are grouped (deterministically, by kind, never by timing):
 *
 *   - Lead-in events join the step that follows them: loop.create,
 *     loop.run, loop.iteration, loop.phase, handle.run of a task's step or
 *     wake-up (version 1 traces: version 2 has none, its task.step says
 *     it), future.create, exec.create, task.cancel_deliver, and timer.arm
 *     for a sleep (it has a future; the task.suspend after it is the step).
 *   - Consequences join the step before them: handle.schedule,
 *     handle.cancel, timer.cancel, future.done, timer.fire after another
 *     timer.fire, exec.thread, exec.start, task.free, task.rename,
 *     loop.stop, run.end.
 *     A consequence with no step before it in its group (no headline yet)
 *     becomes the headline of its own step.
 *   - Every other event is a headline: it ends the previous step and
 *     starts its own (task.create, task.step, task.suspend, task.done,
 *     output, clock.advance, a plain callback's handle.run, exceptions,
 *     cancellation requests, executor block/wake/done, loop.block, ...).
 *
 * A few events group by what they say as well as by their kind (still a
 * pure function of the events, so the same trace gives the same steps):
 *
 *   - What a running task does to others is a headline: call_soon (a
 *     callback's handle.schedule with a `peer`), and completing a future
 *     (future.done with a result or an exception while a task runs: a
 *     lock released, an event set, an item put); more future.done events
 *     right after it join that step ("the event is set: three waiters
 *     wake").
 *   - An exception thrown into a task joins the step that resumed it:
 *     task.cancel_deliver and exc.raise right after a task.step that
 *     names the same exception type.
 *   - asyncio's own clean-up is quiet: a task created with no source line
 *     runs asyncio's code (shutdown_asyncgens, shutdown_default_executor),
 *     and everything about it (its steps, its done callback, the loop
 *     iterations that run them) joins the step of its task.create, lead-ins
 *     included. One key press shows one clean-up task.
 *
 * So "main awaits sleep(1)" is one step (future.create, timer.arm,
 * task.suspend), "the timer callback runs: the future gets its result and
 * main's wake-up joins the ready queue" is one step, and each printed line
 * is its own step. Step 0 is the state before any event.
 *
 * Threads: none here. A live run's events reach the trace through
 * sim_live (a locked queue drained on the window's thread).
 */
#ifndef LOOPSCOPE_SIM_MODEL_H
#define LOOPSCOPE_SIM_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rt.h"
#include "trace.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* The index: facts that never change once an event has stated them        */
/* ------------------------------------------------------------------------ */

/* What task.create said about a task. */
typedef struct sim_task_info {
    const char *name;    /* "Task-2" (trace arena): task.create's name, or
                            the last task.rename's (the one fact that can
                            change: the window calls a task by its newest
                            name throughout) */
    const char *func;    /* its coroutine function, or NULL */
    int line;            /* the line that created it, 0 when unknown */
    uint64_t parent;     /* the task that created it, 0 for none */
    size_t created_at;   /* index of its task.create event */
    int color;           /* its colour index, 0..SIM_TASK_COLORS-1 */
    uint32_t func_slot;  /* its function's entry in the index's counts + 1 */
} sim_task_info;

/* What future.create said about a future. */
typedef struct sim_fut_info {
    const char *name;    /* "sleep(1)", or NULL */
    uint64_t creator;    /* the task that created it */
    uint64_t job;        /* the job whose result it carries (role job) */
    uint8_t role;        /* rt_future_role */
    bool known;          /* a future.create was seen */
} sim_fut_info;

/* What exec.submit said about a job. */
typedef struct sim_job_info {
    const char *name;    /* the function, or NULL */
    uint64_t executor;
    uint64_t fut;        /* the asyncio future waiting for it, 0 if none */
    size_t submitted_at; /* index of its exec.submit */
} sim_job_info;

/* What handle.schedule or timer.arm said about a handle (or, in version 2
 * traces, the task.create or task.suspend that queued a task's step). */
typedef struct sim_handle_info {
    const char *name;    /* callback or timer label, or NULL */
    uint64_t task;       /* the task it steps, wakes or sleeps for */
    uint64_t fut;        /* a sleep's future (timer.arm): 0 for call_later */
    uint64_t peer;       /* the task running when it was scheduled */
    size_t scheduled_at; /* index of its handle.schedule or timer.arm */
    double when;         /* a timer's due time (0 for ready handles) */
    uint8_t hkind;       /* rt_handle_kind */
    bool timer;          /* armed by timer.arm */
} sim_handle_info;

enum { SIM_TASK_COLORS = 8 };

typedef struct sim_index {
    sim_task_info *tasks;  /* by task id (entry 0 unused) */
    size_t ntasks;         /* highest task id + 1 */
    sim_fut_info *futs;    /* by future id */
    size_t nfuts;
    sim_job_info *jobs;    /* by job id */
    size_t njobs;
    sim_handle_info *handles; /* by handle id */
    size_t nhandles;
    size_t *outputs;       /* indexes of output, warn and exc.unhandled
                              events (what reaches stdout or stderr), in order */
    size_t noutputs;
    struct sim_func_count {
        const char *func;  /* a coroutine function name (trace arena) */
        uint32_t count;    /* how many tasks run it */
    } *funcs;              /* open addressing on the name */
    size_t cap_funcs, nfuncs;
    size_t cap_tasks, cap_futs, cap_jobs, cap_handles, cap_outputs;
    uint64_t unbound_job_fut; /* a role-job future created before its
                                 exec.submit (the runtime creates it first):
                                 the next exec.submit binds them */
} sim_index;

/* The facts about task `id`, or NULL when no task.create named it. */
const sim_task_info *sim_index_task(const sim_index *ix, uint64_t id);
const sim_fut_info *sim_index_fut(const sim_index *ix, uint64_t id);
const sim_job_info *sim_index_job(const sim_index *ix, uint64_t id);
const sim_handle_info *sim_index_handle(const sim_index *ix, uint64_t id);

/* A task's display name: its name, or "task N" when unknown (buf). */
const char *sim_task_name(const sim_index *ix, uint64_t id, char *buf, size_t size);

/* What the window calls a task: its coroutine's name when it has a
 * default name ("Task-1") and no other task runs the same function
 * ("main"), else its name ("Task-2"). */
const char *sim_task_label(const sim_index *ix, uint64_t id, char *buf, size_t size);

/* ------------------------------------------------------------------------ */
/* The state                                                                */
/* ------------------------------------------------------------------------ */

/* Where a task is. Every task the model knows is in exactly one place. */
#define SIM_PLACES(X)                                                        \
    X(NEW, "new")           /* created, its first step not queued yet */    \
    X(READY, "ready")       /* its step or wake-up is in the ready queue */ \
    X(RUNNING, "running")   /* its step runs on the loop now */             \
    X(WAITING, "waiting")   /* suspended on a future, a task, a job... */   \
    X(SLEEPING, "sleeping") /* suspended on asyncio.sleep's timer */        \
    X(DONE, "done")         /* finished: result, exception or cancelled */

typedef enum sim_place {
#define SIM_PLACE_ENUM(name, text) SIM_##name,
    SIM_PLACES(SIM_PLACE_ENUM)
#undef SIM_PLACE_ENUM
    SIM_PLACE__COUNT
} sim_place;

const char *sim_place_name(sim_place p);

/* One task's changing state. */
typedef struct sim_task {
    uint64_t id;           /* task id (0: this slot is unused) */
    uint8_t place;         /* sim_place */
    uint8_t done_state;    /* rt_done_state, when DONE */
    uint8_t await_role;    /* rt_future_role of what it awaits */
    bool cancel_requested; /* cancel() was called and not yet delivered */
    bool freed;            /* task.free was seen */
    int line;              /* where it runs or is suspended; 0 unknown */
    const char *func;      /* the function of that line */
    uint64_t await_fut;    /* the future it awaits, 0 for none */
    uint64_t await_peer;   /* the task it awaits, 0 for none */
    uint64_t await_job;    /* the job behind await_fut, 0 for none */
    const char *await_name;/* a label: "sleep(1)", "Task-2"... */
    double await_until;    /* SLEEPING: the timer's due time */
    const char *exc_type;  /* DONE with an exception: its type */
    const char *result;    /* DONE: result repr or exception text */
    uint32_t steps;        /* steps it has run */
    size_t since;          /* event index when it entered its place */
} sim_task;

/* A card in the ready queue: a handle waiting for its turn. */
typedef struct sim_card {
    uint64_t handle;       /* handle id */
    uint64_t task;         /* the task it steps or wakes, or 0 */
    const char *name;      /* callback name, or NULL */
    uint8_t hkind;         /* rt_handle_kind */
    bool timer;            /* it came from a timer (timer.fire) */
    bool cancelled;        /* handle.cancel: skipped when its turn comes */
    uint8_t pad_[5];       /* explicit padding: models compare byte for byte */
} sim_card;

typedef enum sim_timer_state { SIM_TIMER_ARMED, SIM_TIMER_CANCELLED, SIM_TIMER_FIRED } sim_timer_state;

/* A timer: armed in the heap, cancelled (struck out, still in the heap),
 * or recently fired (kept for the axis: at most SIM_FIRED_KEPT). */
typedef struct sim_timer {
    uint64_t handle;
    uint64_t task;         /* the sleeping task, or 0 for call_later */
    uint64_t fut;          /* the sleep's future, or 0 */
    double when;           /* due time */
    double armed_t;        /* clock when it was armed */
    const char *name;      /* "sleep(1)" or the callback */
    uint8_t state;         /* sim_timer_state */
    uint8_t pad_[7];       /* explicit padding (see sim_card) */
} sim_timer;

enum { SIM_FIRED_KEPT = 6 };

typedef enum sim_worker_state { SIM_WORKER_IDLE, SIM_WORKER_RUNNING, SIM_WORKER_BLOCKED } sim_worker_state;

/* One executor thread. */
typedef struct sim_worker {
    uint64_t executor;
    int index;             /* worker number within its executor */
    uint8_t state;         /* sim_worker_state */
    uint64_t job;          /* the job on it (RUNNING/BLOCKED), else 0 */
    uint64_t last_job;     /* the last job it ran */
    double until;          /* BLOCKED: when it wakes */
    double since_t;        /* clock when it entered its state */
    const char *block_text;/* "time.sleep(1)" */
    const char *name;      /* thread name */
} sim_worker;

typedef struct sim_executor {
    uint64_t id;
    const char *name;
    int max_workers;
    bool shutdown;
    uint8_t pad_[3];       /* explicit padding (see sim_card) */
} sim_executor;

typedef enum sim_exc_state {
    SIM_EXC_RAISED,      /* just raised (or thrown in) */
    SIM_EXC_PROPAGATING, /* travelling up the await chain */
    SIM_EXC_STORED,      /* stored in a task's result, waiting for an await */
    SIM_EXC_CAUGHT,      /* an except caught it */
    SIM_EXC_UNHANDLED,   /* it left the program */
    SIM_EXC_HANDLED      /* the loop's exception handler took it */
} sim_exc_state;

enum { SIM_EXC_HOPS = 12, SIM_EXCS = 4 };

/* A place an exception passed: a frame in a task. */
typedef struct sim_hop {
    uint64_t task;
    const char *func;
    int line;
    int pad_;              /* explicit padding (see sim_card) */
} sim_hop;

/* An exception in flight (or just finished: cleared when the next loop
 * iteration begins). */
typedef struct sim_exc {
    bool used;
    bool cancel;           /* a CancelledError thrown into a task */
    uint8_t state;         /* sim_exc_state */
    const char *type, *text;
    uint64_t task;         /* the task it is in now */
    sim_hop hops[SIM_EXC_HOPS]; /* where it was raised, then each frame */
    int nhops;             /* hops recorded (the oldest are kept) */
    size_t raised_at;      /* event index of its raise */
} sim_exc;

typedef struct sim_loop {
    uint64_t id;           /* the loop's id, 0 before loop.create */
    int64_t iteration;     /* the current iteration, 0 before the first */
    int8_t phase;          /* rt_loop_phase, -1 before the first */
    int64_t ready_n;       /* handles the ready phase runs */
    double select_when;    /* the select phase's deadline, 0 for none */
    uint64_t running_task; /* the task whose step runs now, or 0 */
    sim_card running;      /* the handle running now (running_card) */
    bool running_card;
    bool started, stopping, closed, deadlock, ended;
    bool blocked;          /* loop.block: its thread sleeps */
    double blocked_until;
    const char *block_text;
    int block_line;
    uint64_t block_task;
    int exit_status;       /* run.end */
    const char *end_text;
} sim_loop;

/* A growable array of T; copies are deep. */
#define SIM_VEC(T)                                                           \
    struct {                                                                 \
        T *v;                                                                \
        size_t len, cap;                                                     \
    }

/* The whole state at one point of the stream. Invariant: each task in
 * `tasks` with a non-zero id is in exactly one place; a READY task has a
 * card in `ready` (unless the trace omitted it), a RUNNING task is
 * loop.running_task. */
typedef struct sim_model {
    size_t applied;        /* events folded in: the state after events[0..applied) */
    double t;              /* the clock */
    double t_prev_jump;    /* the clock before the last clock.advance */
    int64_t jump_iteration;/* the loop iteration of that clock.advance */
    bool jump_blocked;     /* ... which passed while the loop's thread slept */
    uint8_t pad_jump_[7];  /* explicit padding (see sim_card) */
    sim_loop loop;
    SIM_VEC(sim_task) tasks;       /* by task id - 1 */
    SIM_VEC(sim_card) ready;       /* FIFO: head first */
    SIM_VEC(sim_timer) timers;     /* armed and cancelled in arm order, then fired */
    SIM_VEC(sim_executor) executors;
    SIM_VEC(sim_worker) workers;   /* by executor, then index */
    SIM_VEC(uint64_t) job_queue;   /* submitted jobs not started, FIFO */
    sim_exc excs[SIM_EXCS];
    size_t noutput;        /* output, warn and exc.unhandled events so far */
    size_t ntasks_live;    /* tasks not DONE */
    bool oom;              /* an allocation failed: the state is partial */
} sim_model;

void sim_model_init(sim_model *m);
void sim_model_deinit(sim_model *m);

/* Makes dst a deep copy of src, reusing dst's arrays. 0 or RT_ENOMEM. */
int sim_model_copy(sim_model *dst, const sim_model *src);

/* Folds one event (events[m->applied] of the trace `ix` indexes) into m.
 * Never fails on odd input: an event that contradicts the state (a
 * handle.run for an unknown handle...) changes what it can. */
void sim_model_apply(sim_model *m, const sim_index *ix, const rt_event *ev);

/* The task with id `id`, or NULL. */
const sim_task *sim_model_task(const sim_model *m, uint64_t id);

/* The worker of executor `ex` with index `index`, or NULL. */
const sim_worker *sim_model_worker(const sim_model *m, uint64_t ex, int index);

/* Counts the tasks in place p. */
size_t sim_model_count(const sim_model *m, sim_place p);

/* ------------------------------------------------------------------------ */
/* The timeline: steps and checkpoints                                      */
/* ------------------------------------------------------------------------ */

enum { SIM_CHECKPOINT_EVERY = 512 };

/* What the user sees as one step. */
typedef struct sim_step {
    size_t begin, end;     /* events [begin, end) */
    size_t head;           /* the headline event (== end - 1 ... begin) */
    int line;              /* the source line the step is about, 0: none */
    int64_t iteration;     /* the loop iteration at its end */
    double t;              /* the clock at its end */
} sim_step;

/* How an event groups into steps by its kind alone (see the top of this
 * file; the timeline refines it by content). */
typedef enum sim_group { SIM_GROUP_LEAD, SIM_GROUP_FOLLOW, SIM_GROUP_HEAD } sim_group;
sim_group sim_event_group(const rt_event *ev);

/* Did task `id` come from asyncio's own code (created without a source
 * line, as asyncio.run's clean-up tasks are)? */
bool sim_index_internal_task(const sim_index *ix, uint64_t id);

typedef struct sim_timeline sim_timeline;

/* Creates a timeline over `tr` (borrowed: it must outlive the timeline;
 * events may be appended to it later) and folds the events it has.
 * NULL when out of memory. */
sim_timeline *sim_timeline_new(const rt_trace *tr);
void sim_timeline_free(sim_timeline *tl);

/* Folds the events appended to the trace since the last call. Returns
 * how many were new, or RT_ENOMEM. */
long sim_timeline_sync(sim_timeline *tl);

const rt_trace *sim_timeline_trace(const sim_timeline *tl);

/* The state after every event synced so far (a live run's newest state),
 * valid until the next sim_timeline_sync. */
const sim_model *sim_timeline_tip(const sim_timeline *tl);
const sim_index *sim_timeline_index(const sim_timeline *tl);

/* The number of steps (the last one may still grow in a live run). */
size_t sim_timeline_steps(const sim_timeline *tl);

/* Step s, 1..steps (s == 0 gives an empty step at the start). */
sim_step sim_timeline_step(const sim_timeline *tl, size_t s);

/* The step whose events contain event index i (0 when i is past them). */
size_t sim_timeline_step_of(const sim_timeline *tl, size_t event);

/* Sets *out to the state after step s (s == 0: before any event); s is
 * clamped to the last step. `out` must be initialised. Returns 0 or
 * RT_ENOMEM. */
int sim_timeline_seek(sim_timeline *tl, size_t s, sim_model *out);

/* The state after the first `events` events (any count, not only step
 * ends). */
int sim_timeline_seek_event(sim_timeline *tl, size_t events, sim_model *out);

/* Navigation: the next step after s on a different source line than s's
 * (Ctrl+Right), in a later loop iteration (Shift+Right), or the previous
 * ones. Return s when there is none. */
size_t sim_timeline_next_line(const sim_timeline *tl, size_t s);
size_t sim_timeline_next_iteration(const sim_timeline *tl, size_t s);
size_t sim_timeline_prev_iteration(const sim_timeline *tl, size_t s);

/* ------------------------------------------------------------------------ */
/* Narration                                                                */
/* ------------------------------------------------------------------------ */

/* Writes the narration of step s (plain sentences, UTF-8) into buf. Step 0
 * says what is about to happen. */
void sim_narrate(const sim_timeline *tl, size_t s, char *buf, size_t size);

/* A sentence about event i alone (empty for silent kinds), as used in a
 * task's history. */
void sim_describe_event(const sim_timeline *tl, size_t i, char *buf, size_t size);

/* Calls fn for each event among the first `upto` that concerns task id
 * (created, stepped, suspended, woke, printed, raised, cancelled, done),
 * with its index and a sentence. */
void sim_task_history(const sim_timeline *tl, uint64_t id, size_t upto,
                      void (*fn)(void *data, size_t event, const char *text),
                      void *data);

/* Formats a time as the window shows it: "1.000". */
void sim_format_time(double t, char *buf, size_t size);

/* A callback's name as a reader says it: asyncio's nested functions
 * ("gather.<locals>._done_callback") become "gather's _done_callback".
 * Returns name itself or buf; NULL for NULL. */
const char *sim_callback_name(const char *name, char *buf, size_t size);

/* Whose done callback handle `handle` is: the task or future whose
 * completion scheduled it ("main", "the shield() future"), in buf; NULL
 * when it is not a done callback or the trace does not say. */
const char *sim_handle_owner(const sim_timeline *tl, uint64_t handle, char *buf, size_t size);

/* ------------------------------------------------------------------------ */
/* Syntax colours for the source panel                                      */
/* ------------------------------------------------------------------------ */

typedef enum sim_tok {
    SIM_TOK_TEXT, SIM_TOK_KEYWORD, SIM_TOK_BUILTIN, SIM_TOK_STRING, SIM_TOK_NUMBER,
    SIM_TOK_COMMENT, SIM_TOK_DEFNAME, SIM_TOK_DECORATOR, SIM_TOK_AWAIT, SIM_TOK__COUNT
} sim_tok;

/* A run of bytes of one colour within a line. */
typedef struct sim_span {
    uint32_t start, len; /* bytes from the line start */
    uint8_t tok;         /* sim_tok */
} sim_span;

/* Splits `line` (len bytes, no newline) into coloured spans, carrying the
 * triple-quoted-string state across lines in *state (0 at file start).
 * Writes at most max spans and returns how many it wrote. */
int sim_syntax_line(const char *line, size_t len, int *state, sim_span *out, int max);

/* ------------------------------------------------------------------------ */
/* Live runs                                                                */
/* ------------------------------------------------------------------------ */

/* A locked queue that carries a live run's events from the runtime's
 * thread (sim_live_hook as the world's hook) to the window's thread
 * (sim_live_drain into the trace the timeline reads). */
typedef struct sim_live sim_live;

sim_live *sim_live_new(void);
void sim_live_free(sim_live *l);

/* The world's hook (data = the sim_live): copies the event and its
 * strings. Thread-safe; never blocks for long. */
void sim_live_hook(void *data, const rt_event *ev);

/* The producer is finished (the run returned). */
void sim_live_finish(sim_live *l);

/* On the window's thread: appends the queued events to `tr`. Returns how
 * many, or RT_ENOMEM. *finished is set when the producer finished and
 * everything has been drained. */
long sim_live_drain(sim_live *l, rt_trace *tr, bool *finished);

/* Seconds since the producer last emitted an event (a run that stopped
 * emitting while not finished: its loop is blocked by a busy step). */
double sim_live_idle(const sim_live *l);

/* Has the producer finished (sim_live_finish was called)? Thread-safe. */
bool sim_live_finished(const sim_live *l);

/* ------------------------------------------------------------------------ */
/* Synthetic runs (benchmarks and tests)                                    */
/* ------------------------------------------------------------------------ */

/* Builds a trace of a plausible run in memory: `ntasks` tasks created by
 * main, each sleeping `rounds` times for (i * 7 + k) % 13 * 0.01 s and
 * printing now and then, then main awaits them all. With rounds == 0 the
 * tasks all sleep once for a long time. Returns NULL when out of memory. */
rt_trace *sim_synth_trace(int ntasks, int rounds);

#ifdef __cplusplus
}
#endif

#endif /* LOOPSCOPE_SIM_MODEL_H */
