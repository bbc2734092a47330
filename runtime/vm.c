/*
 * vm.c - the bytecode interpreter: frames, calls, exceptions, coroutines.
 *
 * One dispatch loop, run(), executes frames of the current thread until its
 * entry frame returns, raises, or (for a coroutine chain) suspends. Calls
 * between bytecode functions do not recurse in C: a sync call pushes a
 * frame onto the thread's frame stack and the loop carries on in it. A
 * coroutine's frame lives inside its Coro object; `await coro` links the
 * callee's frame above the caller's and carries on in it. When the
 * innermost coroutine awaits a pending future (or a native coroutine such
 * as sleep() yields), run() returns RUN_YIELD and every frame of the chain
 * stays where it is, on the heap, until the task resumes it.
 *
 * Exceptions use the code objects' exception tables: when an instruction
 * fails, the loop looks up a handler for it in the current frame, unwinds
 * the value stack to the handler's depth and jumps there; without one, the
 * frame is popped and the search continues in the caller. Recursion depth
 * is a counter (RecursionError past 1,000 frames), never the C stack.
 */
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "lang.h"

#define CHUNK_SIZE (256 * 1024)

struct StackChunk {
    StackChunk *prev;
    size_t size, used;
    max_align_t data[];
};

enum { RUN_RETURN = 0, RUN_ERROR = -1, RUN_YIELD = 1 };

#define NULL_MARK VAL_ERR
#define IS_NULL_MARK(v) IS_ERR(v)

static int run(VM *vm, VMThread *t, Value *result);

/* ------------------------------------------------------------------------ */
/* Threads and frames                                                       */
/* ------------------------------------------------------------------------ */

VMThread *vmthread_new(VM *vm, rt_job *job, int worker)
{
    VMThread *t = rt_calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->vm = vm;
    t->exc = VAL_NONE;
    t->handled = VAL_NONE;
    t->job = job;
    t->worker = worker;
    return t;
}

void vmthread_free(VMThread *t)
{
    if (!t)
        return;
    decref(t->exc);
    decref(t->handled);
    decref(t->yielded);
    while (t->chunk) {
        StackChunk *p = t->chunk->prev;
        rt_free(t->chunk);
        t->chunk = p;
    }
    rt_free(t->spare);
    rt_free(t);
}

/* The thread running interpreter code now: a worker's own, or the main. */
VMThread *vm_thread(VM *vm)
{
    rt_job *job = rt_job_current();
    if (job) {
        VMThread *t = vm_worker_thread(vm, job);
        if (t)
            return t;
    }
    return vm->main;
}

static size_t frame_slots(const Code *co)
{
    return (size_t)(co->nlocals + co->ncells + co->nfrees + co->stacksize);
}

static Frame *frame_alloc(VM *vm, VMThread *t, Code *co)
{
    size_t need = sizeof(Frame) + frame_slots(co) * sizeof(Value);
    need = (need + 15) & ~(size_t)15;
    StackChunk *c = t->chunk;
    if (!c || c->used + need > c->size) {
        StackChunk *n = NULL;
        size_t size = need > CHUNK_SIZE ? need : CHUNK_SIZE;
        if (t->spare && t->spare->size >= need) {
            n = t->spare;
            t->spare = NULL;
        } else {
            n = rt_malloc(sizeof *n + size);
            if (!n) {
                vm_raise_nomem(vm);
                return NULL;
            }
            n->size = size;
        }
        n->used = 0;
        n->prev = c;
        t->chunk = c = n;
    }
    Frame *f = (Frame *)(void *)((char *)c->data + c->used);
    c->used += need;
    memset(f, 0, sizeof *f);
    f->alloc = (uint32_t)need;
    return f;
}

static void frame_free_mem(VMThread *t, Frame *f)
{
    StackChunk *c = t->chunk;
    c->used -= f->alloc;
    if (c->used == 0 && c->prev) {
        t->chunk = c->prev;
        if (!t->spare)
            t->spare = c;
        else
            rt_free(c);
    }
}

/* Releases everything a frame holds (its memory is the caller's). */
static void frame_clear(Frame *f)
{
    Code *co = f->code;
    if (!co)
        return;
    int nfixed = co->nlocals + co->ncells + co->nfrees;
    for (int i = 0; i < nfixed; i++)
        decref(FRAME_SLOTS(f)[i]);
    for (Value *p = FRAME_SLOTS(f) + nfixed; p < f->sp; p++)
        decref(*p);
    f->sp = FRAME_SLOTS(f) + nfixed;
    obj_decref(f->init_self);
    f->init_self = NULL;
    obj_decref(f->ns);
    f->ns = NULL;
    obj_decref(f->func);
    f->func = NULL;
    f->code = NULL;
    obj_decref(co);
}

static inline Value *stack_base(Frame *f)
{
    return FRAME_SLOTS(f) + f->code->nlocals + f->code->ncells + f->code->nfrees;
}

int vm_frame_line(Frame *f)
{
    if (!f || !f->code)
        return 0;
    ptrdiff_t i = f->ip - f->code->ops - 1;
    if (i < 0)
        i = 0;
    if (i >= f->code->nops)
        i = f->code->nops - 1;
    return i >= 0 ? f->code->lines[i] : f->code->firstline;
}

