/*
 * rt.h - the loopscope runtime core: an event loop with asyncio's exact
 * scheduling, futures, tasks, timers, a thread-pool executor, a virtual or
 * real clock, and one event stream that reports every state change.
 *
 * This is the one header the front end and the scenario interpreter include.
 * It knows nothing of Python or of SDL: a C program can create a world, a
 * loop, futures and tasks driving native C coroutines, and run them.
 *
 * Invariants (checked by rt_loop_check() in tests):
 *   - Every live task is in exactly one place: running on its loop, queued
 *     in the ready queue (its step handle), waiting on one future, pending a
 *     cancellation delivery, or done.
 *   - A timer handle is in its loop's heap iff its `scheduled` flag is set;
 *     a cancelled timer stays in the heap until it reaches the top or the
 *     heap is compacted (lazy deletion, as CPython does).
 *   - Only one thread touches runtime objects at a time: the loop thread, or
 *     an executor worker holding the world's baton. Reference counts are
 *     therefore plain integers.
 *   - A failed call (negative result) never runs its callback and leaves
 *     every object as it was.
 *
 * Naming: rt_ public, rt__ internal (runtime/rt_internal.h), static helpers
 * unprefixed. Each type has one lifetime pair: _init/_deinit for embedded
 * objects, _new/_free (or retain/release) for heap ones.
 */
#ifndef LOOPSCOPE_RT_H
#define LOOPSCOPE_RT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdatomic.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RT_VERSION_STRING "0.1.0"

/* ------------------------------------------------------------------------ */
/* Result codes                                                             */
/* ------------------------------------------------------------------------ */

/* Every fallible call returns 0 (RT_OK) or one of these negative codes. */
#define RT_ERRORS(X)                                                         \
    X(OK, 0, "success")                                                      \
    X(ENOMEM, -1, "out of memory")                                           \
    X(EINVAL, -2, "invalid argument")                                        \
    X(ECLOSED, -3, "Event loop is closed")                                   \
    X(ESTATE, -4, "invalid state")                                           \
    X(ERUNNING, -5, "This event loop is already running")                    \
    X(EDEADLOCK, -6, "deadlock: every task waits and nothing is scheduled")  \
    X(ESHUTDOWN, -7, "cannot schedule new futures after shutdown")           \
    X(ETHREAD, -8, "cannot start a worker thread")                           \
    X(ESTOPPED, -9, "Event loop stopped before Future completed.")           \
    X(EEXIT, -10, "a fatal exception (KeyboardInterrupt, SystemExit) left the loop") \
    X(EIO, -11, "input/output error")                                        \
    X(EFORMAT, -12, "malformed input")

enum {
#define RT_ERROR_ENUM(name, value, text) RT_##name = (value),
    RT_ERRORS(RT_ERROR_ENUM)
#undef RT_ERROR_ENUM
};

/* A static description of a result code; never NULL. */
const char *rt_strerror(int code);

/* ------------------------------------------------------------------------ */
/* Allocation                                                               */
/* ------------------------------------------------------------------------ */

/* All runtime (and interpreter) allocations go through rt_malloc/rt_realloc.
 * rt_alloc_fail_after(n) makes the (n+1)-th allocation from now on fail and
 * every one after it too, until rt_alloc_fail_after(-1) switches injection
 * off. Used by the fault-injection tests; thread-safe. */
void *rt_malloc(size_t size);
void *rt_calloc(size_t count, size_t size);
void *rt_realloc(void *ptr, size_t size);
void rt_free(void *ptr);
void rt_alloc_fail_after(long n);

/* ------------------------------------------------------------------------ */
/* Objects and values                                                       */
/* ------------------------------------------------------------------------ */

/* Every reference-counted runtime object (handle, future, task) starts with
 * this header, and so does every object of the scenario interpreter, so that
 * the two share one reference count. Counts are not atomic: see the
 * invariants above. */
typedef struct rt_object rt_object;

typedef struct rt_type {
    const char *name;                /* for diagnostics */
    void (*destroy)(rt_object *obj); /* called when the count reaches zero */
} rt_type;

struct rt_object {
    uint32_t refs;       /* reference count */
    uint32_t flags;      /* owned by the type; the runtime leaves it alone */
    const rt_type *type; /* never NULL */
};

static inline void rt_object_retain(rt_object *obj) { obj->refs++; }

static inline void rt_object_release(rt_object *obj)
{
    if (obj && --obj->refs == 0)
        obj->type->destroy(obj);
}

/* A value the runtime stores without looking inside it: results, exceptions,
 * cancellation messages, callback arguments. `kind` 0 is "none". When `kind`
 * has RT_KIND_OBJECT set, `u.p` points to an rt_object that the holder owns
 * one reference to. The interpreter uses rt_value as its value type. */
typedef struct rt_value {
    uint32_t kind;
    uint32_t aux;
    union {
        int64_t i;
        double f;
        void *p;
    } u;
} rt_value;

#define RT_KIND_NONE 0u
#define RT_KIND_INT 1u                 /* plain C integer, for C users */
#define RT_KIND_OBJECT 0x80000000u     /* u.p is an owned rt_object */

#define RT_NONE ((rt_value){0, 0, {0}})

static inline rt_value rt_int(int64_t i)
{
    rt_value v = {RT_KIND_INT, 0, {0}};
    v.u.i = i;
    return v;
}

static inline bool rt_is_none(rt_value v) { return v.kind == RT_KIND_NONE; }

static inline void rt_value_retain(rt_value v)
{
    if (v.kind & RT_KIND_OBJECT)
        rt_object_retain((rt_object *)v.u.p);
}

static inline void rt_value_release(rt_value v)
{
    if (v.kind & RT_KIND_OBJECT)
        rt_object_release((rt_object *)v.u.p);
}

/* ------------------------------------------------------------------------ */
/* The host: what the embedder tells the runtime about its values           */
/* ------------------------------------------------------------------------ */

