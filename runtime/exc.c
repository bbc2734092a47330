/*
 * exc.c - exceptions: the class hierarchy, raising, chaining, tracebacks,
 * and printing them the way CPython does.
 *
 * An exception is an Exc object: args, __cause__, __context__, and the
 * traceback as an array of (code, line) entries appended while it unwinds,
 * innermost first (printing reverses them). The exception being raised
 * lives in the thread (VMThread.exc) until a handler takes it; the one
 * being handled (for implicit __context__ chaining) is VMThread.handled.
 */
#include <stdarg.h>
#include <string.h>

#include "lang.h"

/* ------------------------------------------------------------------------ */
/* Raising                                                                  */
/* ------------------------------------------------------------------------ */

static void set_context(VM *vm, VMThread *t, Value exc)
{
    if (!IS_LAYOUT(exc, EXC) || IS_NONE(t->handled))
        return;
    if (t->handled.u.p == exc.u.p)
        return;
    Exc *e = (Exc *)AS_OBJ(exc);
    if (!IS_NONE(e->context))
        return;
    /* Avoid a cycle: cut the chain where it would loop back to exc. */
    for (Value c = t->handled; IS_LAYOUT(c, EXC);
         c = ((Exc *)AS_OBJ(c))->context) {
        Exc *ce = (Exc *)AS_OBJ(c);
        if (IS_LAYOUT(ce->context, EXC) && ce->context.u.p == exc.u.p) {
            decref(ce->context);
            ce->context = VAL_NONE;
            break;
        }
    }
    incref(t->handled);
    e->context = t->handled;
}

Value vm_raise(VM *vm, Value exc)
{
    VMThread *t = vm_thread(vm);
    incref(exc);
    val_set(&t->exc, exc);
    t->exc_fresh = true;
    if (IS_LAYOUT(exc, EXC))
        ((Exc *)AS_OBJ(exc))->traced = false;
    set_context(vm, t, exc);
    return VAL_ERR;
}

void vm_reraise(VM *vm, Value exc)
{
    VMThread *t = vm_thread(vm);
    val_set(&t->exc, exc);
    t->exc_fresh = false;
}

void vm_raise_awaited(VM *vm, Value exc, rt_future *fut)
{
    VMThread *t = vm_thread(vm);
    incref(exc);
    val_set(&t->exc, exc);
    t->exc_fresh = true;
    set_context(vm, t, exc);
    if (vm->tracing && IS_LAYOUT(exc, EXC) && fut->is_task) {
        /* The exception crosses from the awaited task into this one. */
        rt_event ev = {0};
        ev.kind = RT_EV_EXC_PROPAGATE;
        ev.task = vm_current_task_id(vm);
        ev.peer = fut->id;
        ev.worker = -1;
        const char *func = NULL;
        ev.line = vm_current_line(vm, &func);
        ev.func = func;
        ev.type = class_of(vm, exc)->name->data;
        ((Exc *)AS_OBJ(exc))->traced = true;
        vm_emit(vm, &ev);
    }
}

Value vm_raise_str(VM *vm, Class *cls, Str *msg)
{
    Tuple *args = tuple_new(vm, 1);
    if (!args)
        return VAL_ERR;
    obj_incref(msg);
    args->items[0] = val_obj(msg);
    Value e = exc_new(vm, cls, args);
    obj_decref(args);
    if (IS_ERR(e))
        return e;
    vm_raise(vm, e);
    decref(e);
    return VAL_ERR;
}

Value vm_raise_new(VM *vm, Class *cls, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    Str *msg = str_vfmt(vm, fmt, ap);
    va_end(ap);
    if (!msg)
        return VAL_ERR;
    vm_raise_str(vm, cls, msg);
    obj_decref(msg);
    return VAL_ERR;
}

Value vm_raise_nomem(VM *vm)
{
    VMThread *t = vm_thread(vm);
    if (!t)
        return VAL_ERR;
    /* MemoryError without allocating: reuse the preallocated instance. */
    if (IS_OBJ(vm->memory_error)) {
        incref(vm->memory_error);
        val_set(&t->exc, vm->memory_error);
        t->exc_fresh = true;
    }
    return VAL_ERR;
}

Value vm_raise_key(VM *vm, Value key)
{
    Tuple *args = tuple_pack(vm, 1, key);
    if (!args)
        return VAL_ERR;
    Value e = exc_new(vm, vm->c.KeyError, args);
    obj_decref(args);
    if (IS_ERR(e))
        return e;
    vm_raise(vm, e);
    decref(e);
    return VAL_ERR;
}

bool vm_has_exc(VM *vm)
{
    VMThread *t = vm_thread(vm);
    return t && !IS_NONE(t->exc);
}

Value vm_take_exc(VM *vm)
{
    VMThread *t = vm_thread(vm);
    Value e = t->exc;
    t->exc = VAL_NONE;
    t->exc_fresh = false;
    return e;
}

bool vm_exc_matches(VM *vm, Class *cls)
{
    VMThread *t = vm_thread(vm);
    return !IS_NONE(t->exc) && is_instance(vm, t->exc, cls);
}

/* ------------------------------------------------------------------------ */
/* Exception objects                                                        */
/* ------------------------------------------------------------------------ */

Value exc_new(VM *vm, Class *cls, Tuple *args)
{
    Exc *e = obj_alloc(vm, cls, sizeof(Exc));
    if (!e)
        return VAL_ERR;
    e->args = args ? args : vm->empty_tuple;
    obj_incref(e->args);
    e->cause = VAL_NONE;
    e->context = VAL_NONE;
    e->notes = VAL_NONE;
    e->suggestion = VAL_NONE;
    return val_obj(e);
}

Value exc_new_msg(VM *vm, Class *cls, const char *msg)
{
    Str *s = msg ? str_from_cstr(vm, msg) : NULL;
    if (msg && !s)
        return VAL_ERR;
    Tuple *args = msg ? tuple_pack(vm, 1, val_obj(s)) : NULL;
    obj_decref(s);
    if (msg && !args)
        return VAL_ERR;
    Value e = exc_new(vm, cls, args);
    obj_decref(args);
    return e;
}

/* ------------------------------------------------------------------------ */
/* OSError: errno, strerror, filename                                       */
/* ------------------------------------------------------------------------ */

/* The OSError subclass CPython picks for an errno (Linux numbers), so that
 * OSError(111, 'x') is a ConnectionRefusedError; OSError for the rest. */