int vm_current_line(VM *vm, const char **func)
{
    VMThread *t = vm_thread(vm);
    for (Frame *f = t ? t->frame : NULL; f; f = f->back) {
        if (f->code && !(f->code->flags & CO_INTERNAL)) {
            if (func)
                *func = f->code->name->data;
            return vm_frame_line(f);
        }
    }
    if (func)
        *func = NULL;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Argument binding                                                         */
/* ------------------------------------------------------------------------ */

static const char *fn_qualname(Function *fn)
{
    return fn->qualname ? fn->qualname->data : fn->code->name->data;
}

static void missing_args(VM *vm, Function *fn, Value *slots, int from,
                         int to, bool kwonly)
{
    Code *co = fn->code;
    int n = 0;
    for (int i = from; i < to; i++)
        if (IS_ERR(slots[i]))
            n++;
    SBuf b;
    sb_init(&b);
    int k = 0;
    for (int i = from; i < to; i++) {
        if (!IS_ERR(slots[i]))
            continue;
        if (k > 0)
            sb_adds(&b, n == 2 ? " and " : k == n - 1 ? ", and " : ", ");
        sb_addf(&b, "'%s'", co->varnames[i]->data);
        k++;
    }
    vm_raise_new(vm, vm->c.TypeError, "%s() missing %d required %s "
                 "argument%s: %s", fn_qualname(fn), n,
                 kwonly ? "keyword-only" : "positional", n == 1 ? "" : "s",
                 b.data ? b.data : "");
    sb_free(&b);
}

/* Binds call arguments into a fresh frame's local slots (all VAL_ERR on
 * entry). Borrows args. 0, or -1 with TypeError set. */
static int bind_args(VM *vm, Function *fn, Value *slots, Value *args,
                     int nargs, Tuple *kwnames)
{
    Code *co = fn->code;
    int nkw = kwnames ? (int)kwnames->len : 0;
    int npos = nargs - nkw;
    int np = co->nparams;
    int nk = co->nkwonly;
    int star = (co->flags & CO_VARARGS) ? np + nk : -1;
    int dstar = (co->flags & CO_VARKW) ? np + nk + (star >= 0) : -1;
    int n = npos < np ? npos : np;
    for (int i = 0; i < n; i++) {
        incref(args[i]);
        slots[i] = args[i];
    }
    if (npos > np) {
        if (star < 0) {
            int ndef = fn->defaults ? (int)fn->defaults->len : 0;
            int given_kwonly = 0;
            (void)given_kwonly;
            if (ndef)
                vm_raise_new(vm, vm->c.TypeError,
                             "%s() takes from %d to %d positional arguments "
                             "but %d %s given", fn_qualname(fn), np - ndef,
                             np, npos, npos == 1 ? "was" : "were");
            else
                vm_raise_new(vm, vm->c.TypeError,
                             "%s() takes %d positional argument%s but %d %s "
                             "given", fn_qualname(fn), np, np == 1 ? "" : "s",
                             npos, npos == 1 ? "was" : "were");
            return -1;
        }
        Tuple *rest = tuple_new(vm, npos - np);
        if (!rest)
            return -1;
        for (int i = np; i < npos; i++) {
            incref(args[i]);
            rest->items[i - np] = args[i];
        }
        slots[star] = val_obj(rest);
    } else if (star >= 0) {
        obj_incref(vm->empty_tuple);
        slots[star] = val_obj(vm->empty_tuple);
    }
    Dict *kwdict = NULL;
    if (dstar >= 0) {
        kwdict = dict_new(vm);
        if (!kwdict)
            return -1;
        slots[dstar] = val_obj(kwdict);
    }
    for (int k = 0; k < nkw; k++) {
        Str *name = AS_STR(kwnames->items[k]);
        Value v = args[npos + k];
        int idx = -1;
        for (int i = 0; i < np + nk; i++)
            if (co->varnames[i] == name || str_eq(co->varnames[i], name)) {
                idx = i;
                break;
            }
        if (idx < 0) {
            if (kwdict) {
                if (dict_set(vm, kwdict, val_obj(name), v) < 0)
                    return -1;
                continue;
            }
            vm_raise_new(vm, vm->c.TypeError,
                         "%s() got an unexpected keyword argument '%s'",
                         fn_qualname(fn), name->data);
            return -1;
        }
        if (!IS_ERR(slots[idx])) {
            vm_raise_new(vm, vm->c.TypeError,
                         "%s() got multiple values for argument '%s'",
                         fn_qualname(fn), name->data);
            return -1;
        }
        incref(v);
        slots[idx] = v;
    }
    /* Defaults for the last positional parameters. */
    if (npos < np) {
        int ndef = fn->defaults ? (int)fn->defaults->len : 0;
        for (int i = np - ndef; i < np; i++)
            if (i >= 0 && IS_ERR(slots[i])) {
                Value d = fn->defaults->items[i - (np - ndef)];
                incref(d);
                slots[i] = d;
            }
        for (int i = 0; i < np; i++)
            if (IS_ERR(slots[i])) {
                missing_args(vm, fn, slots, 0, np, false);
                return -1;
            }
    }
    for (int i = np; i < np + nk; i++) {
        if (!IS_ERR(slots[i]))
            continue;
        Value d = fn->kwdefaults ? dict_get_str(fn->kwdefaults,
                                                co->varnames[i])
                                 : VAL_ERR;
        if (!IS_ERR(d)) {
            incref(d);
            slots[i] = d;
        }
    }
    for (int i = np; i < np + nk; i++)
        if (IS_ERR(slots[i])) {
            missing_args(vm, fn, slots, np, np + nk, true);
            return -1;
        }
    return 0;
}

/* Fills cells and free variables of a new frame. */
static int setup_cells(VM *vm, Frame *f, Function *fn)
{
    Code *co = f->code;
    Value *cells = FRAME_SLOTS(f) + co->nlocals;
    for (int i = 0; i < co->ncells; i++) {
        Cell *c = obj_alloc(vm, vm->c.cell, sizeof(Cell));
        if (!c)
            return -1;
        c->v = VAL_ERR;
        int l = co->cell2local[i];
        if (l >= 0) {
            c->v = FRAME_SLOTS(f)[l];
            FRAME_SLOTS(f)[l] = VAL_ERR;
        }
        cells[i] = val_obj(c);
    }
    for (int i = 0; i < co->nfrees; i++) {
        Value v = fn && fn->closure ? fn->closure->items[i] : VAL_NONE;
        incref(v);
        cells[co->ncells + i] = v;
    }
    return 0;
}

/* Prepares a frame for fn (allocated by the caller) and binds arguments. */
static int frame_setup(VM *vm, Frame *f, Function *fn, Value *args,
                       int nargs, Tuple *kwnames)
{
    Code *co = fn->code;
    f->code = co;
    obj_incref(co);
    f->func = fn;
    obj_incref(fn);
    f->globals = fn->globals;
    f->ip = co->ops;
    f->init_self = NULL;
    int nfixed = co->nlocals + co->ncells + co->nfrees;
    for (int i = 0; i < nfixed; i++)
        FRAME_SLOTS(f)[i] = VAL_ERR;
    f->sp = FRAME_SLOTS(f) + nfixed;
    if (bind_args(vm, fn, FRAME_SLOTS(f), args, nargs, kwnames) < 0)
        return -1;
    if ((co->ncells || co->nfrees) && setup_cells(vm, f, fn) < 0)
        return -1;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Coroutines                                                               */
/* ------------------------------------------------------------------------ */

static void gen_close_quietly(VM *vm, Coro *c);
static void agen_finalize(VM *vm, Coro *c);

/* asyncio's first-iteration hook: the loop knows the async generator. */
static int agen_register(VM *vm, Coro *c)
{
    if (vm->nagens == vm->capagens) {
        size_t cap = vm->capagens ? vm->capagens * 2 : 8;
        Coro **a = rt_realloc(vm->agens, cap * sizeof *a);
        if (!a) {
            vm_raise_nomem(vm);
            return -1;
        }
        vm->agens = a;
        vm->capagens = cap;
    }
    vm->agens[vm->nagens++] = c;
    return 0;
}

static void agen_forget(VM *vm, Coro *c)
{
    for (size_t i = 0; i < vm->nagens; i++)
        if (vm->agens[i] == c) {
            memmove(vm->agens + i, vm->agens + i + 1,
                    (vm->nagens - i - 1) * sizeof *vm->agens);
            vm->nagens--;
            return;
        }
}

/* Raises cls() with no arguments. */
static void raise_bare(VM *vm, Class *cls)
{
    Value e = exc_new(vm, cls, NULL);
    if (IS_ERR(e))
        return;
    vm_raise(vm, e);
    decref(e);
}

/* FRAME_SLOTS finds a coroutine's slots right after its frame. */
_Static_assert(offsetof(Coro, slotbuf) == offsetof(Coro, frame) + sizeof(Frame),
               "a coroutine's slots must follow its frame");

static Value coro_create(VM *vm, Function *fn, Value *args, int nargs,
                         Tuple *kwnames)
{
    Code *co = fn->code;
    size_t n = frame_slots(co);
    int kind = !(co->flags & CO_GENERATOR) ? CORO_KIND_COROUTINE
               : (co->flags & CO_ASYNC)    ? CORO_KIND_ASYNC_GEN
                                           : CORO_KIND_GENERATOR;
    Class *cls = kind == CORO_KIND_COROUTINE ? vm->c.coroutine
                 : kind == CORO_KIND_GENERATOR ? vm->c.generator
                                               : vm->c.async_generator;
    Coro *c = obj_alloc(vm, cls, sizeof(Coro) + n * sizeof(Value));
    if (!c)
        return VAL_ERR;
    c->kind = (uint8_t)kind;
    c->func = fn;
    obj_incref(fn);
    c->state = CORO_CREATED;
    c->internal = (co->flags & CO_INTERNAL) != 0;
    c->saved_handled = VAL_NONE;
    c->origin_line = vm_current_line(vm, NULL);
    c->frame.coro = c;
    c->frame.flags = FR_CORO;
    if (frame_setup(vm, &c->frame, fn, args, nargs, kwnames) < 0) {
        c->awaited = true; /* a failed call is not "never awaited" */
        c->state = CORO_DONE;
        obj_decref(c);
        return VAL_ERR;
    }
    return val_obj(c);
}

void coro_warn_never_awaited(VM *vm, const char *name, int line)
{
    if (vm->in_teardown || vm->finalizing) {
        if (vm->err) {
            fflush(vm->out);
            fprintf(vm->err,
                    "sys:1: RuntimeWarning: coroutine '%s' was never "
                    "awaited\n", name);
        }
        return;
    }
    char msg[256];
    snprintf(msg, sizeof msg, "coroutine '%s' was never awaited", name);
    vm_warn(vm, vm->c.RuntimeWarning, msg, line);
}

bool coro_destroy(VM *vm, Coro *c)
{
    if (c->kind == CORO_KIND_ASYNC_GEN)
        agen_forget(vm, c);
    if (c->kind != CORO_KIND_COROUTINE && c->state == CORO_SUSPENDED &&
        !vm->in_teardown && !(c->hdr.flags & OF_FINALIZED)) {
        /* A generator dropped part-way is closed now, so that its finally
         * blocks run, as in CPython; an async one by a task, as asyncio's
         * finalizer hook arranges. Either may keep it alive. */
        c->hdr.flags |= OF_FINALIZED;
        c->hdr.refs++;
        if (c->kind == CORO_KIND_ASYNC_GEN)
            agen_finalize(vm, c);
        else
            gen_close_quietly(vm, c);
        if (--c->hdr.refs > 0)
            return false;
    }
    if (c->kind == CORO_KIND_COROUTINE && c->state == CORO_CREATED &&
        !c->awaited &&
        !(c->hdr.flags & OF_FINALIZED)) {
        c->hdr.flags |= OF_FINALIZED;
        const char *func = NULL;
        int line = vm_current_line(vm, &func);
        if (!vm->in_teardown) {
            c->hdr.refs++;
            coro_warn_never_awaited(vm, c->func->qualname
                                            ? c->func->qualname->data
                                            : c->func->name->data,
                                    line);
            if (--c->hdr.refs > 0)
                return false;
        } else {
            coro_warn_never_awaited(vm, c->func->qualname
                                            ? c->func->qualname->data
                                            : c->func->name->data,
                                    0);
        }
    }
    /* A suspended coroutine being freed: CPython closes it (GeneratorExit
     * runs its finally blocks); the subset's scenarios only reach this at
     * the end of a run, where the frames are simply released. */
    frame_clear(&c->frame);
    decref(c->saved_handled);
    obj_decref(c->func);
    return true;
}

NCoro *ncoro_new(VM *vm, const NCoroKind *kind)
{
    NCoro *c = obj_alloc(vm, vm->c.ncoroutine, sizeof(NCoro));
    if (!c)
        return NULL;
    c->kind = kind;
    c->state = CORO_CREATED;
    c->origin_line = vm_current_line(vm, NULL);
    return c;
}

bool ncoro_destroy(VM *vm, NCoro *c)
{
    if (c->state == CORO_CREATED && !c->awaited &&
        !(c->hdr.flags & OF_FINALIZED)) {
        c->hdr.flags |= OF_FINALIZED;
        if (!vm->in_teardown) {
            c->hdr.refs++;
            coro_warn_never_awaited(vm, c->kind->name, vm_current_line(vm, NULL));
            if (--c->hdr.refs > 0)
                return false;
        } else {
            coro_warn_never_awaited(vm, c->kind->name, 0);
        }
    }
    decref(c->a);
    decref(c->b);
    decref(c->c);
    if (c->handle) {
        rt_handle_release(c->handle);
        c->handle = NULL;
    }
    return true;
}

/* Steps a native coroutine, tracking its state. */
static rt_coro_status ncoro_step(VM *vm, NCoro *c, rt_resume how, Value in,
                                 Value *out, rt_yield *y)
{
    c->awaited = true;
    c->state = CORO_RUNNING;
    rt_coro_status st = c->kind->step(vm, c, how, in, out, y);
    c->state = st == RT_CORO_YIELD ? CORO_SUSPENDED : CORO_DONE;
    return st;
}

/* Finds the innermost frame of a suspended chain starting at coroutine c. */
static Frame *chain_innermost(Coro *c, int *length)
{
    Frame *f = &c->frame;
    int n = 1;
    for (;;) {
        Value top = f->sp[-1];
        if (IS_LAYOUT(top, CORO) &&
            ((Coro *)AS_OBJ(top))->kind != CORO_KIND_GENERATOR &&
            ((Coro *)AS_OBJ(top))->state == CORO_SUSPENDED) {
            f = &((Coro *)AS_OBJ(top))->frame;
            n++;
            continue;
        }
        break;
    }
    *length = n;
    return f;
}

/* Resumes a coroutine as a task step does (send or throw). */
rt_coro_status vm_coro_resume(VM *vm, Value coro, rt_resume how, Value in,
                              Value *out, rt_yield *y)
{
    VMThread *t = vm_thread(vm);
    if (IS_LAYOUT(coro, NCORO)) {
        NCoro *nc = (NCoro *)AS_OBJ(coro);
        if (nc->state == CORO_DONE) {
            *out = exc_new_msg(vm, vm->c.RuntimeError,
                               "cannot reuse already awaited coroutine");
            return RT_CORO_RAISE;
        }
        rt_coro_status st = ncoro_step(vm, nc, how, in, out, y);
        if (st == RT_CORO_RAISE && IS_ERR(*out))
            *out = vm_take_exc(vm);
        return st;
    }
    Coro *c = (Coro *)AS_OBJ(coro);
    if (c->state == CORO_RUNNING) {
        *out = exc_new_msg(vm, vm->c.ValueError, "coroutine already executing");
        return RT_CORO_RAISE;
    }
    if (c->state == CORO_DONE) {
        *out = exc_new_msg(vm, vm->c.RuntimeError,
                           "cannot reuse already awaited coroutine");
        return RT_CORO_RAISE;
    }
    c->awaited = true;
    if (t->depth >= RECURSION_LIMIT) {
        *out = exc_new_msg(vm, vm->c.RecursionError,
                           "maximum recursion depth exceeded");
        return RT_CORO_RAISE;
    }
    Frame *saved_frame = t->frame;
    Value saved_handled = t->handled;
    int saved_depth = t->depth;
    t->handled = c->saved_handled;
    c->saved_handled = VAL_NONE;
    rt_yield *saved_yield = t->yield;
    t->yield = y;
    int length = 1;
    if (c->state == CORO_CREATED) {
        if (how == RT_RESUME_THROW) {
            /* Throwing into a coroutine that never started ends it with
             * that exception, without running its body. */
            c->state = CORO_DONE;
            incref(in);
            *out = in;
            t->handled = saved_handled;
            t->yield = saved_yield;
            return RT_CORO_RAISE;
        }
        c->state = CORO_RUNNING;
        c->frame.back = saved_frame;
        t->frame = &c->frame;
        t->depth++;
    } else {
        Frame *inner = c->kind == CORO_KIND_GENERATOR
                           ? &c->frame
                           : chain_innermost(c, &length);
        /* Re-link the chain's frames and mark them running. */
        c->frame.back = saved_frame;
        for (Frame *f = inner; f; f = f->back) {
            if (f->coro)
                f->coro->state = CORO_RUNNING;
            if (f == &c->frame)
                break;
        }
        t->frame = inner;
        t->depth += length;
        t->resuming = true;
        t->resume_how = how;
        t->resume_value = in;
    }
    c->frame.flags |= FR_ENTRY;
    Value result = VAL_NONE;
    int r = run(vm, t, &result);
    c->frame.flags &= ~FR_ENTRY;
    t->resuming = false;
    t->yield = saved_yield;
    t->depth = saved_depth;
    t->frame = saved_frame;
    if (r == RUN_YIELD) {
        c->saved_handled = t->handled;
        t->handled = saved_handled;
        return RT_CORO_YIELD;
    }
    decref(t->handled);
    t->handled = saved_handled;
    if (r == RUN_RETURN) {
        *out = result;
        return RT_CORO_RETURN;
    }
    *out = vm_take_exc(vm);
    return RT_CORO_RAISE;
}

/* Driving a coroutine by hand: coro.send(value), coro.throw(exc) and
 * coro.close(), as tests and teaching examples sometimes do. A coroutine
 * that suspends hands back what it waits for: the future, or None for a
 * bare yield (sleep(0)). */
static Value coro_drive(VM *vm, Value coro, rt_resume how, Value in)
{
    rt_yield y = {0};
    Value out = VAL_NONE;
    rt_coro_status st = vm_coro_resume(vm, coro, how, in, &out, &y);
    if (st == RT_CORO_YIELD && is_generator(coro)) {
        VMThread *t = vm_thread(vm);
        Value v = t->yielded;
        t->yielded = VAL_NONE;
        return v;
    }
    if (st == RT_CORO_RAISE && is_generator(coro) &&
        is_instance(vm, out, vm->c.StopIteration)) {
        /* PEP 479: a StopIteration escaping a generator's body. */
        decref(out);
        return vm_raise_new(vm, vm->c.RuntimeError,
                            "generator raised StopIteration");
    }
    if (st == RT_CORO_YIELD) {
        if (y.future) {
            obj_incref((Obj *)y.future);
            return val_obj((Obj *)y.future);
        }
        if (!IS_NONE(y.bad))
            return y.bad;
        return VAL_NONE;
    }
    if (st == RT_CORO_RETURN) {
        Tuple *args = tuple_new(vm, 1);
        if (!args) {
            decref(out);
            return VAL_ERR;
        }
        args->items[0] = out;
        Value e = exc_new(vm, vm->c.StopIteration, args);
        obj_decref(args);
        if (IS_ERR(e))
            return VAL_ERR;
        vm_raise(vm, e);
        decref(e);
        return VAL_ERR;
    }
    vm_raise(vm, out);
    decref(out);
    return VAL_ERR;
}

/* What throw() and athrow() throw in: the exception, or an instance of the
 * exception class (a new reference). */
static Value throw_operand(VM *vm, Value v)
{
    if (!is_instance(vm, v, vm->c.BaseException) &&
        !(IS_LAYOUT(v, CLASS) &&
          class_is_subclass((Class *)AS_OBJ(v), vm->c.BaseException)))
        return vm_raise_new(vm, vm->c.TypeError,
                            "exceptions must be classes or instances deriving "
                            "from BaseException, not %s", type_name(vm, v));
    return exc_from_raise_operand(vm, v);
}

static bool is_coro(Value v)
{
    return IS_LAYOUT(v, CORO) || IS_LAYOUT(v, NCORO);
}

static Value m_coro_send(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "send", args, nargs, kw, "self,value", a) < 0)
        return VAL_ERR;
    if (!is_coro(a[0]))
        return vm_raise_new(vm, vm->c.TypeError,
                            "descriptor 'send' requires a coroutine");
    int state = IS_LAYOUT(a[0], CORO)
                          ? ((Coro *)AS_OBJ(a[0]))->state
                          : ((NCoro *)AS_OBJ(a[0]))->state;
    if (state == CORO_CREATED && !IS_NONE(a[1]))
        return vm_raise_new(vm, vm->c.TypeError,
                            "can't send non-None value to a just-started "
                            "%s", is_generator(a[0]) ? "generator"
                                                     : "coroutine");
    return coro_drive(vm, a[0], RT_RESUME_SEND, a[1]);
}

static Value m_coro_throw(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "throw", args, nargs, kw, "self,value", a) < 0)
        return VAL_ERR;
    if (!is_coro(a[0]))
        return vm_raise_new(vm, vm->c.TypeError,
                            "descriptor 'throw' requires a coroutine");
    Value exc = throw_operand(vm, a[1]);
    if (IS_ERR(exc))
        return VAL_ERR;
    Value r = coro_drive(vm, a[0], RT_RESUME_THROW, exc);
    decref(exc);
    return r;
}