typedef struct rt_world rt_world;
typedef struct rt_loop rt_loop;
typedef struct rt_handle rt_handle;
typedef struct rt_future rt_future;
typedef struct rt_task rt_task;
typedef struct rt_executor rt_executor;
typedef struct rt_job rt_job;

/* How the runtime must treat an exception value (asyncio's three cases). */
typedef enum rt_exc_class {
    RT_EXC_ERROR = 0,     /* an ordinary exception: stored in the future */
    RT_EXC_CANCELLED = 1, /* CancelledError: the task becomes cancelled */
    RT_EXC_FATAL = 2      /* KeyboardInterrupt or SystemExit: stored, then
                             re-raised out of the loop (RT_EEXIT) */
} rt_exc_class;

/* Exceptions the runtime itself must create. */
typedef enum rt_exc_make {
    RT_MAKE_CANCELLED,     /* CancelledError(msg) (msg may be none) */
    RT_MAKE_INVALID_STATE, /* asyncio.InvalidStateError(text) */
    RT_MAKE_RUNTIME_ERROR  /* RuntimeError(text) */
} rt_exc_make;

/* What rt_host.describe should produce. */
typedef enum rt_describe {
    RT_DESCRIBE_TYPE, /* "ValueError" */
    RT_DESCRIBE_STR,  /* str(v) */
    RT_DESCRIBE_REPR, /* repr(v) */
    RT_DESCRIBE_NAME  /* a short label for events: a callable's name
                         ("on_timer"), an awaited future's label
                         ("sleep(1)"); may be left empty. Asked for the
                         `name` of handle events (of a handle's target, or
                         of a done callback's argument), of timer.arm (the
                         target) and of task.suspend (the future). */
} rt_describe;

/* The context of a call to the loop's exception handler, with asyncio's
 * keys. Absent entries are NULL / none. */
typedef struct rt_exc_context {
    const char *message;  /* 'message' */
    rt_value exception;   /* 'exception' (borrowed) */
    rt_future *future;    /* 'future' or 'task' (borrowed) */
    rt_handle *handle;    /* 'handle' (borrowed) */
} rt_exc_context;

/* Callbacks from the runtime into its embedder. Every member may be NULL;
 * the defaults suit C users whose values are plain integers: made
 * exceptions are the rt_int values below, classify recognises
 * RT_CEXC_CANCELLED and RT_CEXC_FATAL (anything else is RT_EXC_ERROR),
 * descriptions are decimal numbers (objects: their type's name), and the
 * exception handler prints asyncio's message to stderr. */
typedef struct rt_host {
    rt_exc_class (*classify)(void *data, rt_value exc);
    /* Returns a new exception (owned by the caller), or none when out of
     * memory. `msg` is borrowed; `text` may be NULL. */
    rt_value (*make_exception)(void *data, rt_exc_make what, rt_value msg,
                               const char *text);
    /* Writes a NUL-terminated description into buf (truncating). */
    void (*describe)(void *data, rt_value v, rt_describe how, char *buf,
                     size_t size);
    /* loop.call_exception_handler(context). */
    void (*exception_handler)(void *data, rt_loop *loop,
                              const rt_exc_context *ctx);
} rt_host;

/* The exception values of the default host (rt_int(RT_CEXC_...)). A C user
 * raises rt_int(RT_CEXC_FATAL) to play KeyboardInterrupt; other negative or
 * positive integers are ordinary exceptions. */
enum {
    RT_CEXC_CANCELLED = -1,     /* made for RT_MAKE_CANCELLED */
    RT_CEXC_INVALID_STATE = -2, /* made for RT_MAKE_INVALID_STATE */
    RT_CEXC_RUNTIME_ERROR = -3, /* made for RT_MAKE_RUNTIME_ERROR */
    RT_CEXC_FATAL = -4          /* classified RT_EXC_FATAL */
};

/* ------------------------------------------------------------------------ */
/* Events                                                                   */
/* ------------------------------------------------------------------------ */

/* Every state change is reported as one rt_event through the world's hook.
 * The list is the single source of the kinds' names (trace `ev` strings).
 * Which fields each kind fills is documented in docs/trace-format.md. */
#define RT_EVENT_KINDS(X)                                                    \
    X(LOOP_CREATE, "loop.create")                                            \
    X(LOOP_RUN, "loop.run")                                                  \
    X(LOOP_ITERATION, "loop.iteration")                                      \
    X(LOOP_PHASE, "loop.phase")                                              \
    X(LOOP_STOP, "loop.stop")                                                \
    X(LOOP_CLOSE, "loop.close")                                              \
    X(LOOP_BLOCK, "loop.block")                                              \
    X(LOOP_DEADLOCK, "loop.deadlock")                                        \
    X(CLOCK_ADVANCE, "clock.advance")                                        \
    X(HANDLE_SCHEDULE, "handle.schedule")                                    \
    X(HANDLE_RUN, "handle.run")                                              \
    X(HANDLE_CANCEL, "handle.cancel")                                        \
    X(TIMER_ARM, "timer.arm")                                                \
    X(TIMER_FIRE, "timer.fire")                                              \
    X(TIMER_CANCEL, "timer.cancel")                                          \
    X(FUTURE_CREATE, "future.create")                                        \
    X(FUTURE_DONE, "future.done")                                            \
    X(TASK_CREATE, "task.create")                                            \
    X(TASK_STEP, "task.step")                                                \
    X(TASK_SUSPEND, "task.suspend")                                          \
    X(TASK_DONE, "task.done")                                                \
    X(TASK_CANCEL_REQUEST, "task.cancel_request")                            \
    X(TASK_CANCEL_DELIVER, "task.cancel_deliver")                            \
    X(TASK_FREE, "task.free")                                                \
    X(TASK_RENAME, "task.rename")                                            \
    X(EXEC_CREATE, "exec.create")                                            \
    X(EXEC_THREAD, "exec.thread")                                            \
    X(EXEC_SUBMIT, "exec.submit")                                            \
    X(EXEC_START, "exec.start")                                              \
    X(EXEC_BLOCK, "exec.block")                                              \
    X(EXEC_WAKE, "exec.wake")                                                \
    X(EXEC_DONE, "exec.done")                                                \
    X(EXEC_SHUTDOWN, "exec.shutdown")                                        \
    X(EXC_RAISE, "exc.raise")                                                \
    X(EXC_PROPAGATE, "exc.propagate")                                        \
    X(EXC_CATCH, "exc.catch")                                                \
    X(EXC_UNHANDLED, "exc.unhandled")                                        \
    X(EXC_HANDLER, "exc.handler")                                            \
    X(WARN, "warn")                                                          \
    X(OUTPUT, "output")                                                      \
    X(RUN_END, "run.end")