Class *exc_oserror_subclass(VM *vm, int64_t err)
{
    VMClasses *c = &vm->c;
    switch (err) {
    case 1: case 13: return c->PermissionError;       /* EPERM, EACCES */
    case 2: return c->FileNotFoundError;              /* ENOENT */
    case 3: return c->ProcessLookupError;             /* ESRCH */
    case 4: return c->InterruptedError;               /* EINTR */
    case 10: return c->ChildProcessError;             /* ECHILD */
    case 11: case 114: case 115:                      /* EAGAIN, EALREADY, */
        return c->BlockingIOError;                    /* EINPROGRESS */
    case 17: return c->FileExistsError;               /* EEXIST */
    case 32: case 108: return c->BrokenPipeError;     /* EPIPE, ESHUTDOWN */
    case 103: return c->ConnectionAbortedError;       /* ECONNABORTED */
    case 104: return c->ConnectionResetError;         /* ECONNRESET */
    case 110: return c->TimeoutError;                 /* ETIMEDOUT */
    case 111: return c->ConnectionRefusedError;       /* ECONNREFUSED */
    default: return c->OSError;
    }
}

/* OSError(*args) for a builtin OSError class, as CPython's OSError.__new__
 * builds it: OSError itself called with an integer errno becomes the
 * matching subclass; with 3 to 5 arguments the third is the filename (the
 * fifth filename2), kept apart, and args keeps only (errno, strerror). */
Value exc_oserror_new(VM *vm, Class *cls, Value *args, int npos)
{
    if (cls == vm->c.OSError && npos >= 2 && npos <= 5 && IS_INT(args[0]))
        cls = exc_oserror_subclass(vm, AS_INT(args[0]));
    bool named = npos >= 3 && npos <= 5 && !IS_NONE(args[2]);
    Tuple *t = tuple_new(vm, named ? 2 : npos);
    if (!t)
        return VAL_ERR;
    for (int64_t i = 0; i < t->len; i++) {
        incref(args[i]);
        t->items[i] = args[i];
    }
    Value e = exc_new(vm, cls, t);
    obj_decref(t);
    if (IS_ERR(e) || !named)
        return e;
    Exc *x = (Exc *)AS_OBJ(e);
    if (!x->dict && !(x->dict = dict_new(vm))) {
        decref(e);
        return VAL_ERR;
    }
    if (dict_set_cstr(vm, x->dict, "filename", args[2]) < 0 ||
        (npos == 5 && dict_set_cstr(vm, x->dict, "filename2", args[4]) < 0)) {
        decref(e);
        return VAL_ERR;
    }
    return e;
}

/* errno / strerror / filename / filename2 of an OSError: the value kept at
 * construction, else derived from args as CPython does (errno and strerror
 * exist only when 2 to 5 arguments were given), else None. VAL_ERR without
 * an exception for any other name. */
Value exc_oserror_attr(VM *vm, Exc *e, Str *name)
{
    int which = str_eq_cstr(name, "errno")       ? 0
                : str_eq_cstr(name, "strerror")  ? 1
                : str_eq_cstr(name, "filename")  ? 2
                : str_eq_cstr(name, "filename2") ? 4
                                                 : -1;
    if (which < 0)
        return VAL_ERR;
    if (e->dict) {
        Value x = dict_get_str(e->dict, name);
        if (!IS_ERR(x)) {
            incref(x);
            return x;
        }
    }
    int64_t n = e->args->len;
    Value x = VAL_NONE;
    if (n >= 2 && n <= 5 && which < n)
        x = e->args->items[which];
    incref(x);
    return x;
}

/* str() of an OSError: "[Errno 2] No such file or directory: 'x'" when a
 * filename is known, "[Errno 111] Connect call failed" when errno and
 * strerror are; returns 1 after writing that, 0 when the plain exception
 * form applies, -1 on error. */
int exc_oserror_str(VM *vm, Exc *e, SBuf *b)
{
    Value err = exc_oserror_attr(vm, e, vm->n.errno_);
    Value msg = exc_oserror_attr(vm, e, vm->n.strerror);
    Value file = exc_oserror_attr(vm, e, vm->n.filename);
    int r = 0;
    if (e->args->len >= 2 && e->args->len <= 5) {
        r = 1;
        sb_adds(b, "[Errno ");
        if (val_str_into(vm, b, err) < 0 || (sb_adds(b, "] "), 0) ||
            val_str_into(vm, b, msg) < 0)
            r = -1;
        if (r == 1 && !IS_NONE(file)) {
            sb_adds(b, ": ");
            if (val_repr_into(vm, b, file) < 0)
                r = -1;
        }
    }
    decref(err);
    decref(msg);
    decref(file);
    return r;
}

void exc_destroy(VM *vm, Exc *e)
{
    obj_decref(e->dict);
    obj_decref(e->args);
    decref(e->cause);
    decref(e->context);
    decref(e->notes);
    decref(e->suggestion);
    obj_decref(e->group);
    for (int i = 0; i < e->ntb; i++) {
        obj_decref(e->tb[i].code);
        decref(e->tb[i].keep);
    }
    rt_free(e->tb);
}

void exc_add_tb(VM *vm, Exc *e, Code *code, int line, Value keep)
{
    if (!code)
        return;
    if (e->ntb == e->captb) {
        int cap = e->captb ? e->captb * 2 : 4;
        TbEntry *tb = rt_realloc(e->tb, (size_t)cap * sizeof *tb);
        if (!tb)
            return; /* a shorter traceback, not a failure */
        e->tb = tb;
        e->captb = cap;
    }
    TbEntry *en = &e->tb[e->ntb++];
    en->code = code;
    obj_incref(code);
    en->line = line;
    en->keep = keep;
    incref(keep);
}

void exc_set_keep(VM *vm, Exc *e, Value keep)
{
    /* The entry for the native call that raised: there is no frame entry
     * yet, so keep it with the exception itself. */
    if (e->ntb > 0) {
        incref(keep);
        val_set(&e->tb[e->ntb - 1].keep, keep);
        return;
    }
    if (!e->dict)
        e->dict = dict_new(vm);
    if (e->dict)
        dict_set_cstr(vm, e->dict, " keep", keep);
}

Value exc_from_raise_operand(VM *vm, Value v)
{
    if (IS_LAYOUT(v, CLASS)) {
        Class *c = (Class *)AS_OBJ(v);
        if (!class_is_subclass(c, vm->c.BaseException))
            return vm_raise_new(vm, vm->c.TypeError,
                                "exceptions must derive from BaseException");
        Value e = vm_call(vm, v, NULL, 0, NULL);
        if (IS_ERR(e))
            return e;
        if (!is_instance(vm, e, vm->c.BaseException)) {
            decref(e);
            return vm_raise_new(vm, vm->c.TypeError,
                                "calling %s should have returned an instance "
                                "of BaseException, not %s", c->name->data,
                                type_name(vm, e));
        }
        return e;
    }
    if (!is_instance(vm, v, vm->c.BaseException))
        return vm_raise_new(vm, vm->c.TypeError,
                            "exceptions must derive from BaseException");
    incref(v);
    return v;
}