static Value m_coro_close(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[1];
    if (args_parse(vm, "close", args, nargs, kw, "self", a) < 0)
        return VAL_ERR;
    if (IS_LAYOUT(a[0], NCORO)) {
        NCoro *nc = (NCoro *)AS_OBJ(a[0]);
        nc->awaited = true;
        nc->state = CORO_DONE;
        return VAL_NONE;
    }
    if (!IS_LAYOUT(a[0], CORO))
        return vm_raise_new(vm, vm->c.TypeError,
                            "descriptor 'close' requires a coroutine");
    Coro *c = (Coro *)AS_OBJ(a[0]);
    if (c->state == CORO_RUNNING)
        return vm_raise_new(vm, vm->c.ValueError,
                            "coroutine already executing");
    if (c->state != CORO_SUSPENDED) {
        /* Closing a coroutine that never started: no warning later. */
        c->awaited = true;
        c->state = CORO_DONE;
        return VAL_NONE;
    }
    Value exit = vm_call(vm, val_obj(vm->c.GeneratorExit), NULL, 0, NULL);
    if (IS_ERR(exit))
        return VAL_ERR;
    Value r = coro_drive(vm, a[0], RT_RESUME_THROW, exit);
    decref(exit);
    if (!IS_ERR(r)) {
        decref(r);
        return vm_raise_new(vm, vm->c.RuntimeError, "%s ignored GeneratorExit",
                            is_generator(a[0]) ? "generator" : "coroutine");
    }
    if (vm_exc_matches(vm, vm->c.GeneratorExit) ||
        vm_exc_matches(vm, vm->c.StopIteration)) {
        decref(vm_take_exc(vm));
        return VAL_NONE;
    }
    return VAL_ERR;
}

/* Closes a generator being freed; what it raises is dropped. */
static void gen_close_quietly(VM *vm, Coro *c)
{
    VMThread *t = vm_thread(vm);
    Value saved = t->exc;
    t->exc = VAL_NONE;
    Value self = val_obj(c);
    Value r = m_coro_close(vm, &self, 1, NULL);
    if (IS_ERR(r))
        decref(vm_take_exc(vm));
    else
        decref(r);
    t->exc = saved;
}

Value vm_gen_send(VM *vm, Coro *c, Value value)
{
    if (c->state == CORO_DONE) {
        Value e = exc_new(vm, vm->c.StopIteration, NULL);
        if (!IS_ERR(e)) {
            vm_raise(vm, e);
            decref(e);
        }
        return VAL_ERR;
    }
    if (c->state == CORO_RUNNING)
        return vm_raise_new(vm, vm->c.ValueError,
                            "generator already executing");
    return coro_drive(vm, val_obj(c), RT_RESUME_SEND, value);
}

/* An async generator freed part-way: the prelude's _asyncgen_finalizer
 * has a task close it, as asyncio's finalizer hook does. */
static void agen_finalize(VM *vm, Coro *c)
{
    if (!IS_LAYOUT(vm->asyncio, MODULE))
        return;
    Module *m = (Module *)AS_OBJ(vm->asyncio);
    Value fn = dict_get_cstr(vm, m->dict, "_asyncgen_finalizer");
    if (IS_ERR(fn))
        return;
    VMThread *t = vm_thread(vm);
    Value saved = t->exc;
    t->exc = VAL_NONE;
    Value r = vm_call1(vm, fn, val_obj(c));
    if (IS_ERR(r))
        decref(vm_take_exc(vm));
    else
        decref(r);
    t->exc = saved;
}

int vm_gen_next(VM *vm, Coro *c, Value *out)
{
    if (c->state == CORO_DONE)
        return 0;
    Value r = vm_gen_send(vm, c, VAL_NONE);
    if (!IS_ERR(r)) {
        *out = r;
        return 1;
    }
    if (vm_exc_matches(vm, vm->c.StopIteration) && c->state == CORO_DONE) {
        decref(vm_take_exc(vm));
        return 0;
    }
    return -1;
}

static Value m_agen_aiter(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "__aiter__", args, nargs, kw, "self", NULL) < 0)
        return VAL_ERR;
    incref(args[0]);
    return args[0];
}

/* agen.__anext__(): the generator itself, which AWAIT knows how to run to
 * its next item. */
static Value m_agen_anext(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "__anext__", args, nargs, kw, "self", NULL) < 0)
        return VAL_ERR;
    incref(args[0]);
    return args[0];
}

List *vm_take_agens(VM *vm)
{
    List *l = list_new(vm, 0);
    for (size_t i = 0; l && i < vm->nagens; i++)
        if (list_append(vm, l, val_obj(vm->agens[i])) < 0) {
            obj_decref(l);
            l = NULL;
        }
    vm->nagens = 0;
    return l;
}

/* agen.athrow(exc): exc thrown in at its yield; what the generator yields
 * next is the awaitable's value, its end is StopAsyncIteration. a: the
 * generator; b: True once the exception is in; c: the exception. */
static rt_coro_status athrow_step(VM *vm, NCoro *nc, rt_resume how,
                                  Value in, Value *out, rt_yield *y)
{
    Coro *ag = (Coro *)AS_OBJ(nc->a);
    VMThread *t = vm_thread(vm);
    rt_coro_status st;
    if (IS_NONE(nc->b)) {
        if (ag->state == CORO_RUNNING) {
            *out = exc_new_msg(vm, vm->c.RuntimeError,
                               "athrow(): asynchronous generator is already "
                               "running");
            return RT_CORO_RAISE;
        }
        nc->b = VAL_TRUE;
        if (ag->state != CORO_SUSPENDED) {
            /* Not started, or finished: the exception comes straight out. */
            ag->state = CORO_DONE;
            incref(nc->c);
            *out = nc->c;
            return RT_CORO_RAISE;
        }
        st = vm_coro_resume(vm, nc->a, RT_RESUME_THROW,
                            how == RT_RESUME_THROW ? in : nc->c, out, y);
    } else {
        st = vm_coro_resume(vm, nc->a, how, in, out, y);
    }
    if (st == RT_CORO_YIELD) {
        if (IS_NONE(t->yielded) || y->future)
            return st; /* awaiting inside the generator */
        *out = t->yielded;
        t->yielded = VAL_NONE;
        return RT_CORO_RETURN;
    }
    if (st == RT_CORO_RETURN) {
        decref(*out);
        *out = exc_new(vm, vm->c.StopAsyncIteration, NULL);
        if (IS_ERR(*out))
            *out = vm_take_exc(vm);
        return RT_CORO_RAISE;
    }
    return st;
}

static Value m_agen_athrow(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[4];
    if (args_parse(vm, "athrow", args, nargs, kw, "self,typ|val,tb", a) < 0)
        return VAL_ERR;
    Value exc = throw_operand(vm, !IS_ERR(a[2]) && !IS_NONE(a[2]) ? a[2]
                                                                  : a[1]);
    if (IS_ERR(exc))
        return VAL_ERR;
    static const NCoroKind kind = {"athrow", athrow_step};
    NCoro *nc = ncoro_new(vm, &kind);
    if (!nc) {
        decref(exc);
        return VAL_ERR;
    }
    nc->a = args[0];
    incref(args[0]);
    nc->b = VAL_NONE;
    nc->c = exc;
    return val_obj(nc);
}

/* agen.aclose(): GeneratorExit thrown in at its yield; the generator runs
 * to its end, awaiting what its finally blocks await. a: the generator;
 * b: True once the exception is in. */
static rt_coro_status aclose_step(VM *vm, NCoro *nc, rt_resume how,
                                  Value in, Value *out, rt_yield *y)
{
    Coro *ag = (Coro *)AS_OBJ(nc->a);
    VMThread *t = vm_thread(vm);
    rt_coro_status st;
    if (IS_NONE(nc->b)) {
        if (ag->state == CORO_CREATED || ag->state == CORO_DONE) {
            ag->state = CORO_DONE;
            *out = VAL_NONE;
            return RT_CORO_RETURN;
        }
        if (ag->state == CORO_RUNNING) {
            *out = exc_new_msg(vm, vm->c.RuntimeError,
                               "aclose(): asynchronous generator is already "
                               "running");
            return RT_CORO_RAISE;
        }
        nc->b = VAL_TRUE;
        /* A task cancelled before its first step throws CancelledError
         * in instead of GeneratorExit. */
        Value exit = how == RT_RESUME_THROW
                         ? (incref(in), in)
                         : exc_new(vm, vm->c.GeneratorExit, NULL);
        if (IS_ERR(exit)) {
            *out = vm_take_exc(vm);
            return RT_CORO_RAISE;
        }
        st = vm_coro_resume(vm, nc->a, RT_RESUME_THROW, exit, out, y);
        decref(exit);
    } else {
        st = vm_coro_resume(vm, nc->a, how, in, out, y);
    }
    if (st == RT_CORO_YIELD) {
        if (IS_NONE(t->yielded) || y->future)
            return st; /* a finally block awaits */
        decref(t->yielded);
        t->yielded = VAL_NONE;
        *out = exc_new_msg(vm, vm->c.RuntimeError,
                           "async generator ignored GeneratorExit");
        return RT_CORO_RAISE;
    }
    if (st == RT_CORO_RAISE &&
        (is_instance(vm, *out, vm->c.GeneratorExit) ||
         is_instance(vm, *out, vm->c.StopAsyncIteration))) {
        decref(*out);
        *out = VAL_NONE;
        return RT_CORO_RETURN;
    }
    if (st == RT_CORO_RETURN) {
        decref(*out);
        *out = VAL_NONE;
    }
    return st;
}

static Value m_agen_aclose(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "aclose", args, nargs, kw, "self", NULL) < 0)
        return VAL_ERR;
    static const NCoroKind kind = {"aclose", aclose_step};
    NCoro *nc = ncoro_new(vm, &kind);
    if (!nc)
        return VAL_ERR;
    nc->a = args[0];
    incref(args[0]);
    nc->b = nc->c = VAL_NONE;
    return val_obj(nc);
}

void vm_install_coro_methods(VM *vm)
{
    class_add_method(vm, vm->c.async_generator, "aclose", m_agen_aclose);
    class_add_method(vm, vm->c.async_generator, "athrow", m_agen_athrow);
    class_add_method(vm, vm->c.async_generator, "__aiter__", m_agen_aiter);
    class_add_method(vm, vm->c.async_generator, "__anext__", m_agen_anext);
    class_add_method(vm, vm->c.coroutine, "send", m_coro_send);
    class_add_method(vm, vm->c.coroutine, "throw", m_coro_throw);
    class_add_method(vm, vm->c.coroutine, "close", m_coro_close);
    class_add_method(vm, vm->c.generator, "send", m_coro_send);
    class_add_method(vm, vm->c.generator, "throw", m_coro_throw);
    class_add_method(vm, vm->c.generator, "close", m_coro_close);
    class_add_method(vm, vm->c.ncoroutine, "send", m_coro_send);
    class_add_method(vm, vm->c.ncoroutine, "throw", m_coro_throw);
    class_add_method(vm, vm->c.ncoroutine, "close", m_coro_close);
}

/* ------------------------------------------------------------------------ */
/* Calls                                                                    */
/* ------------------------------------------------------------------------ */

/* Runs a sync bytecode function to completion from C. */
static Value call_function_nested(VM *vm, Function *fn, Value *args,
                                  int nargs, Tuple *kwnames, Value init_self)
{
    VMThread *t = vm_thread(vm);
    if (t->depth >= RECURSION_LIMIT)
        return vm_raise_new(vm, vm->c.RecursionError,
                            "maximum recursion depth exceeded while calling "
                            "a Python object");
    Frame *f = frame_alloc(vm, t, fn->code);
    if (!f)
        return VAL_ERR;
    if (frame_setup(vm, f, fn, args, nargs, kwnames) < 0) {
        frame_clear(f);
        frame_free_mem(t, f);
        return VAL_ERR;
    }
    f->flags = FR_ENTRY;
    if (IS_OBJ(init_self)) {
        f->flags |= FR_INIT;
        obj_incref(AS_OBJ(init_self));
        f->init_self = AS_OBJ(init_self);
    }
    f->back = t->frame;
    t->frame = f;
    t->depth++;
    Value result = VAL_NONE;
    int r = run(vm, t, &result);
    t->depth--;
    return r == RUN_RETURN ? result : VAL_ERR;
}

static Value instantiate(VM *vm, Class *cls, Value *args, int nargs,
                         Tuple *kwnames);

Value vm_call(VM *vm, Value callable, Value *args, int nargs, Tuple *kwnames)
{
    if (!IS_OBJ(callable))
        return vm_raise_new(vm, vm->c.TypeError,
                            "'%s' object is not callable",
                            type_name(vm, callable));
    Obj *o = AS_OBJ(callable);
    switch (class_of_obj(o)->layout) {
    case LAYOUT_FUNCTION: {
        Function *fn = (Function *)o;
        if (fn->code->flags & (CO_ASYNC | CO_GENERATOR))
            return coro_create(vm, fn, args, nargs, kwnames);
        return call_function_nested(vm, fn, args, nargs, kwnames, VAL_NONE);
    }
    case LAYOUT_NATIVE: {
        Native *n = (Native *)o;
        if (!IS_NONE(n->bound)) {
            Value buf[16];
            Value *a = nargs + 1 <= 16 ? buf
                                       : rt_malloc((size_t)(nargs + 1) *
                                                   sizeof(Value));
            if (!a)
                return vm_raise_nomem(vm);
            a[0] = n->bound;
            if (nargs)
                memcpy(a + 1, args, (size_t)nargs * sizeof(Value));
            VMThread *t = vm_thread(vm);
            if (t->depth >= RECURSION_LIMIT + 50) {
                if (a != buf)
                    rt_free(a);
                return vm_raise_new(vm, vm->c.RecursionError,
                                    "maximum recursion depth exceeded");
            }
            t->depth++;
            Value r = n->fn(vm, a, nargs + 1, kwnames);
            t->depth--;
            if (a != buf)
                rt_free(a);
            return r;
        }
        VMThread *t = vm_thread(vm);
        if (t->depth >= RECURSION_LIMIT + 50)
            return vm_raise_new(vm, vm->c.RecursionError,
                                "maximum recursion depth exceeded");
        t->depth++;
        Value r = n->fn(vm, args, nargs, kwnames);
        t->depth--;
        return r;
    }
    case LAYOUT_BOUND: {
        Bound *b = (Bound *)o;
        Value buf[16];
        Value *a = nargs + 1 <= 16 ? buf
                                   : rt_malloc((size_t)(nargs + 1) *
                                               sizeof(Value));
        if (!a)
            return vm_raise_nomem(vm);
        a[0] = b->self;
        if (nargs)
            memcpy(a + 1, args, (size_t)nargs * sizeof(Value));
        Value r = vm_call(vm, b->func, a, nargs + 1, kwnames);
        if (a != buf)
            rt_free(a);
        return r;
    }
    case LAYOUT_CLASS:
        return instantiate(vm, (Class *)o, args, nargs, kwnames);
    default: {
        Class *cls = class_of_obj(o);
        if (cls->slots & SLOT_CALL) {
            Value fn = class_lookup(cls, vm->n.__call__);
            Value buf[16];
            Value *a = nargs + 1 <= 16 ? buf
                                       : rt_malloc((size_t)(nargs + 1) *
                                                   sizeof(Value));
            if (!a)
                return vm_raise_nomem(vm);
            a[0] = callable;
            if (nargs)
                memcpy(a + 1, args, (size_t)nargs * sizeof(Value));
            Value r = vm_call(vm, fn, a, nargs + 1, kwnames);
            if (a != buf)
                rt_free(a);
            return r;
        }
        return vm_raise_new(vm, vm->c.TypeError, "'%s' object is not callable",
                            type_name(vm, callable));
    }
    }
}