typedef enum rt_event_kind {
#define RT_EVENT_ENUM(name, text) RT_EV_##name,
    RT_EVENT_KINDS(RT_EVENT_ENUM)
#undef RT_EVENT_ENUM
    RT_EV__COUNT
} rt_event_kind;

/* The trace name of an event kind ("task.step"); "?" when out of range. */
const char *rt_event_name(rt_event_kind kind);

/* What a handle runs; reported in handle events and drawn on its card. */
#define RT_HANDLE_KINDS(X)                                                   \
    X(CALLBACK, "callback")     /* a plain call_soon/call_later callback */  \
    X(STEP, "step")             /* a task's step (first run, sleep(0)...) */ \
    X(WAKEUP, "wakeup")         /* a task woken by the future it awaited */  \
    X(DONE_CALLBACK, "done")    /* a future's done callback */               \
    X(THREADSAFE, "threadsafe") /* call_soon_threadsafe, e.g. a job result */

typedef enum rt_handle_kind {
#define RT_HANDLE_ENUM(name, text) RT_HANDLE_##name,
    RT_HANDLE_KINDS(RT_HANDLE_ENUM)
#undef RT_HANDLE_ENUM
    RT_HANDLE__COUNT
} rt_handle_kind;

const char *rt_handle_kind_name(rt_handle_kind kind);

/* What a future stands for, so that a waiting task can say what it waits
 * for ("sleep", "job", "lock"...). The interpreter sets it at creation. */
#define RT_FUTURE_ROLES(X)                                                   \
    X(PLAIN, "future")                                                       \
    X(TASK, "task")                                                          \
    X(SLEEP, "sleep")                                                        \
    X(JOB, "job")                                                            \
    X(GATHER, "gather")                                                      \
    X(WAIT, "wait")                                                          \
    X(LOCK, "lock")                                                          \
    X(EVENT, "event")                                                        \
    X(CONDITION, "condition")                                                \
    X(SEMAPHORE, "semaphore")                                                \
    X(QUEUE, "queue")                                                        \
    X(STREAM, "stream")                                                      \
    X(PROCESS, "process")                                                    \
    X(YIELD, "yield") /* no future: a bare yield, in task.suspend only */

typedef enum rt_future_role {
#define RT_ROLE_ENUM(name, text) RT_ROLE_##name,
    RT_FUTURE_ROLES(RT_ROLE_ENUM)
#undef RT_ROLE_ENUM
    RT_ROLE__COUNT
} rt_future_role;

const char *rt_future_role_name(rt_future_role role);

/* How a future, task or job ended: the `state` of future.done, task.done
 * and exec.done events, carried in rt_event.kind2. */
#define RT_OUTCOMES(X)                                                       \
    X(RESULT, "result")                                                      \
    X(EXCEPTION, "exception")                                                \
    X(CANCELLED, "cancelled") /* exec.done: removed before it started */

typedef enum rt_outcome {
#define RT_OUTCOME_ENUM(name, text) RT_OUTCOME_##name,
    RT_OUTCOMES(RT_OUTCOME_ENUM)
#undef RT_OUTCOME_ENUM
    RT_OUTCOME__COUNT
} rt_outcome;

const char *rt_outcome_name(rt_outcome outcome);

/* One event. Fields a kind does not use are zero / NULL. Ids are counted
 * per world from 1 in creation order (tasks, futures, handles, jobs,
 * executors and loops each have their own counter); worker indexes count
 * from 0 within their executor. Strings are borrowed for the duration of
 * the hook call only. `seq` and `t` are filled by rt_world_emit. */
typedef struct rt_event {
    rt_event_kind kind;
    uint64_t seq;        /* 0, 1, 2, ... without gaps */
    double t;            /* the world's clock when it happened */
    uint64_t loop;       /* loop id */
    uint64_t task;       /* the task concerned (or the running task) */
    uint64_t future;     /* the future concerned */
    uint64_t handle;     /* the handle or timer concerned */
    uint64_t job;        /* the executor job concerned */
    uint64_t executor;   /* the executor concerned */
    uint64_t peer;       /* the other task: parent, canceller, awaited... */
    int worker;          /* worker index; -1 when not on a worker */
    int line;            /* source line, 0 when unknown */
    int kind2;           /* a sub-kind: handle kind, future role, loop
                            phase or done state (the trace key depends on
                            the kind: hkind, role, phase, state) */
    int64_t n;           /* a count: iteration number, queue length... */
    double when;         /* a due time: timer deadline, wake-up, clock target */
    const char *name;    /* a name: task name, callback or function name */
    const char *type;    /* an exception type name, or a state name */
    const char *text;    /* a message, output text, or repr */
    const char *func;    /* the function (coroutine) the line belongs to;
                            in a task's position (task.create, task.step,
                            task.suspend, task.cancel_deliver) a string
                            whose text never changes at its address during
                            the run (a code object's name), so that a trace
                            writer may compare positions by address */
} rt_event;