int exc_set_cause(VM *vm, Value exc, Value cause)
{
    Exc *e = (Exc *)AS_OBJ(exc);
    Value c;
    if (IS_NONE(cause)) {
        c = VAL_NONE;
    } else {
        c = exc_from_raise_operand(vm, cause);
        if (IS_ERR(c)) {
            if (vm_exc_matches(vm, vm->c.TypeError)) {
                decref(vm_take_exc(vm));
                vm_raise_new(vm, vm->c.TypeError,
                             "exception causes must derive from "
                             "BaseException");
            }
            return -1;
        }
    }
    val_set(&e->cause, c);
    e->suppress_context = true;
    return 0;
}

int exc_matches_spec(VM *vm, Value exc, Value spec)
{
    if (IS_TUPLE(spec)) {
        Tuple *t = AS_TUPLE(spec);
        for (int64_t i = 0; i < t->len; i++) {
            int r = exc_matches_spec(vm, exc, t->items[i]);
            if (r)
                return r;
        }
        return 0;
    }
    if (!IS_LAYOUT(spec, CLASS) ||
        !class_is_subclass((Class *)AS_OBJ(spec), vm->c.BaseException)) {
        vm_raise_new(vm, vm->c.TypeError,
                     "catching classes that do not inherit from "
                     "BaseException is not allowed");
        return -1;
    }
    return is_instance(vm, exc, (Class *)AS_OBJ(spec));
}

/* ------------------------------------------------------------------------ */
/* "Did you mean": the closest name, as CPython 3.11 offers it              */
/* ------------------------------------------------------------------------ */

#define SUGGEST_MAX_ITEMS 750
#define SUGGEST_MAX_LEN 40
#define SUGGEST_MOVE 2 /* cost of inserting, deleting or replacing */
#define SUGGEST_CASE 1 /* cost of replacing by the same letter in another case */

static size_t sub_cost(char a, char b)
{
    if (a == b)
        return 0;
    if (a >= 'A' && a <= 'Z')
        a = (char)(a - 'A' + 'a');
    if (b >= 'A' && b <= 'Z')
        b = (char)(b - 'A' + 'a');
    return a == b ? SUGGEST_CASE : SUGGEST_MOVE;
}

/* Edit distance between a and b with the costs above, or more than limit
 * when it is certainly more (then the value returned is limit + 1). One
 * row of the matrix is kept, as the classic algorithm allows. */
static size_t edit_distance(const char *a, size_t na, const char *b,
                            size_t nb, size_t limit)
{
    while (na && nb && a[0] == b[0]) {
        a++;
        b++;
        na--;
        nb--;
    }
    while (na && nb && a[na - 1] == b[nb - 1]) {
        na--;
        nb--;
    }
    if (!na || !nb)
        return (na + nb) * SUGGEST_MOVE;
    if (na > SUGGEST_MAX_LEN || nb > SUGGEST_MAX_LEN)
        return limit + 1;
    if (nb < na) {
        const char *t = a;
        a = b;
        b = t;
        size_t tn = na;
        na = nb;
        nb = tn;
    }
    if ((nb - na) * SUGGEST_MOVE > limit)
        return limit + 1;
    size_t row[SUGGEST_MAX_LEN];
    for (size_t i = 0; i < na; i++)
        row[i] = (i + 1) * SUGGEST_MOVE;
    size_t result = 0;
    for (size_t j = 0; j < nb; j++) {
        size_t diag = j * SUGGEST_MOVE, best = (size_t)-1;
        result = diag;
        for (size_t i = 0; i < na; i++) {
            size_t substitute = diag + sub_cost(b[j], a[i]);
            diag = row[i];
            size_t ins_del = (result < diag ? result : diag) + SUGGEST_MOVE;
            result = ins_del < substitute ? ins_del : substitute;
            row[i] = result;
            if (result < best)
                best = result;
        }
        if (best > limit)
            return limit + 1;
    }
    return result;
}

/* The best candidate among names[0..n) for `wrong`, or NULL. */
static Str *best_name(Str *wrong, Str **names, int64_t n)
{
    if (n >= SUGGEST_MAX_ITEMS)
        return NULL;
    Str *best = NULL;
    size_t best_dist = (size_t)-1;
    for (int64_t i = 0; i < n; i++) {
        Str *c = names[i];
        if (str_eq(c, wrong))
            continue;
        size_t limit = ((size_t)wrong->len + (size_t)c->len + 3) *
                       SUGGEST_MOVE / 6;
        if (best_dist - 1 < limit)
            limit = best_dist - 1;
        size_t d = edit_distance(wrong->data, (size_t)wrong->len, c->data,
                                 (size_t)c->len, limit);
        if (d > limit)
            continue;
        if (!best || d < best_dist) {
            best = c;
            best_dist = d;
        }
    }
    return best;
}

static Str *best_in_dict(VM *vm, Str *wrong, Dict *d)
{
    if (!d || d->len >= SUGGEST_MAX_ITEMS)
        return NULL;
    Str *names[SUGGEST_MAX_ITEMS];
    int64_t n = 0, pos = 0;
    Value k;
    while (dict_next(d, &pos, &k, NULL))
        if (IS_STR(k))
            names[n++] = AS_STR(k);
    return best_name(wrong, names, n);
}

Value vm_raise_name_error(VM *vm, Str *name, Frame *f)
{
    vm_raise_new(vm, vm->c.NameError, "name '%s' is not defined", name->data);
    VMThread *t = vm_thread(vm);
    if (!IS_LAYOUT(t->exc, EXC))
        return VAL_ERR;
    /* Locals first, then globals, then builtins, as CPython looks. */
    Str *s = NULL;
    if (f && f->code && f->code->nlocals)
        s = best_name(name, f->code->varnames, f->code->nlocals);
    if (!s && f)
        s = best_in_dict(vm, name, f->globals);
    if (!s)
        s = best_in_dict(vm, name, vm->builtins);
    if (s) {
        Exc *e = (Exc *)AS_OBJ(t->exc);
        obj_incref(s);
        val_set(&e->suggestion, val_obj(s));
        e->suggest_obj = false;
    }
    return VAL_ERR;
}

