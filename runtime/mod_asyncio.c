/*
 * mod_asyncio.c - the asyncio and concurrent.futures modules: event loops,
 * futures, tasks, handles, sleep, executors, and the exception handler,
 * built on the runtime core (rt.h).
 *
 * The objects here are thin: an interpreter Future *is* an rt_future (it
 * starts with one), a Task an rt_task, and the loop methods call the core
 * directly, so that scheduling has exactly one implementation. What asyncio
 * itself writes in Python (gather, wait_for, wait, shield, as_completed,
 * timeouts, TaskGroup, locks, queues) is Python here too: the prelude in
 * prelude_asyncio.py, compiled into the module when it is first imported.
 * Following CPython's algorithms there, rather than re-implementing them in
 * C, is what keeps the number of loop iterations between two events, and
 * therefore the interleaving a scenario prints, the same as CPython's.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lang.h"

extern const char loopscope_prelude_asyncio[];

/* A concurrent.futures.Future: what executor.submit() returns. Its done
 * callbacks run on the worker that finished the job, as in CPython. */
typedef struct CFutureObj {
    Obj hdr;
    void (*release)(VM *vm, Obj *o); /* unused: CFUTURE has its own case */
    uint8_t state;       /* CF_PENDING, CF_RUNNING, CF_FINISHED, ... */
    Value result, exc;
    List *callbacks;     /* callables taking the future, or NULL */
    ExecutorObj *ex;     /* owned */
    uint64_t job;
} CFutureObj;

enum { CF_PENDING, CF_RUNNING, CF_FINISHED, CF_CANCELLED };

static bool cancel_override(rt_future *fut, rt_value msg);
static int no_keywords_here(VM *vm, const char *name, Tuple *kw);
static Value l_shutdown_default_executor(VM *vm, Value *args, int nargs,
                                         Tuple *kw);
static Value l_shutdown_asyncgens(VM *vm, Value *args, int nargs, Tuple *kw);
static Value l_set_default_executor(VM *vm, Value *args, int nargs,
                                    Tuple *kw);
static Value h_cancel(VM *vm, Value *args, int nargs, Tuple *kw);
static Value h_cancelled(VM *vm, Value *args, int nargs, Tuple *kw);
static Value h_when(VM *vm, Value *args, int nargs, Tuple *kw);

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */
/* ------------------------------------------------------------------------ */

static LoopObj *loop_of(VM *vm, Value v)
{
    return IS_LAYOUT(v, LOOP) ? (LoopObj *)AS_OBJ(v) : NULL;
}

static LoopObj *running_loop(VM *vm)
{
    return loop_of(vm, vm->running_loop);
}

static Value raise_no_running_loop(VM *vm)
{
    return vm_raise_new(vm, vm->c.RuntimeError, "no running event loop");
}

static int check_closed(VM *vm, LoopObj *lo)
{
    if (lo->closed) {
        vm_raise_new(vm, vm->c.RuntimeError, "Event loop is closed");
        return -1;
    }
    return 0;
}

static bool is_coroutine(Value v)
{
    return (IS_LAYOUT(v, CORO) &&
            ((Coro *)AS_OBJ(v))->kind == CORO_KIND_COROUTINE) ||
           IS_LAYOUT(v, NCORO);
}

static bool is_future(Value v)
{
    return IS_LAYOUT(v, FUTURE) || IS_LAYOUT(v, TASK);
}

/* Raises the exception an rt call produced (or MemoryError). */
static Value raise_rt_exc(VM *vm, int rc, Value exc)
{
    if (!IS_NONE(exc) && !IS_ERR(exc)) {
        vm_raise(vm, exc);
        decref(exc);
        return VAL_ERR;
    }
    if (rc == RT_ENOMEM)
        return vm_raise_nomem(vm);
    return vm_raise_new(vm, vm->c.RuntimeError, "%s", rt_strerror(rc));
}

uint64_t vm_current_task_id(VM *vm)
{
    LoopObj *lo = running_loop(vm);
    if (!lo)
        return 0;
    rt_task *t = rt_loop_current_task(lo->loop);
    return t ? t->fut.id : 0;
}

/* ------------------------------------------------------------------------ */
/* Debug mode: where things were created                                    */
/* ------------------------------------------------------------------------ */

/* In debug mode asyncio remembers where each task, future and handle was
 * created and shows it in their reprs ("created at FILE:LINE"). Inside
 * asyncio's own code that is a line of CPython's library: these are the
 * lines of CPython 3.11.7, under Debian 12's python3.11 folder. */
#define ASYNCIO_DIR "/usr/lib/python3.11/asyncio/"
static const char ORIGIN_CREATE_TASK[] = ASYNCIO_DIR "tasks.py:384";
static const char ORIGIN_ENSURE_FUTURE[] = ASYNCIO_DIR "tasks.py:680";
static const char ORIGIN_RUN[] = ASYNCIO_DIR "runners.py:100";
static const char ORIGIN_CREATE_FUTURE[] = ASYNCIO_DIR "base_events.py:427";

/* The scenario's line running now, or 0 when the innermost frame is the
 * asyncio prelude's (or there is none). */
static int user_line(VM *vm)
{
    VMThread *t = vm_thread(vm);
    Frame *f = t ? t->frame : NULL;
    if (!f || !f->code || (f->code->flags & CO_INTERNAL))
        return 0;
    return vm_frame_line(f);
}

/* Records where `o` was created, when its loop is in debug mode: `origin`,
 * or NULL for the scenario's line running now (asyncio's own line when the
 * prelude runs). The record goes when the object does (aio_destroy). */
static void note_origin(VM *vm, LoopObj *lo, Obj *o, const char *origin)
{
    if (!lo || !lo->debug)
        return;
    Str *s;
    int line = origin ? 0 : user_line(vm);
    if (line)
        s = str_fmt(vm, "%s:%d",
                    vm->display_filename ? vm->display_filename : "?", line);
    else
        s = str_from_cstr(vm, origin ? origin : ORIGIN_ENSURE_FUTURE);
    if (!vm->debug_origins)
        vm->debug_origins = dict_new(vm);
    if (s && vm->debug_origins &&
        dict_set(vm, vm->debug_origins, val_int((int64_t)(intptr_t)o),
                 val_obj(s)) < 0)
        decref(vm_take_exc(vm));
    if (!s)
        decref(vm_take_exc(vm));
    obj_decref(s);
}

static Str *origin_of(VM *vm, Obj *o)
{
    if (!vm->debug_origins)
        return NULL;
    Value v = dict_get(vm, vm->debug_origins, val_int((int64_t)(intptr_t)o));
    return IS_STR(v) ? AS_STR(v) : NULL;
}

static void forget_origin(VM *vm, Obj *o)
{
    if (vm->debug_origins &&
        dict_del(vm, vm->debug_origins, val_int((int64_t)(intptr_t)o), NULL) < 0)
        decref(vm_take_exc(vm));
}

/* " created at ORIGIN" in a debug-mode repr. */
static void origin_info(VM *vm, SBuf *b, LoopObj *lo, Obj *o)
{
    Str *s = lo && lo->debug ? origin_of(vm, o) : NULL;
    if (s)
        sb_addf(b, " created at %s", s->data);
}

/* reprlib.repr, which asyncio uses for the arguments of callbacks: strings
 * past 30 characters, long integers, long containers and long reprs of
 * other objects are cut in the middle. */
enum { REPRLIB_LEVEL = 6, REPRLIB_ITEMS = 6, REPRLIB_DICT = 4,
       REPRLIB_STRING = 30, REPRLIB_LONG = 40, REPRLIB_OTHER = 30 };

static void cut_middle(SBuf *b, const char *s, size_t len, size_t max)
{
    if (len <= max) {
        sb_add(b, s, len);
        return;
    }
    size_t i = (max - 3) / 2, j = max - 3 - i;
    sb_add(b, s, i);
    sb_adds(b, "...");
    sb_add(b, s + len - j, j);
}

static int reprlib_into(VM *vm, SBuf *b, Value v, int level)
{
    if (IS_STR(v)) {
        Str *s = AS_STR(v);
        if (s->cplen <= REPRLIB_STRING)
            return val_repr_into(vm, b, v);
        /* repr of the first 13 and the last 14 characters, cut again. */
        Value parts = VAL_ERR;
        Str *head = str_substr(vm, s, 0, (REPRLIB_STRING - 3) / 2);
        Str *tail = str_substr(vm, s, s->cplen - (REPRLIB_STRING - 3 -
                                                    (REPRLIB_STRING - 3) / 2),
                                 s->cplen);
        Str *both = head && tail ? str_concat(vm, head, tail) : NULL;
        obj_decref(head);
        obj_decref(tail);
        if (!both)
            return -1;
        parts = val_obj(both);
        SBuf r;
        sb_init(&r);
        int rc = val_repr_into(vm, &r, parts);
        decref(parts);
        if (rc == 0) {
            size_t i = (REPRLIB_STRING - 3) / 2, j = REPRLIB_STRING - 3 - i;
            sb_add(b, r.data, i);
            sb_adds(b, "...");
            sb_add(b, r.data + r.len - j, j);
        }
        sb_free(&r);
        return rc;
    }
    bool is_list = IS_LIST(v), is_tuple = IS_TUPLE(v);
    if (is_list || is_tuple) {
        Value *items = is_list ? AS_LIST(v)->items : AS_TUPLE(v)->items;
        int64_t n = is_list ? AS_LIST(v)->len : AS_TUPLE(v)->len;
        const char *open = is_list ? "[" : "(", *close = is_list ? "]" : ")";
        if (n == 0) {
            sb_addf(b, "%s%s", open, close);
            return 0;
        }
        if (level <= 0) {
            sb_addf(b, "%s...%s", open, close);
            return 0;
        }
        sb_adds(b, open);
        for (int64_t i = 0; i < n && i < REPRLIB_ITEMS; i++) {
            if (i)
                sb_adds(b, ", ");
            if (reprlib_into(vm, b, items[i], level - 1) < 0)
                return -1;
        }
        if (n > REPRLIB_ITEMS)
            sb_adds(b, ", ...");
        else if (is_tuple && n == 1)
            sb_addc(b, ',');
        sb_adds(b, close);
        return 0;
    }
    SBuf r;
    sb_init(&r);
    if (val_repr_into(vm, &r, v) < 0) {
        sb_free(&r);
        return -1;
    }
    cut_middle(b, r.data ? r.data : "", r.len,
               IS_INT(v) ? REPRLIB_LONG : REPRLIB_OTHER);
    sb_free(&r);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Futures                                                                  */
/* ------------------------------------------------------------------------ */

static Value future_create_ref(VM *vm, LoopObj *lo, Class *cls,
                               rt_future_role role, Str *label, uint64_t ref);

static Value future_create(VM *vm, LoopObj *lo, Class *cls,
                           rt_future_role role, Str *label)
{
    return future_create_ref(vm, lo, cls, role, label, 0);
}

/* A future whose role detail (a job id) is known at creation. */
static Value future_create_ref(VM *vm, LoopObj *lo, Class *cls,
                               rt_future_role role, Str *label, uint64_t ref)
{
    /* asyncio makes futures on closed loops too; using them fails later. */
    FutureObj *f = obj_alloc(vm, cls ? cls : vm->c.Future, sizeof(FutureObj));
    if (!f)
        return VAL_ERR;
    f->lo = lo;
    obj_incref(lo);
    f->label = label;
    if (label)
        obj_incref(label);
    f->f.ref = ref;
    int rc = rt_future_init(&f->f, lo->loop, role);
    if (rc < 0) {
        /* Not initialised: free without deinit. */
        obj_decref(f->lo);
        obj_decref(f->label);
        f->f.obj.refs = 0;
        obj_free_mem(vm, &f->f.obj);
        return raise_rt_exc(vm, rc, VAL_NONE);
    }
    if (cls && !cls->builtin &&
        !IS_LAYOUT(class_lookup(cls, str_intern_cstr(vm, "cancel")), NATIVE) &&
        (rc = rt_future_set_cancel_hook(&f->f, cancel_override)) < 0) {
        obj_decref(f);
        return raise_rt_exc(vm, rc, VAL_NONE);
    }
    /* Inside CPython every future comes from loop.create_future(), but
     * Future() itself (ctor_future notes the caller's line instead). */
    note_origin(vm, lo, &f->f.obj, ORIGIN_CREATE_FUTURE);
    return val_obj(f);
}

/* See lang.h. */
Value aio_future_new(VM *vm, LoopObj *lo, rt_future_role role, Str *label)
{
    return future_create(vm, lo, NULL, role, label);
}

#define FSELF ((rt_future *)AS_OBJ(args[0]))

static Value f_result(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "result", args, nargs, kw, "self", NULL) < 0)
        return VAL_ERR;
    Value out, exc = VAL_NONE;
    int rc = rt_future_result(FSELF, &out, &exc);
    if (rc < 0)
        return raise_rt_exc(vm, rc, exc);
    return out;
}

static Value f_exception(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "exception", args, nargs, kw, "self", NULL) < 0)
        return VAL_ERR;
    Value out, exc = VAL_NONE;
    int rc = rt_future_exception(FSELF, &out, &exc);
    if (rc < 0)
        return raise_rt_exc(vm, rc, exc);
    return out;
}

static Value f_done(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "done", args, nargs, kw, "self", NULL) < 0)
        return VAL_ERR;
    return val_bool(rt_future_done(FSELF));
}

static Value f_cancelled(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "cancelled", args, nargs, kw, "self", NULL) < 0)
        return VAL_ERR;
    return val_bool(rt_future_cancelled(FSELF));
}

static Value f_cancel(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "cancel", args, nargs, kw, "self|msg", a) < 0)
        return VAL_ERR;
    return val_bool(rt_future_cancel_base(FSELF,
                                          IS_ERR(a[1]) ? VAL_NONE : a[1]));
}

/* A Python subclass of Future that overrides cancel() (gather's future):
 * the runtime's cancellations go through the override. */
static bool cancel_override(rt_future *fut, rt_value msg)
{
    VM *vm = class_of_obj(&fut->obj)->vm;
    Str *name = str_intern_cstr(vm, "cancel");
    Value m = name ? val_getattr(vm, val_obj(fut), name) : VAL_ERR;
    Value r = IS_ERR(m) ? VAL_ERR : vm_call1(vm, m, msg);
    decref(m);
    if (IS_ERR(r)) {
        decref(vm_take_exc(vm));
        return false;
    }
    int t = val_truthy(vm, r);
    decref(r);
    return t == 1;
}

static Value f_set_result(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "set_result", args, nargs, kw, "self,result", a) < 0)
        return VAL_ERR;
    rt_future *f = FSELF;
    if (f->is_task)
        return vm_raise_new(vm, vm->c.RuntimeError,
                            "Task does not support set_result operation");
    if (rt_future_done(f)) {
        return vm_raise_new(vm, vm->c.InvalidStateError, "invalid state");
    }
    int rc = rt_future_set_result(f, a[1]);
    return rc < 0 ? raise_rt_exc(vm, rc, VAL_NONE) : VAL_NONE;
}