Value vm_call0(VM *vm, Value callable)
{
    return vm_call(vm, callable, NULL, 0, NULL);
}

Value vm_call1(VM *vm, Value callable, Value a)
{
    return vm_call(vm, callable, &a, 1, NULL);
}

Value vm_call2(VM *vm, Value callable, Value a, Value b)
{
    Value args[2] = {a, b};
    return vm_call(vm, callable, args, 2, NULL);
}

Value vm_call_method(VM *vm, Value obj, Str *name, Value *args, int nargs)
{
    Value m = val_getattr(vm, obj, name);
    if (IS_ERR(m))
        return m;
    Value r = vm_call(vm, m, args, nargs, NULL);
    decref(m);
    return r;
}

/* Creates an instance of cls and runs its __init__ (C recursion: used
 * from C callers; the dispatch loop has its own path without recursion). */
static Value instantiate(VM *vm, Class *cls, Value *args, int nargs,
                         Tuple *kwnames)
{
    Value self = class_construct(vm, cls, args, nargs, kwnames);
    if (IS_ERR(self) || !(cls->slots & SLOT_INIT) || cls->builtin)
        return self;
    if (!IS_OBJ(self) || class_of_obj(AS_OBJ(self)) != cls)
        return self;
    Value init = class_lookup(cls, vm->n.__init__);
    if (IS_ERR(init))
        return self;
    Value buf[16];
    Value *a = nargs + 1 <= 16 ? buf
                               : rt_malloc((size_t)(nargs + 1) * sizeof(Value));
    if (!a) {
        decref(self);
        return vm_raise_nomem(vm);
    }
    a[0] = self;
    if (nargs)
        memcpy(a + 1, args, (size_t)nargs * sizeof(Value));
    Value r = vm_call(vm, init, a, nargs + 1, kwnames);
    if (a != buf)
        rt_free(a);
    if (IS_ERR(r)) {
        decref(self);
        return r;
    }
    if (!IS_NONE(r)) {
        vm_raise_new(vm, vm->c.TypeError,
                     "__init__() should return None, not '%s'",
                     type_name(vm, r));
        decref(r);
        decref(self);
        return VAL_ERR;
    }
    return self;
}

/* class Name(bases): body  ->  a new class. */
static Value build_class(VM *vm, Function *body, Str *name, Tuple *bases)
{
    Class *base = vm->c.object;
    if (bases->len > 1)
        return vm_raise_new(vm, vm->c.TypeError,
                            "class %s: multiple inheritance is not supported "
                            "in scenarios", name->data);
    if (bases->len == 1) {
        Value b = bases->items[0];
        if (!IS_LAYOUT(b, CLASS))
            return vm_raise_new(vm, vm->c.TypeError,
                                "bases must be types, not %s",
                                type_name(vm, b));
        base = (Class *)AS_OBJ(b);
        if (base->builtin && !base->subclassable)
            return vm_raise_new(vm, vm->c.TypeError,
                                "subclassing '%s' is not supported in "
                                "scenarios", base->name->data);
    }
    Dict *ns = dict_new(vm);
    if (!ns)
        return VAL_ERR;
    Value modname = dict_get_str(body->globals, vm->n.__name__);
    if (!IS_ERR(modname))
        dict_set_str(vm, ns, vm->n.__module__, modname);
    if (body->code->qualname)
        dict_set_str(vm, ns, vm->n.__qualname__,
                     val_obj(body->code->qualname));
    if (!IS_NONE(body->code->doc))
        dict_set_str(vm, ns, vm->n.__doc__, body->code->doc);
    /* Run the body with the namespace as its locals. */
    VMThread *t = vm_thread(vm);
    Frame *f = frame_alloc(vm, t, body->code);
    if (!f) {
        obj_decref(ns);
        return VAL_ERR;
    }
    if (frame_setup(vm, f, body, NULL, 0, NULL) < 0) {
        frame_clear(f);
        frame_free_mem(t, f);
        obj_decref(ns);
        return VAL_ERR;
    }
    f->ns = ns;
    obj_incref(ns);
    f->flags = FR_ENTRY;
    f->back = t->frame;
    t->frame = f;
    t->depth++;
    Value r = VAL_NONE;
    int rc = run(vm, t, &r);
    t->depth--;
    if (rc != RUN_RETURN) {
        obj_decref(ns);
        return VAL_ERR;
    }
    decref(r);
    Class *cls = class_new(vm, name->data, base, base->layout,
                           base->instance_size, "__main__");
    if (!cls) {
        obj_decref(ns);
        return VAL_ERR;
    }
    cls->builtin = false;
    cls->subclassable = true;
    cls->rtt.name = NULL; /* the name lives in cls->name */
    obj_decref(cls->dict);
    cls->dict = ns;
    obj_decref(cls->name);
    cls->name = name;
    obj_incref(name);
    Value qn = dict_get_str(ns, vm->n.__qualname__);
    obj_decref(cls->qualname);
    cls->qualname = IS_STR(qn) ? AS_STR(qn) : name;
    obj_incref(cls->qualname);
    /* The body may set __module__ itself (asyncio's exceptions say
     * 'asyncio.exceptions'); the string lives in the class's dict. */
    Value ownmod = dict_get_str(ns, vm->n.__module__);
    if (IS_STR(ownmod))
        cls->module = AS_STR(ownmod)->data;
    else if (!IS_ERR(modname) && IS_STR(modname))
        cls->module = AS_STR(modname)->data;
    /* Functions defined in the body learn their class, for super(). */
    int64_t pos = 0;
    Value k, v;
    while (dict_next(ns, &pos, &k, &v)) {
        Value fv = v;
        if (IS_LAYOUT(v, STATICMETHOD) || IS_LAYOUT(v, CLASSMETHOD))
            fv = ((Wrapper *)AS_OBJ(v))->func;
        if (IS_LAYOUT(v, PROPERTY))
            fv = ((Property *)AS_OBJ(v))->fget;
        if (IS_LAYOUT(fv, FUNCTION))
            ((Function *)AS_OBJ(fv))->owner = cls;
        if (IS_LAYOUT(v, PROPERTY) &&
            IS_LAYOUT(((Property *)AS_OBJ(v))->fset, FUNCTION))
            ((Function *)AS_OBJ(((Property *)AS_OBJ(v))->fset))->owner = cls;
    }
    class_update_slots(vm, cls);
    return val_obj(cls);
}

/* ------------------------------------------------------------------------ */
/* Exceptions in the loop                                                   */
/* ------------------------------------------------------------------------ */

static const char *frame_func(Frame *f)
{
    return f->code && f->code->name ? f->code->name->data : "?";
}

/* Reports an exception event for frame f. */
static void exc_event(VM *vm, rt_event_kind kind, Value exc, Frame *f,
                      Frame *to)
{
    if (!vm->tracing)
        return;
    if (f && f->code && (f->code->flags & CO_INTERNAL))
        return;
    rt_event ev = {0};
    ev.kind = kind;
    ev.task = vm_current_task_id(vm);
    ev.worker = -1;
    ev.line = f ? vm_frame_line(f) : 0;
    ev.func = f ? frame_func(f) : NULL;
    ev.type = class_of(vm, exc)->name->data;
    Str *msg = NULL;
    if (kind == RT_EV_EXC_RAISE) {
        msg = val_str(vm, exc);
        if (!msg)
            decref(vm_take_exc(vm));
        ev.text = msg ? msg->data : NULL;
    }
    if (to && to->code)
        ev.name = frame_func(to);
    vm_emit(vm, &ev);
    obj_decref(msg);
}

/* Reports exc.propagate: the exception left the function of `left` for
 * its caller, frame `back` (NULL when unknown), arriving at back's current
 * line. As the schema says: `func` is the function left, `name` the
 * caller, `line` the line in the caller. Nothing is reported when the
 * caller is asyncio's own code. */
static void exc_propagate_event(VM *vm, Value exc, Code *left, Frame *back)
{
    if (!vm->tracing || !back || !back->code || (back->code->flags & CO_INTERNAL))
        return;
    rt_event ev = {0};
    ev.kind = RT_EV_EXC_PROPAGATE;
    ev.task = vm_current_task_id(vm);
    ev.worker = -1;
    ev.line = vm_frame_line(back);
    ev.func = left && left->name ? left->name->data : NULL;
    ev.name = frame_func(back);
    ev.type = class_of(vm, exc)->name->data;
    vm_emit(vm, &ev);
}

/* Looks up the handler for the instruction before f->ip. */
static const ExcRange *find_handler(Frame *f)
{
    Code *co = f->code;
    uint32_t i = (uint32_t)(f->ip - co->ops - 1);
    int lo = 0, hi = co->nexc - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        const ExcRange *r = &co->exc[mid];
        if (i < r->start)
            hi = mid - 1;
        else if (i >= r->end)
            lo = mid + 1;
        else
            return r;
    }
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* The dispatch loop                                                        */
/* ------------------------------------------------------------------------ */

/* The inline cache of a LOAD_GLOBAL or module attribute load: valid while
 * the dicts it looked in have not changed (their versions). */
typedef struct NameCache {
    Dict *d1, *d2;         /* the dicts looked in (borrowed) */
    uint64_t v1, v2;       /* and their versions then */
    Value value;           /* borrowed: the dicts keep it alive */
} NameCache;

static NameCache *name_cache(Code *co, uint32_t *ip)
{
    if (!co->caches) {
        co->caches = rt_calloc((size_t)co->nops, sizeof(NameCache));
        if (!co->caches)
            return NULL;
        co->ncaches = co->nops;
    }
    return (NameCache *)co->caches + (ip - co->ops - 1);
}

static Value load_global(VM *vm, Frame *f, Str *name)
{
    Value v = dict_get_str(f->globals, name);
    if (IS_ERR(v))
        v = dict_get_str(vm->builtins, name);
    if (IS_ERR(v))
        return vm_raise_name_error(vm, name, f);
    incref(v);
    return v;
}

/* The method-call fast path: finds a plain function or native method on
 * the object's class that the instance does not shadow. */
static bool lookup_method(VM *vm, Value obj, Str *name, Value *out)
{
    Class *cls = class_of(vm, obj);
    if (cls->layout == LAYOUT_CLASS || cls->layout == LAYOUT_MODULE ||
        cls == vm->c.super)
        return false;
    Value m = class_lookup(cls, name);
    if (IS_ERR(m))
        return false;
    bool plain = IS_LAYOUT(m, FUNCTION) ||
                 (IS_LAYOUT(m, NATIVE) &&
                  (((Native *)AS_OBJ(m))->flags & NF_METHOD));
    if (!plain)
        return false;
    if (IS_OBJ(obj) &&
        (cls->layout == LAYOUT_OBJECT || cls->layout == LAYOUT_EXC)) {
        Dict *d = cls->layout == LAYOUT_OBJECT
                      ? ((Instance *)AS_OBJ(obj))->dict
                      : ((Exc *)AS_OBJ(obj))->dict;
        if (d && !IS_ERR(dict_get_str(d, name)))
            return false;
    }
    *out = m;
    return true;
}

static int unpack(VM *vm, Value seq, int before, int after, bool star,
                  Value *dst)
{
    /* dst receives items in stack order: dst[0] is pushed first, i.e. the
     * last target; the loop pushes them so the first target is on top. */
    Value *items;
    int64_t n;
    List *tmp = NULL;
    if (IS_TUPLE(seq)) {
        items = AS_TUPLE(seq)->items;
        n = AS_TUPLE(seq)->len;
    } else if (IS_LIST(seq)) {
        items = AS_LIST(seq)->items;
        n = AS_LIST(seq)->len;
    } else {
        Value it = val_iter(vm, seq);
        if (IS_ERR(it)) {
            if (vm_exc_matches(vm, vm->c.TypeError)) {
                decref(vm_take_exc(vm));
                vm_raise_new(vm, vm->c.TypeError,
                             "cannot unpack non-iterable %s object",
                             type_name(vm, seq));
            }
            return -1;
        }
        decref(it);
        tmp = val_to_list(vm, seq);
        if (!tmp)
            return -1;
        items = tmp->items;
        n = tmp->len;
    }
    int total = before + after;
    if ((!star && n != total) || (star && n < total)) {
        if (n < total)
            vm_raise_new(vm, vm->c.ValueError,
                         star ? "not enough values to unpack (expected at "
                                "least %d, got %lld)"
                              : "not enough values to unpack (expected %d, "
                                "got %lld)",
                         total, (long long)n);
        else
            vm_raise_new(vm, vm->c.ValueError,
                         "too many values to unpack (expected %d)", total);
        obj_decref(tmp);
        return -1;
    }
    int k = 0;
    for (int64_t i = n - 1; i >= n - after; i--) {
        incref(items[i]);
        dst[k++] = items[i];
    }
    if (star) {
        List *mid = list_new(vm, n - total);
        if (!mid) {
            for (int i = 0; i < k; i++)
                decref(dst[i]);
            obj_decref(tmp);
            return -1;
        }
        for (int64_t i = before; i < n - after; i++) {
            incref(items[i]);
            mid->items[mid->len++] = items[i];
        }
        dst[k++] = val_obj(mid);
    }
    for (int i = before - 1; i >= 0; i--) {
        incref(items[i]);
        dst[k++] = items[i];
    }
    obj_decref(tmp);
    return 0;
}