Value vm_raise_attribute_error(VM *vm, Value obj, Str *name,
                               const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    Str *msg = str_vfmt(vm, fmt, ap);
    va_end(ap);
    if (!msg)
        return VAL_ERR;
    vm_raise_str(vm, vm->c.AttributeError, msg);
    obj_decref(msg);
    VMThread *t = vm_thread(vm);
    if (IS_LAYOUT(t->exc, EXC)) {
        /* Remember the object and the name: dir(obj) is searched only if
         * the traceback is printed. */
        Exc *e = (Exc *)AS_OBJ(t->exc);
        Tuple *pair = tuple_pack(vm, 2, obj, val_obj(name));
        if (pair) {
            val_set(&e->suggestion, val_obj(pair));
            e->suggest_obj = true;
        } else {
            decref(vm_take_exc(vm));
        }
    }
    return VAL_ERR;
}

/* The "Did you mean" candidate of an exception, or NULL. */
static Str *exc_suggestion(VM *vm, Exc *e)
{
    if (IS_STR(e->suggestion))
        return AS_STR(e->suggestion);
    if (!e->suggest_obj || !IS_TUPLE(e->suggestion))
        return NULL;
    Tuple *pair = AS_TUPLE(e->suggestion);
    Value names = vm_dir(vm, pair->items[0]);
    if (IS_ERR(names)) {
        decref(vm_take_exc(vm));
        return NULL;
    }
    List *l = AS_LIST(names);
    Str **arr = rt_malloc((size_t)(l->len ? l->len : 1) * sizeof(Str *));
    Str *best = NULL;
    if (arr) {
        int64_t n = 0;
        for (int64_t i = 0; i < l->len; i++)
            if (IS_STR(l->items[i]))
                arr[n++] = AS_STR(l->items[i]);
        best = best_name(AS_STR(pair->items[1]), arr, n);
        rt_free(arr);
    }
    if (best) {
        obj_incref(best);
        val_set(&e->suggestion, val_obj(best));
        e->suggest_obj = false;
    }
    decref(names);
    return best;
}

/* ------------------------------------------------------------------------ */
/* Printing                                                                 */
/* ------------------------------------------------------------------------ */

/* The source text of line n of the scenario (without indentation), or
 * NULL; writes its length. */
static const char *source_line(VM *vm, int n, size_t *len)
{
    if (!vm->source || n <= 0)
        return NULL;
    const char *p = vm->source, *end = vm->source + vm->source_len;
    for (int i = 1; i < n && p < end; i++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            return NULL;
        p = nl + 1;
    }
    if (p >= end)
        return NULL;
    const char *e = memchr(p, '\n', (size_t)(end - p));
    if (!e)
        e = end;
    while (p < e && (*p == ' ' || *p == '\t'))
        p++;
    while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
        e--;
    *len = (size_t)(e - p);
    return p;
}

Str *exc_format_last_line(VM *vm, Value exc)
{
    Class *cls = class_of(vm, exc);
    SBuf b;
    sb_init(&b);
    if (cls->module && strcmp(cls->module, "__main__") != 0 &&
        strcmp(cls->module, "builtins") != 0)
        sb_addf(&b, "%s.", cls->module);
    sb_addstr(&b, cls->qualname ? cls->qualname : cls->name);
    Str *msg = val_str(vm, exc);
    if (!msg) {
        decref(vm_take_exc(vm));
        sb_adds(&b, ": <exception str() failed>");
    } else if (msg->len) {
        sb_adds(&b, ": ");
        sb_addstr(&b, msg);
    }
    obj_decref(msg);
    return sb_finish(vm, &b);
}

/* Printing follows CPython's traceback module: a chain of exceptions
 * (causes and contexts first), and exception groups drawn as boxes whose
 * lines carry a margin ("  | ") per level of nesting. */
enum { GROUP_WIDTH_MAX = 15, GROUP_DEPTH_MAX = 10, CHAIN_MAX = 64 };

typedef struct PrintCtx {
    VM *vm;
    FILE *out;
    int depth;       /* exception-group nesting (0: not in a group) */
    bool need_close; /* the last box of a group still needs its bottom */
    Exc *seen[CHAIN_MAX]; /* exceptions already printed, against cycles */
    int nseen;
} PrintCtx;

/* Writes text (one or more lines, each ending in '\n') with the margin of
 * the current depth; `margin` is the character of the box's edge. */
static void emit(PrintCtx *c, const char *text, size_t len, char margin)
{
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *stop = nl ? nl + 1 : end;
        if (c->depth)
            fprintf(c->out, "%*s%c ", 2 * c->depth, "", margin);
        fwrite(p, 1, (size_t)(stop - p), c->out);
        if (!nl)
            fputc('\n', c->out);
        p = stop;
    }
}

static void emits(PrintCtx *c, const char *text)
{
    emit(c, text, strlen(text), '|');
}

static bool has_stack(const Exc *e)
{
    for (int i = 0; i < e->ntb; i++)
        if (!(e->tb[i].code->flags & CO_INTERNAL))
            return true;
    return false;
}

static void emit_stack(PrintCtx *c, const Exc *e)
{
    VM *vm = c->vm;
    SBuf b;
    for (int i = e->ntb; i-- > 0;) {
        const TbEntry *en = &e->tb[i];
        if (en->code->flags & CO_INTERNAL)
            continue;
        sb_init(&b);
        sb_addf(&b, "  File \"%s\", line %d, in %s\n",
                vm->display_filename ? vm->display_filename
                                     : en->code->filename->data,
                en->line, en->code->name->data);
        size_t len;
        const char *src = source_line(vm, en->line, &len);
        if (src && len)
            sb_addf(&b, "    %.*s\n", (int)len, src);
        emit(c, b.data ? b.data : "", b.len, '|');
        sb_free(&b);
    }
}

/* The exception's own lines: "Type: message" (with a suggestion for
 * names), then its notes. */
static void emit_exception_only(PrintCtx *c, Exc *e)
{
    VM *vm = c->vm;
    Str *last = exc_format_last_line(vm, val_obj(e));
    Class *cls = class_of_obj(&e->hdr);
    Str *hint = NULL;
    if (class_is_subclass(cls, vm->c.AttributeError) ||
        (class_is_subclass(cls, vm->c.NameError) &&
         !class_is_subclass(cls, vm->c.UnboundLocalError)))
        hint = exc_suggestion(vm, e);
    if (last) {
        SBuf b;
        sb_init(&b);
        sb_addstr(&b, last);
        if (hint)
            sb_addf(&b, ". Did you mean: '%s'?", hint->data);
        emit(c, b.data, b.len, '|');
        sb_free(&b);
    } else {
        decref(vm_take_exc(vm));
    }
    obj_decref(last);
    if (IS_LIST(e->notes)) {
        List *notes = AS_LIST(e->notes);
        for (int64_t i = 0; i < notes->len; i++) {
            Str *n = IS_STR(notes->items[i]) ? AS_STR(notes->items[i])
                                             : val_str(vm, notes->items[i]);
            if (n) {
                emit(c, n->data, n->len, '|');
                if (!IS_STR(notes->items[i]))
                    obj_decref(n);
            } else {
                decref(vm_take_exc(vm));
                emits(c, "<note str() failed>");
            }
        }
    }
}

