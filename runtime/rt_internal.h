/*
 * rt_internal.h - declarations shared by the runtime core's files (world,
 * clock, timer heap, loop, future, task, executor), with the full
 * definitions of the types that rt.h leaves opaque.
 *
 * Nothing here is for the front end or the interpreter: they use rt.h.
 * Internal names carry the rt__ prefix.
 *
 * Threads (see world.c for the whole story): a world has one loop thread,
 * the one that created it, and executor workers (real pthreads). In
 * virtual-clock mode exactly one of them runs at a time; the right to run
 * is "the baton", handed over explicitly under the world's mutex. In
 * real-clock mode the baton is a plain mutex held like Python's GIL.
 * Whoever holds the baton may touch every runtime object; nobody else may.
 */
#ifndef LOOPSCOPE_RT_INTERNAL_H
#define LOOPSCOPE_RT_INTERNAL_H

#include <pthread.h>
#include <time.h>

#include "rt.h"

/* Conditions believed impossible (SQLite's ALWAYS/NEVER): they read as a
 * plain test in release builds and document the belief. */
#define RT_ALWAYS(x) (x)
#define RT_NEVER(x) (x)

/* asyncio's constants (base_events.py). */
#define RT__MIN_SCHEDULED_TIMERS 100   /* _MIN_SCHEDULED_TIMER_HANDLES */
#define RT__CANCELLED_FRACTION 0.5     /* _MIN_CANCELLED_TIMER_HANDLES_FRACTION */
#define RT__MAX_SELECT_TIMEOUT 86400.0 /* MAXIMUM_SELECT_TIMEOUT */
#define RT__CLOCK_RESOLUTION 1e-9      /* time.get_clock_info().resolution */

/* Handles kept on a loop's free list at most; more are freed. */
#define RT__MAX_FREE_HANDLES 4096

/* Room for formatted event texts (descriptions, "time.sleep(1)"). */
#define RT__TEXT 160

/* ------------------------------------------------------------------------ */
/* Threads and the baton                                                    */
/* ------------------------------------------------------------------------ */

/* One thread that can hold the baton: the loop thread or a worker. A
 * thread waits on its own condition variable (with the world's mutex) until
 * the world's `baton` points at it. */
typedef struct rt__thread {
    pthread_cond_t cv; /* signalled when the baton is handed to it */
} rt__thread;

typedef struct rt__worker rt__worker;

/* Entries of the timer heap: the deadline is copied next to the handle so
 * that sifting compares within the array and touches no handle. */
typedef struct rt__timer {
    double when;  /* == h->when */
    rt_handle *h; /* the loop owns one reference */
} rt__timer;

struct rt_world {
    rt_clock_mode mode;       /* virtual or real */
    double now;               /* virtual mode: the clock; real: unused */
    struct timespec origin;   /* real mode: CLOCK_MONOTONIC at creation */
    rt_host host;             /* the embedder's callbacks, defaults filled */
    void *host_data;          /* first argument of every host callback */
    rt_event_hook hook;       /* NULL: no events are built at all */
    void *hook_data;          /* first argument of the hook */
    uint64_t seq;             /* next event sequence number */
    uint64_t ids[RT_ID__COUNT]; /* last id handed out, per counter */
    uint64_t task_names;      /* asyncio's _task_name_counter */
    uint64_t sleep_seq;       /* order in which workers went to sleep */

    /* Known future and task types (rt_future_init/rt_task_init record
     * them), so that events can tell that an object is a future. */
    const rt_type *future_types[8];
    int nfuture_types;
    const rt_type *task_types[8];
    int ntask_types;

    /* Everything below is guarded by `mu` when more than one thread
     * exists; the baton holder may read `baton` without it. */
    pthread_mutex_t mu;       /* the baton, executors' queues, sleepers */
    rt__thread home;          /* the loop thread's slot */
    rt__thread *baton;        /* virtual mode: the thread that may run */
    pthread_mutex_t gil;      /* real mode: the baton as a plain lock */
    rt__worker **sleepers;    /* virtual: sleeping workers by (wake, seq) */
    size_t nsleepers;         /* entries of `sleepers` in use */
    size_t capsleepers;       /* >= workers started, so sleeping never
                                 allocates */
    size_t outstanding;       /* jobs submitted and not yet ended */
    size_t nworkers;          /* worker threads alive in the world */

