/*
 * mod_streams.c - the C side of asyncio's streams and subprocesses, which
 * loopscope simulates in memory: it loads prelude_streams.py (the
 * simulated kernel, epoll, transports, streams and processes, written in
 * the scenario language after CPython's own code) into the asyncio module,
 * and connects each loop's simulated epoll instance to the runtime's I/O
 * hook, so that the loop's select phase asks it what is ready exactly
 * where CPython's selector.select() asks the kernel.
 *
 * A loop gets a selector the first time it does I/O (LoopObj.io, a
 * prelude object); the hook's three callbacks call its methods _vc_ready,
 * _vc_next and _vc_poll. The selector holds the loop, and the loop the
 * selector: aio_io_drop breaks that cycle when the loop closes, as CPython
 * closes a loop's selector in BaseSelectorEventLoop.close().
 *
 * Also here: asyncio.subprocess and asyncio.streams as modules, the loop
 * methods create_server, create_connection, subprocess_exec and
 * subprocess_shell, and the output of child processes that inherit the
 * scenario's stdout or stderr.
 */
#include <errno.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "lang.h"

extern const char loopscope_prelude_streams[];

/* ------------------------------------------------------------------------ */
/* The I/O hook                                                             */
/* ------------------------------------------------------------------------ */

static VM *vm_of_loop(LoopObj *lo) { return class_of_obj(&lo->hdr)->vm; }

/* Calls a method of the loop's selector with no arguments. A failure is a
 * bug of the prelude, not of the scenario: it is printed, and the select
 * goes on as if nothing were ready. KeyboardInterrupt and SystemExit (a
 * Ctrl-C landing in prelude code) leave the loop as from a callback. */
static Value io_call(LoopObj *lo, const char *method)
{
    VM *vm = vm_of_loop(lo);
    if (!IS_OBJ(lo->io))
        return VAL_NONE;
    Value sel = lo->io;
    incref(sel);
    Value noargs[1] = {VAL_NONE}; /* never read: no NULL for memcpy */
    Value r = vm_call_method(vm, sel, str_intern_cstr(vm, method), noargs, 0);
    decref(sel);
    if (!IS_ERR(r))
        return r;
    Value exc = vm_take_exc(vm);
    if (is_instance(vm, exc, vm->c.KeyboardInterrupt) ||
        is_instance(vm, exc, vm->c.SystemExit)) {
        vm_reraise(vm, exc);
        vm->pending_exit = true;
        rt_loop_raise_exit(lo->loop);
        return VAL_NONE;
    }
    if (vm->err) {
        fprintf(vm->err, "loopscope: internal error in simulated I/O "
                         "(%s):\n", method);
        exc_print(vm, exc, vm->err);
    }
    decref(exc);
    return VAL_NONE;
}

static bool io_ready(void *data)
{
    LoopObj *lo = data;
    Value r = io_call(lo, "_vc_ready");
    int truth = val_truthy(vm_of_loop(lo), r);
    decref(r);
    return truth == 1;
}

static double io_next(void *data)
{
    Value r = io_call(data, "_vc_next");
    double when = IS_FLOAT(r) ? AS_FLOAT(r)
                  : IS_INT(r) ? (double)AS_INT(r)
                              : INFINITY;
    decref(r);
    return when;
}

static void io_poll(void *data, rt_loop *loop)
{
    decref(io_call(data, "_vc_poll"));
}

static const rt_io_ops io_ops = {io_ready, io_next, io_poll};

/* Forgets the loop's selector when the loop closes (see the top). */
void aio_io_drop(VM *vm, LoopObj *lo)
{
    if (!IS_OBJ(lo->io))
        return;
    Value sel = lo->io;
    lo->io = VAL_NONE;
    if (lo->loop)
        rt_loop_set_io(lo->loop, NULL, NULL);
    Value noargs[1] = {VAL_NONE};
    Value r = vm_call_method(vm, sel, str_intern_cstr(vm, "_vc_close"),
                             noargs, 0);
    if (IS_ERR(r))
        decref(vm_take_exc(vm));
    else
        decref(r);
    decref(sel);
}

/* ------------------------------------------------------------------------ */
/* Natives for the prelude                                                  */
/* ------------------------------------------------------------------------ */