typedef void (*rt_event_hook)(void *data, const rt_event *ev);

/* Loop phases reported by RT_EV_LOOP_PHASE in `kind2`. */
typedef enum rt_loop_phase {
    RT_PHASE_SELECT = 0,  /* waiting for I/O, a worker or the next timer */
    RT_PHASE_TIMERS = 1,  /* moving due timers to the ready queue */
    RT_PHASE_READY = 2    /* running the ready callbacks */
} rt_loop_phase;

/* How a future, task or job ended: `kind2` of future.done, task.done and
 * exec.done (trace key `state`). */
#define RT_DONE_STATES(X)                                                    \
    X(RESULT, "result")                                                      \
    X(EXCEPTION, "exception")                                                \
    X(CANCELLED, "cancelled")

typedef enum rt_done_state {
#define RT_DONE_ENUM(name, text) RT_DONE_##name,
    RT_DONE_STATES(RT_DONE_ENUM)
#undef RT_DONE_ENUM
    RT_DONE__COUNT
} rt_done_state;

/* ------------------------------------------------------------------------ */
/* The world: clock, event stream, ids and threads shared by all loops      */
/* ------------------------------------------------------------------------ */

typedef enum rt_clock_mode {
    RT_CLOCK_VIRTUAL = 0, /* jumps to the next timer or wake-up */
    RT_CLOCK_REAL = 1     /* CLOCK_MONOTONIC, from 0.0 at world creation */
} rt_clock_mode;

typedef struct rt_world_config {
    rt_clock_mode clock;
    const rt_host *host;  /* may be NULL: C defaults */
    void *host_data;
    rt_event_hook hook;   /* may be NULL: no events, no cost */
    void *hook_data;
} rt_world_config;

/* Creates a world (cfg may be NULL: virtual clock, default host, no hook).
 * The clock starts at 0.0. The calling thread becomes the world's loop
 * thread: every loop of the world runs on it, and in real-clock mode it
 * holds the world's lock (the GIL) except while it waits. */
int rt_world_new(const rt_world_config *cfg, rt_world **out);

/* Frees the world, on its loop thread. Every loop must have been freed and
 * every executor shut down and freed first. */
void rt_world_free(rt_world *w);

/* The world's clock in seconds (virtual or real). */
double rt_world_time(const rt_world *w);

rt_clock_mode rt_world_clock_mode(const rt_world *w);

/* Sets or clears the event hook. */
void rt_world_set_hook(rt_world *w, rt_event_hook hook, void *data);

/* True when a hook is set: callers skip building events otherwise. */
bool rt_world_tracing(const rt_world *w);

/* Fills ev->seq and ev->t and passes the event to the hook. The embedder
 * reports its own events (exceptions, output, warnings) this way. On an
 * executor worker, ev->worker (when negative) and ev->executor (when 0) are
 * filled in from the calling thread's job. Build events with rt_event_init
 * so that unused fields are zero and `worker` is -1. */
void rt_world_emit(rt_world *w, rt_event *ev);

static inline rt_event rt_event_init(rt_event_kind kind)
{
    rt_event ev = {0};
    ev.kind = kind;
    ev.worker = -1;
    return ev;
}

/* Blocks the calling thread for `seconds` (time.sleep). On the loop thread
 * in virtual mode the clock moves forward, and executor workers that wake
 * in the meantime run, one at a time, in order of (wake time, order they
 * went to sleep); loop.block is emitted first (for the running loop and its
 * current task, when there is one). On a worker thread this is
 * rt_job_sleep on its job. RT_EINVAL for a negative or NaN duration. */
int rt_world_sleep(rt_world *w, double seconds);

/* Blocks the loop's thread until done(data) is true (a concurrent
 * future's result()): in virtual mode the clock moves from one worker
 * wake-up to the next, running them in order; in real mode it polls.
 * RT_EDEADLOCK when no worker is left that could make it true; RT_EINVAL
 * on a worker thread. */
int rt_world_wait(rt_world *w, bool (*done)(void *data), void *data);

/* The next id of a counter, for the embedder's own objects. */
uint64_t rt_world_next_id(rt_world *w, int counter);
enum { RT_ID_TASK, RT_ID_FUTURE, RT_ID_HANDLE, RT_ID_JOB, RT_ID_EXECUTOR,
       RT_ID_LOOP, RT_ID__COUNT };

/* ------------------------------------------------------------------------ */
/* Handles: callbacks queued on a loop, now (ready queue) or later (timer)  */
/* ------------------------------------------------------------------------ */

typedef void (*rt_handle_fn)(rt_loop *loop, rt_handle *h);

/* Handles are reference counted: the loop holds one reference while the
 * handle is queued or in the timer heap; whoever asked for `out` holds
 * another and must rt_handle_release it. The loop runs fn(loop, h) once,
 * unless the handle was cancelled first. */
struct rt_handle {
    rt_object obj;
    rt_loop *loop;
    rt_handle_fn fn;     /* what to run */
    void *data;          /* borrowed pointer for fn */
    rt_object *target;   /* owned: the task, future or callable concerned */
    rt_value arg;        /* owned: an argument for fn */
    double when;         /* deadline of a timer; 0 for ready handles */
    uint64_t id;
    uint16_t kind;       /* rt_handle_kind */
    bool cancelled;
    bool scheduled;      /* timer currently in the heap */
    bool timer;
};

/* Queues fn at the tail of the ready queue (loop.call_soon). `target` and
 * `arg` are retained by the handle. `out` may be NULL; when not, it
 * receives a new reference. */
int rt_loop_call_soon(rt_loop *loop, rt_handle_kind kind, rt_handle_fn fn,
                      void *data, rt_object *target, rt_value arg,
                      rt_handle **out);

