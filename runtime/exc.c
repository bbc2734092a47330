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

static void print_one(VM *vm, Exc *e, FILE *out)
{
    bool any = false;
    for (int i = e->ntb; i-- > 0;) {
        TbEntry *en = &e->tb[i];
        if (en->code->flags & CO_INTERNAL)
            continue;
        if (!any)
            fputs("Traceback (most recent call last):\n", out);
        any = true;
        fprintf(out, "  File \"%s\", line %d, in %s\n",
                vm->display_filename ? vm->display_filename
                                     : en->code->filename->data,
                en->line, en->code->name->data);
        size_t len;
        const char *src = source_line(vm, en->line, &len);
        if (src && len)
            fprintf(out, "    %.*s\n", (int)len, src);
    }
    Str *last = exc_format_last_line(vm, val_obj(e));
    Class *cls = class_of_obj(&e->hdr);
    Str *hint = NULL;
    if (class_is_subclass(cls, vm->c.AttributeError) ||
        (class_is_subclass(cls, vm->c.NameError) &&
         !class_is_subclass(cls, vm->c.UnboundLocalError)))
        hint = exc_suggestion(vm, e);
    if (last && hint)
        fprintf(out, "%s. Did you mean: '%s'?\n", last->data, hint->data);
    else if (last)
        fprintf(out, "%s\n", last->data);
    else
        decref(vm_take_exc(vm));
    obj_decref(last);
    if (IS_LAYOUT(val_obj(e), EXC) && e->hdr.type &&
        class_is_subclass(class_of_obj(&e->hdr), vm->c.BaseExceptionGroup)) {
        /* Sub-exceptions of a group, indented as CPython draws them. */
        Value subs = e->args->len > 1 ? e->args->items[1] : VAL_NONE;
        List *l = IS_OBJ(subs) ? val_to_list(vm, subs) : NULL;
        for (int64_t i = 0; l && i < l->len; i++) {
            fprintf(out, "  +---------------- %lld ----------------\n",
                    (long long)(i + 1));
            Str *s = exc_format_last_line(vm, l->items[i]);
            if (s)
                fprintf(out, "    | %s\n", s->data);
            obj_decref(s);
        }
        if (l && l->len)
            fputs("  +------------------------------------\n", out);
        obj_decref(l);
    }
}

static void print_chain(VM *vm, Value exc, FILE *out, int depth)
{
    if (!IS_LAYOUT(exc, EXC) || depth > 32)
        return;
    Exc *e = (Exc *)AS_OBJ(exc);
    if (!IS_NONE(e->cause)) {
        print_chain(vm, e->cause, out, depth + 1);
        fputs("\nThe above exception was the direct cause of the following "
              "exception:\n\n", out);
    } else if (!IS_NONE(e->context) && !e->suppress_context) {
        print_chain(vm, e->context, out, depth + 1);
        fputs("\nDuring handling of the above exception, another exception "
              "occurred:\n\n", out);
    }
    print_one(vm, e, out);
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
    print_chain(vm, exc, out, 0);
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
}