static LoopObj *loop_arg(VM *vm, Value v)
{
    if (!IS_LAYOUT(v, LOOP)) {
        vm_raise_new(vm, vm->c.TypeError, "an event loop is required, not %s",
                     type_name(vm, v));
        return NULL;
    }
    return (LoopObj *)AS_OBJ(v);
}

/* _vc_set_io(loop, selector): installs the loop's simulated selector. */
static Value n_set_io(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "_vc_set_io", args, nargs, kw, "loop,selector", a) < 0)
        return VAL_ERR;
    LoopObj *lo = loop_arg(vm, a[0]);
    if (!lo)
        return VAL_ERR;
    if (IS_OBJ(lo->io))
        aio_io_drop(vm, lo);
    if (!IS_NONE(a[1])) {
        incref(a[1]);
        lo->io = a[1];
        rt_loop_set_io(lo->loop, &io_ops, lo);
    }
    return VAL_NONE;
}

/* _vc_get_io(loop): the loop's selector, or None. */
static Value n_get_io(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[1];
    if (args_parse(vm, "_vc_get_io", args, nargs, kw, "loop", a) < 0)
        return VAL_ERR;
    LoopObj *lo = loop_arg(vm, a[0]);
    if (!lo)
        return VAL_ERR;
    incref(lo->io);
    return lo->io;
}

/* _vc_write_fd(fd, data): what a child process that inherited the
 * scenario's stdout (1) or stderr (2) writes. It lands after everything
 * printed before it, as with an unbuffered stdout (the fidelity harness
 * makes CPython's unbuffered too, so that the order does not depend on
 * the environment); a real file gets it through its descriptor. */
static Value n_write_fd(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "_vc_write_fd", args, nargs, kw, "fd,data", a) < 0)
        return VAL_ERR;
    if (!IS_INT(a[0]) || !IS_LAYOUT(a[1], BYTES))
        return vm_raise_new(vm, vm->c.TypeError, "_vc_write_fd(int, bytes)");
    bool to_err = AS_INT(a[0]) == 2;
    Bytes *b = (Bytes *)AS_OBJ(a[1]);
    FILE *f = to_err ? vm->err : vm->out;
    if (f)
        fflush(f);
    int fd = f ? fileno(f) : -1;
    if (fd >= 0) {
        const unsigned char *p = b->data;
        size_t left = (size_t)b->len;
        while (left > 0) {
            ssize_t n = write(fd, p, left);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            p += n;
            left -= (size_t)n;
        }
    } else if (f) {
        fwrite(b->data, 1, (size_t)b->len, f);
    }
    if (vm->tracing) {
        char *copy = rt_malloc((size_t)b->len + 1);
        if (copy) {
            memcpy(copy, b->data, (size_t)b->len);
            copy[b->len] = 0;
            rt_event ev = rt_event_init(RT_EV_OUTPUT);
            ev.name = to_err ? "stderr" : "stdout";
            ev.text = copy;
            vm_emit(vm, &ev);
            rt_free(copy);
        }
    }
    return VAL_NONE;
}

/* _vc_future(loop, role, label): loop.create_future() for a future that
 * stands for stream I/O ('stream') or a child process ('process'), with a
 * label, so that a waiting task shows what it waits for ("awaits stream
 * readline") in traces, the window and deadlock reports. */
static Value n_future(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[3];
    if (args_parse(vm, "_vc_future", args, nargs, kw, "loop,role,label", a) <
        0)
        return VAL_ERR;
    LoopObj *lo = loop_arg(vm, a[0]);
    if (!lo)
        return VAL_ERR;
    if (!IS_STR(a[1]) || !IS_STR(a[2]))
        return vm_raise_new(vm, vm->c.TypeError, "_vc_future(loop, str, str)");
    rt_future_role role = str_eq_cstr(AS_STR(a[1]), "process")
                              ? RT_ROLE_PROCESS
                              : RT_ROLE_STREAM;
    return aio_future_new(vm, lo, role, AS_STR(a[2]));
}

/* Handle._vc_queued(): whether the handle still waits in its loop's ready
 * queue. The loop holds one reference to each queued handle (loop.c) and
 * the Handle object another, so more than one means queued. */