static bool is_group(VM *vm, Exc *e)
{
    return class_is_subclass(class_of_obj(&e->hdr), vm->c.BaseExceptionGroup);
}

static void format_exc(PrintCtx *c, Exc *top);

/* One exception group: its traceback and line, then a box per
 * sub-exception (at most GROUP_WIDTH_MAX, then "and N more"). */
static void format_group(PrintCtx *c, Exc *e)
{
    if (c->depth > GROUP_DEPTH_MAX) {
        char msg[64];
        snprintf(msg, sizeof msg, "... (max_group_depth is %d)",
                 GROUP_DEPTH_MAX);
        emits(c, msg);
        return;
    }
    bool toplevel = c->depth == 0;
    if (toplevel)
        c->depth++;
    if (has_stack(e)) {
        const char *head = "Exception Group Traceback (most recent call last):\n";
        emit(c, head, strlen(head), toplevel ? '+' : '|');
        emit_stack(c, e);
    }
    emit_exception_only(c, e);
    Tuple *l = e->group;
    int64_t count = l ? l->len : 0;
    int64_t n = count <= GROUP_WIDTH_MAX ? count : GROUP_WIDTH_MAX + 1;
    c->need_close = false;
    for (int64_t i = 0; i < n; i++) {
        bool last = i == n - 1;
        if (last)
            c->need_close = true;
        bool truncated = i >= GROUP_WIDTH_MAX;
        char title[32];
        if (truncated)
            snprintf(title, sizeof title, "...");
        else
            snprintf(title, sizeof title, "%lld", (long long)(i + 1));
        fprintf(c->out, "%*s%s+---------------- %s ----------------\n",
                2 * c->depth, "", i == 0 ? "+-" : "  ", title);
        c->depth++;
        if (!truncated) {
            if (IS_LAYOUT(l->items[i], EXC))
                format_exc(c, (Exc *)AS_OBJ(l->items[i]));
        } else {
            char more[64];
            int64_t rest = count - GROUP_WIDTH_MAX;
            snprintf(more, sizeof more, "and %lld more exception%s",
                     (long long)rest, rest > 1 ? "s" : "");
            emits(c, more);
        }
        if (last && c->need_close) {
            fprintf(c->out, "%*s+------------------------------------\n",
                    2 * c->depth, "");
            c->need_close = false;
        }
        c->depth--;
    }
    if (toplevel)
        c->depth = 0;
}

static bool seen_before(PrintCtx *c, Exc *e)
{
    for (int i = 0; i < c->nseen; i++)
        if (c->seen[i] == e)
            return true;
    if (c->nseen < CHAIN_MAX)
        c->seen[c->nseen++] = e;
    return false;
}

/* An exception with its chain: the causes and contexts first, each
 * followed by the sentence that links it to the next. */
static void format_exc(PrintCtx *c, Exc *top)
{
    Exc *chain[CHAIN_MAX];
    const char *why[CHAIN_MAX];
    int n = 0;
    seen_before(c, top);
    Exc *e = top;
    const char *msg = NULL;
    while (e && n < CHAIN_MAX) {
        chain[n] = e;
        why[n++] = msg;
        Value next = VAL_NONE;
        if (!IS_NONE(e->cause)) {
            next = e->cause;
            msg = "\nThe above exception was the direct cause of the "
                  "following exception:\n\n";
        } else if (!IS_NONE(e->context) && !e->suppress_context) {
            next = e->context;
            msg = "\nDuring handling of the above exception, another "
                  "exception occurred:\n\n";
        }
        e = NULL;
        if (IS_LAYOUT(next, EXC) && !seen_before(c, (Exc *)AS_OBJ(next)))
            e = (Exc *)AS_OBJ(next);
    }
    for (int i = n; i-- > 0;) {
        Exc *x = chain[i];
        if (!is_group(c->vm, x)) {
            if (has_stack(x)) {
                emits(c, "Traceback (most recent call last):");
                emit_stack(c, x);
            }
            emit_exception_only(c, x);
        } else {
            format_group(c, x);
        }
        /* The sentence leading to the exception printed next. */
        if (i > 0 && why[i])
            emits(c, why[i]);
    }
}

void exc_print(VM *vm, Value exc, FILE *out)
{
    if (!out)
        return;
    fflush(vm->out);
    if (!IS_LAYOUT(exc, EXC)) {
        Str *s = val_repr(vm, exc);
        fprintf(out, "%s\n", s ? s->data : "?");
        obj_decref(s);
        return;
    }
    PrintCtx c = {.vm = vm, .out = out};
    format_exc(&c, (Exc *)AS_OBJ(exc));
    fflush(out);
}

/* ------------------------------------------------------------------------ */
/* The built-in exception classes                                           */
/* ------------------------------------------------------------------------ */

static Value exc_init(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Exc *e = (Exc *)AS_OBJ(args[0]);
    Tuple *t = tuple_new(vm, nargs - 1 - (kw ? (int)kw->len : 0));
    if (!t)
        return VAL_ERR;
    for (int64_t i = 0; i < t->len; i++) {
        incref(args[1 + i]);
        t->items[i] = args[1 + i];
    }
    obj_decref(e->args);
    e->args = t;
    return VAL_NONE;
}

static Value exc_with_traceback(VM *vm, Value *args, int nargs, Tuple *kw)
{
    incref(args[0]);
    return args[0];
}

static Value exc_add_note(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "add_note", args, nargs, kw, "self,note", a) < 0)
        return VAL_ERR;
    Exc *e = (Exc *)AS_OBJ(args[0]);
    if (!IS_LIST(e->notes)) {
        List *l = list_new(vm, 0);
        if (!l)
            return VAL_ERR;
        val_set(&e->notes, val_obj(l));
    }
    return list_append(vm, AS_LIST(e->notes), a[1]) < 0 ? VAL_ERR : VAL_NONE;
}

/* The entries visible to Python code (the prelude's frames are not). */
Value exc_traceback(VM *vm, Exc *e)
{
    Value next = VAL_NONE;
    /* tb[0] is where it was raised: the end of the tb_next chain. */
    for (int i = 0; i < e->ntb; i++) {
        if (e->tb[i].code->flags & CO_INTERNAL)
            continue;
        Instance *tb = obj_alloc(vm, vm->c.traceback, sizeof(Instance));
        Dict *d = tb ? dict_new(vm) : NULL;
        if (!tb || !d) {
            obj_decref(tb);
            decref(next);
            return VAL_ERR;
        }
        tb->dict = d;
        dict_set_cstr(vm, d, "tb_lineno", val_int(e->tb[i].line));
        dict_set_cstr(vm, d, "tb_next", next);
        dict_set_cstr(vm, d, "tb_frame", VAL_NONE);
        decref(next);
        next = val_obj(tb);
    }
    return next;
}