/* loop.call_later(delay) == call_at(time() + delay). */
int rt_loop_call_later(rt_loop *loop, double delay, rt_handle_fn fn,
                       void *data, rt_object *target, rt_value arg,
                       rt_handle **out);

/* loop.call_at(when): pushes a timer onto the heap. */
int rt_loop_call_at(rt_loop *loop, double when, rt_handle_fn fn, void *data,
                    rt_object *target, rt_value arg, rt_handle **out);

/* Thread-safe: from an executor job (or the loop thread), queues fn
 * through the loop's locked queue and wakes the loop (eventfd in real-clock
 * mode; wake-ups merged). The handle joins the ready queue before the loop
 * runs anything else. Other threads must not call it: handles come from
 * the loop's free list, which the baton (or GIL) protects. */
int rt_loop_call_soon_threadsafe(rt_loop *loop, rt_handle_fn fn, void *data,
                                 rt_object *target, rt_value arg);

/* Handle.cancel(): marks it; a queued handle is skipped, a timer stays in
 * the heap until popped or compacted. Idempotent. */
void rt_handle_cancel(rt_handle *h);

static inline void rt_handle_retain(rt_handle *h) { rt_object_retain(&h->obj); }
static inline void rt_handle_release(rt_handle *h)
{
    if (h)
        rt_object_release(&h->obj);
}

/* ------------------------------------------------------------------------ */
/* The loop                                                                 */
/* ------------------------------------------------------------------------ */

int rt_loop_new(rt_world *w, rt_loop **out);

/* Frees a closed or never-run loop: the handles still queued are released
 * without running, and each waiting task forgets the future it awaits (the
 * task <-> future cycle that CPython's collector would break; a task nobody
 * holds then goes, "destroyed but it is pending"). The loop must not be
 * running. Futures, tasks and
 * handles of the loop that the embedder still holds stay valid: the loop's
 * memory is released when the last of them is (they see a closed loop). */
void rt_loop_free(rt_loop *loop);

rt_world *rt_loop_world(const rt_loop *loop);
uint64_t rt_loop_id(const rt_loop *loop);
double rt_loop_time(const rt_loop *loop);

/* The embedder's pointer (the interpreter's loop object). */
void rt_loop_set_data(rt_loop *loop, void *data);
void *rt_loop_data(const rt_loop *loop);

/* One iteration of asyncio's BaseEventLoop._run_once: drop cancelled timers
 * (compacting the heap when more than half of over 100 are cancelled), wait
 * (jump the virtual clock) for the next timer or worker wake-up unless
 * something is ready, move every timer due within 1 ns to the ready queue,
 * then run exactly the handles that were ready at that point.
 * Returns RT_EDEADLOCK (and emits loop.deadlock) when nothing is ready,
 * nothing is scheduled and no worker can ever call back, RT_EEXIT when a
 * task stored a fatal exception. */
int rt_loop_run_once(rt_loop *loop);

/* loop.run_forever(): iterations until rt_loop_stop (or an error). */
int rt_loop_run_forever(rt_loop *loop);

/* loop.run_until_complete(fut): adds the stopping done callback, runs
 * forever, removes it. RT_ESTOPPED when the loop stopped first. The
 * future's outcome is left in it for the caller to read. */
int rt_loop_run_until_complete(rt_loop *loop, rt_future *fut);

/* loop.stop(): the current iteration finishes, then run_forever returns. */
void rt_loop_stop(rt_loop *loop);

/* loop.close(): RT_ERUNNING when running; idempotent; clears the queues. */
int rt_loop_close(rt_loop *loop);

bool rt_loop_is_running(const rt_loop *loop);
bool rt_loop_is_closed(const rt_loop *loop);

/* The task whose step is executing on this loop, or NULL. Borrowed. */
rt_task *rt_loop_current_task(const rt_loop *loop);

/* Counts, for the front end, tests and the deadlock report. */
size_t rt_loop_ready_count(const rt_loop *loop);
size_t rt_loop_timer_count(const rt_loop *loop);
uint64_t rt_loop_iteration(const rt_loop *loop);

/* Calls the world's exception handler (loop.call_exception_handler). */
void rt_loop_call_exception_handler(rt_loop *loop, const rt_exc_context *ctx);

/* A callback raised KeyboardInterrupt or SystemExit (asyncio re-raises
 * them out of the loop): run_once returns RT_EEXIT right after the current
 * handle, leaving the rest of the ready queue queued. */
void rt_loop_raise_exit(rt_loop *loop);

/* The KeyboardInterrupt or SystemExit with which a task ended, making the
 * loop return RT_EEXIT (asyncio re-raises it out of run_until_complete): a
 * new reference, or none when a callback raised it or it was taken. */
rt_value rt_loop_take_exit_exception(rt_loop *loop);

/* Checks the invariants at the top of this file; returns 0 or a negative
 * code and writes what is wrong into `why`. For tests and debug builds. */
int rt_loop_check(const rt_loop *loop, char *why, size_t size);

/* Debug mode's slow callbacks (asyncio's slow_callback_duration): after
 * each handle whose call took at least `threshold` seconds of the world's
 * clock (a time.sleep that blocked the loop), fn(data, h, dt) reports it
 * with the handle still valid. fn NULL turns the report off. */
typedef void (*rt_slow_fn)(void *data, rt_handle *h, double dt);
void rt_loop_set_slow_report(rt_loop *loop, double threshold, rt_slow_fn fn,
                             void *data);

/* Calls fn for each live task of the loop in creation order (all_tasks). */
void rt_loop_foreach_task(rt_loop *loop, void (*fn)(rt_task *t, void *data),
                          void *data);

/* Simulated I/O. An embedder that simulates sockets, pipes and child
 * processes in memory answers, through these callbacks, what CPython's
 * selector.select() asks the kernel in the select phase of each iteration.
 * All three run on the loop's thread, with the loop in its iteration.
 * Readiness is "at the next select": what a callback does to the simulated
 * world during one iteration is reported by the select of the next. */