static Value h_queued(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "_vc_queued", args, nargs, kw, "self", NULL) < 0)
        return VAL_ERR;
    HandleObj *h = (HandleObj *)AS_OBJ(args[0]);
    return val_bool(h->h && !h->h->cancelled && !h->h->timer &&
                    h->h->obj.refs > 1);
}

/* ------------------------------------------------------------------------ */
/* Loading                                                                  */
/* ------------------------------------------------------------------------ */

/* Copies the module attributes `names` of `from` into a new module
 * `name`, which becomes attribute `attr` of `from`. */
static int submodule(VM *vm, Module *from, const char *name, const char *attr,
                     const char *const *names)
{
    Module *sub = module_new(vm, name);
    if (!sub)
        return -1;
    for (int i = 0; names[i]; i++) {
        Value v = dict_get_cstr(vm, from->dict, names[i]);
        if (!IS_ERR(v) && dict_set_cstr(vm, sub->dict, names[i], v) < 0) {
            obj_decref(sub);
            return -1;
        }
    }
    int r = dict_set_cstr(vm, from->dict, attr, val_obj(sub));
    obj_decref(sub);
    return r;
}

/* See lang.h: runs prelude_streams.py in the asyncio module `m`, then
 * builds asyncio.subprocess and asyncio.streams and gives event loops their
 * stream and subprocess methods. -1 with an exception set on failure. */
int aio_streams_init(VM *vm, Module *m)
{
    static const struct {
        const char *name;
        NativeFn fn;
    } natives[] = {
        {"_vc_set_io", n_set_io},
        {"_vc_get_io", n_get_io},
        {"_vc_write_fd", n_write_fd},
        {"_vc_future", n_future},
    };
    for (size_t i = 0; i < sizeof natives / sizeof natives[0]; i++) {
        Value f = native_new(vm, natives[i].name, natives[i].fn, VAL_NONE,
                             NULL);
        if (IS_ERR(f))
            return -1;
        dict_set_cstr(vm, m->dict, natives[i].name, f);
        decref(f);
    }
    class_add_method(vm, vm->c.Handle, "_vc_queued", h_queued);
    if (aio_run_prelude(vm, m, loopscope_prelude_streams, "<asyncio streams>") <
        0)
        return -1;

    static const char *const subprocess_names[] = {
        "PIPE", "STDOUT", "DEVNULL", "Process", "SubprocessStreamProtocol",
        "create_subprocess_exec", "create_subprocess_shell", NULL};
    static const char *const streams_names[] = {
        "StreamReader", "StreamWriter", "StreamReaderProtocol",
        "open_connection", "start_server", "IncompleteReadError",
        "LimitOverrunError", NULL};
    if (submodule(vm, m, "asyncio.subprocess", "subprocess",
                  subprocess_names) < 0 ||
        submodule(vm, m, "asyncio.streams", "streams", streams_names) < 0)
        return -1;

    /* asyncio.exceptions has the prelude's classes too. */
    Value ex = dict_get_cstr(vm, vm->modules, "asyncio.exceptions");
    if (IS_LAYOUT(ex, MODULE)) {
        Dict *d = ((Module *)AS_OBJ(ex))->dict;
        static const char *const names[] = {"IncompleteReadError",
                                            "LimitOverrunError"};
        for (int i = 0; i < 2; i++) {
            Value v = dict_get_cstr(vm, m->dict, names[i]);
            if (!IS_ERR(v))
                dict_set_cstr(vm, d, names[i], v);
        }
    }

    /* Loop methods written in the prelude as functions of the loop. */
    static const struct {
        const char *method, *function;
    } methods[] = {
        {"create_server", "_loop_create_server"},
        {"create_connection", "_loop_create_connection"},
        {"subprocess_exec", "_loop_subprocess_exec"},
        {"subprocess_shell", "_loop_subprocess_shell"},
        {"sock_connect", "_loop_sock_connect"},
    };
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        Value f = dict_get_cstr(vm, m->dict, methods[i].function);
        if (!IS_ERR(f) &&
            dict_set_cstr(vm, vm->c.EventLoop->dict, methods[i].method, f) < 0)
            return -1;
    }
    vm->c.EventLoop->version++;
    return 0;
}