/* ------------------------------------------------------------------------ */
/* Exception groups: split, subgroup, derive, and except*                   */
/* ------------------------------------------------------------------------ */

static bool exc_is_group(VM *vm, Value v)
{
    return IS_LAYOUT(v, EXC) && ((Exc *)AS_OBJ(v))->group &&
           class_is_subclass(class_of(vm, v), vm->c.BaseExceptionGroup);
}

/* What split() keeps: exceptions of some types, those a predicate accepts,
 * or (for except*'s re-raise) the leaves in a list. */
typedef enum { COND_TYPES, COND_PREDICATE, COND_LEAVES } CondKind;

typedef struct Cond {
    CondKind kind;
    Value v;      /* types (a class or tuple), predicate, or List of leaves */
} Cond;

static int cond_holds(VM *vm, const Cond *c, Value exc)
{
    switch (c->kind) {
    case COND_TYPES:
        return exc_matches_spec(vm, exc, c->v);
    case COND_PREDICATE: {
        Value r = vm_call1(vm, c->v, exc);
        if (IS_ERR(r))
            return -1;
        int t = val_truthy(vm, r);
        decref(r);
        return t;
    }
    case COND_LEAVES: {
        List *l = AS_LIST(c->v);
        for (int64_t i = 0; i < l->len; i++)
            if (IS_OBJ(l->items[i]) && AS_OBJ(l->items[i]) == AS_OBJ(exc))
                return 1;
        return 0;
    }
    }
    return 0;
}

/* The metadata a part of a group shares with the whole: traceback, cause,
 * context and (a copy of) the notes. */
static int copy_metadata(VM *vm, Exc *to, const Exc *from)
{
    for (int i = 0; i < from->ntb; i++)
        exc_add_tb(vm, to, from->tb[i].code, from->tb[i].line,
                   from->tb[i].keep);
    val_set(&to->cause, from->cause);
    incref(from->cause);
    val_set(&to->context, from->context);
    incref(from->context);
    to->suppress_context = from->suppress_context;
    to->traced = from->traced;
    if (IS_LIST(from->notes)) {
        List *copy = val_to_list(vm, from->notes);
        if (!copy)
            return -1;
        val_set(&to->notes, val_obj(copy));
    }
    return 0;
}

/* eg.derive(excs): a group of the same message; a subclass may override
 * derive(). */
static Value group_derive(VM *vm, Value eg, Value excs)
{
    Class *cls = class_of(vm, eg);
    if (!cls->builtin) {
        Str *name = str_intern_cstr(vm, "derive");
        Value m = class_lookup(cls, name);
        if (!IS_ERR(m) && !IS_LAYOUT(m, NATIVE))
            return vm_call_method(vm, eg, name, &excs, 1);
    }
    Exc *e = (Exc *)AS_OBJ(eg);
    Value args[2] = {e->args->len ? e->args->items[0] : VAL_NONE, excs};
    return class_construct(vm, vm->c.BaseExceptionGroup, args, 2, NULL);
}

/* A part of `eg` made of `excs`, with eg's metadata. */
static Value group_part(VM *vm, Value eg, List *excs)
{
    Value part = group_derive(vm, eg, val_obj(excs));
    if (IS_ERR(part))
        return part;
    if (!IS_LAYOUT(part, EXC) ||
        !class_is_subclass(class_of(vm, part), vm->c.BaseExceptionGroup)) {
        decref(part);
        return vm_raise_new(vm, vm->c.TypeError,
                            "derive must return an instance of "
                            "BaseExceptionGroup");
    }
    if (copy_metadata(vm, (Exc *)AS_OBJ(part), (Exc *)AS_OBJ(eg)) < 0) {
        decref(part);
        return VAL_ERR;
    }
    return part;
}

/* The recursive split: *match and *rest receive new references (none for
 * an empty part); rest is skipped when `rest` is NULL (subgroup). */
static int group_split(VM *vm, Value exc, const Cond *c, Value *match,
                       Value *rest, int depth)
{
    *match = VAL_NONE;
    if (rest)
        *rest = VAL_NONE;
    if (depth > 200) {
        vm_raise_new(vm, vm->c.RecursionError,
                     "maximum recursion depth exceeded");
        return -1;
    }
    int r = cond_holds(vm, c, exc);
    if (r < 0)
        return -1;
    if (r) {
        incref(exc);
        *match = exc;
        return 0;
    }
    if (!exc_is_group(vm, exc)) {
        if (rest) {
            incref(exc);
            *rest = exc;
        }
        return 0;
    }
    Tuple *subs = ((Exc *)AS_OBJ(exc))->group;
    List *ml = list_new(vm, 0), *rl = rest ? list_new(vm, 0) : NULL;
    int rc = (!ml || (rest && !rl)) ? -1 : 0;
    for (int64_t i = 0; rc == 0 && i < subs->len; i++) {
        Value m, x;
        rc = group_split(vm, subs->items[i], c, &m, rest ? &x : NULL,
                         depth + 1);
        if (rc < 0)
            break;
        if (!IS_NONE(m) && list_append_steal(vm, ml, m) < 0)
            rc = -1;
        if (rest && !IS_NONE(x) && list_append_steal(vm, rl, x) < 0)
            rc = -1;
    }
    if (rc == 0 && ml->len) {
        *match = group_part(vm, exc, ml);
        if (IS_ERR(*match)) {
            *match = VAL_NONE;
            rc = -1;
        }
    }
    if (rc == 0 && rest && rl->len) {
        *rest = group_part(vm, exc, rl);
        if (IS_ERR(*rest)) {
            *rest = VAL_NONE;
            rc = -1;
        }
    }
    obj_decref(ml);
    obj_decref(rl);
    if (rc < 0) {
        decref(*match);
        *match = VAL_NONE;
        if (rest) {
            decref(*rest);
            *rest = VAL_NONE;
        }
    }
    return rc;
}

/* split()/subgroup()'s argument: an exception type, a tuple of them, or a
 * predicate. */