static Value f_set_exception(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "set_exception", args, nargs, kw, "self,exception", a) <
        0)
        return VAL_ERR;
    rt_future *f = FSELF;
    if (f->is_task)
        return vm_raise_new(vm, vm->c.RuntimeError,
                            "Task does not support set_exception operation");
    if (rt_future_done(f)) {
        return vm_raise_new(vm, vm->c.InvalidStateError, "invalid state");
    }
    Value exc = a[1];
    bool made = false;
    if (IS_LAYOUT(exc, CLASS)) {
        exc = vm_call0(vm, exc);
        if (IS_ERR(exc))
            return exc;
        made = true;
    }
    if (!is_instance(vm, exc, vm->c.BaseException)) {
        if (made)
            decref(exc);
        return vm_raise_new(vm, vm->c.TypeError,
                            "exception must be an instance of BaseException, "
                            "not %s", type_name(vm, exc));
    }
    if (is_instance(vm, exc, vm->c.StopIteration)) {
        if (made)
            decref(exc);
        return vm_raise_new(vm, vm->c.TypeError,
                            "StopIteration interacts badly with generators "
                            "and cannot be raised into a Future");
    }
    int rc = rt_future_set_exception(f, exc);
    if (made)
        decref(exc);
    return rc < 0 ? raise_rt_exc(vm, rc, VAL_NONE) : VAL_NONE;
}

/* A done callback written in Python: fn(future). */
static void done_cb_run(rt_loop *loop, rt_handle *h)
{
    LoopObj *lo = rt_loop_data(loop);
    VM *vm = class_of_obj(&lo->hdr)->vm;
    Value fut = val_obj(h->target);
    Value r = vm_call1(vm, h->arg, fut);
    if (IS_ERR(r))
        aio_callback_failed(vm, lo, h);
    else
        decref(r);
}

static Value f_add_done_callback(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[3];
    if (args_parse(vm, "add_done_callback", args, nargs, kw,
                   "self,fn|$context", a) < 0)
        return VAL_ERR;
    int rc = rt_future_add_done_callback(FSELF, done_cb_run, NULL, a[1]);
    return rc < 0 ? raise_rt_exc(vm, rc, VAL_NONE) : VAL_NONE;
}

static bool same_callable(rt_value a, rt_value b)
{
    /* Python compares callbacks with ==: bound methods of the same function
     * and object are equal even when they are different objects. */
    if (a.kind == b.kind && a.u.p == b.u.p)
        return true;
    if (IS_LAYOUT(a, BOUND) && IS_LAYOUT(b, BOUND)) {
        Bound *x = (Bound *)AS_OBJ(a), *y = (Bound *)AS_OBJ(b);
        return x->self.u.p == y->self.u.p && x->func.u.p == y->func.u.p;
    }
    return false;
}

static Value f_remove_done_callback(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "remove_done_callback", args, nargs, kw, "self,fn", a) <
        0)
        return VAL_ERR;
    return val_int(rt_future_remove_done_callback(FSELF, done_cb_run, NULL,
                                                  a[1], same_callable));
}

static Value f_get_loop(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "get_loop", args, nargs, kw, "self", NULL) < 0)
        return VAL_ERR;
    LoopObj *lo = rt_loop_data(FSELF->loop);
    if (!lo)
        return VAL_NONE;
    obj_incref(lo);
    return val_obj(lo);
}

static Value f_cancel_message(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value m = rt_future_cancel_message(FSELF);
    incref(m);
    return m;
}

static Value f_make_cancelled_error(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value e = rt_future_make_cancelled_error(FSELF);
    if (IS_NONE(e))
        return vm_raise_nomem(vm);
    return e;
}

/* The role named `name` ("lock", "queue"...), or -1. Roles a future
 * cannot have (task, yield) are refused. */
static int role_named(const char *name)
{
    for (int r = 0; r < RT_ROLE__COUNT; r++)
        if (r != RT_ROLE_TASK && r != RT_ROLE_YIELD &&
            strcmp(rt_future_role_name((rt_future_role)r), name) == 0)
            return r;
    return -1;
}

/* Futures made by Python code: Future(*, loop=None). */
static Value ctor_future(VM *vm, Class *cls, Value *args, int nargs,
                         Tuple *kw)
{
    Value a[1] = {VAL_ERR};
    if (cls == vm->c.Future) {
        if (args_parse(vm, "Future", args, nargs, kw, "$loop", a) < 0)
            return VAL_ERR;
    } else {
        /* A subclass's __init__ takes its own arguments; only loop= is
         * Future's. */
        int npos = nargs - (kw ? (int)kw->len : 0);
        for (int i = 0; kw && i < kw->len; i++)
            if (AS_STR(kw->items[i]) == vm->n.loop)
                a[0] = args[npos + i];
    }
    LoopObj *lo = IS_ERR(a[0]) || IS_NONE(a[0]) ? NULL : loop_of(vm, a[0]);
    if (!lo) {
        Value l = aio_get_event_loop(vm, false);
        if (IS_ERR(l))
            return l;
        lo = loop_of(vm, l);
        decref(l);
    }
    /* A subclass may say what it stands for (gather's future): class
     * attributes _loopscope_role and _loopscope_label, as _future takes. */
    rt_future_role role = RT_ROLE_PLAIN;
    Str *label = NULL;
    if (cls != vm->c.Future) {
        Value r = class_lookup(cls, str_intern_cstr(vm, "_loopscope_role"));
        Value l = class_lookup(cls, str_intern_cstr(vm, "_loopscope_label"));
        int named = !IS_ERR(r) && IS_STR(r) ? role_named(AS_STR(r)->data) : -1;
        if (named >= 0)
            role = (rt_future_role)named;
        if (!IS_ERR(l) && IS_STR(l))
            label = AS_STR(l);
    }
    Value f = future_create(vm, lo, cls, role, label);
    if (!IS_ERR(f))
        note_origin(vm, lo, AS_OBJ(f), NULL);
    return f;
}

/* ------------------------------------------------------------------------ */
/* Coroutines driven by tasks                                               */
/* ------------------------------------------------------------------------ */

static rt_coro_status coro_resume(rt_object *coro, rt_task *task,
                                  rt_resume how, rt_value in, rt_value *value,
                                  rt_yield *y)
{
    VM *vm = class_of_obj(coro)->vm;
    return vm_coro_resume(vm, val_obj(coro), how, in, value, y);
}

/* Where a coroutine chain is: its innermost scenario frame. */
static int coro_where(rt_object *coro, const char **func)
{
    Class *c = class_of_obj(coro);
    *func = NULL;
    if (c->layout == LAYOUT_NCORO) {
        *func = ((NCoro *)coro)->kind->name;
        return 0;
    }
    Coro *co = (Coro *)coro;
    int line = 0;
    const char *name = NULL;
    for (int guard = 0; co && guard < 10000; guard++) {
        Frame *f = &co->frame;
        if (f->code && !(f->code->flags & CO_INTERNAL)) {
            name = f->code->name->data;
            line = co->state == CORO_CREATED ? f->code->firstline
                                             : vm_frame_line(f);
        }
        if (co->state != CORO_SUSPENDED && co->state != CORO_RUNNING)
            break;
        if (!f->sp || f->sp <= FRAME_SLOTS(f))
            break;
        Value top = f->sp[-1];
        co = IS_LAYOUT(top, CORO) ? (Coro *)AS_OBJ(top) : NULL;
        if (co && co->state == CORO_CREATED)
            break;
    }
    /* asyncio's own coroutine (a server's connection handler...): its
     * name, with no line of the scenario. */
    *func = name ? name : ((Coro *)coro)->func->name->data;
    return line;
}

static const char *coro_name(rt_object *coro)
{
    Class *c = class_of_obj(coro);
    if (c->layout == LAYOUT_NCORO)
        return ((NCoro *)coro)->kind->name;
    return ((Coro *)coro)->func->qualname->data;
}

const rt_coro_class vm_coro_class = {coro_resume, coro_where, coro_name};

/* ------------------------------------------------------------------------ */
/* Tasks                                                                    */
/* ------------------------------------------------------------------------ */

Value aio_task_create(VM *vm, LoopObj *lo, Value coro, Value name,
                      const char *origin)
{
    if (check_closed(vm, lo) < 0)
        return VAL_ERR;
    if (!is_coroutine(coro)) {
        Str *r = val_repr(vm, coro);
        Value e = vm_raise_new(vm, vm->c.TypeError,
                               "a coroutine was expected, got %s",
                               r ? r->data : "?");
        obj_decref(r);
        return e;
    }
    Str *nm = NULL;
    if (!IS_ERR(name) && !IS_NONE(name)) {
        nm = val_str(vm, name);
        if (!nm)
            return VAL_ERR;
    }
    TaskObj *t = obj_alloc(vm, vm->c.Task, sizeof(TaskObj));
    if (!t) {
        obj_decref(nm);
        return VAL_ERR;
    }
    t->lo = lo;
    obj_incref(lo);
    if (IS_LAYOUT(coro, CORO))
        ((Coro *)AS_OBJ(coro))->awaited = true;
    else
        ((NCoro *)AS_OBJ(coro))->awaited = true;
    int rc = rt_task_init(&t->t, lo->loop, AS_OBJ(coro), &vm_coro_class,
                          nm ? nm->data : NULL);
    obj_decref(nm);
    if (rc < 0) {
        obj_decref(t->lo);
        t->t.fut.obj.refs = 0;
        obj_free_mem(vm, &t->t.fut.obj);
        return raise_rt_exc(vm, rc, VAL_NONE);
    }
    note_origin(vm, lo, &t->t.fut.obj, origin);
    return val_obj(t);
}

#define TSELF ((rt_task *)AS_OBJ(args[0]))

static Value t_get_name(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "get_name", args, nargs, kw, "self", NULL) < 0)
        return VAL_ERR;
    char nb[RT_TASK_NAME_SIZE];
    Str *s = str_from_cstr(vm, rt_task_name(TSELF, nb));
    return s ? val_obj(s) : VAL_ERR;
}

static Value t_set_name(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "set_name", args, nargs, kw, "self,value", a) < 0)
        return VAL_ERR;
    Str *s = val_str(vm, a[1]);
    if (!s)
        return VAL_ERR;
    int rc = rt_task_set_name(TSELF, s->data);
    obj_decref(s);
    return rc < 0 ? raise_rt_exc(vm, rc, VAL_NONE) : VAL_NONE;
}

static Value t_get_coro(VM *vm, Value *args, int nargs, Tuple *kw)
{
    rt_object *c = TSELF->coro;
    if (!c)
        return VAL_NONE;
    obj_incref(c);
    return val_obj(c);
}

static Value t_cancel(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "cancel", args, nargs, kw, "self|msg", a) < 0)
        return VAL_ERR;
    return val_bool(rt_task_cancel(TSELF, IS_ERR(a[1]) ? VAL_NONE : a[1]));
}

static Value t_cancelling(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "cancelling", args, nargs, kw, "self", NULL) < 0)
        return VAL_ERR;
    return val_int(rt_task_cancelling(TSELF));
}

static Value t_uncancel(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "uncancel", args, nargs, kw, "self", NULL) < 0)
        return VAL_ERR;
    return val_int(rt_task_uncancel(TSELF));
}

static Value ctor_task(VM *vm, Class *cls, Value *args, int nargs, Tuple *kw)
{
    Value a[4];
    if (args_parse(vm, "Task", args, nargs, kw, "coro|$loop,name,context", a) <
        0)
        return VAL_ERR;
    LoopObj *lo = IS_ERR(a[1]) || IS_NONE(a[1]) ? NULL : loop_of(vm, a[1]);
    if (!lo) {
        Value l = aio_get_event_loop(vm, false);
        if (IS_ERR(l))
            return l;
        lo = loop_of(vm, l);
        decref(l);
    }
    return aio_task_create(vm, lo, a[0], a[2], NULL);
}

/* ------------------------------------------------------------------------ */
/* repr                                                                     */
/* ------------------------------------------------------------------------ */

static void coro_repr_info(VM *vm, SBuf *b, Value coro)
{
    if (IS_LAYOUT(coro, NCORO)) {
        NCoro *n = (NCoro *)AS_OBJ(coro);
        sb_addf(b, "%s() %s", n->kind->name,
                n->state == CORO_DONE ? "done" : "running");
        return;
    }
    Coro *c = (Coro *)AS_OBJ(coro);
    const char *file = vm->display_filename ? vm->display_filename : "?";
    if (c->state == CORO_DONE)
        sb_addf(b, "%s() done, defined at %s:%d", c->func->qualname->data, file,
                c->func->code->firstline);
    else
        sb_addf(b, "%s() running at %s:%d", c->func->qualname->data, file,
                c->state == CORO_CREATED ? c->func->code->firstline
                                         : vm_frame_line(&c->frame));
}

static int future_repr_info(VM *vm, SBuf *b, rt_future *f)
{
    static const char *const states[] = {"pending", "finished", "cancelled"};
    sb_adds(b, states[f->state]);
    return 0;
}

static int future_outcome_info(VM *vm, SBuf *b, rt_future *f)
{
    if (f->state != RT_FUTURE_FINISHED)
        return 0;
    if (!IS_NONE(rt_future_peek_exception(f))) {
        sb_adds(b, " exception=");
        return val_repr_into(vm, b, rt_future_peek_exception(f));
    }
    sb_adds(b, " result=");
    Str *r = val_repr(vm, rt_future_peek_result(f));
    if (!r)
        return -1;
    /* reprlib limits long results, as asyncio does. */
    if (r->cplen > 20)
        sb_addf(b, "%.*s...%s", 8, r->data, r->data + r->len - 9);
    else
        sb_addstr(b, r);
    obj_decref(r);
    return 0;
}

static void job_dest_done(rt_loop *loop, rt_handle *h);

static void callbacks_info(VM *vm, SBuf *b, rt_future *f)
{
    if (!f->ncallbacks)
        return;
    sb_adds(b, " cb=[");
    for (uint32_t i = 0; i < f->ncallbacks; i++) {
        if (i)
            sb_adds(b, ", ");
        rt_done_callback *cb = &f->callbacks[i];
        if (cb->kind == RT_HANDLE_WAKEUP) {
            sb_adds(b, "Task.task_wakeup()");
        } else if (cb->fn == job_dest_done) {
            sb_adds(b, "_chain_future.<locals>._call_check_cancel() at "
                       ASYNCIO_DIR "futures.py:387");
        } else if (rt_is_none(cb->arg)) {
            /* The runtime's own: run_until_complete's stop callback. */
            sb_adds(b, "_run_until_complete_cb() at " ASYNCIO_DIR
                       "base_events.py:180");
        } else if (IS_LAYOUT(cb->arg, FUNCTION)) {
            Function *fn = (Function *)AS_OBJ(cb->arg);
            sb_addf(b, "%s() at %s:%d", fn->qualname->data,
                    vm->display_filename ? vm->display_filename : "?",
                    fn->code->firstline);
        } else {
            SBuf t;
            sb_init(&t);
            if (val_repr_into(vm, &t, cb->arg) == 0 && t.data)
                sb_add(b, t.data, t.len);
            else
                decref(vm_take_exc(vm));
            sb_free(&t);
        }
    }
    sb_addc(b, ']');
}

/* A callable's name as asyncio's format helpers give it (__qualname__). */
static const char *callable_name(VM *vm, Value fn)
{
    if (IS_LAYOUT(fn, BOUND))
        fn = ((Bound *)AS_OBJ(fn))->func;
    if (IS_LAYOUT(fn, FUNCTION))
        return ((Function *)AS_OBJ(fn))->qualname->data;
    if (IS_LAYOUT(fn, NATIVE))
        return ((Native *)AS_OBJ(fn))->name;
    if (IS_LAYOUT(fn, CLASS))
        return ((Class *)AS_OBJ(fn))->name->data;
    (void)vm;
    return "<callback>";
}

/* asyncio's Handle and TimerHandle reprs: the callback with its arguments
 * (reprlib-limited) and where it is defined; in debug mode where the
 * handle was made (the line schedule() kept in `data`). */