    rt_loop *loops;           /* loops not yet freed (drained by workers'
                                 completions), most recent first */
    rt_loop *zombies;         /* freed loops still referenced by objects */
    rt_loop *running_loop;    /* the loop running on the loop thread */
    size_t nexecutors;        /* executors not yet freed */
};

/* ------------------------------------------------------------------------ */
/* The loop                                                                 */
/* ------------------------------------------------------------------------ */

struct rt_loop {
    rt_world *w;              /* the world it belongs to */
    uint64_t id;              /* loop id for events */
    void *data;               /* the embedder's pointer */

    /* Ready queue: a ring of handle pointers; each holds one reference. */
    rt_handle **ready;        /* capacity `rcap`, a power of two */
    size_t rhead;             /* index of the head (next to run) */
    size_t rcount;            /* handles queued */
    size_t rcap;              /* capacity of `ready` */

    /* Timer heap: asyncio's `_scheduled`, a heapq list on `when`. */
    rt__timer *heap;          /* entries 0..nheap-1 */
    size_t nheap;             /* timers in the heap (cancelled included) */
    size_t capheap;           /* capacity of `heap` */
    size_t ncancelled;        /* _timer_cancelled_count */

    rt_handle *free_handles;  /* recycled handles, chained through `data` */
    size_t nfree;             /* length of that list */

    rt_task *current;         /* the task whose step is running, or NULL */
    rt_task *live_first;      /* live tasks in creation order (no refs) */
    rt_task *live_last;
    size_t nlive;             /* tasks on that list */

    uint64_t iteration;       /* _run_once calls so far */
    size_t users;             /* futures, tasks and handles (not on the free
                                 list) pointing at this loop */
    bool running;             /* inside run_forever (or a public run_once) */
    bool stopping;            /* stop() was called */
    bool closed;              /* close() was called */
    bool freed;               /* rt_loop_free was called: a zombie */
    bool in_iteration;        /* run_once is executing */
    bool exit_pending;        /* a fatal exception: return RT_EEXIT */
    rt_value exit_exc;        /* owned: a task's fatal exception, or none */

    /* Threadsafe queue: the one part of a loop other threads may touch. */
    pthread_mutex_t tsq_mu;   /* guards tsq, ntsq, tsq_pending, tsq_closed */
    rt_handle **tsq;          /* handles waiting to join the ready queue */
    size_t ntsq, captsq;
    bool tsq_pending;         /* the eventfd was written since last drain */
    bool tsq_closed;          /* the loop was closed: refuse new entries */
    int efd;                  /* real mode: eventfd; virtual: -1 */

    const rt_io_ops *io;      /* simulated I/O (rt_loop_set_io), or NULL */
    void *io_data;            /* its first argument (borrowed) */

    rt_loop *next, *prev;     /* the world's list of loops (or zombies) */

    /* Debug mode's slow-callback report (rt_loop_set_slow_report). */
    rt_slow_fn slow_fn;       /* NULL: off */
    void *slow_data;
    double slow_threshold;
};

/* ------------------------------------------------------------------------ */
/* Executors                                                                */
/* ------------------------------------------------------------------------ */

struct rt_job {
    uint64_t id;              /* job id for events */
    rt_job_fn fn;             /* what to run on the worker */
    void *data;               /* fn's argument, owned by the submitter */
    char *label;              /* owned copy of the label, or NULL */
    rt_executor *ex;          /* the executor it was submitted to */
    rt__worker *worker;       /* the worker running it, or NULL if queued */
    rt_value exc;             /* owned: set by rt_job_set_exception */
    rt_job *next;             /* the executor's FIFO queue */
};