static int make_cond(VM *vm, Value v, Cond *c)
{
    c->v = v;
    if (IS_LAYOUT(v, CLASS) || IS_TUPLE(v)) {
        bool ok = true;
        if (IS_TUPLE(v)) {
            Tuple *t = AS_TUPLE(v);
            for (int64_t i = 0; i < t->len; i++)
                if (!IS_LAYOUT(t->items[i], CLASS) ||
                    !class_is_subclass((Class *)AS_OBJ(t->items[i]),
                                       vm->c.BaseException))
                    ok = false;
        } else {
            ok = class_is_subclass((Class *)AS_OBJ(v), vm->c.BaseException);
        }
        if (ok) {
            c->kind = COND_TYPES;
            return 0;
        }
    } else if (val_callable(vm, v)) {
        c->kind = COND_PREDICATE;
        return 0;
    }
    vm_raise_new(vm, vm->c.TypeError,
                 "expected an exception type, a tuple of exception types, "
                 "or a callable (other than a class)");
    return -1;
}

static Value eg_split(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "split", args, nargs, kw, "self,matcher_value", a) < 0)
        return VAL_ERR;
    Cond c;
    Value m, r;
    if (make_cond(vm, a[1], &c) < 0 ||
        group_split(vm, a[0], &c, &m, &r, 0) < 0)
        return VAL_ERR;
    Tuple *t = tuple_pack(vm, 2, m, r);
    decref(m);
    decref(r);
    return t ? val_obj(t) : VAL_ERR;
}

static Value eg_subgroup(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "subgroup", args, nargs, kw, "self,matcher_value",
                   a) < 0)
        return VAL_ERR;
    Cond c;
    Value m;
    if (make_cond(vm, a[1], &c) < 0 ||
        group_split(vm, a[0], &c, &m, NULL, 0) < 0)
        return VAL_ERR;
    return m;
}

static Value eg_derive(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "derive", args, nargs, kw, "self,excs", a) < 0)
        return VAL_ERR;
    Exc *e = (Exc *)AS_OBJ(a[0]);
    Value ctor_args[2] = {e->args->len ? e->args->items[0] : VAL_NONE, a[1]};
    return class_construct(vm, vm->c.BaseExceptionGroup, ctor_args, 2, NULL);
}

int exc_star_match(VM *vm, Value exc, Value type, Value *match, Value *rest)
{
    *match = *rest = VAL_NONE;
    /* The clause's type: exception classes, but never groups. */
    Value items[1] = {type};
    Value *ts = items;
    int64_t nt = 1;
    if (IS_TUPLE(type)) {
        ts = AS_TUPLE(type)->items;
        nt = AS_TUPLE(type)->len;
    }
    for (int64_t i = 0; i < nt; i++) {
        if (!IS_LAYOUT(ts[i], CLASS) ||
            !class_is_subclass((Class *)AS_OBJ(ts[i]), vm->c.BaseException)) {
            vm_raise_new(vm, vm->c.TypeError,
                         "catching classes that do not inherit from "
                         "BaseException is not allowed");
            return -1;
        }
        if (class_is_subclass((Class *)AS_OBJ(ts[i]),
                              vm->c.BaseExceptionGroup)) {
            vm_raise_new(vm, vm->c.TypeError,
                         "catching ExceptionGroup with except* is not "
                         "allowed. Use except instead.");
            return -1;
        }
    }
    if (IS_NONE(exc))
        return 0;
    int r = exc_matches_spec(vm, exc, type);
    if (r < 0)
        return -1;
    if (r) {
        if (exc_is_group(vm, exc)) {
            incref(exc);
            *match = exc;
            return 0;
        }
        /* A naked exception: wrapped in a group with its traceback. */
        Tuple *one = tuple_pack(vm, 1, exc);
        if (!one)
            return -1;
        Value args[2] = {val_obj(str_intern_cstr(vm, "")), val_obj(one)};
        Value g = class_construct(vm, vm->c.BaseExceptionGroup, args, 2, NULL);
        obj_decref(one);
        if (IS_ERR(g))
            return -1;
        const Exc *from = (const Exc *)AS_OBJ(exc);
        for (int i = 0; i < from->ntb; i++)
            exc_add_tb(vm, (Exc *)AS_OBJ(g), from->tb[i].code,
                       from->tb[i].line, from->tb[i].keep);
        *match = g;
        return 0;
    }
    if (exc_is_group(vm, exc)) {
        Cond c = {COND_TYPES, type};
        return group_split(vm, exc, &c, match, rest, 0);
    }
    incref(exc);
    *rest = exc;
    return 0;
}

/* Whether tracebacks, cause, context and notes are the very ones of
 * `orig`: the part was re-raised (bare raise), not raised anew. */
static bool same_metadata(const Exc *a, const Exc *b)
{
    if (a->ntb != b->ntb)
        return false;
    for (int i = 0; i < a->ntb; i++)
        if (a->tb[i].code != b->tb[i].code || a->tb[i].line != b->tb[i].line)
            return false;
    return val_is(a->cause, b->cause) && val_is(a->context, b->context) &&
           val_is(a->notes, b->notes);
}

/* Adds the leaves of exc (itself, or those of its sub-groups) to out. */
static int collect_leaves(VM *vm, Value exc, List *out, int depth)
{
    if (!exc_is_group(vm, exc) || depth > 200)
        return list_append(vm, out, exc);
    Tuple *subs = ((Exc *)AS_OBJ(exc))->group;
    for (int64_t i = 0; i < subs->len; i++)
        if (collect_leaves(vm, subs->items[i], out, depth + 1) < 0)
            return -1;
    return 0;
}

Value exc_star_reraise(VM *vm, Value orig, List *excs)
{
    if (!exc_is_group(vm, orig)) {
        /* A naked exception: at most one clause ran, so at most one
         * exception is left to raise. */
        for (int64_t i = 0; i < excs->len; i++)
            if (!IS_NONE(excs->items[i])) {
                incref(excs->items[i]);
                return excs->items[i];
            }
        return VAL_NONE;
    }
    List *raised = list_new(vm, 0), *leaves = list_new(vm, 0);
    Value result = VAL_ERR;
    if (!raised || !leaves)
        goto done;
    for (int64_t i = 0; i < excs->len; i++) {
        Value e = excs->items[i];
        if (IS_NONE(e))
            continue;
        bool again = IS_LAYOUT(e, EXC) &&
                     same_metadata((Exc *)AS_OBJ(e), (Exc *)AS_OBJ(orig));
        if ((again ? collect_leaves(vm, e, leaves, 0)
                   : list_append(vm, raised, e)) < 0)
            goto done;
    }
    /* The re-raised leaves, in the shape of the original group. */
    Value kept = VAL_NONE;
    if (leaves->len) {
        Cond c = {COND_LEAVES, val_obj(leaves)};
        if (group_split(vm, orig, &c, &kept, NULL, 0) < 0)
            goto done;
    }
    if (raised->len == 0) {
        result = kept;
    } else {
        if (!IS_NONE(kept) && list_append_steal(vm, raised, kept) < 0)
            goto done;
        if (raised->len == 1) {
            result = raised->items[0];
            incref(result);
        } else {
            Value args[2] = {val_obj(str_intern_cstr(vm, "")), val_obj(raised)};
            result = class_construct(vm, vm->c.BaseExceptionGroup, args, 2,
                                     NULL);
        }
    }
done:
    obj_decref(raised);
    obj_decref(leaves);
    return result;
}