typedef struct rt_io_ops {
    /* True when an I/O event is ready now. Asked only when the select
     * would wait: it then returns at once, the clock does not move, and
     * the loop is not deadlocked. */
    bool (*ready)(void *data);
    /* The time of the next timed I/O event (a simulated child process
     * that exits at a virtual time), or INFINITY when none is coming.
     * Asked when the select would wait and nothing is ready: the clock
     * moves there at the latest (clock.advance "io"), and a loop with such
     * an event coming is not deadlocked. Executor workers that wake at the
     * same instant run first. */
    double (*next)(void *data);
    /* Called at the end of every select phase, after the wait and after
     * the threadsafe queue joined the ready queue, before due timers do:
     * fires the timed events now due and queues (rt_loop_call_soon) the
     * callbacks of what is ready, in the order the simulated selector
     * reports them. */
    void (*poll)(void *data, rt_loop *loop);
} rt_io_ops;

/* Installs the loop's simulated I/O; `ops` and `data` are borrowed until
 * replaced, or removed by passing NULL. Without it the select phase only
 * waits for timers and executor workers. */
void rt_loop_set_io(rt_loop *loop, const rt_io_ops *ops, void *data);

/* ------------------------------------------------------------------------ */
/* Futures                                                                  */
/* ------------------------------------------------------------------------ */

typedef enum rt_future_state {
    RT_FUTURE_PENDING = 0,
    RT_FUTURE_FINISHED = 1, /* with a result or an exception */
    RT_FUTURE_CANCELLED = 2
} rt_future_state;

/* A done callback: fn(loop, h) runs from a handle of kind DONE_CALLBACK
 * whose `target` is the future and whose `data`/`arg` are those given to
 * rt_future_add_done_callback. */
typedef struct rt_done_callback {
    rt_handle_fn fn;
    void *data;      /* borrowed */
    rt_value arg;    /* owned */
    rt_handle_kind kind; /* DONE_CALLBACK, or WAKEUP for a task waiting */
} rt_done_callback;

/* What only some futures need, allocated when first set: scenarios make
 * futures by the hundred thousand, and few are ever cancelled. */
typedef struct rt_future_rare {
    rt_value cancel_msg;    /* owned: the message given to cancel() */
    rt_value cancelled_exc; /* owned: the CancelledError that ended it */
    /* An embedder's override of cancel() (a Python subclass of Future
     * that defines cancel, like gather's future): rt_future_cancel calls
     * it instead; it may call rt_future_cancel_base. NULL: none. */
    bool (*cancel_hook)(rt_future *fut, rt_value msg);
} rt_future_rare;

/* A future. Embedders put it at the start of their own object (the
 * interpreter's Future) and give it their own rt_type; C users call
 * rt_future_new. The fields are read-only outside future.c / task.c. */
struct rt_future {
    rt_object obj;
    rt_loop *loop;
    uint64_t id;            /* future id (tasks: task id, see rt_task) */
    rt_value outcome;       /* owned: the result, or the exception when
                               has_exception; read them with
                               rt_future_peek_result / _exception */
    rt_future_rare *rare;   /* owned, NULL until needed */
    rt_done_callback *callbacks; /* in registration order */
    uint32_t ncallbacks, capcallbacks;
    uint8_t state;          /* rt_future_state */
    uint8_t role;           /* rt_future_role */
    bool log_traceback;     /* exception set and never retrieved */
    bool is_task;
    bool has_exception;     /* finished with an exception */
    uint64_t ref;           /* role detail: timer handle id, job id... */
};

/* The stored result and exception (borrowed; none when there is none).
 * Unlike rt_future_result, these neither raise nor mark anything
 * retrieved. */
static inline rt_value rt_future_peek_result(const rt_future *f)
{
    return f->has_exception ? RT_NONE : f->outcome;
}

static inline rt_value rt_future_peek_exception(const rt_future *f)
{
    return f->has_exception ? f->outcome : RT_NONE;
}

/* The message given to cancel() (borrowed), or none. */
static inline rt_value rt_future_cancel_message(const rt_future *f)
{
    return f->rare ? f->rare->cancel_msg : RT_NONE;
}

/* Installs an override of cancel() (see rt_future_rare). RT_ENOMEM. */
int rt_future_set_cancel_hook(rt_future *fut,
                              bool (*hook)(rt_future *fut, rt_value msg));

/* Creates a pending future on `loop` with a reference for the caller. */
int rt_future_new(rt_loop *loop, rt_future **out);

/* For embedders: initialises a future embedded in an object whose header
 * the embedder has set up (refs = 1, its own type). */
int rt_future_init(rt_future *fut, rt_loop *loop, rt_future_role role);

/* Releases what the future holds; the embedder's destroy calls this.
 * Reports "Future exception was never retrieved" (or "Task ...") through
 * the exception handler when log_traceback is still set. */
void rt_future_deinit(rt_future *fut);

static inline void rt_future_retain(rt_future *f) { rt_object_retain(&f->obj); }
static inline void rt_future_release(rt_future *f)
{
    if (f)
        rt_object_release(&f->obj);
}

static inline bool rt_future_done(const rt_future *f)
{
    return f->state != RT_FUTURE_PENDING;
}
static inline bool rt_future_cancelled(const rt_future *f)
{
    return f->state == RT_FUTURE_CANCELLED;
}

/* set_result / set_exception: RT_ESTATE when already done. The value is
 * retained. Done callbacks are scheduled with call_soon in registration
 * order. set_exception of a CancelledError... is the caller's to refuse. */
int rt_future_set_result(rt_future *fut, rt_value result);
int rt_future_set_exception(rt_future *fut, rt_value exc);

/* cancel(msg): false when already done. Virtual, as in asyncio: a task's
 * cancel for a task, the cancel_hook when set. */