static int handle_repr_into(VM *vm, SBuf *b, rt_handle *h, bool timer)
{
    sb_addf(b, "<%s", timer ? "TimerHandle" : "Handle");
    if (h->cancelled)
        sb_adds(b, " cancelled");
    if (timer) {
        sb_adds(b, " when=");
        float_repr_into(b, h->when);
    }
    Value fn = VAL_NONE, *args = NULL;
    int64_t nargs = 0;
    Value target = h->target ? val_obj(h->target) : VAL_NONE;
    if (IS_TUPLE(h->arg) && AS_TUPLE(h->arg)->len >= 1) {
        Tuple *t = AS_TUPLE(h->arg);
        fn = t->items[0];
        args = t->items + 1;
        nargs = t->len - 1;
    } else if (h->kind == RT_HANDLE_DONE_CALLBACK && IS_OBJ(h->arg)) {
        fn = h->arg; /* called with the future */
        args = &target;
        nargs = h->target ? 1 : 0;
    }
    if (!IS_NONE(fn)) {
        sb_addf(b, " %s(", callable_name(vm, fn));
        for (int64_t i = 0; i < nargs; i++) {
            if (i)
                sb_adds(b, ", ");
            if (reprlib_into(vm, b, args[i], REPRLIB_LEVEL) < 0)
                return -1;
        }
        sb_addc(b, ')');
        Value f = IS_LAYOUT(fn, BOUND) ? ((Bound *)AS_OBJ(fn))->func : fn;
        if (IS_LAYOUT(f, FUNCTION))
            sb_addf(b, " at %s:%d",
                    vm->display_filename ? vm->display_filename : "?",
                    ((Function *)AS_OBJ(f))->code->firstline);
    }
    LoopObj *lo = h->loop ? rt_loop_data(h->loop) : NULL;
    if (lo && lo->debug && IS_TUPLE(h->arg) && h->data &&
        (h->kind == RT_HANDLE_CALLBACK || h->kind == RT_HANDLE_THREADSAFE))
        sb_addf(b, " created at %s:%d",
                vm->display_filename ? vm->display_filename : "?",
                (int)(intptr_t)h->data);
    sb_addc(b, '>');
    return 0;
}

int aio_repr_into(VM *vm, SBuf *b, Value v)
{
    Obj *o = AS_OBJ(v);
    Class *cls = class_of_obj(o);
    switch (cls->layout) {
    case LAYOUT_FUTURE: {
        rt_future *f = (rt_future *)o;
        sb_addf(b, "<%s ", cls->name->data);
        future_repr_info(vm, b, f);
        if (future_outcome_info(vm, b, f) < 0)
            return -1;
        callbacks_info(vm, b, f);
        origin_info(vm, b, ((FutureObj *)o)->lo, o);
        sb_addc(b, '>');
        return 0;
    }
    case LAYOUT_TASK: {
        TaskObj *t = (TaskObj *)o;
        rt_future *f = &t->t.fut;
        sb_addf(b, "<%s ", cls->name->data);
        if (!rt_future_done(f) && t->t.num_cancels_requested > 0)
            sb_adds(b, "cancelling");
        else
            future_repr_info(vm, b, f);
        sb_adds(b, " name=");
        char nb[RT_TASK_NAME_SIZE];
        Str *nm = str_from_cstr(vm, rt_task_name(&t->t, nb));
        if (!nm || val_repr_into(vm, b, val_obj(nm)) < 0) {
            obj_decref(nm);
            return -1;
        }
        obj_decref(nm);
        sb_adds(b, " coro=<");
        coro_repr_info(vm, b, val_obj(t->t.coro));
        sb_addc(b, '>');
        if (future_outcome_info(vm, b, f) < 0)
            return -1;
        if (t->t.fut_waiter) {
            sb_adds(b, " wait_for=");
            if (val_repr_into(vm, b, val_obj(t->t.fut_waiter)) < 0)
                return -1;
        }
        callbacks_info(vm, b, f);
        origin_info(vm, b, t->lo, o);
        sb_addc(b, '>');
        return 0;
    }
    case LAYOUT_LOOP: {
        LoopObj *lo = (LoopObj *)o;
        sb_addf(b, "<_UnixSelectorEventLoop running=%s closed=%s debug=%s>",
                rt_loop_is_running(lo->loop) ? "True" : "False",
                lo->closed ? "True" : "False", lo->debug ? "True" : "False");
        return 0;
    }
    case LAYOUT_HANDLE: {
        HandleObj *h = (HandleObj *)o;
        return handle_repr_into(vm, b, h->h, h->timer);
    }
    case LAYOUT_EXECUTOR:
        sb_adds(b, "<concurrent.futures.thread.ThreadPoolExecutor object");
        return repr_add_address(vm, b, o);
    default:
        sb_addf(b, "<%s object", cls->name->data);
        return repr_add_address(vm, b, o);
    }
}

/* ------------------------------------------------------------------------ */
/* Destruction                                                              */
/* ------------------------------------------------------------------------ */

static void executor_forget(VM *vm, ExecutorObj *e);

bool aio_destroy(VM *vm, Obj *o)
{
    Class *cls = class_of_obj(o);
    switch (cls->layout) {
    case LAYOUT_FUTURE: {
        FutureObj *f = (FutureObj *)o;
        if (vm->in_teardown)
            f->f.log_traceback = false;
        else if (f->lo && f->lo->debug)
            forget_origin(vm, o);
        rt_future_deinit(&f->f);
        obj_decref(f->dict);
        obj_decref(f->label);
        obj_decref(f->lo);
        return true;
    }
    case LAYOUT_TASK: {
        TaskObj *t = (TaskObj *)o;
        if (vm->in_teardown)
            t->t.fut.log_traceback = false;
        else if (t->lo && t->lo->debug)
            forget_origin(vm, o);
        rt_task_deinit(&t->t);
        obj_decref(t->dict);
        obj_decref(t->lo);
        return true;
    }
    case LAYOUT_LOOP: {
        LoopObj *lo = (LoopObj *)o;
        if (lo->loop)
            rt_loop_set_io(lo->loop, NULL, NULL);
        decref(lo->io);
        lo->io = VAL_NONE;
        decref(lo->handler);
        lo->handler = VAL_NONE;
        decref(lo->default_executor);
        lo->default_executor = VAL_NONE;
        if (lo->loop) {
            if (!rt_loop_is_closed(lo->loop) && !rt_loop_is_running(lo->loop))
                rt_loop_close(lo->loop);
            rt_loop_free(lo->loop);
            lo->loop = NULL;
        }
        return true;
    }
    case LAYOUT_HANDLE: {
        HandleObj *h = (HandleObj *)o;
        rt_handle_release(h->h);
        h->h = NULL;
        return true;
    }
    case LAYOUT_EXECUTOR: {
        ExecutorObj *e = (ExecutorObj *)o;
        executor_forget(vm, e);
        if (e->ex) {
            if (!e->shutdown)
                rt_executor_shutdown(e->ex, true);
            rt_executor_free(e->ex);
            e->ex = NULL;
        }
        obj_decref(e->prefix);
        return true;
    }
    case LAYOUT_CFUTURE: {
        CFutureObj *cf = (CFutureObj *)o;
        decref(cf->result);
        decref(cf->exc);
        obj_decref(cf->callbacks);
        obj_decref(cf->ex);
        return true;
    }
    case LAYOUT_PRIMITIVE: {
        void (*release)(VM *, Obj *) = *(void (**)(VM *, Obj *))(o + 1);
        if (release)
            release(vm, o);
        return true;
    }
    default:
        return true;
    }
}

/* ------------------------------------------------------------------------ */
/* Callbacks (call_soon, call_later) and the exception handler              */
/* ------------------------------------------------------------------------ */

/* Runs a Python callback queued with call_soon & co: arg = (fn, *args). */
static void vm_callback_run(rt_loop *loop, rt_handle *h)
{
    LoopObj *lo = rt_loop_data(loop);
    VM *vm = class_of_obj(&lo->hdr)->vm;
    Tuple *t = AS_TUPLE(h->arg);
    Value r = vm_call(vm, t->items[0], t->items + 1, (int)t->len - 1, NULL);
    if (IS_ERR(r))
        aio_callback_failed(vm, lo, h);
    else
        decref(r);
}

/* A callback raised: asyncio's Handle._run reports it to the exception
 * handler, except KeyboardInterrupt/SystemExit which leave the loop. */
void aio_callback_failed(VM *vm, LoopObj *lo, rt_handle *h)
{
    Value exc = vm_take_exc(vm);
    if (is_instance(vm, exc, vm->c.KeyboardInterrupt) ||
        is_instance(vm, exc, vm->c.SystemExit)) {
        vm_reraise(vm, exc);
        vm->pending_exit = true;
        rt_loop_raise_exit(lo->loop);
        return;
    }
    SBuf b;
    sb_init(&b);
    sb_adds(&b, "Exception in callback ");
    Value cb = h->arg;
    if (IS_TUPLE(cb) && AS_TUPLE(cb)->len >= 1) {
        Tuple *t = AS_TUPLE(cb);
        Value fn = t->items[0];
        const char *name = IS_LAYOUT(fn, FUNCTION)
                               ? ((Function *)AS_OBJ(fn))->qualname->data
                           : IS_LAYOUT(fn, NATIVE) ? ((Native *)AS_OBJ(fn))->name
                                                   : "<callback>";
        sb_addf(&b, "%s(", name);
        for (int64_t i = 1; i < t->len; i++) {
            if (i > 1)
                sb_adds(&b, ", ");
            if (val_repr_into(vm, &b, t->items[i]) < 0)
                decref(vm_take_exc(vm));
        }
        sb_addc(&b, ')');
        if (IS_LAYOUT(fn, FUNCTION))
            sb_addf(&b, " at %s:%d",
                    vm->display_filename ? vm->display_filename : "?",
                    ((Function *)AS_OBJ(fn))->code->firstline);
    } else if (IS_OBJ(cb)) {
        const char *name = IS_LAYOUT(cb, FUNCTION)
                               ? ((Function *)AS_OBJ(cb))->qualname->data
                               : "<callback>";
        sb_addf(&b, "%s(", name);
        if (h->target && val_repr_into(vm, &b, val_obj(h->target)) < 0)
            decref(vm_take_exc(vm));
        sb_addc(&b, ')');
    }
    rt_exc_context ctx = {b.data ? b.data : "Exception in callback", exc,
                          NULL, h};
    rt_loop_call_exception_handler(lo->loop, &ctx);
    sb_free(&b);
    decref(exc);
}

/* Builds the Python context dict for a handler call. */
static Dict *context_dict(VM *vm, const rt_exc_context *ctx)
{
    Dict *d = dict_new(vm);
    if (!d)
        return NULL;
    Str *msg = str_from_cstr(vm, ctx->message ? ctx->message : "");
    if (msg) {
        dict_set_str(vm, d, vm->n.message, val_obj(msg));
        obj_decref(msg);
    }
    if (!IS_NONE(ctx->exception))
        dict_set_str(vm, d, vm->n.exception, ctx->exception);
    if (ctx->future) {
        /* asyncio names the key 'future' in Future.__del__ (also for
         * tasks) and 'task' for a task destroyed while pending. */
        bool task_key = ctx->message &&
                        strstr(ctx->message, "destroyed but it is pending");
        dict_set_str(vm, d, task_key ? vm->n.task : vm->n.future,
                     val_obj(ctx->future));
    }
    if (ctx->handle) {
        HandleObj *ho = obj_alloc(vm, vm->c.Handle, sizeof(HandleObj));
        if (ho) {
            ho->h = ctx->handle;
            rt_handle_retain(ctx->handle);
            ho->timer = ctx->handle->timer;
            dict_set_str(vm, d, vm->n.handle, val_obj(ho));
            obj_decref(ho);
        }
    }
    return d;
}

/* asyncio's default_exception_handler: the message, the other keys, and the
 * exception's traceback, on stderr (the logger's last-resort handler). */
static void default_handler(VM *vm, Dict *ctx)
{
    if (!vm->err)
        return;
    if (vm->out)
        fflush(vm->out);
    Value msg = dict_get_str(ctx, vm->n.message);
    Value exc = dict_get_str(ctx, vm->n.exception);
    SBuf b;
    sb_init(&b);
    if (IS_STR(msg) && AS_STR(msg)->len)
        sb_addstr(&b, AS_STR(msg));
    else
        sb_adds(&b, "Unhandled exception in event loop");
    List *keys = list_new(vm, 0);
    int64_t pos = 0;
    Value k, v;
    while (keys && dict_next(ctx, &pos, &k, &v))
        list_append(vm, keys, k);
    if (keys && list_sort(vm, keys, VAL_NONE, false) == 0) {
        for (int64_t i = 0; i < keys->len; i++) {
            Value key = keys->items[i];
            if (IS_STR(key) && (str_eq_cstr(AS_STR(key), "message") ||
                                str_eq_cstr(AS_STR(key), "exception")))
                continue;
            sb_addc(&b, '\n');
            if (val_str_into(vm, &b, key) < 0)
                decref(vm_take_exc(vm));
            sb_adds(&b, ": ");
            if (val_repr_into(vm, &b, dict_get(vm, ctx, key)) < 0)
                decref(vm_take_exc(vm));
        }
    } else {
        decref(vm_take_exc(vm));
    }
    obj_decref(keys);
    sb_addc(&b, '\n');
    /* The report and the exception's traceback go out as one piece of
     * stderr output, which a trace records like a print to stderr. */
    char *tb = NULL;
    size_t tblen = 0;
    FILE *mem = !IS_ERR(exc) && !IS_NONE(exc) ? open_memstream(&tb, &tblen)
                                               : NULL;
    if (mem) {
        exc_print(vm, exc, mem);
        fclose(mem);
        sb_add(&b, tb, tblen);
    }
    free(tb);
    vm_write(vm, true, b.data ? b.data : "", b.len);
    sb_free(&b);
}

/* Calls the loop's handler (or the default) with a Python context.
 * `emit`: report the call as exc.handler (a call from scenario code; the
 * core reports its own calls before they reach aio_exception_handler). */
static void call_handler(VM *vm, LoopObj *lo, Dict *ctx, bool emit)
{
    if (vm->tracing && emit) {
        rt_event ev = {0};
        ev.kind = RT_EV_EXC_HANDLER;
        ev.worker = -1;
        ev.loop = rt_loop_id(lo->loop);
        Value msg = dict_get_str(ctx, vm->n.message);
        Value exc = dict_get_str(ctx, vm->n.exception);
        Value task = dict_get_str(ctx, vm->n.task);
        Value fut = dict_get_str(ctx, vm->n.future);
        ev.name = IS_STR(msg) ? AS_STR(msg)->data : NULL;
        Str *text = NULL;
        if (!IS_ERR(exc)) {
            ev.type = class_of(vm, exc)->name->data;
            text = val_str(vm, exc);
            if (!text)
                decref(vm_take_exc(vm));
            ev.text = text ? text->data : NULL;
        }
        if (IS_LAYOUT(task, TASK))
            ev.task = ((rt_task *)AS_OBJ(task))->fut.id;
        if (IS_LAYOUT(fut, FUTURE))
            ev.future = ((rt_future *)AS_OBJ(fut))->id;
        vm_emit(vm, &ev);
        obj_decref(text);
    }
    if (IS_NONE(lo->handler)) {
        default_handler(vm, ctx);
        return;
    }
    Value args[2] = {val_obj(lo), val_obj(ctx)};
    Value r = vm_call(vm, lo->handler, args, 2, NULL);
    if (!IS_ERR(r)) {
        decref(r);
        return;
    }
    /* The handler itself failed: asyncio logs both. */
    Value exc = vm_take_exc(vm);
    if (is_instance(vm, exc, vm->c.KeyboardInterrupt) ||
        is_instance(vm, exc, vm->c.SystemExit)) {
        vm_reraise(vm, exc);
        vm->pending_exit = true;
        rt_loop_raise_exit(lo->loop);
        return;
    }
    Dict *d = dict_new(vm);
    if (d) {
        Str *m = str_from_cstr(vm, "Unhandled error in exception handler");
        if (m) {
            dict_set_str(vm, d, vm->n.message, val_obj(m));
            obj_decref(m);
        }
        dict_set_str(vm, d, vm->n.exception, exc);
        dict_set_str(vm, d, vm->n.context, val_obj(ctx));
        default_handler(vm, d);
        obj_decref(d);
    }
    decref(exc);
}