/* One worker thread. */
struct rt__worker {
    rt__thread slot;          /* where it waits for the baton */
    rt_executor *ex;          /* its executor */
    int index;                /* 0, 1, ... within the executor */
    pthread_t thread;         /* joined at shutdown */
    rt_job *job;              /* the job it runs (or was given), or NULL */
    rt__thread *giver;        /* virtual: who handed it the baton and gets
                                 it back when the job blocks or ends */
    double wake;              /* virtual: when a sleeping job wakes */
    uint64_t sleep_seq;       /* virtual: tie-breaker among equal wakes */
    bool exit;                /* shut down: leave the thread */
    rt__worker *next_idle;    /* the executor's idle FIFO */
};

struct rt_executor {
    rt_world *w;              /* its world */
    uint64_t id;              /* executor id for events */
    char *name;               /* owned: thread-name prefix */
    int max_workers;          /* threads at most */
    rt__worker **workers;     /* `max_workers` slots, `nworkers` started */
    int nworkers;
    rt__worker *idle_first;   /* idle workers, longest idle first */
    rt__worker *idle_last;
    rt_job *queue_first;      /* jobs waiting for a worker, FIFO */
    rt_job *queue_last;
    size_t nqueue;
    size_t busy;              /* jobs queued or started and not ended */
    bool shutdown;            /* refuses new jobs */
    bool joined;              /* the threads were joined */
};

/* ------------------------------------------------------------------------ */
/* Cross-file internal functions                                            */
/* ------------------------------------------------------------------------ */

/* world.c / clock.c */
double rt__clock_now(const rt_world *w);
void rt__clock_init(rt_world *w);
/* Moves the virtual clock to `when`, emitting clock.advance (`why`). */
void rt__clock_advance(rt_world *w, double when, const char *why);
uint64_t rt__next_id(rt_world *w, int counter);
void rt__describe(rt_world *w, rt_value v, rt_describe how, char *buf,
                  size_t size);
rt_exc_class rt__classify(rt_world *w, rt_value exc);
rt_value rt__make_exception(rt_world *w, rt_exc_make what, rt_value msg,
                            const char *text);
bool rt__is_future_obj(const rt_world *w, const rt_object *obj);
bool rt__is_task_obj(const rt_world *w, const rt_object *obj);
void rt__register_future_type(rt_world *w, const rt_type *type, bool task);
/* Formats a float as Python's repr does (shortest round trip). */
void rt__format_float(double v, char *buf, size_t size);
/* Moves every loop's threadsafe queue into its ready queue (loop thread). */
void rt__world_drain_all(rt_world *w);
/* True when the calling thread is one of the world's workers. */
bool rt__on_worker(void);
/* Virtual mode, loop thread: runs sleeping workers whose wake time is at
 * most `limit` (all when `unlimited`), one at a time, moving the clock to
 * each wake time. Stops early and returns true as soon as one of them made
 * `watch`'s threadsafe queue non-empty (watch may be NULL). */
bool rt__run_due_workers(rt_world *w, double limit, bool unlimited,
                         rt_loop *watch);
/* Runs the next sleeping worker (any executor); false when none sleeps. */
bool rt__run_next_worker(rt_world *w);
/* Virtual mode, with the world's mutex held by the baton holder `self`:
 * hands the baton to `to` and waits until it is handed back. */
void rt__baton_pass(rt_world *w, rt__thread *self, rt__thread *to);
/* Virtual mode, mutex held: files a sleeping worker by (wake, sleep_seq). */
void rt__sleepers_insert(rt_world *w, rt__worker *wk);
/* Real mode: release and retake the GIL around a blocking wait. */
void rt__gil_release(rt_world *w);
void rt__gil_acquire(rt_world *w);
/* The number of jobs submitted and not ended, under the world's mutex. */
size_t rt__outstanding_jobs(rt_world *w);

/* Calls the host's exception handler, or the default one (stderr). */
void rt__call_host_handler(rt_world *w, rt_loop *loop,
                           const rt_exc_context *ctx);
/* "time.sleep(1)" for events. */
void rt__format_sleep(double seconds, char *buf, size_t size);

/* timer.c */
int rt__heap_reserve(rt_loop *loop, size_t n);
void rt__heap_push(rt_loop *loop, rt_handle *h);
rt_handle *rt__heap_pop(rt_loop *loop);
void rt__heap_heapify(rt__timer *heap, size_t n);
void rt__timers_prune(rt_loop *loop);