/* Makes a function object from a code object and its extras. */
static Value make_function(VM *vm, Frame *f, Code *co, Tuple *defaults,
                           Dict *kwdefaults, Tuple *closure)
{
    Function *fn = obj_alloc(vm, vm->c.function, sizeof(Function));
    if (!fn)
        return VAL_ERR;
    fn->code = co;
    obj_incref(co);
    fn->globals = f->globals;
    obj_incref(f->globals);
    fn->defaults = defaults;
    if (defaults)
        obj_incref(defaults);
    fn->kwdefaults = kwdefaults;
    if (kwdefaults)
        obj_incref(kwdefaults);
    fn->closure = closure;
    if (closure)
        obj_incref(closure);
    fn->name = co->name;
    obj_incref(co->name);
    fn->qualname = co->qualname;
    obj_incref(co->qualname);
    fn->doc = co->doc;
    incref(co->doc);
    return val_obj(fn);
}

#if defined(__GNUC__)
#define DISPATCH_GOTO 1
#endif

static int run(VM *vm, VMThread *t, Value *result)
{
    Frame *f = t->frame;
    Value *sp = f->sp;
    uint32_t *ip = f->ip;
    Value *slots = FRAME_SLOTS(f);
    Code *co = f->code;
    Value *consts = co->consts;
    uint32_t word;
    int arg;
    Value v, w, x;

#define PUSH(val) (*sp++ = (val))
#define POP() (*--sp)
#define TOP() (sp[-1])
#define SECOND() (sp[-2])
#define PEEK(n) (sp[-(n)])
#define SAVE() (f->sp = sp, f->ip = ip)
/* A decref that may free the object: the frame's position is saved first,
 * so that what its destructor reports ("coroutine ... was never awaited")
 * names this line. */
#define DECREF_HERE(x)                                                       \
    do {                                                                     \
        Value dv_ = (x);                                                     \
        if (dv_.kind == VK_OBJ && --((Obj *)dv_.u.p)->refs == 0) {           \
            SAVE();                                                          \
            ((Obj *)dv_.u.p)->type->destroy((Obj *)dv_.u.p);                 \
        }                                                                    \
    } while (0)
#define LOAD()                                                               \
    do {                                                                     \
        sp = f->sp;                                                          \
        ip = f->ip;                                                          \
        slots = FRAME_SLOTS(f);                                                    \
        co = f->code;                                                        \
        consts = co->consts;                                                 \
    } while (0)
#define CHECK(val)                                                           \
    do {                                                                     \
        if (IS_ERR(val))                                                     \
            goto error;                                                      \
    } while (0)

#ifdef DISPATCH_GOTO
    static void *const labels[OP__COUNT] = {
#define OP_LABEL(n) [OP_##n] = &&L_##n,
        OPCODES(OP_LABEL)
#undef OP_LABEL
    };
#define TARGET(n) L_##n:
#ifdef NDEBUG
#define CHECK_IP() ((void)0)
#else
/* Debug builds check that ip stays inside the running code and the value
 * stack inside the room the compiler computed for it. */
#define CHECK_IP()                                                           \
    do {                                                                     \
        if (ip < co->ops || ip >= co->ops + co->nops ||                      \
            (*ip & 0xff) >= OP__COUNT ||                                     \
            sp > FRAME_SLOTS(f) + co->nlocals + co->ncells + co->nfrees +          \
                     co->stacksize) {                                        \
            fprintf(stderr, "loopscope: bad ip %td in %s\n",                 \
                    ip - co->ops, co->name->data);                           \
            abort();                                                         \
        }                                                                    \
    } while (0)
#endif
#define DISPATCH()                                                           \
    do {                                                                     \
        CHECK_IP();                                                          \
        word = *ip++;                                                        \
        arg = (int)(word >> 8);                                              \
        goto *labels[word & 0xff];                                           \
    } while (0)
#else
#define TARGET(n) case OP_##n:
#define DISPATCH() goto next
#endif

    if (t->resuming) {
        /* The innermost frame of a resumed chain re-executes its AWAIT. */
    }
#ifdef DISPATCH_GOTO
    DISPATCH();
#else
next:
    word = *ip++;
    arg = (int)(word >> 8);
    switch (word & 0xff) {
#endif

    TARGET(NOP) { DISPATCH(); }
    TARGET(POP_TOP) {
        v = POP();
        DECREF_HERE(v);
        DISPATCH();
    }
    TARGET(DUP_TOP) {
        v = TOP();
        incref(v);
        PUSH(v);
        DISPATCH();
    }
    TARGET(DUP_TOP_TWO) {
        v = SECOND();
        w = TOP();
        incref(v);
        incref(w);
        PUSH(v);
        PUSH(w);
        DISPATCH();
    }
    TARGET(ROT_TWO) {
        v = TOP();
        TOP() = SECOND();
        SECOND() = v;
        DISPATCH();
    }
    TARGET(ROT_THREE) {
        v = TOP();
        TOP() = SECOND();
        SECOND() = PEEK(3);
        PEEK(3) = v;
        DISPATCH();
    }
    TARGET(ROT_FOUR) {
        v = TOP();
        TOP() = SECOND();
        SECOND() = PEEK(3);
        PEEK(3) = PEEK(4);
        PEEK(4) = v;
        DISPATCH();
    }
    TARGET(PUSH_NULL) {
        PUSH(NULL_MARK);
        DISPATCH();
    }
    TARGET(LOAD_CONST) {
        v = consts[arg];
        incref(v);
        PUSH(v);
        DISPATCH();
    }
    TARGET(LOAD_FAST) {
        v = slots[arg];
        if (IS_ERR(v)) {
            SAVE();
            vm_raise_new(vm, vm->c.UnboundLocalError,
                         "cannot access local variable '%s' where it is not "
                         "associated with a value", co->varnames[arg]->data);
            goto error;
        }
        incref(v);
        PUSH(v);
        DISPATCH();
    }
    TARGET(STORE_FAST) {
        v = POP();
        w = slots[arg];
        slots[arg] = v;
        DECREF_HERE(w);
        DISPATCH();
    }
    TARGET(DELETE_FAST) {
        if (IS_ERR(slots[arg])) {
            SAVE();
            vm_raise_new(vm, vm->c.UnboundLocalError,
                         "cannot access local variable '%s' where it is not "
                         "associated with a value", co->varnames[arg]->data);
            goto error;
        }
        val_set(&slots[arg], VAL_ERR);
        DISPATCH();
    }
    TARGET(LOAD_DEREF) {
        Cell *c = (Cell *)AS_OBJ(slots[co->nlocals + arg]);
        v = c->v;
        if (IS_ERR(v)) {
            SAVE();
            if (arg < co->ncells)
                vm_raise_new(vm, vm->c.UnboundLocalError,
                             "cannot access local variable '%s' where it is "
                             "not associated with a value",
                             co->cellnames[arg]->data);
            else
                vm_raise_new(vm, vm->c.NameError,
                             "cannot access free variable '%s' where it is "
                             "not associated with a value in enclosing scope",
                             co->freenames[arg - co->ncells]->data);
            goto error;
        }
        incref(v);
        PUSH(v);
        DISPATCH();
    }
    TARGET(STORE_DEREF) {
        Cell *c = (Cell *)AS_OBJ(slots[co->nlocals + arg]);
        v = POP();
        w = c->v;
        c->v = v;
        if (!IS_ERR(w))
            decref(w);
        DISPATCH();
    }
    TARGET(DELETE_DEREF) {
        Cell *c = (Cell *)AS_OBJ(slots[co->nlocals + arg]);
        w = c->v;
        c->v = VAL_ERR;
        if (!IS_ERR(w))
            decref(w);
        DISPATCH();
    }
    TARGET(LOAD_CLOSURE) {
        v = slots[co->nlocals + arg];
        incref(v);
        PUSH(v);
        DISPATCH();
    }
    TARGET(LOAD_GLOBAL) {
        NameCache *nc = name_cache(co, ip);
        if (nc && nc->d1 == f->globals && nc->v1 == f->globals->version &&
            nc->v2 == vm->builtins->version && nc->d2 == vm->builtins) {
            v = nc->value;
            incref(v);
            PUSH(v);
            DISPATCH();
        }
        Str *name = co->names[arg];
        v = dict_get_str(f->globals, name);
        if (IS_ERR(v)) {
            v = dict_get_str(vm->builtins, name);
            if (IS_ERR(v)) {
                SAVE();
                vm_raise_name_error(vm, name, f);
                goto error;
            }
        }
        if (nc) {
            nc->d1 = f->globals;
            nc->v1 = f->globals->version;
            nc->d2 = vm->builtins;
            nc->v2 = vm->builtins->version;
            nc->value = v;
        }
        incref(v);
        PUSH(v);
        DISPATCH();
    }
    TARGET(STORE_GLOBAL) {
        v = POP();
        SAVE();
        int r = dict_set(vm, f->globals, val_obj(co->names[arg]), v);
        decref(v);
        if (r < 0)
            goto error;
        DISPATCH();
    }
    TARGET(DELETE_GLOBAL) {
        SAVE();
        int r = dict_del(vm, f->globals, val_obj(co->names[arg]), NULL);
        if (r < 0)
            goto error;
        if (r == 0) {
            vm_raise_new(vm, vm->c.NameError, "name '%s' is not defined",
                         co->names[arg]->data);
            goto error;
        }
        DISPATCH();
    }
    TARGET(LOAD_NAME) {
        Str *name = co->names[arg];
        v = f->ns ? dict_get_str(f->ns, name) : VAL_ERR;
        if (IS_ERR(v)) {
            SAVE();
            v = load_global(vm, f, name);
            CHECK(v);
        } else {
            incref(v);
        }
        PUSH(v);
        DISPATCH();
    }
    TARGET(STORE_NAME) {
        v = POP();
        SAVE();
        int r = dict_set(vm, f->ns ? f->ns : f->globals,
                         val_obj(co->names[arg]), v);
        decref(v);
        if (r < 0)
            goto error;
        DISPATCH();
    }
    TARGET(DELETE_NAME) {
        SAVE();
        int r = dict_del(vm, f->ns ? f->ns : f->globals,
                         val_obj(co->names[arg]), NULL);
        if (r < 0)
            goto error;
        if (r == 0) {
            vm_raise_new(vm, vm->c.NameError, "name '%s' is not defined",
                         co->names[arg]->data);
            goto error;
        }
        DISPATCH();
    }
    TARGET(LOAD_ATTR) {
        v = TOP();
        SAVE();
        w = val_getattr(vm, v, co->names[arg]);
        CHECK(w);
        TOP() = w;
        decref(v);
        DISPATCH();
    }
    TARGET(STORE_ATTR) {
        v = POP(); /* object */
        w = POP(); /* value */
        SAVE();
        int r = val_setattr(vm, v, co->names[arg], w);
        decref(v);
        decref(w);
        if (r < 0)
            goto error;
        DISPATCH();
    }
    TARGET(DELETE_ATTR) {
        v = POP();
        SAVE();
        int r = val_delattr(vm, v, co->names[arg]);
        decref(v);
        if (r < 0)
            goto error;
        DISPATCH();
    }
    TARGET(LOAD_METHOD) {
        v = TOP();
        Value m;
        if (IS_LAYOUT(v, MODULE)) {
            /* module.function(...): a cached lookup in the module's dict. */
            Dict *md = ((Module *)AS_OBJ(v))->dict;
            NameCache *nc = name_cache(co, ip);
            if (nc && nc->d1 == md && nc->v1 == md->version) {
                m = nc->value;
            } else {
                m = dict_get_str(md, co->names[arg]);
                if (!IS_ERR(m) && nc) {
                    nc->d1 = md;
                    nc->v1 = md->version;
                    nc->value = m;
                }
            }
            if (!IS_ERR(m)) {
                incref(m);
                TOP() = m;
                decref(v);
                PUSH(NULL_MARK);
                DISPATCH();
            }
        }
        if (lookup_method(vm, v, co->names[arg], &m)) {
            incref(m);
            TOP() = m;
            PUSH(v);
        } else {
            SAVE();
            w = val_getattr(vm, v, co->names[arg]);
            CHECK(w);
            TOP() = w;
            decref(v);
            PUSH(NULL_MARK);
        }
        DISPATCH();
    }
    TARGET(BINARY_SUBSCR) {
        w = POP();
        v = TOP();
        if (IS_LIST(v) && IS_INT(w)) {
            List *l = AS_LIST(v);
            int64_t i = AS_INT(w);
            if (i < 0)
                i += l->len;
            if (i >= 0 && i < l->len) {
                x = l->items[i];
                incref(x);
                TOP() = x;
                decref(v);
                DISPATCH();
            }
        }
        SAVE();
        x = val_getitem(vm, v, w);
        decref(w);
        if (IS_ERR(x))
            goto error;
        TOP() = x;
        decref(v);
        DISPATCH();
    }
    TARGET(STORE_SUBSCR) {
        w = POP(); /* key */
        v = POP(); /* container */
        x = POP(); /* value */
        SAVE();
        int r = val_setitem(vm, v, w, x);
        decref(w);
        decref(v);
        decref(x);
        if (r < 0)
            goto error;
        DISPATCH();
    }
    TARGET(DELETE_SUBSCR) {
        w = POP();
        v = POP();
        SAVE();
        int r = val_delitem(vm, v, w);
        decref(w);
        decref(v);
        if (r < 0)
            goto error;
        DISPATCH();
    }
    TARGET(BUILD_SLICE) {
        Slice *s = NULL;
        SAVE();
        s = obj_alloc(vm, vm->c.slice, sizeof(Slice));
        if (!s)
            goto error;
        s->step = arg == 3 ? POP() : VAL_NONE;
        s->stop = POP();
        s->start = POP();
        PUSH(val_obj(s));
        DISPATCH();
    }
    TARGET(BINARY_OP) {
        w = POP();
        v = TOP();
        if (IS_INT(v) && IS_INT(w)) {
            int64_t a = AS_INT(v), b = AS_INT(w), r;
            switch (arg) {
            case AST_OP_ADD:
                if (!__builtin_add_overflow(a, b, &r)) {
                    TOP() = val_int(r);
                    DISPATCH();
                }
                break;
            case AST_OP_SUB:
                if (!__builtin_sub_overflow(a, b, &r)) {
                    TOP() = val_int(r);
                    DISPATCH();
                }
                break;
            case AST_OP_MUL:
                if (!__builtin_mul_overflow(a, b, &r)) {
                    TOP() = val_int(r);
                    DISPATCH();
                }
                break;
            case AST_OP_MOD:
                if (b > 0 && a >= 0) {
                    TOP() = val_int(a % b);
                    DISPATCH();
                }
                break;
            case AST_OP_FLOORDIV:
                if (b > 0 && a >= 0) {
                    TOP() = val_int(a / b);
                    DISPATCH();
                }
                break;
            default:
                break;
            }
        } else if (IS_FLOAT(v) && IS_FLOAT(w)) {
            double a = AS_FLOAT(v), b = AS_FLOAT(w);
            switch (arg) {
            case AST_OP_ADD:
                TOP() = val_float(a + b);
                DISPATCH();
            case AST_OP_SUB:
                TOP() = val_float(a - b);
                DISPATCH();
            case AST_OP_MUL:
                TOP() = val_float(a * b);
                DISPATCH();
            default:
                break;
            }
        }
        SAVE();
        x = val_binop(vm, (ast_op)arg, v, w, false);
        decref(w);
        if (IS_ERR(x))
            goto error;
        decref(v);
        TOP() = x;
        DISPATCH();
    }
    TARGET(INPLACE_OP) {
        w = POP();
        v = TOP();
        SAVE();
        x = val_binop(vm, (ast_op)arg, v, w, true);
        decref(w);
        if (IS_ERR(x))
            goto error;
        decref(v);
        TOP() = x;
        DISPATCH();
    }
    TARGET(UNARY_OP) {
        v = TOP();
        SAVE();
        x = val_unary(vm, (ast_op)arg, v);
        CHECK(x);
        decref(v);
        TOP() = x;
        DISPATCH();
    }
    TARGET(NOT) {
        v = TOP();
        int b;
        if (IS_BOOL(v))
            b = (int)AS_INT(v);
        else {
            SAVE();
            b = val_truthy(vm, v);
            if (b < 0)
                goto error;
        }
        decref(v);
        TOP() = val_bool(!b);
        DISPATCH();
    }
    TARGET(COMPARE_OP) {
        w = POP();
        v = TOP();
        if (IS_INT(v) && IS_INT(w)) {
            int64_t a = AS_INT(v), b = AS_INT(w);
            bool r;
            switch (arg) {
            case AST_OP_LT: r = a < b; break;
            case AST_OP_LE: r = a <= b; break;
            case AST_OP_GT: r = a > b; break;
            case AST_OP_GE: r = a >= b; break;
            case AST_OP_EQ: r = a == b; break;
            default: r = a != b; break;
            }
            TOP() = val_bool(r);
            DISPATCH();
        }
        SAVE();
        x = val_compare(vm, v, w, (ast_op)arg);
        decref(w);
        if (IS_ERR(x))
            goto error;
        decref(v);
        TOP() = x;
        DISPATCH();
    }
    TARGET(IS_OP) {
        w = POP();
        v = TOP();
        bool r = val_is(v, w) != (arg != 0);
        decref(v);
        decref(w);
        TOP() = val_bool(r);
        DISPATCH();
    }
    TARGET(CONTAINS_OP) {
        w = POP(); /* container */
        v = TOP(); /* item */
        SAVE();
        int r = val_contains(vm, w, v);
        decref(w);
        if (r < 0)
            goto error;
        decref(v);
        TOP() = val_bool((r != 0) != (arg != 0));
        DISPATCH();
    }
    TARGET(BUILD_TUPLE) {
        SAVE();
        Tuple *tu = tuple_new(vm, arg);
        if (!tu)
            goto error;
        for (int i = arg - 1; i >= 0; i--)
            tu->items[i] = POP();
        PUSH(val_obj(tu));
        DISPATCH();
    }
    TARGET(BUILD_LIST) {
        SAVE();
        List *l = list_new(vm, arg);
        if (!l)
            goto error;
        for (int i = arg - 1; i >= 0; i--)
            l->items[i] = POP();
        l->len = arg;
        PUSH(val_obj(l));
        DISPATCH();
    }
    TARGET(BUILD_SET) {
        SAVE();
        Set *s = set_new(vm, false);
        if (!s)
            goto error;
        for (int i = arg; i >= 1; i--)
            if (set_add(vm, s, PEEK(i)) < 0) {
                obj_decref(s);
                goto error;
            }
        for (int i = 0; i < arg; i++)
            decref(POP());
        PUSH(val_obj(s));
        DISPATCH();
    }
    TARGET(BUILD_CONST_SET) {
        SAVE();
        Set *s = set_from_constants(vm, sp - arg, arg);
        if (!s)
            goto error;
        for (int i = 0; i < arg; i++)
            decref(POP());
        PUSH(val_obj(s));
        DISPATCH();
    }
    TARGET(BUILD_MAP) {
        SAVE();
        Dict *d = dict_new(vm);
        if (!d)
            goto error;
        for (int i = arg; i >= 1; i--)
            if (dict_set(vm, d, PEEK(2 * i), PEEK(2 * i - 1)) < 0) {
                obj_decref(d);
                goto error;
            }
        for (int i = 0; i < 2 * arg; i++)
            decref(POP());
        PUSH(val_obj(d));
        DISPATCH();
    }
    TARGET(BUILD_STRING) {
        /* One allocation for the whole f-string. */
        int64_t total = 0;
        bool ascii = true;
        for (int i = arg; i >= 1; i--) {
            total += AS_STR(PEEK(i))->len;
            ascii = ascii && AS_STR(PEEK(i))->ascii;
        }
        SAVE();
        Str *s = obj_alloc(vm, vm->c.str, sizeof(Str) + (size_t)total + 1);
        if (!s)
            goto error;
        int64_t at = 0, cp = 0;
        for (int i = arg; i >= 1; i--) {
            Str *p = AS_STR(PEEK(i));
            memcpy(s->data + at, p->data, (size_t)p->len);
            at += p->len;
            cp += p->cplen;
        }
        s->data[total] = 0;
        s->len = total;
        s->cplen = cp;
        s->ascii = ascii;
        for (int i = 0; i < arg; i++)
            decref(POP());
        PUSH(val_obj(s));
        DISPATCH();
    }
    TARGET(FORMAT_VALUE) {
        Value spec = VAL_ERR;
        if (arg & 4)
            spec = POP();
        v = POP();
        SAVE();
        int conv = arg & 3;
        if (conv) {
            Str *s = conv == 1 ? val_str(vm, v) : val_repr(vm, v);
            decref(v);
            if (!s) {
                decref(spec);
                goto error;
            }
            v = val_obj(s);
        }
        if (IS_STR(v) && IS_ERR(spec)) {
            PUSH(v);
            DISPATCH();
        }
        x = val_format(vm, v, IS_ERR(spec) ? vm->empty_str : AS_STR(spec));
        decref(v);
        decref(spec);
        CHECK(x);
        PUSH(x);
        DISPATCH();
    }
    TARGET(LIST_APPEND) {
        v = POP();
        SAVE();
        if (list_append_steal(vm, AS_LIST(PEEK(arg)), v) < 0)
            goto error;
        DISPATCH();
    }
    TARGET(SET_ADD) {
        v = POP();
        SAVE();
        int r = set_add(vm, (Set *)AS_OBJ(PEEK(arg)), v);
        decref(v);
        if (r < 0)
            goto error;
        DISPATCH();
    }
    TARGET(MAP_ADD) {
        w = POP(); /* value */
        v = POP(); /* key */
        SAVE();
        int r = dict_set(vm, AS_DICT(PEEK(arg)), v, w);
        decref(v);
        decref(w);
        if (r < 0)
            goto error;
        DISPATCH();
    }
    TARGET(LIST_EXTEND) {
        v = POP();
        SAVE();
        List *src = val_to_list(vm, v);
        if (!src) {
            if (vm_exc_matches(vm, vm->c.TypeError) && !IS_LIST(v)) {
                decref(vm_take_exc(vm));
                vm_raise_new(vm, vm->c.TypeError,
                             "Value after * must be an iterable, not %s",
                             type_name(vm, v));
            }
            decref(v);
            goto error;
        }
        decref(v);
        List *dst = AS_LIST(PEEK(arg));
        for (int64_t i = 0; i < src->len; i++)
            if (list_append(vm, dst, src->items[i]) < 0) {
                obj_decref(src);
                goto error;
            }
        obj_decref(src);
        DISPATCH();
    }
    TARGET(SET_UPDATE) {
        v = POP();
        SAVE();
        int r = set_update_from(vm, (Set *)AS_OBJ(PEEK(arg)), v);
        decref(v);
        if (r < 0)
            goto error;
        DISPATCH();
    }
    TARGET(DICT_UPDATE) {
        v = POP();
        SAVE();
        if (!IS_DICT(v)) {
            vm_raise_new(vm, vm->c.TypeError,
                         "'%s' object is not a mapping", type_name(vm, v));
            decref(v);
            goto error;
        }
        int r = dict_update_from(vm, AS_DICT(PEEK(arg)), v);
        decref(v);
        if (r < 0)
            goto error;
        DISPATCH();
    }
    TARGET(DICT_MERGE) {
        v = POP();
        SAVE();
        if (!IS_DICT(v)) {
            vm_raise_new(vm, vm->c.TypeError,
                         "argument after ** must be a mapping, not %s",
                         type_name(vm, v));
            decref(v);
            goto error;
        }
        Dict *dst = AS_DICT(PEEK(arg));
        int64_t pos = 0;
        Value k, val;
        while (dict_next(AS_DICT(v), &pos, &k, &val)) {
            Value old = dict_get(vm, dst, k);
            if (!IS_ERR(old)) {
                Str *ks = val_str(vm, k);
                vm_raise_new(vm, vm->c.TypeError,
                             "got multiple values for keyword argument '%s'",
                             ks ? ks->data : "?");
                obj_decref(ks);
                decref(v);
                goto error;
            }
            if (dict_set(vm, dst, k, val) < 0) {
                decref(v);
                goto error;
            }
        }
        decref(v);
        DISPATCH();
    }
    TARGET(LIST_TO_TUPLE) {
        v = TOP();
        SAVE();
        List *l = AS_LIST(v);
        Tuple *tu = tuple_new(vm, l->len);
        if (!tu)
            goto error;
        for (int64_t i = 0; i < l->len; i++) {
            incref(l->items[i]);
            tu->items[i] = l->items[i];
        }
        TOP() = val_obj(tu);
        decref(v);
        DISPATCH();
    }
    TARGET(JUMP) {
        if (vm->probe && co->ops + arg < ip) {
            /* A turn of a loop: publish where we are, and stop here if
             * another thread asked (Ctrl-C, the window closing). */
            rt_scenario_probe *p = vm->probe;
            if (!(co->flags & CO_INTERNAL))
                atomic_store_explicit(&p->line, co->lines[ip - co->ops - 1],
                                      memory_order_relaxed);
            atomic_fetch_add_explicit(&p->ticks, 1, memory_order_relaxed);
            if (atomic_load_explicit(&p->interrupt, memory_order_relaxed) &&
                !t->job) {
                atomic_store_explicit(&p->interrupt, 0, memory_order_relaxed);
                SAVE();
                Value e = exc_new(vm, vm->c.KeyboardInterrupt, NULL);
                if (!IS_ERR(e)) {
                    vm_raise(vm, e);
                    decref(e);
                }
                goto error;
            }
        }
        ip = co->ops + arg;
        DISPATCH();
    }
    TARGET(POP_JUMP_IF_FALSE) {
        v = POP();
        int b;
        if (IS_BOOL(v))
            b = (int)AS_INT(v);
        else {
            SAVE();
            b = val_truthy(vm, v);
            decref(v);
            if (b < 0)
                goto error;
        }
        if (!b)
            ip = co->ops + arg;
        DISPATCH();
    }
    TARGET(POP_JUMP_IF_TRUE) {
        v = POP();
        int b;
        if (IS_BOOL(v))
            b = (int)AS_INT(v);
        else {
            SAVE();
            b = val_truthy(vm, v);
            decref(v);
            if (b < 0)
                goto error;
        }
        if (b)
            ip = co->ops + arg;
        DISPATCH();
    }
    TARGET(POP_JUMP_IF_NONE) {
        v = POP();
        if (IS_NONE(v))
            ip = co->ops + arg;
        decref(v);
        DISPATCH();
    }
    TARGET(JUMP_IF_FALSE_OR_POP) {
        v = TOP();
        SAVE();
        int b = val_truthy(vm, v);
        if (b < 0)
            goto error;
        if (!b) {
            ip = co->ops + arg;
        } else {
            (void)POP();
            decref(v);
        }
        DISPATCH();
    }
    TARGET(JUMP_IF_TRUE_OR_POP) {
        v = TOP();
        SAVE();
        int b = val_truthy(vm, v);
        if (b < 0)
            goto error;
        if (b) {
            ip = co->ops + arg;
        } else {
            (void)POP();
            decref(v);
        }
        DISPATCH();
    }
    TARGET(GET_ITER) {
        v = TOP();
        SAVE();
        w = val_iter(vm, v);
        CHECK(w);
        decref(v);
        TOP() = w;
        DISPATCH();
    }
    TARGET(FOR_ITER) {
        v = TOP();
        Class *ic = class_of_obj(AS_OBJ(v));
        if (ic == vm->c.range_iterator) {
            Iter *it = (Iter *)AS_OBJ(v);
            if (it->i < it->n) {
                Range *rg = (Range *)AS_OBJ(it->src);
                PUSH(val_int(rg->start + rg->step * it->i++));
                DISPATCH();
            }
        } else if (ic == vm->c.list_iterator) {
            Iter *it = (Iter *)AS_OBJ(v);
            List *l = AS_LIST(it->src);
            if (it->i < l->len) {
                x = l->items[it->i++];
                incref(x);
                PUSH(x);
                DISPATCH();
            }
        } else {
            SAVE();
            int r = val_next(vm, v, &x);
            if (r < 0)
                goto error;
            if (r > 0) {
                PUSH(x);
                DISPATCH();
            }
        }
        (void)POP();
        decref(v);
        ip = co->ops + arg;
        DISPATCH();
    }
    TARGET(MAKE_FUNCTION) {
        Code *fco = (Code *)AS_OBJ(POP());
        Tuple *closure = (arg & 8) ? AS_TUPLE(POP()) : NULL;
        Dict *kwd = (arg & 2) ? AS_DICT(POP()) : NULL;
        Tuple *defs = (arg & 1) ? AS_TUPLE(POP()) : NULL;
        SAVE();
        v = make_function(vm, f, fco, defs, kwd, closure);
        obj_decref(fco);
        obj_decref(closure);
        obj_decref(kwd);
        obj_decref(defs);
        CHECK(v);
        PUSH(v);
        DISPATCH();
    }
    TARGET(KW_NAMES) {
        t->kwnames = AS_TUPLE(consts[arg]);
        DISPATCH();
    }
    TARGET(CALL) {
        Tuple *kwnames = t->kwnames;
        t->kwnames = NULL;
        Value *base = sp - arg - 2;
        Value callable = base[0];
        Value *args = base + 1;
        int nargs = arg + 1;
        if (IS_NULL_MARK(base[1])) {
            args = base + 2;
            nargs = arg;
        }
        SAVE();
        if (IS_LAYOUT(callable, BOUND)) {
            /* Unpack a bound method in place: [func, self, args...]. */
            Bound *b = (Bound *)AS_OBJ(callable);
            if (IS_NULL_MARK(base[1])) {
                base[0] = b->func;
                incref(b->func);
                base[1] = b->self;
                incref(b->self);
                decref(callable);
                callable = base[0];
                args = base + 1;
                nargs = arg + 1;
            }
        }
        if (IS_LAYOUT(callable, FUNCTION)) {
            Function *fn = (Function *)AS_OBJ(callable);
            if (fn->code->flags & (CO_ASYNC | CO_GENERATOR)) {
                x = coro_create(vm, fn, args, nargs, kwnames);
            } else {
                if (t->depth >= RECURSION_LIMIT) {
                    vm_raise_new(vm, vm->c.RecursionError,
                                 "maximum recursion depth exceeded");
                    goto call_fail;
                }
                Frame *nf = frame_alloc(vm, t, fn->code);
                if (!nf)
                    goto call_fail;
                if (frame_setup(vm, nf, fn, args, nargs, kwnames) < 0) {
                    frame_clear(nf);
                    frame_free_mem(t, nf);
                    goto call_fail;
                }
                /* The arguments now live in the new frame. */
                while (sp > base)
                    decref(*--sp);
                f->sp = sp;
                nf->back = f;
                t->frame = f = nf;
                t->depth++;
                LOAD();
                DISPATCH();
            }
        } else if (IS_LAYOUT(callable, CLASS) &&
                   !((Class *)AS_OBJ(callable))->builtin &&
                   (((Class *)AS_OBJ(callable))->slots & SLOT_INIT)) {
            /* A user class with __init__: construct, then push an init
             * frame whose return value is replaced by the instance. */
            Class *cls = (Class *)AS_OBJ(callable);
            Value self = class_construct(vm, cls, args, nargs, kwnames);
            if (IS_ERR(self))
                goto call_fail;
            Value init = class_lookup(cls, vm->n.__init__);
            if (!IS_LAYOUT(init, FUNCTION) || !IS_OBJ(self) ||
                (((Function *)AS_OBJ(init))->code->flags & CO_ASYNC) ||
                t->depth >= RECURSION_LIMIT) {
                decref(self);
                x = instantiate(vm, cls, args, nargs, kwnames);
            } else {
                Function *fn = (Function *)AS_OBJ(init);
                Frame *nf = frame_alloc(vm, t, fn->code);
                if (!nf) {
                    decref(self);
                    goto call_fail;
                }
                /* Bind (self, *args): reuse the NULL slot for self. */
                Value saved = base[1];
                base[1] = self;
                int r = frame_setup(vm, nf, fn, base + 1, arg + 1, kwnames);
                base[1] = saved;
                if (r < 0) {
                    frame_clear(nf);
                    frame_free_mem(t, nf);
                    decref(self);
                    goto call_fail;
                }
                nf->flags = FR_INIT;
                nf->init_self = AS_OBJ(self); /* moved */
                while (sp > base)
                    decref(*--sp);
                f->sp = sp;
                nf->back = f;
                t->frame = f = nf;
                t->depth++;
                LOAD();
                DISPATCH();
            }
        } else {
            x = vm_call(vm, callable, args, nargs, kwnames);
        }
        if (IS_ERR(x))
            goto call_fail;
        while (sp > base)
            decref(*--sp);
        PUSH(x);
        DISPATCH();
    call_fail:
        if (vm_has_exc(vm) && IS_LAYOUT(t->exc, EXC) &&
            ((Exc *)AS_OBJ(t->exc))->ntb == 0 && nargs > 0) {
            /* Like a CPython frame of the function that raised, keep its
             * arguments alive with the traceback. */
            Tuple *keep = tuple_new(vm, nargs);
            if (keep) {
                for (int i = 0; i < nargs; i++) {
                    incref(args[i]);
                    keep->items[i] = args[i];
                }
                exc_set_keep(vm, (Exc *)AS_OBJ(t->exc), val_obj(keep));
                obj_decref(keep);
            } else {
                decref(vm_take_exc(vm));
                vm_raise_nomem(vm);
            }
        }
        while (sp > base)
            decref(*--sp);
        goto error;
    }
    TARGET(CALL_FUNCTION_EX) {
        Value kw = (arg & 1) ? POP() : VAL_ERR;
        Value argt = POP();
        Value self = POP();
        Value callable = POP();
        SAVE();
        Tuple *at = AS_TUPLE(argt);
        int n = (int)at->len + (IS_NULL_MARK(self) ? 0 : 1);
        int nkw = IS_ERR(kw) ? 0 : (int)AS_DICT(kw)->len;
        Value *buf = rt_malloc((size_t)(n + nkw + 1) * sizeof(Value));
        Tuple *kwn = nkw ? tuple_new(vm, nkw) : NULL;
        if (!buf || (nkw && !kwn)) {
            rt_free(buf);
            obj_decref(kwn);
            decref(kw);
            decref(argt);
            decref(self);
            decref(callable);
            vm_raise_nomem(vm);
            goto error;
        }
        int k = 0;
        if (!IS_NULL_MARK(self))
            buf[k++] = self;
        for (int64_t i = 0; i < at->len; i++)
            buf[k++] = at->items[i];
        bool bad_key = false;
        if (nkw) {
            int64_t pos = 0;
            Value key, val;
            int j = 0;
            while (dict_next(AS_DICT(kw), &pos, &key, &val)) {
                if (!IS_STR(key)) {
                    bad_key = true;
                    incref(key);
                    kwn->items[j++] = key;
                } else {
                    /* Natives compare keyword names by identity. */
                    incref(key);
                    Str *ik = str_intern(vm, AS_STR(key));
                    kwn->items[j++] = ik ? val_obj(ik) : VAL_NONE;
                }
                buf[k++] = val;
            }
        }
        if (bad_key) {
            x = vm_raise_new(vm, vm->c.TypeError, "keywords must be strings");
        } else {
            x = vm_call(vm, callable, buf, n + nkw, kwn);
        }
        rt_free(buf);
        obj_decref(kwn);
        decref(kw);
        decref(argt);
        decref(self);
        decref(callable);
        CHECK(x);
        PUSH(x);
        DISPATCH();
    }
    TARGET(RETURN_VALUE) {
        v = POP();
        if (f->flags & FR_INIT) {
            if (!IS_NONE(v)) {
                SAVE();
                vm_raise_new(vm, vm->c.TypeError,
                             "__init__() should return None, not '%s'",
                             type_name(vm, v));
                decref(v);
                goto error;
            }
            v = val_obj(f->init_self);
            f->init_self = NULL;
        }
        SAVE();
        Frame *back = f->back;
        int flags = f->flags;
        Coro *coro = f->coro;
        frame_clear(f);
        if (coro) {
            coro->state = CORO_DONE;
        } else {
            frame_free_mem(t, f);
        }
        t->depth--;
        if (flags & FR_ENTRY) {
            t->frame = back;
            t->depth++; /* the caller of run() balances its own count */
            *result = v;
            return RUN_RETURN;
        }
        t->frame = f = back;
        LOAD();
        if (coro && coro->kind == CORO_KIND_ASYNC_GEN) {
            /* The async generator is exhausted: __anext__() raises. */
            decref(v);
            SAVE();
            raise_bare(vm, vm->c.StopAsyncIteration);
            goto error;
        } else if (coro) {
            /* Back in the awaiting frame: replace the coroutine at the top
             * of its stack with the result. */
            w = TOP();
            TOP() = v;
            decref(w);
        } else {
            PUSH(v);
        }
        DISPATCH();
    }
    TARGET(BUILD_CLASS) {
        Value bases = POP();
        Value name = POP();
        Value body = POP();
        SAVE();
        x = build_class(vm, (Function *)AS_OBJ(body), AS_STR(name),
                        AS_TUPLE(bases));
        decref(bases);
        decref(name);
        decref(body);
        CHECK(x);
        PUSH(x);
        DISPATCH();
    }
    TARGET(RAISE_VARARGS) {
        SAVE();
        if (arg == 0) {
            if (IS_NONE(t->handled)) {
                vm_raise_new(vm, vm->c.RuntimeError,
                             "No active exception to reraise");
                goto error;
            }
            incref(t->handled);
            vm_reraise(vm, t->handled);
            goto error;
        }
        Value cause = arg == 2 ? POP() : VAL_ERR;
        v = POP();
        f->sp = sp;
        x = exc_from_raise_operand(vm, v);
        decref(v);
        if (IS_ERR(x)) {
            decref(cause);
            goto error;
        }
        if (!IS_ERR(cause)) {
            if (exc_set_cause(vm, x, cause) < 0) {
                decref(cause);
                decref(x);
                goto error;
            }
            decref(cause);
        }
        vm_raise(vm, x);
        decref(x);
        goto error;
    }
    TARGET(RERAISE) {
        v = POP();
        SAVE();
        vm_reraise(vm, v);
        goto error;
    }
    TARGET(PUSH_EXC_INFO) {
        v = POP();
        PUSH(t->handled);
        incref(v);
        t->handled = v;
        PUSH(v);
        DISPATCH();
    }
    TARGET(POP_EXCEPT) {
        v = POP();
        val_set(&t->handled, v);
        DISPATCH();
    }
    TARGET(POP_EXCEPT_AND_RERAISE) {
        v = POP(); /* exc */
        w = POP(); /* prev */
        val_set(&t->handled, w);
        SAVE();
        vm_reraise(vm, v);
        goto error;
    }
    TARGET(CHECK_EXC_MATCH) {
        w = POP(); /* type(s) */
        v = TOP(); /* exc */
        SAVE();
        int r = exc_matches_spec(vm, v, w);
        decref(w);
        if (r < 0)
            goto error;
        PUSH(val_bool(r));
        DISPATCH();
    }
    TARGET(CHECK_EG_MATCH) {
        w = POP(); /* type(s) */
        v = TOP(); /* the exception, or what is left of it */
        SAVE();
        Value match, rest;
        int r = exc_star_match(vm, v, w, &match, &rest);
        decref(w);
        if (r < 0)
            goto error;
        decref(v);
        TOP() = rest;
        PUSH(match);
        if (!IS_NONE(match)) {
            incref(match);
            val_set(&t->handled, match);
        }
        DISPATCH();
    }
    TARGET(PREP_RERAISE_STAR) {
        w = POP(); /* list */
        v = TOP(); /* orig */
        SAVE();
        x = exc_star_reraise(vm, v, AS_LIST(w));
        decref(w);
        if (IS_ERR(x))
            goto error;
        decref(v);
        TOP() = x;
        DISPATCH();
    }
    TARGET(LOAD_ASSERTION_ERROR) {
        obj_incref(vm->c.AssertionError);
        PUSH(val_obj(vm->c.AssertionError));
        DISPATCH();
    }
    TARGET(EXC_CATCH_EVENT) {
        if (vm->tracing) {
            SAVE();
            exc_event(vm, RT_EV_EXC_CATCH, TOP(), f, NULL);
        }
        DISPATCH();
    }
    TARGET(GET_AWAITABLE) {
        v = TOP();
        SAVE();
        if (is_async_generator(v)) {
            /* agen.__anext__() is the generator itself: AWAIT runs it
             * to its next yield. */
        } else if (IS_LAYOUT(v, CORO) && !is_generator(v)) {
            Coro *c = (Coro *)AS_OBJ(v);
            if (c->state != CORO_CREATED || c->awaited) {
                vm_raise_new(vm, vm->c.RuntimeError,
                             "cannot reuse already awaited coroutine");
                goto error;
            }
            c->awaited = true;
        } else if (IS_LAYOUT(v, NCORO)) {
            NCoro *c = (NCoro *)AS_OBJ(v);
            if (c->state != CORO_CREATED || c->awaited) {
                vm_raise_new(vm, vm->c.RuntimeError,
                             "cannot reuse already awaited coroutine");
                goto error;
            }
        } else if (IS_LAYOUT(v, FUTURE) || IS_LAYOUT(v, TASK)) {
            /* awaited directly */
        } else {
            x = vm_get_awaitable(vm, v);
            CHECK(x);
            decref(v);
            TOP() = x;
        }
        DISPATCH();
    }
    TARGET(AWAIT) {
        v = TOP();
        if (is_async_generator(v) && !t->resuming) {
            /* The next item of an async generator: run its frame, linked
             * above this one, until it yields (YIELD_VALUE hands the value
             * back here), returns (StopAsyncIteration) or suspends the
             * whole chain on a future. */
            Coro *c = (Coro *)AS_OBJ(v);
            SAVE();
            if (c->state == CORO_DONE) {
                raise_bare(vm, vm->c.StopAsyncIteration);
                goto error;
            }
            if (c->state == CORO_RUNNING) {
                vm_raise_new(vm, vm->c.RuntimeError,
                             "anext(): asynchronous generator is already "
                             "running");
                goto error;
            }
            if (t->depth >= RECURSION_LIMIT) {
                vm_raise_new(vm, vm->c.RecursionError,
                             "maximum recursion depth exceeded");
                goto error;
            }
            bool at_yield = c->state == CORO_SUSPENDED;
            if (c->state == CORO_CREATED && agen_register(vm, c) < 0)
                goto error;
            c->awaited = true;
            c->state = CORO_RUNNING;
            c->frame.back = f;
            t->frame = f = &c->frame;
            t->depth++;
            if (at_yield) {
                t->resuming = true;
                t->resume_how = RT_RESUME_SEND;
                t->resume_value = VAL_NONE;
            }
            LOAD();
            DISPATCH();
        }
        if (IS_LAYOUT(v, CORO) && !t->resuming) {
            Coro *c = (Coro *)AS_OBJ(v);
            if (t->depth >= RECURSION_LIMIT) {
                SAVE();
                vm_raise_new(vm, vm->c.RecursionError,
                             "maximum recursion depth exceeded");
                goto error;
            }
            SAVE();
            c->state = CORO_RUNNING;
            c->frame.back = f;
            t->frame = f = &c->frame;
            t->depth++;
            LOAD();
            DISPATCH();
        }
        rt_resume how = RT_RESUME_SEND;
        Value in = VAL_NONE;
        bool resumed = t->resuming;
        if (resumed) {
            t->resuming = false;
            how = t->resume_how;
            in = t->resume_value;
        }
        SAVE();
        if (IS_LAYOUT(v, NCORO)) {
            NCoro *nc = (NCoro *)AS_OBJ(v);
            rt_yield y = {NULL, false, VAL_NONE};
            rt_coro_status st = ncoro_step(vm, nc, how, in, &x, &y);
            if (st == RT_CORO_YIELD)
                goto suspend_with;
            if (st == RT_CORO_RAISE) {
                if (!IS_ERR(x))
                    vm_raise(vm, x), decref(x);
                (void)POP();
                decref(v);
                f->sp = sp;
                goto error;
            }
            (void)POP();
            decref(v);
            PUSH(x);
            DISPATCH();
        suspend_with:
            if (t->yield)
                *t->yield = y;
            ip--;
            SAVE();
            goto suspend;
        }
        if (IS_LAYOUT(v, FUTURE) || IS_LAYOUT(v, TASK)) {
            rt_future *fut = (rt_future *)AS_OBJ(v);
            if (resumed && how == RT_RESUME_THROW) {
                (void)POP();
                f->sp = sp;
                incref(in);
                vm_raise(vm, in);
                decref(in);
                decref(v);
                goto error;
            }
            if (!rt_future_done(fut)) {
                if (resumed) {
                    (void)POP();
                    f->sp = sp;
                    decref(v);
                    vm_raise_new(vm, vm->c.RuntimeError,
                                 "await wasn't used with future");
                    goto error;
                }
                if (t->yield) {
                    t->yield->future = fut;
                    t->yield->bare = false;
                    t->yield->bad = VAL_NONE;
                }
                ip--;
                SAVE();
                goto suspend;
            }
            Value res, exc;
            (void)POP();
            f->sp = sp;
            int r = rt_future_result(fut, &res, &exc);
            if (r < 0) {
                vm_raise_awaited(vm, exc, fut);
                decref(exc);
                decref(v);
                goto error;
            }
            decref(v);
            PUSH(res);
            DISPATCH();
        }
        if (IS_LAYOUT(v, CORO) && resumed) {
            /* Cannot happen: a resumed chain re-executes AWAIT only in its
             * innermost frame. */
            SAVE();
            vm_raise_new(vm, vm->c.RuntimeError, "coroutine chain corrupted");
            goto error;
        }
        SAVE();
        vm_raise_new(vm, vm->c.TypeError,
                     "object %s can't be used in 'await' expression",
                     type_name(vm, v));
        goto error;
    }
    TARGET(YIELD_VALUE) {
        if (t->resuming) {
            /* next(), send() or throw() resumes the generator here: what
             * they send is the value of the yield expression. */
            t->resuming = false;
            if (t->resume_how == RT_RESUME_THROW) {
                SAVE();
                vm_raise(vm, t->resume_value);
                goto error;
            }
            incref(t->resume_value);
            PUSH(t->resume_value);
            DISPATCH();
        }
        v = POP();
        if (f->coro && f->coro->kind == CORO_KIND_ASYNC_GEN &&
            !(f->flags & FR_ENTRY) && f->back) {
            /* An async generator's item: its frame stops here and the
             * frame awaiting __anext__() gets the value. */
            ip--;
            SAVE();
            f->coro->state = CORO_SUSPENDED;
            t->frame = f = f->back;
            t->depth--;
            LOAD();
            w = TOP();
            TOP() = v;
            decref(w);
            DISPATCH();
        }
        decref(t->yielded);
        t->yielded = v;
        ip--;
        SAVE();
        goto suspend;
    }
    TARGET(GET_AITER) {
        v = TOP();
        SAVE();
        x = vm_get_aiter(vm, v);
        CHECK(x);
        decref(v);
        TOP() = x;
        DISPATCH();
    }
    TARGET(GET_ANEXT) {
        v = TOP();
        SAVE();
        x = vm_get_anext(vm, v);
        CHECK(x);
        PUSH(x);
        DISPATCH();
    }
    TARGET(END_ASYNC_FOR) {
        v = POP(); /* exc */
        SAVE();
        if (is_instance(vm, v, vm->c.StopAsyncIteration)) {
            decref(v);
            w = POP();
            decref(w);
            DISPATCH();
        }
        vm_reraise(vm, v);
        goto error;
    }
    TARGET(BEFORE_WITH) {
        v = POP();
        SAVE();
        Value exit_fn, enter_res;
        if (vm_before_with(vm, v, false, &exit_fn, &enter_res) < 0) {
            decref(v);
            goto error;
        }
        decref(v);
        PUSH(exit_fn);
        PUSH(enter_res);
        DISPATCH();
    }
    TARGET(BEFORE_ASYNC_WITH) {
        v = POP();
        SAVE();
        Value exit_fn, enter_res;
        if (vm_before_with(vm, v, true, &exit_fn, &enter_res) < 0) {
            decref(v);
            goto error;
        }
        decref(v);
        PUSH(exit_fn);
        PUSH(enter_res);
        DISPATCH();
    }
    TARGET(WITH_EXCEPT_START) {
        Value exc = TOP();
        Value exit_fn = PEEK(3);
        SAVE();
        Value args[3];
        args[0] = val_obj(class_of(vm, exc));
        args[1] = exc;
        args[2] = VAL_NONE;
        x = vm_call(vm, exit_fn, args, 3, NULL);
        CHECK(x);
        PUSH(x);
        DISPATCH();
    }
    TARGET(UNPACK_SEQUENCE) {
        v = POP();
        SAVE();
        if (unpack(vm, v, arg, 0, false, sp) < 0) {
            decref(v);
            goto error;
        }
        decref(v);
        sp += arg;
        DISPATCH();
    }
    TARGET(UNPACK_EX) {
        v = POP();
        SAVE();
        int before = arg & 0xff, after = arg >> 8;
        if (unpack(vm, v, before, after, true, sp) < 0) {
            decref(v);
            goto error;
        }
        decref(v);
        sp += before + after + 1;
        DISPATCH();
    }
    TARGET(IMPORT_NAME) {
        SAVE();
        x = vm_import(vm, co->names[arg]);
        CHECK(x);
        PUSH(x);
        DISPATCH();
    }
    TARGET(IMPORT_FROM) {
        v = TOP();
        SAVE();
        x = val_getattr_opt(vm, v, co->names[arg]);
        if (IS_ERR(x)) {
            if (vm_has_exc(vm))
                goto error;
            Value mn = IS_LAYOUT(v, MODULE)
                           ? val_obj(((Module *)AS_OBJ(v))->name)
                           : VAL_NONE;
            vm_raise_new(vm, vm->c.ImportError,
                         "cannot import name '%s' from '%s'",
                         co->names[arg]->data,
                         IS_STR(mn) ? AS_STR(mn)->data : "?");
            goto error;
        }
        PUSH(x);
        DISPATCH();
    }

#ifndef DISPATCH_GOTO
    default:
        SAVE();
        vm_raise_new(vm, vm->c.RuntimeError, "bad opcode %u", word & 0xff);
        goto error;
    }
#endif

suspend:
    /* The chain suspends: every frame stays as it is. */
    for (Frame *g = t->frame; g; g = g->back) {
        if (g->coro)
            g->coro->state = CORO_SUSPENDED;
        if (g->flags & FR_ENTRY)
            break;
    }
    return RUN_YIELD;

error:
    /* t->exc is set; sp and ip are those of frame f. */
    f->sp = sp;
    f->ip = ip;
    for (;;) {
        if (t->exc_fresh) {
            t->exc_fresh = false;
            if (IS_LAYOUT(t->exc, EXC)) {
                exc_add_tb(vm, (Exc *)AS_OBJ(t->exc), f->code,
                           vm_frame_line(f), VAL_NONE);
                Exc *e = (Exc *)AS_OBJ(t->exc);
                if (!e->traced) {
                    e->traced = true;
                    exc_event(vm, RT_EV_EXC_RAISE, t->exc, f, NULL);
                }
            }
        }
        const ExcRange *h = f->code->nexc ? find_handler(f) : NULL;
        if (h) {
            Value *target_sp = stack_base(f) + h->depth;
            while (f->sp > target_sp)
                decref(*--f->sp);
            *f->sp++ = t->exc; /* the reference moves to the stack */
            t->exc = VAL_NONE;
            f->ip = f->code->ops + h->target;
            LOAD();
            DISPATCH();
        }
        /* No handler here: leave the frame. */
        Frame *back = f->back;
        int flags = f->flags;
        Coro *coro = f->coro;
        /* The function being left names the exc.propagate event; keep its
         * code alive past frame_clear. */
        Code *left = f->code;
        if (left)
            obj_incref(left);
        frame_clear(f);
        if (coro)
            coro->state = CORO_DONE;
        else
            frame_free_mem(t, f);
        t->depth--;
        if (flags & FR_ENTRY) {
            if (left)
                obj_decref(left);
            t->frame = back;
            t->depth++;
            t->exc_fresh = true; /* the caller's frame adds its own line */
            return RUN_ERROR;
        }
        exc_propagate_event(vm, t->exc, left, f == back ? NULL : back);
        if (left)
            obj_decref(left);
        t->frame = f = back;
        if (IS_LAYOUT(t->exc, EXC))
            exc_add_tb(vm, (Exc *)AS_OBJ(t->exc), f->code, vm_frame_line(f),
                       VAL_NONE);
    }
}

/* ------------------------------------------------------------------------ */
/* Running modules                                                          */
/* ------------------------------------------------------------------------ */

Value vm_run_module(VM *vm, Code *code, Module *mod)
{
    VMThread *t = vm_thread(vm);
    Frame *f = frame_alloc(vm, t, code);
    if (!f)
        return VAL_ERR;
    f->code = code;
    obj_incref(code);
    f->globals = mod->dict;
    f->ip = code->ops;
    f->init_self = NULL;
    int nfixed = code->nlocals + code->ncells + code->nfrees;
    for (int i = 0; i < nfixed; i++)
        FRAME_SLOTS(f)[i] = VAL_ERR;
    f->sp = FRAME_SLOTS(f) + nfixed;
    if (code->ncells && setup_cells(vm, f, NULL) < 0) {
        frame_clear(f);
        frame_free_mem(t, f);
        return VAL_ERR;
    }
    f->flags = FR_ENTRY;
    f->back = t->frame;
    t->frame = f;
    t->depth++;
    Value result = VAL_NONE;
    int r = run(vm, t, &result);
    t->depth--;
    if (r == RUN_RETURN)
        return result;
    return VAL_ERR;
}