/* The rt_host exception handler: everything the core reports. */
void aio_exception_handler(void *data, rt_loop *loop,
                           const rt_exc_context *ctx)
{
    VM *vm = data;
    if (vm->in_teardown)
        return;
    LoopObj *lo = rt_loop_data(loop);
    if (!lo)
        return;
    /* Keep the thread's pending exception out of the handler's way. */
    VMThread *t = vm_thread(vm);
    Value saved = t->exc;
    bool fresh = t->exc_fresh;
    t->exc = VAL_NONE;
    Dict *d = context_dict(vm, ctx);
    if (d) {
        call_handler(vm, lo, d, false);
        obj_decref(d);
    }
    if (!IS_NONE(t->exc) && !vm->pending_exit)
        decref(vm_take_exc(vm));
    if (IS_NONE(t->exc)) {
        t->exc = saved;
        t->exc_fresh = fresh;
    } else {
        decref(saved);
    }
}

/* ------------------------------------------------------------------------ */
/* Loops                                                                    */
/* ------------------------------------------------------------------------ */

static Value loop_create(VM *vm)
{
    LoopObj *lo = obj_alloc(vm, vm->c.EventLoop, sizeof(LoopObj));
    if (!lo)
        return VAL_ERR;
    lo->handler = VAL_NONE;
    lo->default_executor = VAL_NONE;
    lo->io = VAL_NONE;
    lo->slow_callback_duration = 0.1;
    int rc = rt_loop_new(vm->world, &lo->loop);
    if (rc < 0) {
        obj_decref(lo);
        return raise_rt_exc(vm, rc, VAL_NONE);
    }
    rt_loop_set_data(lo->loop, lo);
    return val_obj(lo);
}

/* The policy's get_event_loop(): the running loop, else the current one,
 * creating it (with CPython 3.11's DeprecationWarning) the first time. */
Value aio_get_event_loop(VM *vm, bool warn)
{
    if (IS_OBJ(vm->running_loop)) {
        incref(vm->running_loop);
        return vm->running_loop;
    }
    if (IS_OBJ(vm->event_loop)) {
        incref(vm->event_loop);
        return vm->event_loop;
    }
    if (vm->event_loop_set)
        return vm_raise_new(vm, vm->c.RuntimeError,
                            "There is no current event loop in thread "
                            "'MainThread'.");
    /* CPython 3.11.7 creates the loop silently (3.12 warns). */
    (void)warn;
    Value l = loop_create(vm);
    if (IS_ERR(l))
        return l;
    vm->event_loop = l;
    incref(l);
    return l;
}

#define LSELF ((LoopObj *)AS_OBJ(args[0]))

static int check_running(VM *vm, LoopObj *lo)
{
    if (rt_loop_is_running(lo->loop)) {
        vm_raise_new(vm, vm->c.RuntimeError,
                     "This event loop is already running");
        return -1;
    }
    if (IS_OBJ(vm->running_loop)) {
        vm_raise_new(vm, vm->c.RuntimeError,
                     "Cannot run the event loop while another loop is "
                     "running");
        return -1;
    }
    return 0;
}

static Value ensure_future(VM *vm, LoopObj *lo, Value v)
{
    if (is_future(v)) {
        rt_future *f = (rt_future *)AS_OBJ(v);
        if (lo && f->loop != lo->loop)
            return vm_raise_new(vm, vm->c.ValueError,
                                "The future belongs to a different loop than "
                                "the one specified as the loop argument");
        incref(v);
        return v;
    }
    if (is_coroutine(v))
        return aio_task_create(vm, lo, v, VAL_NONE, ORIGIN_ENSURE_FUTURE);
    return vm_raise_new(vm, vm->c.TypeError,
                        "An asyncio.Future, a coroutine or an awaitable is "
                        "required");
}

/* Handles the end of a run: deadlock, a fatal exception, or an error. */
static Value run_failed(VM *vm, LoopObj *lo, int rc)
{
    if (rc == RT_EDEADLOCK) {
        aio_report_deadlock(vm, lo);
        vm->aborting = true;
        vm->exit_status = 3;
        Value e = exc_new_msg(vm, vm->c.SystemExit, NULL);
        if (!IS_ERR(e)) {
            vm_raise(vm, e);
            decref(e);
        }
        return VAL_ERR;
    }
    if (rc == RT_EEXIT || vm->pending_exit) {
        vm->pending_exit = false;
        /* A task ended with KeyboardInterrupt or SystemExit: that very
         * exception leaves run_until_complete. */
        Value exc = rt_loop_take_exit_exception(lo->loop);
        if (!IS_NONE(exc) && !vm_has_exc(vm)) {
            vm_reraise(vm, exc);
            /* Its traceback goes on through the caller's line. */
            vm_thread(vm)->exc_fresh = true;
            return VAL_ERR;
        }
        decref(exc);
        if (vm_has_exc(vm))
            return VAL_ERR;
    }
    if (vm_has_exc(vm))
        return VAL_ERR;
    return raise_rt_exc(vm, rc, VAL_NONE);
}

/* run_forever with the interpreter's bookkeeping (the running loop). */
static int loop_run(VM *vm, LoopObj *lo, rt_future *until)
{
    Value saved = vm->running_loop;
    vm->running_loop = val_obj(lo);
    obj_incref(lo);
    int rc = until ? rt_loop_run_until_complete(lo->loop, until)
                   : rt_loop_run_forever(lo->loop);
    decref(vm->running_loop);
    vm->running_loop = saved;
    return rc;
}

static Value l_run_until_complete(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "run_until_complete", args, nargs, kw, "self,future",
                   a) < 0)
        return VAL_ERR;
    LoopObj *lo = LSELF;
    if (check_closed(vm, lo) < 0 || check_running(vm, lo) < 0)
        return VAL_ERR;
    bool new_task = !is_future(a[1]);
    Value fut = ensure_future(vm, lo, a[1]);
    if (IS_ERR(fut))
        return fut;
    rt_future *f = (rt_future *)AS_OBJ(fut);
    int rc = loop_run(vm, lo, f);
    if (rc < 0 && rc != RT_ESTOPPED) {
        if (new_task && rt_future_done(f) && !rt_future_cancelled(f))
            f->log_traceback = false;
        Value r = run_failed(vm, lo, rc);
        decref(fut);
        return r;
    }
    if (!rt_future_done(f)) {
        decref(fut);
        return vm_raise_new(vm, vm->c.RuntimeError,
                            "Event loop stopped before Future completed.");
    }
    Value out, exc = VAL_NONE;
    rc = rt_future_result(f, &out, &exc);
    decref(fut);
    if (rc < 0)
        return raise_rt_exc(vm, rc, exc);
    return out;
}

static Value l_run_forever(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "run_forever", args, nargs, kw, "self", NULL) < 0)
        return VAL_ERR;
    LoopObj *lo = LSELF;
    if (check_closed(vm, lo) < 0 || check_running(vm, lo) < 0)
        return VAL_ERR;
    int rc = loop_run(vm, lo, NULL);
    if (rc < 0)
        return run_failed(vm, lo, rc);
    return VAL_NONE;
}

static Value l_stop(VM *vm, Value *args, int nargs, Tuple *kw)
{
    rt_loop_stop(LSELF->loop);
    return VAL_NONE;
}

static Value l_close(VM *vm, Value *args, int nargs, Tuple *kw)
{
    LoopObj *lo = LSELF;
    if (rt_loop_is_running(lo->loop))
        return vm_raise_new(vm, vm->c.RuntimeError,
                            "Cannot close a running event loop");
    if (lo->closed)
        return VAL_NONE;
    lo->closed = true;
    rt_loop_close(lo->loop);
    aio_io_drop(vm, lo);
    Value ex = lo->default_executor;
    lo->default_executor = VAL_NONE;
    if (IS_LAYOUT(ex, EXECUTOR)) {
        ExecutorObj *e = (ExecutorObj *)AS_OBJ(ex);
        if (!e->shutdown) {
            e->shutdown = true;
            rt_executor_shutdown(e->ex, false);
        }
    }
    decref(ex);
    return VAL_NONE;
}

static Value l_is_running(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return val_bool(rt_loop_is_running(LSELF->loop));
}

static Value l_is_closed(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return val_bool(LSELF->closed);
}

static Value l_time(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return val_float(rt_loop_time(LSELF->loop));
}

static int check_callback(VM *vm, Value cb, const char *method)
{
    if (is_coroutine(cb) ||
        (IS_LAYOUT(cb, FUNCTION) &&
         (((Function *)AS_OBJ(cb))->code->flags & CO_ASYNC))) {
        vm_raise_new(vm, vm->c.TypeError, "coroutines cannot be used with "
                                          "%s()", method);
        return -1;
    }
    bool callable = IS_OBJ(cb) &&
                    (IS_LAYOUT(cb, FUNCTION) || IS_LAYOUT(cb, NATIVE) ||
                     IS_LAYOUT(cb, BOUND) || IS_LAYOUT(cb, CLASS) ||
                     (class_of(vm, cb)->slots & SLOT_CALL));
    if (!callable) {
        Str *r = val_repr(vm, cb);
        vm_raise_new(vm, vm->c.TypeError,
                     "a callable object was expected by %s(), got %s", method,
                     r ? r->data : "?");
        obj_decref(r);
        return -1;
    }
    return 0;
}

static Value wrap_handle(VM *vm, rt_handle *h, bool timer)
{
    HandleObj *ho = obj_alloc(vm, timer ? vm->c.TimerHandle : vm->c.Handle,
                              sizeof(HandleObj));
    if (!ho) {
        rt_handle_release(h);
        return VAL_ERR;
    }
    ho->h = h;
    ho->timer = timer;
    return val_obj(ho);
}

/* call_soon/call_later/call_at/call_soon_threadsafe share this. */
static Value schedule(VM *vm, Value *args, int nargs, Tuple *kw,
                      const char *method, int when_kind)
{
    int nkw = kw ? (int)kw->len : 0, npos = nargs - nkw;
    /* The messages name the method as CPython's Python code does. */
    for (int i = 0; i < nkw; i++)
        if (!str_eq_cstr(AS_STR(kw->items[i]), "context"))
            return vm_raise_new(vm, vm->c.TypeError,
                                "BaseEventLoop.%s() got an unexpected keyword "
                                "argument '%s'",
                                method, AS_STR(kw->items[i])->data);
    bool timed = when_kind == 1 || when_kind == 2;
    int first = timed ? 2 : 1;
    if (npos < first + 1) {
        const char *when_name = when_kind == 1 ? "delay" : "when";
        if (npos == 1 && timed)
            return vm_raise_new(vm, vm->c.TypeError,
                                "BaseEventLoop.%s() missing 2 required "
                                "positional arguments: '%s' and 'callback'",
                                method, when_name);
        return vm_raise_new(vm, vm->c.TypeError,
                            "BaseEventLoop.%s() missing 1 required positional "
                            "argument: 'callback'", method);
    }
    LoopObj *lo = LSELF;
    double when = 0;
    if (timed) {
        Value w = args[1];
        if (IS_NONE(w))
            return vm_raise_new(vm, vm->c.TypeError, when_kind == 1
                                                         ? "delay must not be "
                                                           "None"
                                                         : "when cannot be "
                                                           "None");
        if (!IS_INT(w) && !IS_BOOL(w) && !IS_FLOAT(w))
            return vm_raise_new(vm, vm->c.TypeError,
                                "unsupported operand type(s) for +: 'float' "
                                "and '%s'", type_name(vm, w));
        when = IS_FLOAT(w) ? AS_FLOAT(w) : (double)AS_INT(w);
    }
    if (check_closed(vm, lo) < 0)
        return VAL_ERR;
    if (check_callback(vm, args[first], method) < 0)
        return VAL_ERR;
    Tuple *t = tuple_new(vm, npos - first);
    if (!t)
        return VAL_ERR;
    for (int i = first; i < npos; i++) {
        incref(args[i]);
        t->items[i - first] = args[i];
    }
    rt_handle *h = NULL;
    int rc;
    Obj *target = AS_OBJ(args[first]);
    /* Debug mode's "created at": the scenario's line, kept in `data`
     * (vm_callback_run does not use it). */
    void *origin = lo->debug ? (void *)(intptr_t)user_line(vm) : NULL;
    if (when_kind == 1)
        rc = rt_loop_call_later(lo->loop, when, vm_callback_run, origin,
                                target, val_obj(t), &h);
    else if (when_kind == 2)
        rc = rt_loop_call_at(lo->loop, when, vm_callback_run, origin, target,
                             val_obj(t), &h);
    else if (when_kind == 3)
        rc = rt_loop_call_soon_threadsafe(lo->loop, vm_callback_run, origin,
                                          target, val_obj(t));
    else
        rc = rt_loop_call_soon(lo->loop, RT_HANDLE_CALLBACK, vm_callback_run,
                               origin, target, val_obj(t), &h);
    obj_decref(t);
    if (rc < 0)
        return raise_rt_exc(vm, rc, VAL_NONE);
    if (!h)
        return VAL_NONE;
    return wrap_handle(vm, h, when_kind == 1 || when_kind == 2);
}

static Value l_call_soon(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return schedule(vm, args, nargs, kw, "call_soon", 0);
}
static Value l_call_later(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return schedule(vm, args, nargs, kw, "call_later", 1);
}
static Value l_call_at(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return schedule(vm, args, nargs, kw, "call_at", 2);
}
static Value l_call_soon_threadsafe(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return schedule(vm, args, nargs, kw, "call_soon_threadsafe", 3);
}

static Value l_create_task(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[4];
    if (args_parse(vm, "create_task", args, nargs, kw,
                   "self,coro|$name,context", a) < 0)
        return VAL_ERR;
    return aio_task_create(vm, LSELF, a[1], a[2], NULL);
}

static Value l_create_future(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "create_future", args, nargs, kw, "self", NULL) < 0)
        return VAL_ERR;
    return future_create(vm, LSELF, NULL, RT_ROLE_PLAIN, NULL);
}

static Value l_set_exception_handler(VM *vm, Value *args, int nargs,
                                     Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "set_exception_handler", args, nargs, kw,
                   "self,handler", a) < 0)
        return VAL_ERR;
    Value h = a[1];
    if (!IS_NONE(h)) {
        bool callable = IS_LAYOUT(h, FUNCTION) || IS_LAYOUT(h, NATIVE) ||
                        IS_LAYOUT(h, BOUND) || IS_LAYOUT(h, CLASS) ||
                        (IS_OBJ(h) && (class_of(vm, h)->slots & SLOT_CALL));
        if (!callable) {
            Str *r = val_repr(vm, h);
            vm_raise_new(vm, vm->c.TypeError,
                         "A callable object or None is expected, got %s",
                         r ? r->data : "?");
            obj_decref(r);
            return VAL_ERR;
        }
    }
    incref(h);
    val_set(&LSELF->handler, h);
    return VAL_NONE;
}