bool rt_future_cancel(rt_future *fut, rt_value msg);

/* Future.cancel itself, ignoring cancel_hook (super().cancel()). */
bool rt_future_cancel_base(rt_future *fut, rt_value msg);

/* Reads the outcome as Future.result() would: on RT_OK *out is a new
 * reference to the result; otherwise returns RT_ESTATE with *exc set to a
 * new reference to the exception to raise (the stored one, a
 * CancelledError, or InvalidStateError('Result is not set.')), or
 * RT_ENOMEM with *exc none when that exception could not be made. Clears
 * log_traceback when finished. */
int rt_future_result(rt_future *fut, rt_value *out, rt_value *exc);

/* Future.exception(): *out is a new reference to the exception or none;
 * RT_ESTATE with *exc set when pending (InvalidStateError('Exception is not
 * set.')) or cancelled (CancelledError). Clears log_traceback. */
int rt_future_exception(rt_future *fut, rt_value *out, rt_value *exc);

/* add_done_callback: scheduled at once (call_soon) if already done. */
int rt_future_add_done_callback(rt_future *fut, rt_handle_fn fn, void *data,
                                rt_value arg);

/* remove_done_callback: removes every registration whose fn and data match
 * and whose arg matches by `same` (NULL: identical bits); returns how many. */
int rt_future_remove_done_callback(rt_future *fut, rt_handle_fn fn,
                                   void *data, rt_value arg,
                                   bool (*same)(rt_value a, rt_value b));

/* Makes the CancelledError that result() raises for a cancelled future
 * (new reference; asyncio's _make_cancelled_error). */
rt_value rt_future_make_cancelled_error(rt_future *fut);

/* ------------------------------------------------------------------------ */
/* Coroutines and tasks                                                     */
/* ------------------------------------------------------------------------ */

/* How a task resumes its coroutine. */
typedef enum rt_resume {
    RT_RESUME_SEND = 0,  /* coro.send(value) */
    RT_RESUME_THROW = 1  /* coro.throw(value) */
} rt_resume;

/* What the coroutine did when resumed. */
typedef enum rt_coro_status {
    RT_CORO_YIELD = 0,  /* suspended: see the rt_yield */
    RT_CORO_RETURN = 1, /* finished with a value (StopIteration) */
    RT_CORO_RAISE = 2   /* finished with an exception */
} rt_coro_status;

/* What a suspended coroutine handed its task. */
typedef struct rt_yield {
    rt_future *future; /* a blocking future to wait for (borrowed), or NULL */
    bool bare;         /* a bare yield (sleep(0)): run again next iteration */
    rt_value bad;      /* anything else (owned): "Task got bad yield" */
} rt_yield;

/* The coroutine interface a task drives. The coroutine is an rt_object
 * owned by the task. */
typedef struct rt_coro_class {
    /* Resumes the coroutine. `in` is borrowed. On RT_CORO_RETURN/RAISE,
     * *value receives a new reference to the result or exception; on
     * RT_CORO_YIELD, *y is filled. */
    rt_coro_status (*resume)(rt_object *coro, rt_task *task, rt_resume how,
                             rt_value in, rt_value *value, rt_yield *y);
    /* The source line and function where the coroutine (its innermost
     * frame) is suspended or running; 0/NULL when unknown. May be NULL. */
    int (*where)(rt_object *coro, const char **func);
    /* The coroutine's name for events ("main"); may be NULL. */
    const char *(*name)(rt_object *coro);
} rt_coro_class;

/* A task: a future that drives a coroutine with asyncio's step semantics
 * (Task.__step / __wakeup). Tasks are created pending with their first step
 * already queued. */
struct rt_task {
    rt_future fut;           /* a task is a future: fut.id is the task id
                                of events, fut.ref the number n of its
                                default name "Task-<n>" */
    rt_object *coro;         /* owned */
    const rt_coro_class *cls;
    rt_future *fut_waiter;   /* owned: the future it awaits, or NULL */
    char *name;              /* a name it was given, or NULL: use
                                rt_task_name */
    int num_cancels_requested;
    bool must_cancel;        /* deliver CancelledError at the next step */
    bool running;            /* its step is executing now */
    bool step_queued;        /* a step or wakeup handle is queued */
    bool where_known;        /* where_line/where_func hold the position the
                                coroutine waits at (set when task.create or
                                task.suspend reported it), so that the next
                                task.step need not look it up again */
    int where_line;          /* that position's line (0: unknown) */
    const char *where_func;  /* ... and function (the coroutine's own
                                string, alive while it is suspended) */
    rt_task *next_live, *prev_live; /* the loop's list of live tasks */
};

/* Creates a task for `coro` (the task takes a new reference to it) and
 * queues its first step. `name` may be NULL: then "Task-<n>" with n from
 * the world's name counter, as asyncio counts. */
int rt_task_new(rt_loop *loop, rt_object *coro, const rt_coro_class *cls,
                const char *name, rt_task **out);

/* Embedded form: the embedder allocated the object and set its header.
 * On failure nothing was initialised: free the object without deinit. */
int rt_task_init(rt_task *t, rt_loop *loop, rt_object *coro,
                 const rt_coro_class *cls, const char *name);
void rt_task_deinit(rt_task *t);

static inline void rt_task_retain(rt_task *t) { rt_object_retain(&t->fut.obj); }
static inline void rt_task_release(rt_task *t)
{
    if (t)
        rt_object_release(&t->fut.obj);
}

/* Task.cancel(msg): false when already done. Cancels the awaited future if
 * any (the wake-up then throws CancelledError in), else marks the task so
 * the next step throws it. Counts cancelling(). */
bool rt_task_cancel(rt_task *t, rt_value msg);

/* cancelling() and uncancel() (returns the new count). */
int rt_task_cancelling(const rt_task *t);