void exc_init_classes(VM *vm)
{
    VMClasses *c = &vm->c;
    size_t sz = sizeof(Exc);
#define EXC(field, name, base, mod)                                          \
    do {                                                                     \
        c->field = class_new(vm, name, base, LAYOUT_EXC, sz, mod);           \
        c->field->subclassable = true;                                       \
    } while (0)
    EXC(BaseException, "BaseException", c->object, "builtins");
    EXC(Exception, "Exception", c->BaseException, "builtins");
    EXC(BaseExceptionGroup, "BaseExceptionGroup", c->BaseException,
        "builtins");
    EXC(GeneratorExit, "GeneratorExit", c->BaseException, "builtins");
    EXC(KeyboardInterrupt, "KeyboardInterrupt", c->BaseException, "builtins");
    EXC(SystemExit, "SystemExit", c->BaseException, "builtins");
    EXC(ArithmeticError, "ArithmeticError", c->Exception, "builtins");
    EXC(FloatingPointError, "FloatingPointError", c->ArithmeticError,
        "builtins");
    EXC(OverflowError, "OverflowError", c->ArithmeticError, "builtins");
    EXC(ZeroDivisionError, "ZeroDivisionError", c->ArithmeticError,
        "builtins");
    EXC(AssertionError, "AssertionError", c->Exception, "builtins");
    EXC(AttributeError, "AttributeError", c->Exception, "builtins");
    EXC(ExceptionGroup, "ExceptionGroup", c->BaseExceptionGroup, "builtins");
    EXC(ImportError, "ImportError", c->Exception, "builtins");
    EXC(ModuleNotFoundError, "ModuleNotFoundError", c->ImportError,
        "builtins");
    EXC(LookupError, "LookupError", c->Exception, "builtins");
    EXC(IndexError, "IndexError", c->LookupError, "builtins");
    EXC(KeyError, "KeyError", c->LookupError, "builtins");
    EXC(MemoryError, "MemoryError", c->Exception, "builtins");
    EXC(NameError, "NameError", c->Exception, "builtins");
    EXC(UnboundLocalError, "UnboundLocalError", c->NameError, "builtins");
    EXC(OSError, "OSError", c->Exception, "builtins");
    EXC(ConnectionError, "ConnectionError", c->OSError, "builtins");
    EXC(BrokenPipeError, "BrokenPipeError", c->ConnectionError, "builtins");
    EXC(ConnectionResetError, "ConnectionResetError", c->ConnectionError,
        "builtins");
    EXC(ConnectionRefusedError, "ConnectionRefusedError", c->ConnectionError,
        "builtins");
    EXC(ConnectionAbortedError, "ConnectionAbortedError", c->ConnectionError,
        "builtins");
    EXC(FileNotFoundError, "FileNotFoundError", c->OSError, "builtins");
    EXC(FileExistsError, "FileExistsError", c->OSError, "builtins");
    EXC(PermissionError, "PermissionError", c->OSError, "builtins");
    EXC(ProcessLookupError, "ProcessLookupError", c->OSError, "builtins");
    EXC(ChildProcessError, "ChildProcessError", c->OSError, "builtins");
    EXC(BlockingIOError, "BlockingIOError", c->OSError, "builtins");
    EXC(InterruptedError, "InterruptedError", c->OSError, "builtins");
    EXC(TimeoutError, "TimeoutError", c->OSError, "builtins");
    EXC(EOFError, "EOFError", c->Exception, "builtins");
    EXC(RuntimeError, "RuntimeError", c->Exception, "builtins");
    EXC(NotImplementedError, "NotImplementedError", c->RuntimeError,
        "builtins");
    EXC(RecursionError, "RecursionError", c->RuntimeError, "builtins");
    EXC(StopIteration, "StopIteration", c->Exception, "builtins");
    EXC(StopAsyncIteration, "StopAsyncIteration", c->Exception, "builtins");
    EXC(SyntaxError, "SyntaxError", c->Exception, "builtins");
    EXC(TypeError, "TypeError", c->Exception, "builtins");
    EXC(ValueError, "ValueError", c->Exception, "builtins");
    EXC(UnicodeError, "UnicodeError", c->ValueError, "builtins");
    EXC(UnicodeDecodeError, "UnicodeDecodeError", c->UnicodeError,
        "builtins");
    EXC(UnicodeEncodeError, "UnicodeEncodeError", c->UnicodeError,
        "builtins");
    EXC(Warning, "Warning", c->Exception, "builtins");
    EXC(RuntimeWarning, "RuntimeWarning", c->Warning, "builtins");
    EXC(DeprecationWarning, "DeprecationWarning", c->Warning, "builtins");
    EXC(UserWarning, "UserWarning", c->Warning, "builtins");
    EXC(CancelledError, "CancelledError", c->BaseException,
        "asyncio.exceptions");
    EXC(InvalidStateError, "InvalidStateError", c->Exception,
        "asyncio.exceptions");
    EXC(IncompleteReadError, "IncompleteReadError", c->Exception,
        "asyncio.exceptions");
    EXC(LimitOverrunError, "LimitOverrunError", c->Exception,
        "asyncio.exceptions");
    EXC(QueueEmpty, "QueueEmpty", c->Exception, "asyncio.queues");
    EXC(QueueFull, "QueueFull", c->Exception, "asyncio.queues");
    EXC(BrokenBarrierError, "BrokenBarrierError", c->RuntimeError,
        "asyncio.exceptions");
    EXC(BrokenExecutor, "BrokenExecutor", c->RuntimeError,
        "concurrent.futures._base");
    EXC(CFCancelledError, "CancelledError", c->Exception,
        "concurrent.futures._base");
    EXC(CFTimeoutError, "TimeoutError", c->TimeoutError, "builtins");
#undef EXC
    class_add_method(vm, c->BaseException, "__init__", exc_init);
    class_add_method(vm, c->BaseException, "with_traceback",
                     exc_with_traceback);
    class_add_method(vm, c->BaseException, "add_note", exc_add_note);
    class_add_method(vm, c->BaseExceptionGroup, "split", eg_split);
    class_add_method(vm, c->BaseExceptionGroup, "subgroup", eg_subgroup);
    class_add_method(vm, c->BaseExceptionGroup, "derive", eg_derive);
}