static Value l_get_exception_handler(VM *vm, Value *args, int nargs,
                                     Tuple *kw)
{
    incref(LSELF->handler);
    return LSELF->handler;
}

static Value l_default_exception_handler(VM *vm, Value *args, int nargs,
                                         Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "default_exception_handler", args, nargs, kw,
                   "self,context", a) < 0)
        return VAL_ERR;
    if (!IS_DICT(a[1]))
        return vm_raise_new(vm, vm->c.TypeError, "context must be a dict");
    default_handler(vm, AS_DICT(a[1]));
    return VAL_NONE;
}

static Value l_call_exception_handler(VM *vm, Value *args, int nargs,
                                      Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "call_exception_handler", args, nargs, kw,
                   "self,context", a) < 0)
        return VAL_ERR;
    if (!IS_DICT(a[1]))
        return vm_raise_new(vm, vm->c.TypeError, "context must be a dict");
    call_handler(vm, LSELF, AS_DICT(a[1]), true);
    return vm_has_exc(vm) ? VAL_ERR : VAL_NONE;
}

/* Debug mode's report of a handle that held the loop too long, as
 * asyncio's logger prints it: the task for a task's step, else the
 * handle. */
static void slow_report(void *data, rt_handle *h, double dt)
{
    LoopObj *lo = data;
    VM *vm = class_of_obj(&lo->hdr)->vm;
    SBuf b;
    sb_init(&b);
    sb_adds(&b, "Executing ");
    int rc;
    if ((h->kind == RT_HANDLE_STEP || h->kind == RT_HANDLE_WAKEUP) &&
        h->target && IS_LAYOUT(val_obj(h->target), TASK))
        rc = aio_repr_into(vm, &b, val_obj(h->target));
    else
        rc = handle_repr_into(vm, &b, h, h->timer);
    if (rc < 0)
        decref(vm_take_exc(vm));
    sb_addf(&b, " took %.3f seconds", dt);
    if (vm->tracing) {
        rt_event ev = rt_event_init(RT_EV_WARN);
        ev.type = "asyncio";
        ev.text = b.data;
        vm_emit(vm, &ev);
    }
    if (vm->err) {
        if (vm->out)
            fflush(vm->out);
        fprintf(vm->err, "%s\n", b.data ? b.data : "");
        fflush(vm->err);
    }
    sb_free(&b);
}

void aio_set_debug(LoopObj *lo, bool on)
{
    lo->debug = on;
    if (lo->loop)
        rt_loop_set_slow_report(lo->loop, lo->slow_callback_duration,
                                on ? slow_report : NULL, lo);
}

static Value l_set_debug(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "set_debug", args, nargs, kw, "self,enabled", a) < 0)
        return VAL_ERR;
    aio_set_debug(LSELF, val_truthy(vm, a[1]) == 1);
    return VAL_NONE;
}

static Value l_get_debug(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return val_bool(LSELF->debug);
}

/* ------------------------------------------------------------------------ */
/* Executors                                                                */
/* ------------------------------------------------------------------------ */


/* One job handed to a worker: call fn(*args) there, then hand the outcome
 * to its concurrent future (if any) and back to the loop for its asyncio
 * future (asyncio's wrap_future/_chain_future). */
typedef struct JobCtx {
    Obj hdr;
    void (*release)(VM *vm, Obj *o); /* PRIMITIVE objects start so */
    VM *vm;
    Value fn;
    Tuple *args;
    Dict *kwargs;
    Value result, exc;   /* set on the worker */
    FutureObj *dest;     /* the asyncio future the loop awaits, or NULL */
    LoopObj *loop;
    CFutureObj *cf;      /* the concurrent future, or NULL */
    ExecutorObj *ex;
    uint64_t id;
    bool started, done;
} JobCtx;

static void jobctx_release(VM *vm, Obj *o)
{
    JobCtx *j = (JobCtx *)o;
    decref(j->fn);
    obj_decref(j->args);
    obj_decref(j->kwargs);
    decref(j->result);
    decref(j->exc);
    obj_decref(j->dest);
    obj_decref(j->loop);
    obj_decref(j->cf);
    obj_decref(j->ex);
}

#define jobctx_free(j) obj_decref(j)

VMThread *vm_worker_thread(VM *vm, rt_job *job)
{
    for (int i = 0; i < vm->njobs; i++)
        if (vm->jobs[i].job == job)
            return vm->jobs[i].thread;
    return NULL;
}

/* On the loop: copy the job's outcome into the awaited future. The handle
 * owns the job (its arg). */
static void job_set_state(rt_loop *loop, rt_handle *h)
{
    JobCtx *j = (JobCtx *)AS_OBJ(h->arg);
    rt_future *f = &j->dest->f;
    if (!rt_future_cancelled(f) && !rt_future_done(f)) {
        if (!IS_NONE(j->exc))
            rt_future_set_exception(f, j->exc);
        else
            rt_future_set_result(f, j->result);
    }
}

/* Runs the done callbacks of a concurrent future (on the calling thread). */
static void cfuture_finish(VM *vm, CFutureObj *cf)
{
    List *cbs = cf->callbacks;
    cf->callbacks = NULL;
    for (int64_t i = 0; cbs && i < cbs->len; i++) {
        Value r = vm_call1(vm, cbs->items[i], val_obj(cf));
        if (IS_ERR(r))
            decref(vm_take_exc(vm)); /* CPython logs and goes on */
        else
            decref(r);
    }
    obj_decref(cbs);
}

/* On a worker thread, holding the baton. */
static void job_run(rt_job *job, void *data)
{
    JobCtx *j = data;
    VM *vm = j->vm;
    j->started = true;
    if (j->cf)
        j->cf->state = CF_RUNNING;
    VMThread *t = vmthread_new(vm, job, rt_job_worker(job));
    if (t && vm->c_process_pool)
        t->in_process = class_is_subclass(class_of_obj(&j->ex->hdr),
                                          vm->c_process_pool);
    if (t && vm->njobs < (int)(sizeof vm->jobs / sizeof vm->jobs[0])) {
        vm->jobs[vm->njobs].job = job;
        vm->jobs[vm->njobs].thread = t;
        vm->njobs++;
    }
    Value r;
    if (!t) {
        r = VAL_ERR;
    } else {
        int n = (int)j->args->len;
        int nkw = j->kwargs ? (int)j->kwargs->len : 0;
        Value *argv = rt_malloc((size_t)(n + nkw + 1) * sizeof(Value));
        Tuple *kwn = nkw ? tuple_new(vm, nkw) : NULL;
        if (!argv || (nkw && !kwn)) {
            rt_free(argv);
            obj_decref(kwn);
            r = vm_raise_nomem(vm);
        } else {
            memcpy(argv, j->args->items, (size_t)n * sizeof(Value));
            int64_t pos = 0;
            Value k, v;
            int i = 0;
            while (j->kwargs && dict_next(j->kwargs, &pos, &k, &v)) {
                incref(k);
                kwn->items[i] = k;
                argv[n + i++] = v;
            }
            r = vm_call(vm, j->fn, argv, n + nkw, kwn);
            rt_free(argv);
            obj_decref(kwn);
        }
    }
    if (IS_ERR(r)) {
        j->exc = t ? vm_take_exc(vm) : VAL_NONE;
        if (IS_NONE(j->exc)) {
            j->exc = vm->memory_error;
            incref(vm->memory_error);
        }
        rt_job_set_exception(job, j->exc);
    } else {
        j->result = r;
    }
    j->done = true;
    if (j->cf) {
        CFutureObj *cf = j->cf;
        cf->state = CF_FINISHED;
        incref(j->result);
        cf->result = j->result;
        incref(j->exc);
        cf->exc = j->exc;
        cfuture_finish(vm, cf);
    }
    for (int i = 0; i < vm->njobs; i++)
        if (vm->jobs[i].job == job) {
            vm->jobs[i] = vm->jobs[--vm->njobs];
            break;
        }
    vmthread_free(t);
    /* The concurrent future's done callback: call_soon_threadsafe (when
     * the job ended inside submit, the asyncio future does not exist yet
     * and executor_submit does it). */
    if (j->dest && j->loop && !j->loop->closed)
        rt_loop_call_soon_threadsafe(j->loop->loop, job_set_state, NULL,
                                     &j->dest->f.obj, val_obj(j));
    jobctx_free(j); /* the executor's reference */
}

static void executor_remember(VM *vm, ExecutorObj *e)
{
    if (vm->nexecutors < (int)(sizeof vm->executors / sizeof vm->executors[0]))
        vm->executors[vm->nexecutors++] = e;
}

static void executor_forget(VM *vm, ExecutorObj *e)
{
    for (int i = 0; i < vm->nexecutors; i++)
        if (vm->executors[i] == e) {
            vm->executors[i] = vm->executors[--vm->nexecutors];
            return;
        }
}

static Value executor_create(VM *vm, Class *cls, int max_workers,
                             const char *prefix)
{
    ExecutorObj *e = obj_alloc(vm, cls ? cls : vm->c.ThreadPoolExecutor,
                               sizeof(ExecutorObj));
    if (!e)
        return VAL_ERR;
    e->max_workers = max_workers;
    e->prefix = str_from_cstr(vm, prefix);
    int rc = rt_executor_new(vm->world, max_workers, prefix, &e->ex);
    if (rc < 0 || !e->prefix) {
        e->ex = NULL;
        e->shutdown = true;
        obj_decref(e);
        return rc < 0 ? raise_rt_exc(vm, rc, VAL_NONE) : VAL_ERR;
    }
    executor_remember(vm, e);
    return val_obj(e);
}

/* An executor's max_workers argument: `dflt` when None or absent, else a
 * positive int up to `most`; -1 with the exception set. */
static int64_t max_workers_arg(VM *vm, Value v, int64_t dflt, int64_t most,
                               const char *too_many)
{
    if (IS_ERR(v) || IS_NONE(v))
        return dflt;
    if (!IS_INT(v)) {
        vm_raise_new(vm, vm->c.TypeError,
                     "'<=' not supported between instances of '%s' and 'int'",
                     type_name(vm, v));
        return -1;
    }
    if (AS_INT(v) <= 0) {
        vm_raise_new(vm, vm->c.ValueError,
                     "max_workers must be greater than 0");
        return -1;
    }
    if (AS_INT(v) > most) {
        vm_raise_new(vm, vm->c.ValueError, "%s", too_many);
        return -1;
    }
    return AS_INT(v);
}

static Value ctor_executor(VM *vm, Class *cls, Value *args, int nargs,
                           Tuple *kw)
{
    Value a[4];
    if (args_parse(vm, "ThreadPoolExecutor", args, nargs, kw,
                   "|max_workers,thread_name_prefix,initializer,initargs", a) <
        0)
        return VAL_ERR;
    /* min(32, os.cpu_count() + 4) with 4 CPUs */
    int64_t max = max_workers_arg(vm, a[0], 8, 1024,
                                  "max_workers above 1024 are not supported "
                                  "in scenarios");
    if (max < 0)
        return VAL_ERR;
    char prefix[64];
    if (!IS_ERR(a[1]) && IS_STR(a[1]) && AS_STR(a[1])->len)
        snprintf(prefix, sizeof prefix, "%s", AS_STR(a[1])->data);
    else
        snprintf(prefix, sizeof prefix, "ThreadPoolExecutor-%d",
                 vm->executor_counter++);
    if (!IS_ERR(a[2]) && !IS_NONE(a[2]))
        return vm_raise_new(vm, vm->c.TypeError,
                            "ThreadPoolExecutor(initializer=...) is not "
                            "supported in scenarios");
    return executor_create(vm, cls, (int)max, prefix);
}

/* ProcessPoolExecutor: its jobs run as a thread pool's do (the same
 * results under the time model), with os.cpu_count() workers; a job sees
 * itself on its process's main thread. */
static Value ctor_process_executor(VM *vm, Class *cls, Value *args, int nargs,
                                   Tuple *kw)
{
    Value a[5];
    if (args_parse(vm, "ProcessPoolExecutor", args, nargs, kw,
                   "|max_workers,mp_context,initializer,initargs,"
                   "max_tasks_per_child", a) < 0)
        return VAL_ERR;
    int64_t max = max_workers_arg(vm, a[0], 4 /* os.cpu_count() */, 61,
                                  "max_workers must be <= 61");
    if (max < 0)
        return VAL_ERR;
    if (!IS_ERR(a[2]) && !IS_NONE(a[2]))
        return vm_raise_new(vm, vm->c.TypeError,
                            "ProcessPoolExecutor(initializer=...) is not "
                            "supported in scenarios");
    char prefix[64];
    snprintf(prefix, sizeof prefix, "ProcessPoolExecutor-%d",
             vm->process_executor_counter++);
    return executor_create(vm, cls, (int)max, prefix);
}

/* The asyncio future of a job was cancelled: a job still queued never runs
 * (asyncio's _chain_future cancels the concurrent future). */
static void job_dest_done(rt_loop *loop, rt_handle *h)
{
    JobCtx *j = (JobCtx *)AS_OBJ(h->arg);
    if (!rt_future_cancelled(&j->dest->f) || j->started || !j->ex->ex)
        return;
    if (rt_executor_cancel(j->ex->ex, j->id)) {
        if (j->cf)
            j->cf->state = CF_CANCELLED;
        jobctx_free(j); /* the executor will not run it */
    }
}

/* Submits fn(*args, **kwargs) to an executor. With a loop, the job's result
 * goes to a new asyncio future (returned in *fut); with want_cf, to a new
 * concurrent future (in *cf). As in CPython's wrap_future(executor.submit(
 * ...)), the job is submitted first (in virtual mode it runs until it
 * blocks or ends right away) and the asyncio future made afterwards. */
static int executor_submit(VM *vm, ExecutorObj *e, LoopObj *lo, Value fn,
                           Value *args, int nargs, Dict *kwargs, Value *fut,
                           Value *cf)
{
    if (e->shutdown) {
        vm_raise_new(vm, vm->c.RuntimeError,
                     "cannot schedule new futures after shutdown");
        return -1;
    }
    JobCtx *j = obj_alloc(vm, vm->c_job, sizeof(JobCtx));
    if (!j)
        return -1;
    j->release = jobctx_release;
    j->vm = vm;
    j->fn = fn;
    incref(fn);
    j->result = VAL_NONE;
    j->exc = VAL_NONE;
    j->ex = e;
    obj_incref(e);
    j->args = tuple_new(vm, nargs);
    if (!j->args) {
        jobctx_free(j);
        return -1;
    }
    for (int i = 0; i < nargs; i++) {
        incref(args[i]);
        j->args->items[i] = args[i];
    }
    j->kwargs = kwargs;
    if (kwargs)
        obj_incref(kwargs);
    const char *label = IS_LAYOUT(fn, FUNCTION)
                            ? ((Function *)AS_OBJ(fn))->qualname->data
                        : IS_LAYOUT(fn, NATIVE) ? ((Native *)AS_OBJ(fn))->name
                                                : "job";
    if (cf) {
        CFutureObj *c = obj_alloc(vm, vm->c.CFuture, sizeof(CFutureObj));
        if (!c) {
            jobctx_free(j);
            return -1;
        }
        c->result = c->exc = VAL_NONE;
        c->ex = e;
        obj_incref(e);
        j->cf = c;
    }
    if (lo) {
        j->loop = lo;
        obj_incref(lo);
    }
    /* Two references from here: the executor's (job_run releases it, or
     * job_dest_done when the job is cancelled before it starts) and ours
     * until the end of this function. */
    obj_incref(j);
    uint64_t id = 0;
    int rc = rt_executor_submit(e->ex, job_run, j, label, &id);
    if (rc < 0) {
        jobctx_free(j);
        jobctx_free(j);
        if (rc == RT_ESHUTDOWN)
            vm_raise_new(vm, vm->c.RuntimeError,
                         "cannot schedule new futures after shutdown");
        else
            raise_rt_exc(vm, rc, VAL_NONE);
        return -1;
    }
    j->id = id;
    if (j->cf) {
        j->cf->job = id;
        obj_incref(j->cf);
        *cf = val_obj(j->cf);
    }
    if (lo) {
        Str *lab = str_fmt(vm, "%s()", label);
        Value f = future_create_ref(vm, lo, NULL, RT_ROLE_JOB, lab, id);
        obj_decref(lab);
        if (IS_ERR(f)) {
            jobctx_free(j);
            return -1;
        }
        j->dest = (FutureObj *)AS_OBJ(f);
        obj_incref(j->dest);
        *fut = f;
        /* _chain_future: the destination's cancel callback first, then the
         * source's completion (already there when the job ended at once:
         * its call_soon_threadsafe happens now, from this thread). */
        obj_incref(j);
        if (rt_future_add_done_callback(&j->dest->f, job_dest_done, NULL,
                                        val_obj(j)) < 0)
            obj_decref(j);
        obj_decref(j);
        if (j->done && !lo->closed)
            rt_loop_call_soon_threadsafe(lo->loop, job_set_state, NULL,
                                         &j->dest->f.obj, val_obj(j));
    }
    jobctx_free(j);
    return 0;
}