/* The task's name: the one it was given, or "Task-<n>" written into `buf`,
 * which has RT_TASK_NAME_SIZE bytes. Default names are made only when
 * asked for, so that a hundred thousand tasks do not carry them. */
#define RT_TASK_NAME_SIZE 32
const char *rt_task_name(const rt_task *t, char *buf);
int rt_task_uncancel(rt_task *t);

/* Task.set_name: copies `name` and reports it as task.rename (events name
 * a task by its id; its name comes from task.create and task.rename).
 * RT_ENOMEM keeps the old name. */
int rt_task_set_name(rt_task *t, const char *name);

/* Where the task is, for the front end, tests and deadlock reports. */
typedef enum rt_task_place {
    RT_PLACE_RUNNING,
    RT_PLACE_READY,     /* a step or wake-up handle is queued */
    RT_PLACE_WAITING,   /* awaiting fut_waiter */
    RT_PLACE_DONE
} rt_task_place;

rt_task_place rt_task_place_of(const rt_task *t);

/* ------------------------------------------------------------------------ */
/* Executors: pools of real threads                                         */
/* ------------------------------------------------------------------------ */

/* A job function runs on a worker thread. It may call rt_job_sleep (the
 * only way to spend time in a job) and rt_loop_call_soon_threadsafe; it
 * must not touch any loop otherwise. In virtual-clock mode jobs run one at
 * a time under the world's baton, so their effects are deterministic. */
typedef void (*rt_job_fn)(rt_job *job, void *data);

/* Creates a pool of at most max_workers threads (started lazily, one per
 * submit while none is idle, as ThreadPoolExecutor does). `name` prefixes
 * thread names ("asyncio" gives asyncio_0, asyncio_1, ...). */
int rt_executor_new(rt_world *w, int max_workers, const char *name,
                    rt_executor **out);

/* Queues a job. In virtual mode, when a worker is idle (or one can be
 * started), the job starts at once and runs until it blocks or ends before
 * this call returns. `label` names the job in events. *out (may be NULL)
 * receives the job id. RT_ESHUTDOWN after shutdown. */
int rt_executor_submit(rt_executor *ex, rt_job_fn fn, void *data,
                       const char *label, uint64_t *out);

/* Removes a job that has not started (Future.cancel of the concurrent
 * future), reported as exec.done with state "cancelled"; its data stays
 * the caller's. False when it already started or is unknown. */
bool rt_executor_cancel(rt_executor *ex, uint64_t job);

/* shutdown(wait): refuses new jobs; with wait, blocks until every queued
 * and running job ended (in virtual mode the clock moves to their
 * wake-ups, and workers of other executors that wake meanwhile run too)
 * and joins the threads. Waiting is for the loop thread: RT_EINVAL on a
 * worker. */
int rt_executor_shutdown(rt_executor *ex, bool wait);

/* Frees an executor. If it was not shut down with wait, it first waits
 * for its jobs as shutdown(wait) would. */
void rt_executor_free(rt_executor *ex);

int rt_executor_max_workers(const rt_executor *ex);
uint64_t rt_executor_id(const rt_executor *ex);

/* On a worker thread: blocks the job for `seconds` (time.sleep). */
void rt_job_sleep(rt_job *job, double seconds);

/* On a worker thread: the job's function raised `exc`; exec.done reports
 * state "exception" with its type and text. The job keeps a reference
 * until it ends. (The job's function still returns normally.) */
void rt_job_set_exception(rt_job *job, rt_value exc);

/* The job running on the calling thread, or NULL on the loop's thread. */
rt_job *rt_job_current(void);
uint64_t rt_job_id(const rt_job *job);
int rt_job_worker(const rt_job *job);
/* The thread-name prefix and the id of the executor a job runs on. */
const char *rt_job_executor_name(const rt_job *job);
uint64_t rt_job_executor_id(const rt_job *job);

/* ------------------------------------------------------------------------ */
/* Scenarios: running a Python asyncio file                                 */
/* ------------------------------------------------------------------------ */

/* Exit statuses of a run, as the command line documents them. */
enum {
    RT_EXIT_OK = 0,        /* the scenario finished */
    RT_EXIT_EXCEPTION = 1, /* an exception escaped (traceback printed) */
    RT_EXIT_BAD_INPUT = 2, /* unreadable file, syntax or unsupported code */
    RT_EXIT_DEADLOCK = 3   /* every task waits and nothing is scheduled */
};

/* Shared between a running scenario and another thread (the window, or a
 * signal handler): the run publishes where it is at every backward jump
 * (each turn of a loop), so a scenario that spins without awaiting can be
 * shown as "blocked at line N"; setting `interrupt` makes the run raise
 * KeyboardInterrupt at its next backward jump (Ctrl-C, closing the
 * window). Relaxed atomics: cheap enough for every loop turn. */
typedef struct rt_scenario_probe {
    _Atomic int line;          /* line of the innermost scenario frame */
    _Atomic unsigned long ticks; /* grows while code runs */
    _Atomic int interrupt;     /* nonzero: stop the run */
} rt_scenario_probe;

typedef struct rt_scenario_options {
    const char *path;      /* the scenario file */
    bool real_time;        /* the real clock instead of the virtual one */
    bool check_only;       /* parse and compile, do not run */
    rt_event_hook hook;    /* every event of the run, or NULL */
    void *hook_data;
    FILE *out, *err;       /* what the scenario prints (NULL: stdout and
                              stderr) */
    rt_scenario_probe *probe; /* may be NULL */
} rt_scenario_options;

/* Runs a scenario as `python3 FILE` would, printing what it prints; errors
 * in the file are reported as "file:line:col: message" with the line and a
 * caret. Returns one of the RT_EXIT_ statuses. */
int rt_scenario_run(const rt_scenario_options *opt);

#ifdef __cplusplus
}
#endif

#endif /* LOOPSCOPE_RT_H */