/* loop.c */
/* The type of the runtime's handles (loop.c). */
extern const rt_type rt__handle_type;
/* Makes sure `n` handles can be queued without allocating: ring capacity
 * and handles on the free list. */
int rt__loop_reserve(rt_loop *loop, size_t n);
/* call_soon that cannot fail after rt__loop_reserve; `arg` is moved into
 * the handle (not retained), `target` is retained. */
rt_handle *rt__loop_soon_reserved(rt_loop *loop, rt_handle_kind kind,
                                  rt_handle_fn fn, void *data,
                                  rt_object *target, rt_value arg);
/* The same without the handle.schedule event: for a task's steps, which
 * task.create and task.suspend announce with the handle's id. */
rt_handle *rt__loop_soon_unannounced(rt_loop *loop, rt_handle_kind kind,
                                     rt_handle_fn fn, void *data,
                                     rt_object *target, rt_value arg);
void rt__loop_user_add(rt_loop *loop);
void rt__loop_user_drop(rt_loop *loop);
void rt__loop_live_add(rt_loop *loop, rt_task *t);
void rt__loop_live_remove(rt_loop *loop, rt_task *t);
/* Moves the threadsafe queue into the ready queue; returns how many. */
size_t rt__loop_drain(rt_loop *loop);
/* True when the threadsafe queue is non-empty. */
bool rt__loop_tsq_nonempty(rt_loop *loop);
/* Frees a zombie loop's memory. */
void rt__loop_destroy(rt_loop *loop);

/* future.c */
/* Sets up a future's fields (not its header, id or events); shared with
 * tasks. */
void rt__future_setup(rt_future *fut, rt_loop *loop, rt_future_role role);
/* The base Future.set_result / set_exception / cancel (no task checks). */
int rt__future_set_result(rt_future *fut, rt_value result);
int rt__future_set_exception(rt_future *fut, rt_value exc);
bool rt__future_cancel(rt_future *fut, rt_value msg);
/* Stores the cancel message / the CancelledError that ended a task (moved
 * in; released on failure). RT_ENOMEM when the rare part cannot be made. */
int rt__future_set_cancel_msg(rt_future *fut, rt_value msg);
int rt__future_set_cancelled_exc(rt_future *fut, rt_value exc);
/* add_done_callback with a handle kind (WAKEUP for tasks); `arg` retained. */
int rt__future_add_callback(rt_future *fut, rt_handle_fn fn, void *data,
                            rt_value arg, rt_handle_kind kind);
/* Calls the loop's exception handler about `fut` while it is being
 * destroyed (refs 0): keeps it alive (refs 1) during the call. */
void rt__future_report(rt_future *fut, const char *message, rt_value exc);
/* The type of futures made by rt_future_new, and of tasks by rt_task_new. */
extern const rt_type rt__future_type;
extern const rt_type rt__task_type;
/* Emits future.done / task.done for a future that just completed. */
void rt__future_emit_done(rt_future *fut);
/* Fills the `state`, `type` and `text` of an event from an outcome. */
void rt__outcome_fields(rt_world *w, rt_future *fut, rt_event *ev,
                        char *type, char *text);

/* task.c */
void rt__task_step_cb(rt_loop *loop, rt_handle *h);
void rt__task_wakeup_cb(rt_loop *loop, rt_handle *h);
/* The line and function where a task's coroutine is, into an event. */
void rt__task_where(const rt_task *t, rt_event *ev);
/* An rt_value holding a (borrowed) object. */
static inline rt_value rt__obj_value(void *obj)
{
    rt_value v = {RT_KIND_OBJECT, 0, {0}};
    v.u.p = obj;
    return v;
}

/* executor.c */
/* The worker the calling thread is, or NULL on the loop thread (a
 * thread-local set by each worker thread for itself). */
extern _Thread_local rt__worker *rt__tls_worker;
static inline rt__worker *rt__current_worker(void) { return rt__tls_worker; }

#endif /* LOOPSCOPE_RT_INTERNAL_H */