static Value l_run_in_executor(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (no_keywords_here(vm, "run_in_executor", kw) < 0)
        return VAL_ERR;
    if (nargs < 3)
        return vm_raise_new(vm, vm->c.TypeError,
                            "run_in_executor() missing required argument "
                            "'func'");
    LoopObj *lo = LSELF;
    if (check_closed(vm, lo) < 0)
        return VAL_ERR;
    if (lo->debug && check_callback(vm, args[2], "run_in_executor") < 0)
        return VAL_ERR;
    Value ex = args[1];
    if (IS_NONE(ex)) {
        if (lo->executor_shutdown_called)
            return vm_raise_new(vm, vm->c.RuntimeError,
                                "Executor shutdown has been called");
        if (!IS_OBJ(lo->default_executor)) {
            Value e = executor_create(vm, NULL, 8, "asyncio");
            if (IS_ERR(e))
                return e;
            lo->default_executor = e;
        }
        ex = lo->default_executor;
    }
    if (!IS_LAYOUT(ex, EXECUTOR))
        return vm_raise_new(vm, vm->c.TypeError,
                            "executor must be a ThreadPoolExecutor in "
                            "scenarios, not %s", type_name(vm, ex));
    Value fut = VAL_NONE;
    if (executor_submit(vm, (ExecutorObj *)AS_OBJ(ex), lo, args[2], args + 3,
                        nargs - 3, NULL, &fut, NULL) < 0)
        return VAL_ERR;
    return fut;
}

#define ESELF ((ExecutorObj *)AS_OBJ(args[0]))

static Value e_shutdown(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[3];
    if (args_parse(vm, "shutdown", args, nargs, kw,
                   "self|wait,$cancel_futures", a) < 0)
        return VAL_ERR;
    ExecutorObj *e = ESELF;
    bool wait = IS_ERR(a[1]) || val_truthy(vm, a[1]) == 1;
    if (!e->shutdown || wait) {
        e->shutdown = true;
        int rc = rt_executor_shutdown(e->ex, wait);
        if (rc < 0)
            return raise_rt_exc(vm, rc, VAL_NONE);
        if (vm_has_exc(vm))
            return VAL_ERR;
    }
    return VAL_NONE;
}

static Value e_enter(VM *vm, Value *args, int nargs, Tuple *kw)
{
    incref(args[0]);
    return args[0];
}

static Value e_exit(VM *vm, Value *args, int nargs, Tuple *kw)
{
    ExecutorObj *e = ESELF;
    e->shutdown = true;
    int rc = rt_executor_shutdown(e->ex, true);
    if (rc < 0)
        return raise_rt_exc(vm, rc, VAL_NONE);
    return vm_has_exc(vm) ? VAL_ERR : VAL_FALSE;
}

/* executor.submit(fn, *args, **kwargs): a concurrent future. */
static Value e_submit(VM *vm, Value *args, int nargs, Tuple *kw)
{
    int nkw = kw ? (int)kw->len : 0;
    if (nargs - nkw < 2)
        return vm_raise_new(vm, vm->c.TypeError,
                            "submit() missing 1 required positional argument: "
                            "'fn'");
    Dict *kwargs = NULL;
    if (nkw) {
        kwargs = dict_new(vm);
        if (!kwargs)
            return VAL_ERR;
        for (int i = 0; i < nkw; i++)
            dict_set(vm, kwargs, kw->items[i], args[nargs - nkw + i]);
    }
    Value cf = VAL_NONE;
    int rc = executor_submit(vm, ESELF, NULL, args[1], args + 2,
                             nargs - 2 - nkw, kwargs, NULL, &cf);
    obj_decref(kwargs);
    return rc < 0 ? VAL_ERR : cf;
}

#define CFSELF ((CFutureObj *)AS_OBJ(args[0]))

static bool cf_is_done(void *data)
{
    return ((CFutureObj *)data)->state >= CF_FINISHED;
}

/* Waits (on the loop's thread) until the concurrent future is done. */
static int cf_wait(VM *vm, CFutureObj *cf)
{
    if (cf->state >= CF_FINISHED)
        return 0;
    if (vm_thread(vm)->job)
        return 0; /* a job waiting for another job: not modelled */
    int rc = rt_world_wait(vm->world, cf_is_done, cf);
    if (rc < 0) {
        vm_raise_new(vm, vm->c.RuntimeError,
                     "deadlock: the job this result() waits for can never "
                     "finish");
        return -1;
    }
    return 0;
}

static Value cf_result(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "result", args, nargs, kw, "self|timeout", a) < 0)
        return VAL_ERR;
    CFutureObj *cf = CFSELF;
    if (cf_wait(vm, cf) < 0)
        return VAL_ERR;
    if (cf->state == CF_CANCELLED)
        return vm_raise_new(vm, vm->c.CFCancelledError, "%s", "");
    if (cf->state != CF_FINISHED)
        return vm_raise_new(vm, vm->c.CFTimeoutError, "%s", "");
    if (!IS_NONE(cf->exc)) {
        vm_raise(vm, cf->exc);
        return VAL_ERR;
    }
    incref(cf->result);
    return cf->result;
}

static Value cf_exception(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "exception", args, nargs, kw, "self|timeout", a) < 0)
        return VAL_ERR;
    CFutureObj *cf = CFSELF;
    if (cf_wait(vm, cf) < 0)
        return VAL_ERR;
    if (cf->state == CF_CANCELLED)
        return vm_raise_new(vm, vm->c.CFCancelledError, "%s", "");
    incref(cf->exc);
    return cf->exc;
}

static Value cf_done(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return val_bool(CFSELF->state >= CF_FINISHED);
}

static Value cf_running(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return val_bool(CFSELF->state == CF_RUNNING);
}

static Value cf_cancelled(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return val_bool(CFSELF->state == CF_CANCELLED);
}

static Value cf_cancel(VM *vm, Value *args, int nargs, Tuple *kw)
{
    CFutureObj *cf = CFSELF;
    if (cf->state == CF_CANCELLED)
        return VAL_TRUE;
    if (cf->state != CF_PENDING || !cf->ex->ex)
        return VAL_FALSE;
    if (!rt_executor_cancel(cf->ex->ex, cf->job))
        return VAL_FALSE;
    cf->state = CF_CANCELLED;
    cfuture_finish(vm, cf);
    return VAL_TRUE;
}

static Value cf_add_done_callback(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "add_done_callback", args, nargs, kw, "self,fn", a) <
        0)
        return VAL_ERR;
    CFutureObj *cf = CFSELF;
    if (cf->state >= CF_FINISHED) {
        Value r = vm_call1(vm, a[1], args[0]);
        if (IS_ERR(r))
            decref(vm_take_exc(vm));
        else
            decref(r);
        return VAL_NONE;
    }
    if (!cf->callbacks && !(cf->callbacks = list_new(vm, 0)))
        return VAL_ERR;
    return list_append(vm, cf->callbacks, a[1]) < 0 ? VAL_ERR : VAL_NONE;
}

/* ------------------------------------------------------------------------ */
/* sleep and to_thread: native coroutines                                   */
/* ------------------------------------------------------------------------ */

/* The timer of sleep(): _set_result_unless_cancelled(future, result). */
static void sleep_timer_fired(rt_loop *loop, rt_handle *h)
{
    rt_future *f = (rt_future *)h->target;
    if (!rt_future_cancelled(f))
        rt_future_set_result(f, h->arg);
}

static rt_coro_status bad_sleep_step(VM *vm, NCoro *c, rt_resume how,
                                     Value in, Value *out, rt_yield *y);

/* sleep(delay, result): a = result, b = the future, d = delay. */
static rt_coro_status sleep_step(VM *vm, NCoro *c, rt_resume how, Value in,
                                 Value *out, rt_yield *y)
{
    if (c->phase == 0) {
        /* First step. */
        c->phase = 1;
        if (how == RT_RESUME_THROW) {
            incref(in);
            *out = in;
            return RT_CORO_RAISE;
        }
        if (c->d <= 0) {
            y->future = NULL;
            y->bare = true;
            y->bad = VAL_NONE;
            return RT_CORO_YIELD;
        }
        LoopObj *lo = running_loop(vm);
        if (!lo) {
            raise_no_running_loop(vm);
            *out = VAL_ERR;
            return RT_CORO_RAISE;
        }
        /* The label ("sleep(1)", from the argument's spelling in c->c) is
         * only for the event stream. */
        Str *label = NULL;
        if (vm->tracing) {
            Str *r = val_repr(vm, c->c);
            label = r ? str_fmt(vm, "sleep(%s)", r->data) : NULL;
            obj_decref(r);
            if (!label)
                decref(vm_take_exc(vm));
        }
        Value fut = future_create(vm, lo, NULL, RT_ROLE_SLEEP, label);
        obj_decref(label);
        if (IS_ERR(fut)) {
            *out = VAL_ERR;
            return RT_CORO_RAISE;
        }
        c->b = fut;
        int rc = rt_loop_call_later(lo->loop, c->d, sleep_timer_fired, NULL,
                                    AS_OBJ(fut), c->a, &c->handle);
        if (rc < 0) {
            raise_rt_exc(vm, rc, VAL_NONE);
            *out = VAL_ERR;
            return RT_CORO_RAISE;
        }
        ((rt_future *)AS_OBJ(fut))->ref = c->handle->id;
        y->future = (rt_future *)AS_OBJ(fut);
        y->bare = false;
        y->bad = VAL_NONE;
        return RT_CORO_YIELD;
    }
    /* Resumed: the finally of asyncio.sleep cancels the timer handle. */
    if (c->handle)
        rt_handle_cancel(c->handle);
    if (how == RT_RESUME_THROW) {
        incref(in);
        *out = in;
        return RT_CORO_RAISE;
    }
    if (IS_NONE(c->b)) {
        incref(c->a);
        *out = c->a;
        return RT_CORO_RETURN;
    }
    rt_future *f = (rt_future *)AS_OBJ(c->b);
    if (!rt_future_done(f)) {
        vm_raise_new(vm, vm->c.RuntimeError, "await wasn't used with future");
        *out = VAL_ERR;
        return RT_CORO_RAISE;
    }
    Value res, exc = VAL_NONE;
    if (rt_future_result(f, &res, &exc) < 0) {
        *out = exc;
        return RT_CORO_RAISE;
    }
    *out = res;
    return RT_CORO_RETURN;
}

static Value a_sleep(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[2];
    if (nargs == 1 && !kw) {
        a[0] = args[0];
        a[1] = VAL_ERR;
    } else if (args_parse(vm, "sleep", args, nargs, kw, "delay|result", a) <
               0) {
        return VAL_ERR;
    }
    Value d = a[0];
    double delay;
    if (IS_INT(d) || IS_BOOL(d))
        delay = (double)AS_INT(d);
    else if (IS_FLOAT(d))
        delay = AS_FLOAT(d);
    else
        delay = NAN;
    /* asyncio checks `delay <= 0` when the coroutine first runs, and
     * that comparison raises for a non-number. */
    static const NCoroKind sleep_kind = {"sleep", sleep_step};
    static const NCoroKind bad_sleep_kind = {"sleep", bad_sleep_step};
    bool bad = isnan(delay) && !IS_FLOAT(d);
    NCoro *c = ncoro_new(vm, bad ? &bad_sleep_kind : &sleep_kind);
    if (!c)
        return VAL_ERR;
    c->d = delay;
    c->c = d; /* the label's spelling, or what to fail on */
    incref(d);
    c->a = IS_ERR(a[1]) ? VAL_NONE : a[1];
    incref(c->a);
    c->b = VAL_NONE;
    return val_obj(c);
}

/* A native coroutine whose first step raises what a comparison raised. */
static rt_coro_status bad_sleep_step(VM *vm, NCoro *c, rt_resume how,
                                     Value in, Value *out, rt_yield *y)
{
    vm_raise_new(vm, vm->c.TypeError,
                 "'<=' not supported between instances of '%s' and 'int'",
                 type_name(vm, c->c));
    *out = VAL_ERR;
    return RT_CORO_RAISE;
}

/* to_thread(func, *args, **kwargs): await loop.run_in_executor(None, ...) */
static rt_coro_status to_thread_step(VM *vm, NCoro *c, rt_resume how,
                                     Value in, Value *out, rt_yield *y)
{
    if (c->phase == 0) {
        c->phase = 1;
        if (how == RT_RESUME_THROW) {
            incref(in);
            *out = in;
            return RT_CORO_RAISE;
        }
        LoopObj *lo = running_loop(vm);
        if (!lo) {
            raise_no_running_loop(vm);
            *out = VAL_ERR;
            return RT_CORO_RAISE;
        }
        if (!IS_OBJ(lo->default_executor)) {
            if (lo->executor_shutdown_called) {
                vm_raise_new(vm, vm->c.RuntimeError,
                             "Executor shutdown has been called");
                *out = VAL_ERR;
                return RT_CORO_RAISE;
            }
            Value e = executor_create(vm, NULL, 8, "asyncio");
            if (IS_ERR(e)) {
                *out = VAL_ERR;
                return RT_CORO_RAISE;
            }
            lo->default_executor = e;
        }
        Tuple *t = AS_TUPLE(c->b);
        Value fut = VAL_NONE;
        if (executor_submit(vm, (ExecutorObj *)AS_OBJ(lo->default_executor),
                            lo, c->a, t->items, (int)t->len,
                            IS_DICT(c->c) ? AS_DICT(c->c) : NULL, &fut,
                            NULL) < 0)
            fut = VAL_ERR;
        if (IS_ERR(fut)) {
            *out = VAL_ERR;
            return RT_CORO_RAISE;
        }
        val_set(&c->b, fut);
        y->future = (rt_future *)AS_OBJ(fut);
        y->bare = false;
        y->bad = VAL_NONE;
        return RT_CORO_YIELD;
    }
    if (how == RT_RESUME_THROW) {
        incref(in);
        *out = in;
        return RT_CORO_RAISE;
    }
    Value res, exc = VAL_NONE;
    if (rt_future_result((rt_future *)AS_OBJ(c->b), &res, &exc) < 0) {
        *out = exc;
        return RT_CORO_RAISE;
    }
    *out = res;
    return RT_CORO_RETURN;
}

static Value a_to_thread(VM *vm, Value *args, int nargs, Tuple *kw)
{
    int nkw = kw ? (int)kw->len : 0, npos = nargs - nkw;
    if (npos < 1)
        return vm_raise_new(vm, vm->c.TypeError,
                            "to_thread() missing 1 required positional "
                            "argument: 'func'");
    static const NCoroKind to_thread_kind = {"to_thread", to_thread_step};
    NCoro *c = ncoro_new(vm, &to_thread_kind);
    if (!c)
        return VAL_ERR;
    c->a = args[0];
    incref(args[0]);
    Tuple *t = tuple_new(vm, npos - 1);
    if (!t) {
        obj_decref(c);
        return VAL_ERR;
    }
    for (int i = 1; i < npos; i++) {
        incref(args[i]);
        t->items[i - 1] = args[i];
    }
    c->b = val_obj(t);
    c->c = VAL_NONE;
    if (nkw) {
        Dict *d = dict_new(vm);
        if (!d) {
            obj_decref(c);
            return VAL_ERR;
        }
        for (int i = 0; i < nkw; i++)
            dict_set(vm, d, kw->items[i], args[npos + i]);
        c->c = val_obj(d);
    }
    return val_obj(c);
}

/* ------------------------------------------------------------------------ */
/* Module functions                                                         */
/* ------------------------------------------------------------------------ */

static Value a_get_running_loop(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "get_running_loop", args, nargs, kw, "", NULL) < 0)
        return VAL_ERR;
    if (!IS_OBJ(vm->running_loop))
        return raise_no_running_loop(vm);
    incref(vm->running_loop);
    return vm->running_loop;
}

static Value a_get_running_loop_opt(VM *vm, Value *args, int nargs,
                                    Tuple *kw)
{
    incref(vm->running_loop);
    return vm->running_loop;
}

/* asyncio._future(loop, role, label): a plain future that the trace and
 * the window know by what it stands for, its role ("lock", "queue",
 * "wait"...) and a label ("Lock.acquire()"). Only the prelude calls it,
 * where CPython's asyncio calls loop.create_future(), so that a task
 * waiting for a lock is shown waiting for a lock. */
static Value a_future_as(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[3];
    if (args_parse(vm, "_future", args, nargs, kw, "loop,role,label", a) < 0)
        return VAL_ERR;
    LoopObj *lo = loop_of(vm, a[0]);
    int role = IS_STR(a[1]) ? role_named(AS_STR(a[1])->data) : -1;
    if (!lo || role < 0 || !IS_STR(a[2]))
        return vm_raise_new(vm, vm->c.TypeError, "_future(loop, role, label)");
    return future_create(vm, lo, NULL, (rt_future_role)role, AS_STR(a[2]));
}

static Value a_get_event_loop(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "get_event_loop", args, nargs, kw, "", NULL) < 0)
        return VAL_ERR;
    return aio_get_event_loop(vm, true);
}

static Value a_new_event_loop(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "new_event_loop", args, nargs, kw, "", NULL) < 0)
        return VAL_ERR;
    return loop_create(vm);
}

static Value a_set_event_loop(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "set_event_loop", args, nargs, kw, "loop", NULL) < 0)
        return VAL_ERR;
    Value l = args[0];
    if (!IS_NONE(l) && !IS_LAYOUT(l, LOOP))
        return vm_raise_new(vm, vm->c.TypeError,
                            "loop must be an instance of AbstractEventLoop or "
                            "None, not '%s'", type_name(vm, l));
    incref(l);
    val_set(&vm->event_loop, l);
    vm->event_loop_set = true;
    return VAL_NONE;
}

static Value a_create_task(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[3];
    if (args_parse(vm, "create_task", args, nargs, kw, "coro|$name,context",
                   a) < 0)
        return VAL_ERR;
    LoopObj *lo = running_loop(vm);
    if (!lo)
        return raise_no_running_loop(vm);
    /* asyncio.create_task names the task after creating it, so a named
     * task still uses up a Task-N number (loop.create_task does not). */
    Value t = aio_task_create(vm, lo, a[0], VAL_NONE, ORIGIN_CREATE_TASK);
    if (IS_ERR(t) || IS_ERR(a[1]) || IS_NONE(a[1]))
        return t;
    Str *nm = val_str(vm, a[1]);
    if (!nm || rt_task_set_name((rt_task *)AS_OBJ(t), nm->data) < 0) {
        obj_decref(nm);
        decref(t);
        return nm ? vm_raise_nomem(vm) : VAL_ERR;
    }
    obj_decref(nm);
    return t;
}

static Value a_ensure_future(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "ensure_future", args, nargs, kw, "coro_or_future|$loop",
                   a) < 0)
        return VAL_ERR;
    LoopObj *lo = IS_ERR(a[1]) || IS_NONE(a[1]) ? NULL : loop_of(vm, a[1]);
    if (is_future(a[0]))
        return ensure_future(vm, lo, a[0]);
    if (!is_coroutine(a[0]))
        return vm_raise_new(vm, vm->c.TypeError,
                            "An asyncio.Future, a coroutine or an awaitable "
                            "is required");
    Value l = VAL_NONE;
    if (!lo) {
        l = aio_get_event_loop(vm, true);
        if (IS_ERR(l))
            return l;
        lo = loop_of(vm, l);
    }
    Value r = aio_task_create(vm, lo, a[0], VAL_NONE, ORIGIN_ENSURE_FUTURE);
    decref(l);
    return r;
}

static Value a_current_task(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[1];
    if (args_parse(vm, "current_task", args, nargs, kw, "|loop", a) < 0)
        return VAL_ERR;
    LoopObj *lo = !IS_ERR(a[0]) && !IS_NONE(a[0]) ? loop_of(vm, a[0])
                                                   : running_loop(vm);
    if (!lo)
        return raise_no_running_loop(vm);
    rt_task *t = rt_loop_current_task(lo->loop);
    if (!t)
        return VAL_NONE;
    Value v = val_obj(t);
    incref(v);
    return v;
}

static void collect_task(rt_task *t, void *data)
{
    void **ctx = data;
    VM *vm = ctx[0];
    Set *s = ctx[1];
    if (!rt_future_done(&t->fut))
        set_add(vm, s, val_obj(t));
}

static Value a_all_tasks(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[1];
    if (args_parse(vm, "all_tasks", args, nargs, kw, "|loop", a) < 0)
        return VAL_ERR;
    LoopObj *lo = !IS_ERR(a[0]) && !IS_NONE(a[0]) ? loop_of(vm, a[0])
                                                   : running_loop(vm);
    if (!lo)
        return raise_no_running_loop(vm);
    Set *s = set_new(vm, false);
    if (!s)
        return VAL_ERR;
    void *ctx[2] = {vm, s};
    rt_loop_foreach_task(lo->loop, collect_task, ctx);
    return val_obj(s);
}

static Value a_iscoroutine(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "iscoroutine", args, nargs, kw, "obj", NULL) < 0)
        return VAL_ERR;
    return val_bool(is_coroutine(args[0]));
}

static Value a_iscoroutinefunction(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "iscoroutinefunction", args, nargs, kw, "func", NULL) <
        0)
        return VAL_ERR;
    Value f = args[0];
    if (IS_LAYOUT(f, BOUND))
        f = ((Bound *)AS_OBJ(f))->func;
    return val_bool(IS_LAYOUT(f, FUNCTION) &&
                    ((((Function *)AS_OBJ(f))->code->flags &
                      (CO_ASYNC | CO_GENERATOR)) == CO_ASYNC));
}

static Value a_isfuture(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "isfuture", args, nargs, kw, "obj", NULL) < 0)
        return VAL_ERR;
    return val_bool(is_future(args[0]));
}

/* asyncio.run(main, *, debug=None) */
static Value a_run(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "run", args, nargs, kw, "main|$debug", a) < 0)
        return VAL_ERR;
    if (IS_OBJ(vm->running_loop))
        return vm_raise_new(vm, vm->c.RuntimeError,
                            "asyncio.run() cannot be called from a running "
                            "event loop");
    if (!is_coroutine(a[0])) {
        Str *r = val_repr(vm, a[0]);
        Value e = vm_raise_new(vm, vm->c.ValueError,
                               "a coroutine was expected, got %s",
                               r ? r->data : "?");
        obj_decref(r);
        return e;
    }
    Value lv = loop_create(vm);
    if (IS_ERR(lv))
        return lv;
    LoopObj *lo = (LoopObj *)AS_OBJ(lv);
    if (!IS_ERR(a[1]) && !IS_NONE(a[1]))
        aio_set_debug(lo, val_truthy(vm, a[1]) == 1);
    incref(lv);
    val_set(&vm->event_loop, lv);
    vm->event_loop_set = true;
    Value task = aio_task_create(vm, lo, a[0], VAL_NONE, ORIGIN_RUN);
    Value result = VAL_ERR;
    if (!IS_ERR(task)) {
        Value rargs[2] = {lv, task};
        result = l_run_until_complete(vm, rargs, 2, NULL);
        decref(task);
    }
    /* Runner.close(): cancel what is left, shut down async generators and
     * the default executor, forget and close the loop. */
    if (!vm->aborting) {
        VMThread *t = vm_thread(vm);
        bool fresh = t->exc_fresh;
        Value pending = vm_take_exc(vm);
        Value r = aio_runner_close(vm, lv);
        if (IS_ERR(r)) {
            decref(pending);
        } else {
            decref(r);
            if (!IS_NONE(pending)) {
                vm_reraise(vm, pending);
                t->exc_fresh = fresh;
            }
        }
    }
    val_set(&vm->event_loop, VAL_NONE);
    if (!lo->closed) {
        lo->closed = true;
        rt_loop_close(lo->loop);
        aio_io_drop(vm, lo);
    }
    decref(lv);
    return result;
}

/* concurrent.futures.wait / as_completed are not modelled; the asyncio
 * ones come from the prelude, and so do streams and subprocesses
 * (prelude_streams.py, loaded by mod_streams.c). */

/* ------------------------------------------------------------------------ */
/* The module                                                               */
/* ------------------------------------------------------------------------ */

static void add(VM *vm, Dict *d, const char *name, NativeFn fn)
{
    Value f = native_new(vm, name, fn, VAL_NONE, NULL);
    if (!IS_ERR(f)) {
        dict_set_cstr(vm, d, name, f);
        decref(f);
    }
}

static void add_class(VM *vm, Dict *d, const char *name, Class *c)
{
    dict_set_cstr(vm, d, name, val_obj(c));
}

void mod_asyncio_init(VM *vm)
{
    VMClasses *c = &vm->c;
    c->Future = class_new(vm, "Future", c->object, LAYOUT_FUTURE,
                          sizeof(FutureObj), "asyncio");
    c->Task = class_new(vm, "Task", c->Future, LAYOUT_TASK, sizeof(TaskObj),
                        "asyncio");
    c->EventLoop = class_new(vm, "_UnixSelectorEventLoop", c->object,
                             LAYOUT_LOOP, sizeof(LoopObj), "asyncio");
    c->Handle = class_new(vm, "Handle", c->object, LAYOUT_HANDLE,
                          sizeof(HandleObj), "asyncio");
    c->TimerHandle = class_new(vm, "TimerHandle", c->Handle, LAYOUT_HANDLE,
                               sizeof(HandleObj), "asyncio");
    c->ThreadPoolExecutor = class_new(vm, "ThreadPoolExecutor", c->object,
                                      LAYOUT_EXECUTOR, sizeof(ExecutorObj),
                                      "concurrent.futures");
    vm->c_job = class_new(vm, "_Job", c->object, LAYOUT_PRIMITIVE,
                          sizeof(JobCtx), "asyncio");
    c->CFuture = class_new(vm, "Future", c->object, LAYOUT_CFUTURE,
                           sizeof(CFutureObj), "concurrent.futures");
    c->Future->ctor = ctor_future;
    c->Future->subclassable = true;
    c->Task->ctor = ctor_task;
    c->ThreadPoolExecutor->ctor = ctor_executor;
    c->ThreadPoolExecutor->subclassable = true;
    vm->c_process_pool = class_new(vm, "ProcessPoolExecutor",
                                   c->ThreadPoolExecutor, LAYOUT_EXECUTOR,
                                   sizeof(ExecutorObj),
                                   "concurrent.futures.process");
    if (vm->c_process_pool)
        vm->c_process_pool->ctor = ctor_process_executor;

    static const struct {
        const char *name;
        NativeFn fn;
    } fmethods[] = {
        {"result", f_result}, {"exception", f_exception}, {"done", f_done},
        {"cancelled", f_cancelled}, {"cancel", f_cancel},
        {"set_result", f_set_result}, {"set_exception", f_set_exception},
        {"add_done_callback", f_add_done_callback},
        {"remove_done_callback", f_remove_done_callback},
        {"get_loop", f_get_loop},
        {"_make_cancelled_error", f_make_cancelled_error},
        {"_cancel_message", f_cancel_message},
    };
    for (size_t i = 0; i < sizeof fmethods / sizeof fmethods[0]; i++)
        class_add_method(vm, c->Future, fmethods[i].name, fmethods[i].fn);
    static const struct {
        const char *name;
        NativeFn fn;
    } tmethods[] = {
        {"get_name", t_get_name}, {"set_name", t_set_name},
        {"get_coro", t_get_coro}, {"cancel", t_cancel},
        {"cancelling", t_cancelling}, {"uncancel", t_uncancel},
    };
    for (size_t i = 0; i < sizeof tmethods / sizeof tmethods[0]; i++)
        class_add_method(vm, c->Task, tmethods[i].name, tmethods[i].fn);
    static const struct {
        const char *name;
        NativeFn fn;
    } lmethods[] = {
        {"run_until_complete", l_run_until_complete},
        {"run_forever", l_run_forever}, {"stop", l_stop}, {"close", l_close},
        {"is_running", l_is_running}, {"is_closed", l_is_closed},
        {"time", l_time}, {"call_soon", l_call_soon},
        {"call_later", l_call_later}, {"call_at", l_call_at},
        {"call_soon_threadsafe", l_call_soon_threadsafe},
        {"create_task", l_create_task}, {"create_future", l_create_future},
        {"run_in_executor", l_run_in_executor},
        {"set_exception_handler", l_set_exception_handler},
        {"get_exception_handler", l_get_exception_handler},
        {"default_exception_handler", l_default_exception_handler},
        {"call_exception_handler", l_call_exception_handler},
        {"set_debug", l_set_debug}, {"get_debug", l_get_debug},
        {"shutdown_default_executor", l_shutdown_default_executor},
        {"shutdown_asyncgens", l_shutdown_asyncgens},
        {"set_default_executor", l_set_default_executor},
    };
    for (size_t i = 0; i < sizeof lmethods / sizeof lmethods[0]; i++)
        class_add_method(vm, c->EventLoop, lmethods[i].name, lmethods[i].fn);
    class_add_method(vm, c->Handle, "cancel", h_cancel);
    class_add_method(vm, c->Handle, "cancelled", h_cancelled);
    class_add_method(vm, c->TimerHandle, "when", h_when);
    class_add_method(vm, c->CFuture, "result", cf_result);
    class_add_method(vm, c->CFuture, "exception", cf_exception);
    class_add_method(vm, c->CFuture, "done", cf_done);
    class_add_method(vm, c->CFuture, "running", cf_running);
    class_add_method(vm, c->CFuture, "cancelled", cf_cancelled);
    class_add_method(vm, c->CFuture, "cancel", cf_cancel);
    class_add_method(vm, c->CFuture, "add_done_callback", cf_add_done_callback);
    class_add_method(vm, c->ThreadPoolExecutor, "shutdown", e_shutdown);
    class_add_method(vm, c->ThreadPoolExecutor, "submit", e_submit);
    class_add_method(vm, c->ThreadPoolExecutor, "__enter__", e_enter);
    class_add_method(vm, c->ThreadPoolExecutor, "__exit__", e_exit);
}

Value mod_asyncio_module(VM *vm)
{
    if (IS_OBJ(vm->asyncio)) {
        incref(vm->asyncio);
        return vm->asyncio;
    }
    if (!vm->c.Future)
        mod_asyncio_init(vm);
    Module *m = module_new(vm, "asyncio");
    if (!m)
        return VAL_ERR;
    Dict *d = m->dict;
    static const struct {
        const char *name;
        NativeFn fn;
    } fns[] = {
        {"run", a_run}, {"sleep", a_sleep},
        {"get_running_loop", a_get_running_loop},
        {"_get_running_loop", a_get_running_loop_opt},
        {"_future", a_future_as},
        {"get_event_loop", a_get_event_loop},
        {"new_event_loop", a_new_event_loop},
        {"set_event_loop", a_set_event_loop}, {"create_task", a_create_task},
        {"ensure_future", a_ensure_future}, {"current_task", a_current_task},
        {"all_tasks", a_all_tasks}, {"iscoroutine", a_iscoroutine},
        {"iscoroutinefunction", a_iscoroutinefunction},
        {"isfuture", a_isfuture}, {"to_thread", a_to_thread},
    };
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++)
        add(vm, d, fns[i].name, fns[i].fn);
    VMClasses *c = &vm->c;
    add_class(vm, d, "Future", c->Future);
    add_class(vm, d, "Task", c->Task);
    add_class(vm, d, "AbstractEventLoop", c->EventLoop);
    add_class(vm, d, "Handle", c->Handle);
    add_class(vm, d, "TimerHandle", c->TimerHandle);
    add_class(vm, d, "CancelledError", c->CancelledError);
    add_class(vm, d, "InvalidStateError", c->InvalidStateError);
    add_class(vm, d, "TimeoutError", c->TimeoutError);
    add_class(vm, d, "IncompleteReadError", c->IncompleteReadError);
    add_class(vm, d, "LimitOverrunError", c->LimitOverrunError);
    add_class(vm, d, "QueueEmpty", c->QueueEmpty);
    add_class(vm, d, "QueueFull", c->QueueFull);
    add_class(vm, d, "BrokenBarrierError", c->BrokenBarrierError);
    /* asyncio.exceptions, and concurrent.futures. */
    Module *ex = module_new(vm, "asyncio.exceptions");
    if (ex) {
        add_class(vm, ex->dict, "CancelledError", c->CancelledError);
        add_class(vm, ex->dict, "InvalidStateError", c->InvalidStateError);
        add_class(vm, ex->dict, "TimeoutError", c->TimeoutError);
        add_class(vm, ex->dict, "BrokenBarrierError",
                  c->BrokenBarrierError);
        dict_set_cstr(vm, d, "exceptions", val_obj(ex));
        obj_decref(ex);
    }
    Module *cf = module_new(vm, "concurrent.futures");
    Module *conc = module_new(vm, "concurrent");
    if (cf && conc) {
        add_class(vm, cf->dict, "ThreadPoolExecutor", c->ThreadPoolExecutor);
        if (vm->c_process_pool)
            add_class(vm, cf->dict, "ProcessPoolExecutor",
                      vm->c_process_pool);
        add_class(vm, cf->dict, "CancelledError", c->CFCancelledError);
        add_class(vm, cf->dict, "TimeoutError", c->TimeoutError);
        add_class(vm, cf->dict, "BrokenExecutor", c->BrokenExecutor);
        add_class(vm, cf->dict, "Future", c->CFuture);
        dict_set_cstr(vm, conc->dict, "futures", val_obj(cf));
    }
    obj_decref(cf);
    obj_decref(conc);
    vm->asyncio = val_obj(m);
    /* The Python part: the asyncio prelude. Streams and subprocesses come
     * on first use (aio_streams_ensure): most scenarios never touch them,
     * and compiling their half would cost every run a few milliseconds. */
    if (aio_load_prelude(vm, m) < 0) {
        vm->asyncio = VAL_NONE;
        obj_decref(m);
        return VAL_ERR;
    }
    vm->streams_pending = true;
    incref(vm->asyncio);
    return vm->asyncio;
}

int aio_streams_ensure(VM *vm)
{
    if (!vm->streams_pending || !IS_LAYOUT(vm->asyncio, MODULE))
        return 0;
    vm->streams_pending = false;
    return aio_streams_init(vm, (Module *)AS_OBJ(vm->asyncio));
}

/* ------------------------------------------------------------------------ */
/* Handles, loop coroutines, the end of a run                               */
/* ------------------------------------------------------------------------ */

static int no_keywords_here(VM *vm, const char *name, Tuple *kw)
{
    if (kw && kw->len) {
        vm_raise_new(vm, vm->c.TypeError,
                     "%s() got an unexpected keyword argument '%s'", name,
                     AS_STR(kw->items[0])->data);
        return -1;
    }
    return 0;
}

#define HSELF ((HandleObj *)AS_OBJ(args[0]))

static Value h_cancel(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "cancel", args, nargs, kw, "self", NULL) < 0)
        return VAL_ERR;
    rt_handle_cancel(HSELF->h);
    return VAL_NONE;
}

static Value h_cancelled(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "cancelled", args, nargs, kw, "self", NULL) < 0)
        return VAL_ERR;
    return val_bool(HSELF->h->cancelled);
}

static Value h_when(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "when", args, nargs, kw, "self", NULL) < 0)
        return VAL_ERR;
    return val_float(HSELF->h->when);
}

/* A coroutine that returns None at once (shutdown_asyncgens with no
 * asynchronous generator left open). */
static rt_coro_status done_step(VM *vm, NCoro *c, rt_resume how, Value in,
                                Value *out, rt_yield *y)
{
    if (how == RT_RESUME_THROW) {
        incref(in);
        *out = in;
        return RT_CORO_RAISE;
    }
    *out = VAL_NONE;
    return RT_CORO_RETURN;
}

static Value l_shutdown_asyncgens(VM *vm, Value *args, int nargs, Tuple *kw)
{
    /* The async generators started and not finished: closed together by
     * the prelude's _shutdown_asyncgens, as asyncio does. */
    List *agens = vm_take_agens(vm);
    List *open = agens ? list_new(vm, 0) : NULL;
    for (int64_t i = 0; open && i < agens->len; i++)
        if (((Coro *)AS_OBJ(agens->items[i]))->state != CORO_DONE &&
            list_append(vm, open, agens->items[i]) < 0) {
            obj_decref(open);
            open = NULL;
        }
    if (agens)
        obj_decref(agens);
    if (open && open->len > 0) {
        Module *m = (Module *)AS_OBJ(vm->asyncio);
        Value fn = dict_get_cstr(vm, m->dict, "_shutdown_asyncgens");
        Value r = IS_ERR(fn) ? vm_raise_new(vm, vm->c.RuntimeError,
                                            "asyncio prelude broken")
                             : vm_call1(vm, fn, val_obj(open));
        obj_decref(open);
        return r;
    }
    if (open)
        obj_decref(open);
    static const NCoroKind kind = {"shutdown_asyncgens", done_step};
    NCoro *c = ncoro_new(vm, &kind);
    if (!c)
        return VAL_ERR;
    c->a = c->b = c->c = VAL_NONE;
    return val_obj(c);
}

/* shutdown_default_executor(): waits for the default executor's jobs. */
static rt_coro_status shutdown_executor_step(VM *vm, NCoro *c, rt_resume how,
                                             Value in, Value *out,
                                             rt_yield *y)
{
    if (how == RT_RESUME_THROW) {
        incref(in);
        *out = in;
        return RT_CORO_RAISE;
    }
    LoopObj *lo = loop_of(vm, c->a);
    lo->executor_shutdown_called = true;
    Value ex = lo->default_executor;
    if (IS_LAYOUT(ex, EXECUTOR)) {
        ExecutorObj *e = (ExecutorObj *)AS_OBJ(ex);
        e->shutdown = true;
        rt_executor_shutdown(e->ex, true);
    }
    *out = VAL_NONE;
    return vm_has_exc(vm) ? (*out = vm_take_exc(vm), RT_CORO_RAISE)
                          : RT_CORO_RETURN;
}

static Value l_shutdown_default_executor(VM *vm, Value *args, int nargs,
                                         Tuple *kw)
{
    static const NCoroKind kind = {"shutdown_default_executor",
                                   shutdown_executor_step};
    NCoro *c = ncoro_new(vm, &kind);
    if (!c)
        return VAL_ERR;
    c->a = args[0];
    incref(args[0]);
    c->b = c->c = VAL_NONE;
    return val_obj(c);
}

static Value l_set_default_executor(VM *vm, Value *args, int nargs,
                                    Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "set_default_executor", args, nargs, kw,
                   "self,executor", a) < 0)
        return VAL_ERR;
    if (!IS_LAYOUT(a[1], EXECUTOR))
        return vm_raise_new(vm, vm->c.TypeError,
                            "executor must be ThreadPoolExecutor");
    incref(a[1]);
    val_set(&LSELF->default_executor, a[1]);
    return VAL_NONE;
}

/* asyncio.run's Runner.close(), written in the prelude. */
Value aio_runner_close(VM *vm, Value loop)
{
    Module *m = (Module *)AS_OBJ(vm->asyncio);
    Value fn = dict_get_cstr(vm, m->dict, "_runner_close");
    if (IS_ERR(fn))
        return vm_raise_new(vm, vm->c.RuntimeError, "asyncio prelude broken");
    return vm_call1(vm, fn, loop);
}

static void report_task(rt_task *t, void *data)
{
    void **ctx = data;
    VM *vm = ctx[0];
    int *n = ctx[1];
    if (rt_future_done(&t->fut))
        return;
    (*n)++;
    if (!vm->err)
        return;
    const char *func = NULL;
    char nb[RT_TASK_NAME_SIZE];
    int line = coro_where(t->coro, &func);
    fprintf(vm->err, "  %s", rt_task_name(t, nb));
    if (func)
        fprintf(vm->err, " (%s)", func);
    fputs(" is waiting", vm->err);
    if (line)
        fprintf(vm->err, " at line %d", line);
    if (t->fut_waiter) {
        rt_future *w = t->fut_waiter;
        if (w->is_task) {
            fprintf(vm->err, " for task %s", rt_task_name((rt_task *)w, nb));
        } else {
            FutureObj *fo = (FutureObj *)w;
            const char *role = rt_future_role_name(w->role);
            if (fo->label && strncmp(fo->label->data, role, strlen(role)) == 0)
                fprintf(vm->err, " for %s", fo->label->data); /* gather() */
            else if (fo->label)
                fprintf(vm->err, " for a %s (%s)", role, fo->label->data);
            else
                fprintf(vm->err, " for a %s", role);
            fputs(" that nothing will complete", vm->err);
        }
    }
    fputc('\n', vm->err);
}

void aio_report_deadlock(VM *vm, LoopObj *lo)
{
    if (vm->out)
        fflush(vm->out);
    if (vm->err) {
        SBuf b;
        sb_init(&b);
        float_repr_into(&b, rt_loop_time(lo->loop));
        fprintf(vm->err,
                "loopscope: deadlock at t=%s: nothing is ready and nothing is "
                "scheduled\n", b.data ? b.data : "?");
        sb_free(&b);
    }
    int n = 0;
    void *ctx[2] = {vm, &n};
    rt_loop_foreach_task(lo->loop, report_task, ctx);
    if (vm->err) {
        fprintf(vm->err, "Deadlock: %d task%s waiting forever\n", n,
                n == 1 ? "" : "s");
        fflush(vm->err);
    }
}

int aio_report_uncaught(VM *vm, Value exc)
{
    if (vm->aborting)
        return vm->exit_status ? vm->exit_status : 3;
    if (is_instance(vm, exc, vm->c.SystemExit)) {
        Exc *e = (Exc *)AS_OBJ(exc);
        Value code = e->args->len ? e->args->items[0] : VAL_NONE;
        if (IS_NONE(code))
            return 0;
        if (IS_INT(code) || IS_BOOL(code))
            return (int)(AS_INT(code) & 0xff);
        Str *s = val_str(vm, code);
        if (s && vm->err) {
            if (vm->out)
                fflush(vm->out);
            fprintf(vm->err, "%s\n", s->data);
        }
        obj_decref(s);
        return 1;
    }
    if (vm->tracing) {
        rt_event ev = {0};
        ev.kind = RT_EV_EXC_UNHANDLED;
        ev.worker = -1;
        ev.type = class_of(vm, exc)->name->data;
        Str *s = val_str(vm, exc);
        if (!s)
            decref(vm_take_exc(vm));
        ev.text = s ? s->data : NULL;
        vm_emit(vm, &ev);
        obj_decref(s);
    }
    exc_print(vm, exc, vm->err);
    return is_instance(vm, exc, vm->c.KeyboardInterrupt) ? 130 : 1;
}

/* At the end of the program, as Python's exit does: wait for the jobs of
 * every executor still running. */
void aio_at_exit(VM *vm)
{
    for (int i = 0; i < vm->nexecutors; i++) {
        ExecutorObj *e = vm->executors[i];
        if (!e->shutdown && e->ex) {
            e->shutdown = true;
            rt_executor_shutdown(e->ex, true);
        }
    }
    if (vm_has_exc(vm))
        decref(vm_take_exc(vm));
}

/* Before the heap goes: stop every executor's threads. */
void aio_shutdown(VM *vm)
{
    for (int i = 0; i < vm->nexecutors; i++) {
        ExecutorObj *e = vm->executors[i];
        if (e->ex && !e->shutdown) {
            e->shutdown = true;
            rt_executor_shutdown(e->ex, true);
        }
    }
}

/* Compiles `src` (prelude code, marked internal) and runs it in module
 * `m`; `filename` names it in diagnostics. -1 with an exception set. */
int aio_run_prelude(VM *vm, Module *m, const char *src, const char *filename)
{
    size_t len = strlen(src);
    rt_diags diags;
    rt_diags_init(&diags, filename, src, len);
    ast_arena *arena = ast_arena_new();
    ast_node *mod = arena ? ast_parse(src, len, arena, &diags) : NULL;
    Code *code = mod ? compile_module(vm, mod, filename, &diags, true)
                     : NULL;
    ast_arena_free(arena);
    if (!code) {
        if (diags.len && vm->err)
            rt_diags_print(&diags, vm->err);
        rt_diags_deinit(&diags);
        if (!vm_has_exc(vm))
            vm_raise_new(vm, vm->c.RuntimeError,
                         "the asyncio prelude does not compile");
        return -1;
    }
    rt_diags_deinit(&diags);
    Value r = vm_run_module(vm, code, m);
    obj_decref(code);
    if (IS_ERR(r))
        return -1;
    decref(r);
    return 0;
}

/* Compiles and runs the Python half of asyncio in the module. */
int aio_load_prelude(VM *vm, Module *m)
{
    return aio_run_prelude(vm, m, loopscope_prelude_asyncio, "<asyncio>");
}
