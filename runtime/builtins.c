/*
 * builtins.c - the built-in classes and functions: bootstrapping the class
 * hierarchy, constructors (what calling `int`, `list`, `range` or a user
 * class does), argument parsing for native functions, and the functions
 * of the builtins module (print, len, sorted, isinstance...).
 */
#include <ctype.h>
#include <math.h>
#include <string.h>

#include "lang.h"
#include "textfmt.h"

/* ------------------------------------------------------------------------ */
/* Argument parsing for natives                                             */
/* ------------------------------------------------------------------------ */

/* A parsed argument spec. Specs are string literals, so their address
 * identifies them: each is parsed once and kept in the VM's cache. */
typedef struct ArgSpec {
    const char *spec;        /* the literal, as a key */
    const char *names[16];
    uint8_t lens[16];
    int8_t nnames, nrequired, kwonly_from;
    bool has_self;
} ArgSpec;

static void spec_parse(const char *spec, ArgSpec *out)
{
    out->spec = spec;
    out->nnames = 0;
    out->nrequired = -1;
    out->kwonly_from = 16;
    out->has_self = strncmp(spec, "self", 4) == 0 &&
                    (spec[4] == 0 || spec[4] == ',' || spec[4] == '|');
    const char *p = spec;
    while (*p && out->nnames < 16) {
        if (*p == '|') {
            out->nrequired = out->nnames;
            p++;
            continue;
        }
        if (*p == '$') {
            out->kwonly_from = out->nnames;
            if (out->nrequired < 0)
                out->nrequired = out->nnames;
            p++;
            continue;
        }
        if (*p == ',') {
            p++;
            continue;
        }
        const char *s = p;
        while (*p && *p != ',' && *p != '|' && *p != '$')
            p++;
        out->names[out->nnames] = s;
        out->lens[out->nnames] = (uint8_t)(p - s);
        out->nnames++;
    }
    if (out->nrequired < 0)
        out->nrequired = out->nnames;
}

static const ArgSpec *spec_get(VM *vm, const char *spec, ArgSpec *tmp)
{
    if (!vm->argspecs)
        vm->argspecs = rt_calloc(256, sizeof(ArgSpec));
    if (!vm->argspecs) {
        spec_parse(spec, tmp);
        return tmp;
    }
    ArgSpec *cache = vm->argspecs;
    uintptr_t h = ((uintptr_t)spec >> 3) & 255;
    if (cache[h].spec != spec)
        spec_parse(spec, &cache[h]);
    return &cache[h];
}

int args_parse(VM *vm, const char *fname, Value *args, int nargs,
               Tuple *kwnames, const char *spec, Value *out)
{
    ArgSpec tmp;
    const ArgSpec *sp = spec_get(vm, spec, &tmp);
    int nnames = sp->nnames, nrequired = sp->nrequired;
    int kwonly_from = sp->kwonly_from;
    int nkw = kwnames ? (int)kwnames->len : 0;
    int npos = nargs - nkw;
    int shown = sp->has_self ? 1 : 0;
    int maxpos = kwonly_from < nnames ? kwonly_from : nnames;
    /* The common case: positional arguments only, in range. */
    if (!nkw && npos <= maxpos && npos >= nrequired) {
        if (out) {
            for (int i = 0; i < npos; i++)
                out[i] = args[i];
            for (int i = npos; i < nnames; i++)
                out[i] = VAL_ERR;
        }
        return 0;
    }
    if (npos > maxpos) {
        if (maxpos - shown == 0)
            vm_raise_new(vm, vm->c.TypeError,
                         "%s() takes no arguments (%d given)", fname,
                         npos - shown);
        else if (nrequired == maxpos)
            vm_raise_new(vm, vm->c.TypeError,
                         "%s() takes exactly %s (%d given)", fname,
                         maxpos - shown == 1 ? "one argument"
                                             : "the given arguments",
                         npos - shown);
        else
            vm_raise_new(vm, vm->c.TypeError,
                         "%s() takes at most %d argument%s (%d given)", fname,
                         maxpos - shown, maxpos - shown == 1 ? "" : "s",
                         npos - shown);
        return -1;
    }
    Value tmpv[16];
    Value *o = out ? out : tmpv;
    for (int i = 0; i < nnames; i++)
        o[i] = i < npos ? args[i] : VAL_ERR;
    for (int k = 0; k < nkw; k++) {
        Str *kn = AS_STR(kwnames->items[k]);
        int idx = -1;
        for (int i = shown; i < nnames; i++)
            if (sp->lens[i] == (size_t)kn->len &&
                memcmp(sp->names[i], kn->data, sp->lens[i]) == 0)
                idx = i;
        if (idx < 0) {
            vm_raise_new(vm, vm->c.TypeError,
                         "%s() got an unexpected keyword argument '%s'",
                         fname, kn->data);
            return -1;
        }
        if (!IS_ERR(o[idx])) {
            vm_raise_new(vm, vm->c.TypeError,
                         "argument for %s() given by name ('%s') and "
                         "position (%d)", fname, kn->data, idx + 1 - shown);
            return -1;
        }
        o[idx] = args[npos + k];
    }
    for (int i = 0; i < nrequired; i++)
        if (IS_ERR(o[i])) {
            if (nrequired - shown == 1 && nnames == nrequired)
                vm_raise_new(vm, vm->c.TypeError,
                             "%s() takes exactly one argument (%d given)",
                             fname, npos - shown);
            else
                vm_raise_new(vm, vm->c.TypeError,
                             "%s() missing required argument '%.*s' (pos %d)",
                             fname, (int)sp->lens[i], sp->names[i],
                             i + 1 - shown);
            return -1;
        }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Constructors                                                             */
/* ------------------------------------------------------------------------ */

static int no_kwargs(VM *vm, const char *name, Tuple *kw)
{
    if (kw && kw->len) {
        vm_raise_new(vm, vm->c.TypeError, "%s() takes no keyword arguments",
                     name);
        return -1;
    }
    return 0;
}

static Value ctor_object(VM *vm, Class *cls, Value *args, int nargs,
                         Tuple *kw)
{
    if (cls == vm->c.object && nargs > 0)
        return vm_raise_new(vm, vm->c.TypeError,
                            "object() takes no arguments");
    if (!(cls->slots & SLOT_INIT) && nargs > 0 && cls != vm->c.object)
        return vm_raise_new(vm, vm->c.TypeError,
                            "%s() takes no arguments", cls->name->data);
    Instance *o = obj_alloc(vm, cls, sizeof(Instance));
    return o ? val_obj(o) : VAL_ERR;
}

static Value ctor_exc(VM *vm, Class *cls, Value *args, int nargs, Tuple *kw)
{
    int npos = nargs - (kw ? (int)kw->len : 0);
    if (kw && kw->len && !(cls->slots & SLOT_INIT))
        return vm_raise_new(vm, vm->c.TypeError,
                            "%s() takes no keyword arguments", cls->name->data);
    if (cls->builtin && class_is_subclass(cls, vm->c.OSError))
        return exc_oserror_new(vm, cls, args, npos);
    Tuple *t = tuple_new(vm, npos);
    if (!t)
        return VAL_ERR;
    for (int i = 0; i < npos; i++) {
        incref(args[i]);
        t->items[i] = args[i];
    }
    Tuple *subs = NULL;
    if (class_is_subclass(cls, vm->c.BaseExceptionGroup)) {
        if (npos != 2 || !IS_STR(args[0])) {
            obj_decref(t);
            return vm_raise_new(vm, vm->c.TypeError,
                                "BaseExceptionGroup.__new__() takes exactly 2 "
                                "arguments (%d given)", npos);
        }
        List *l = val_to_list(vm, args[1]);
        if (!l) {
            obj_decref(t);
            return VAL_ERR;
        }
        if (l->len == 0) {
            obj_decref(l);
            obj_decref(t);
            return vm_raise_new(vm, vm->c.ValueError,
                                "second argument (exceptions) must be a "
                                "non-empty sequence");
        }
        bool all_exc = true;
        for (int64_t i = 0; i < l->len; i++)
            if (!is_instance(vm, l->items[i], vm->c.Exception))
                all_exc = false;
        /* BaseExceptionGroup of plain Exceptions is an ExceptionGroup. */
        if (cls == vm->c.BaseExceptionGroup && all_exc)
            cls = vm->c.ExceptionGroup;
        if (class_is_subclass(cls, vm->c.ExceptionGroup) && !all_exc) {
            obj_decref(l);
            obj_decref(t);
            return vm_raise_new(vm, vm->c.TypeError,
                                "Cannot nest BaseExceptions in an "
                                "ExceptionGroup");
        }
        subs = tuple_new(vm, l->len);
        for (int64_t i = 0; subs && i < l->len; i++) {
            incref(l->items[i]);
            subs->items[i] = l->items[i];
        }
        obj_decref(l);
        if (!subs) {
            obj_decref(t);
            return VAL_ERR;
        }
    }
    Value e = exc_new(vm, cls, t);
    obj_decref(t);
    if (IS_ERR(e))
        obj_decref(subs);
    else
        ((Exc *)AS_OBJ(e))->group = subs; /* moved */
    return e;
}

static Value to_int(VM *vm, Value v, Value base)
{
    const char *msg = NULL;
    if (!IS_ERR(base)) {
        if (!IS_STR(v) && !IS_LAYOUT(v, BYTES))
            return vm_raise_new(vm, vm->c.TypeError,
                                "int() can't convert non-string with explicit "
                                "base");
    }
    if (IS_INT(v))
        return v;
    if (IS_BOOL(v))
        return val_int(AS_INT(v));
    if (IS_FLOAT(v)) {
        int64_t r;
        int rc = rt_float_to_int(AS_FLOAT(v), &r, &msg);
        if (rc)
            return vm_raise_new(vm, rc == RT_FMT_EVALUE ? vm->c.ValueError
                                                        : vm->c.OverflowError,
                                "%s", msg);
        return val_int(r);
    }
    if (IS_STR(v) || IS_LAYOUT(v, BYTES)) {
        int b = 10;
        if (!IS_ERR(base)) {
            if (!IS_INT(base))
                return vm_raise_new(vm, vm->c.TypeError,
                                    "'%s' object cannot be interpreted as an "
                                    "integer", type_name(vm, base));
            b = (int)AS_INT(base);
        }
        const char *s = IS_STR(v) ? AS_STR(v)->data
                                  : (const char *)((Bytes *)AS_OBJ(v))->data;
        size_t n = IS_STR(v) ? (size_t)AS_STR(v)->len
                             : (size_t)((Bytes *)AS_OBJ(v))->len;
        int64_t r;
        char err[300];
        int rc = rt_parse_int(s, n, b, &r, err, sizeof err);
        if (rc)
            return vm_raise_new(vm, rc == RT_FMT_EOVERFLOW
                                        ? vm->c.OverflowError
                                        : vm->c.ValueError,
                                "%s", err);
        return val_int(r);
    }
    if (IS_OBJ(v) && !class_of(vm, v)->builtin) {
        Str *nm = str_intern_cstr(vm, "__int__");
        Value m = class_lookup(class_of(vm, v), nm);
        if (!IS_ERR(m))
            return vm_call1(vm, m, v);
    }
    return vm_raise_new(vm, vm->c.TypeError,
                        "int() argument must be a string, a bytes-like object "
                        "or a real number, not '%s'", type_name(vm, v));
}

static Value ctor_int(VM *vm, Class *cls, Value *args, int nargs, Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "int", args, nargs, kw, "|x,base", a) < 0)
        return VAL_ERR;
    if (IS_ERR(a[0]))
        return val_int(0);
    return to_int(vm, a[0], a[1]);
}

static Value ctor_float(VM *vm, Class *cls, Value *args, int nargs,
                        Tuple *kw)
{
    if (no_kwargs(vm, "float", kw) < 0)
        return VAL_ERR;
    if (nargs > 1)
        return vm_raise_new(vm, vm->c.TypeError,
                            "float expected at most 1 argument, got %d",
                            nargs);
    if (nargs == 0)
        return val_float(0.0);
    Value v = args[0];
    if (IS_FLOAT(v))
        return v;
    if (IS_INT(v) || IS_BOOL(v))
        return val_float((double)AS_INT(v));
    if (IS_STR(v)) {
        double d;
        char err[300];
        int rc = rt_parse_float(AS_STR(v)->data, (size_t)AS_STR(v)->len, &d,
                                err, sizeof err);
        if (rc)
            return vm_raise_new(vm, vm->c.ValueError, "%s", err);
        return val_float(d);
    }
    return vm_raise_new(vm, vm->c.TypeError,
                        "float() argument must be a string or a real number, "
                        "not '%s'", type_name(vm, v));
}

static Value ctor_bool(VM *vm, Class *cls, Value *args, int nargs, Tuple *kw)
{
    if (no_kwargs(vm, "bool", kw) < 0)
        return VAL_ERR;
    if (nargs > 1)
        return vm_raise_new(vm, vm->c.TypeError,
                            "bool expected at most 1 argument, got %d", nargs);
    if (nargs == 0)
        return VAL_FALSE;
    int t = val_truthy(vm, args[0]);
    return t < 0 ? VAL_ERR : val_bool(t);
}

static Value ctor_str(VM *vm, Class *cls, Value *args, int nargs, Tuple *kw)
{
    Value a[3];
    if (args_parse(vm, "str", args, nargs, kw, "|object,encoding,errors", a) <
        0)
        return VAL_ERR;
    if (IS_ERR(a[0])) {
        obj_incref(vm->empty_str);
        return val_obj(vm->empty_str);
    }
    if (!IS_ERR(a[1]) && IS_LAYOUT(a[0], BYTES)) {
        Bytes *b = (Bytes *)AS_OBJ(a[0]);
        Str *s = str_new(vm, (const char *)b->data, (size_t)b->len);
        return s ? val_obj(s) : VAL_ERR;
    }
    Str *s = val_str(vm, a[0]);
    return s ? val_obj(s) : VAL_ERR;
}

static Value ctor_bytes(VM *vm, Class *cls, Value *args, int nargs,
                        Tuple *kw)
{
    Value a[3];
    if (args_parse(vm, "bytes", args, nargs, kw, "|source,encoding,errors", a) <
        0)
        return VAL_ERR;
    if (IS_ERR(a[0]))
        return val_obj(bytes_new(vm, "", 0));
    if (IS_STR(a[0])) {
        if (IS_ERR(a[1]))
            return vm_raise_new(vm, vm->c.TypeError,
                                "string argument without an encoding");
        Bytes *b = bytes_new(vm, AS_STR(a[0])->data,
                             (size_t)AS_STR(a[0])->len);
        return b ? val_obj(b) : VAL_ERR;
    }
    if (IS_INT(a[0])) {
        if (AS_INT(a[0]) < 0)
            return vm_raise_new(vm, vm->c.ValueError, "negative count");
        Bytes *b = bytes_new(vm, NULL, (size_t)AS_INT(a[0]));
        if (b)
            memset(b->data, 0, (size_t)b->len);
        return b ? val_obj(b) : VAL_ERR;
    }
    List *l = val_to_list(vm, a[0]);
    if (!l)
        return VAL_ERR;
    Bytes *b = bytes_new(vm, NULL, (size_t)l->len);
    for (int64_t i = 0; b && i < l->len; i++) {
        Value x = l->items[i];
        if (!IS_INT(x) || AS_INT(x) < 0 || AS_INT(x) > 255) {
            obj_decref(b);
            obj_decref(l);
            return vm_raise_new(vm, vm->c.ValueError,
                                "bytes must be in range(0, 256)");
        }
        b->data[i] = (unsigned char)AS_INT(x);
    }
    obj_decref(l);
    return b ? val_obj(b) : VAL_ERR;
}

static Value ctor_list(VM *vm, Class *cls, Value *args, int nargs, Tuple *kw)
{
    if (no_kwargs(vm, "list", kw) < 0)
        return VAL_ERR;
    if (nargs > 1)
        return vm_raise_new(vm, vm->c.TypeError,
                            "list expected at most 1 argument, got %d", nargs);
    List *l = nargs ? val_to_list(vm, args[0]) : list_new(vm, 0);
    return l ? val_obj(l) : VAL_ERR;
}

static Value ctor_tuple(VM *vm, Class *cls, Value *args, int nargs,
                        Tuple *kw)
{
    if (no_kwargs(vm, "tuple", kw) < 0)
        return VAL_ERR;
    if (nargs > 1)
        return vm_raise_new(vm, vm->c.TypeError,
                            "tuple expected at most 1 argument, got %d",
                            nargs);
    if (nargs == 0) {
        obj_incref(vm->empty_tuple);
        return val_obj(vm->empty_tuple);
    }
    if (IS_TUPLE(args[0])) {
        incref(args[0]);
        return args[0];
    }
    List *l = val_to_list(vm, args[0]);
    if (!l)
        return VAL_ERR;
    Tuple *t = tuple_new(vm, l->len);
    for (int64_t i = 0; t && i < l->len; i++) {
        incref(l->items[i]);
        t->items[i] = l->items[i];
    }
    obj_decref(l);
    return t ? val_obj(t) : VAL_ERR;
}

static Value ctor_dict(VM *vm, Class *cls, Value *args, int nargs, Tuple *kw)
{
    int npos = nargs - (kw ? (int)kw->len : 0);
    if (npos > 1)
        return vm_raise_new(vm, vm->c.TypeError,
                            "dict expected at most 1 argument, got %d", npos);
    Dict *d = dict_new(vm);
    if (!d)
        return VAL_ERR;
    if (npos == 1 && dict_update_from(vm, d, args[0]) < 0) {
        obj_decref(d);
        return VAL_ERR;
    }
    for (int i = 0; kw && i < kw->len; i++)
        if (dict_set(vm, d, kw->items[i], args[npos + i]) < 0) {
            obj_decref(d);
            return VAL_ERR;
        }
    return val_obj(d);
}

static Value make_set(VM *vm, Value *args, int nargs, Tuple *kw, bool frozen)
{
    const char *name = frozen ? "frozenset" : "set";
    if (no_kwargs(vm, name, kw) < 0)
        return VAL_ERR;
    if (nargs > 1)
        return vm_raise_new(vm, vm->c.TypeError,
                            "%s expected at most 1 argument, got %d", name,
                            nargs);
    Set *s = set_new(vm, frozen);
    if (!s)
        return VAL_ERR;
    if (nargs && set_update_from(vm, s, args[0]) < 0) {
        obj_decref(s);
        return VAL_ERR;
    }
    return val_obj(s);
}

static Value ctor_set(VM *vm, Class *cls, Value *args, int nargs, Tuple *kw)
{
    return make_set(vm, args, nargs, kw, false);
}

static Value ctor_frozenset(VM *vm, Class *cls, Value *args, int nargs,
                            Tuple *kw)
{
    return make_set(vm, args, nargs, kw, true);
}

static int index_arg(VM *vm, Value v, int64_t *out)
{
    if (IS_INT(v) || IS_BOOL(v)) {
        *out = AS_INT(v);
        return 0;
    }
    vm_raise_new(vm, vm->c.TypeError,
                 "'%s' object cannot be interpreted as an integer",
                 type_name(vm, v));
    return -1;
}

static Value ctor_range(VM *vm, Class *cls, Value *args, int nargs,
                        Tuple *kw)
{
    if (no_kwargs(vm, "range", kw) < 0)
        return VAL_ERR;
    if (nargs < 1 || nargs > 3)
        return vm_raise_new(vm, vm->c.TypeError,
                            nargs < 1 ? "range expected at least 1 argument, "
                                        "got 0"
                                      : "range expected at most 3 arguments, "
                                        "got %d", nargs);
    int64_t start = 0, stop, step = 1;
    if (nargs == 1) {
        if (index_arg(vm, args[0], &stop) < 0)
            return VAL_ERR;
    } else {
        if (index_arg(vm, args[0], &start) < 0 ||
            index_arg(vm, args[1], &stop) < 0 ||
            (nargs == 3 && index_arg(vm, args[2], &step) < 0))
            return VAL_ERR;
    }
    if (step == 0)
        return vm_raise_new(vm, vm->c.ValueError,
                            "range() arg 3 must not be zero");
    Range *r = obj_alloc(vm, vm->c.range, sizeof(Range));
    if (!r)
        return VAL_ERR;
    r->start = start;
    r->stop = stop;
    r->step = step;
    if (step > 0)
        r->len = stop > start ? (stop - start - 1) / step + 1 : 0;
    else
        r->len = start > stop ? (start - stop - 1) / (-step) + 1 : 0;
    return val_obj(r);
}

static Value ctor_slice(VM *vm, Class *cls, Value *args, int nargs,
                        Tuple *kw)
{
    if (nargs < 1 || nargs > 3)
        return vm_raise_new(vm, vm->c.TypeError,
                            "slice expected at least 1 argument, got %d",
                            nargs);
    Slice *s = obj_alloc(vm, vm->c.slice, sizeof(Slice));
    if (!s)
        return VAL_ERR;
    Value a = nargs > 1 ? args[0] : VAL_NONE;
    Value b = nargs > 1 ? args[1] : args[0];
    Value c = nargs > 2 ? args[2] : VAL_NONE;
    incref(a);
    incref(b);
    incref(c);
    s->start = a;
    s->stop = b;
    s->step = c;
    return val_obj(s);
}

static Value ctor_type(VM *vm, Class *cls, Value *args, int nargs, Tuple *kw)
{
    if (nargs == 1) {
        Class *c = class_of(vm, args[0]);
        obj_incref(c);
        return val_obj(c);
    }
    return vm_raise_new(vm, vm->c.TypeError,
                        "type() with 3 arguments is not supported in "
                        "scenarios");
}

static Value wrap_func(VM *vm, Class *cls, Value *args, int nargs,
                       Tuple *kw, const char *name)
{
    if (nargs != 1)
        return vm_raise_new(vm, vm->c.TypeError,
                            "%s expected 1 argument, got %d", name, nargs);
    Wrapper *w = obj_alloc(vm, cls, sizeof(Wrapper));
    if (!w)
        return VAL_ERR;
    w->func = args[0];
    incref(args[0]);
    return val_obj(w);
}

static Value ctor_staticmethod(VM *vm, Class *cls, Value *args, int nargs,
                               Tuple *kw)
{
    return wrap_func(vm, cls, args, nargs, kw, "staticmethod");
}

static Value ctor_classmethod(VM *vm, Class *cls, Value *args, int nargs,
                              Tuple *kw)
{
    return wrap_func(vm, cls, args, nargs, kw, "classmethod");
}

static Value ctor_property(VM *vm, Class *cls, Value *args, int nargs,
                           Tuple *kw)
{
    Value a[4];
    if (args_parse(vm, "property", args, nargs, kw, "|fget,fset,fdel,doc", a) <
        0)
        return VAL_ERR;
    Property *p = obj_alloc(vm, cls, sizeof(Property));
    if (!p)
        return VAL_ERR;
    p->fget = IS_ERR(a[0]) ? VAL_NONE : a[0];
    p->fset = IS_ERR(a[1]) ? VAL_NONE : a[1];
    incref(p->fget);
    incref(p->fset);
    return val_obj(p);
}

/* property.setter(func) returns a copy with the setter. */
static Value m_property_setter(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "setter", args, nargs, kw, "self,fset", a) < 0)
        return VAL_ERR;
    Property *old = (Property *)AS_OBJ(args[0]);
    Property *p = obj_alloc(vm, vm->c.property, sizeof(Property));
    if (!p)
        return VAL_ERR;
    p->fget = old->fget;
    incref(p->fget);
    p->fset = a[1];
    incref(a[1]);
    return val_obj(p);
}

/* super(): the class that defined the running function, and its self. */
static Value ctor_super(VM *vm, Class *cls, Value *args, int nargs, Tuple *kw)
{
    Class *owner = NULL;
    Value self = VAL_ERR;
    if (nargs == 2) {
        if (!IS_LAYOUT(args[0], CLASS))
            return vm_raise_new(vm, vm->c.TypeError,
                                "super() argument 1 must be a type, not %s",
                                type_name(vm, args[0]));
        owner = (Class *)AS_OBJ(args[0]);
        self = args[1];
    } else if (nargs == 0) {
        VMThread *t = vm_thread(vm);
        Frame *f = t->frame;
        if (!f || !f->func || !f->func->owner)
            return vm_raise_new(vm, vm->c.RuntimeError,
                                "super(): no arguments");
        owner = f->func->owner;
        if (f->code->nlocals == 0 || IS_ERR(FRAME_SLOTS(f)[0]))
            return vm_raise_new(vm, vm->c.RuntimeError,
                                "super(): no arguments");
        self = FRAME_SLOTS(f)[0];
        if (f->code->ncells) {
            /* self captured by a closure lives in its cell. */
            for (int i = 0; i < f->code->ncells; i++)
                if (f->code->cell2local[i] == 0)
                    self = ((Cell *)AS_OBJ(FRAME_SLOTS(f)[f->code->nlocals + i]))->v;
        }
    } else {
        return vm_raise_new(vm, vm->c.TypeError,
                            "super() takes 0 or 2 arguments");
    }
    return iter_new(vm, vm->c.super, self, val_obj(owner), 0, 0);
}

/* Attribute lookup through super(): start after the owner class. */
Value super_getattr(VM *vm, Value sup, Str *name)
{
    Iter *s = (Iter *)AS_OBJ(sup);
    Class *owner = (Class *)AS_OBJ(s->extra);
    Value self = s->src;
    for (Class *c = owner->base; c; c = c->base) {
        Value v = c->dict ? dict_get_str(c->dict, name) : VAL_ERR;
        if (IS_ERR(v))
            continue;
        if (IS_LAYOUT(v, FUNCTION) ||
            (IS_LAYOUT(v, NATIVE) &&
             (((Native *)AS_OBJ(v))->flags & NF_METHOD))) {
            Bound *b = obj_alloc(vm, vm->c.method, sizeof(Bound));
            if (!b)
                return VAL_ERR;
            b->self = self;
            incref(self);
            b->func = v;
            incref(v);
            return val_obj(b);
        }
        if (IS_LAYOUT(v, CLASSMETHOD)) {
            Bound *b = obj_alloc(vm, vm->c.method, sizeof(Bound));
            if (!b)
                return VAL_ERR;
            Class *sc = IS_LAYOUT(self, CLASS) ? (Class *)AS_OBJ(self)
                                               : class_of(vm, self);
            b->self = val_obj(sc);
            obj_incref(sc);
            b->func = ((Wrapper *)AS_OBJ(v))->func;
            incref(b->func);
            return val_obj(b);
        }
        if (IS_LAYOUT(v, PROPERTY))
            return vm_call1(vm, ((Property *)AS_OBJ(v))->fget, self);
        incref(v);
        return v;
    }
    return vm_raise_new(vm, vm->c.AttributeError,
                        "'super' object has no attribute '%s'", name->data);
}

static Value ctor_iterwrap(VM *vm, Class *cls, Value *args, int nargs,
                           Tuple *kw)
{
    VMClasses *c = &vm->c;
    if (cls == c->enumerate) {
        Value a[2];
        if (args_parse(vm, "enumerate", args, nargs, kw, "iterable|start", a) <
            0)
            return VAL_ERR;
        int64_t start = 0;
        if (!IS_ERR(a[1]) && index_arg(vm, a[1], &start) < 0)
            return VAL_ERR;
        Value it = val_iter(vm, a[0]);
        if (IS_ERR(it))
            return it;
        Value r = iter_new(vm, cls, it, VAL_NONE, start, 0);
        decref(it);
        return r;
    }
    if (cls == c->zip || cls == c->map) {
        int first = cls == c->map ? 1 : 0;
        int npos = nargs - (kw ? (int)kw->len : 0);
        bool strict = false;
        for (int i = 0; kw && i < kw->len; i++) {
            if (cls == c->zip && str_eq_cstr(AS_STR(kw->items[i]), "strict"))
                strict = val_truthy(vm, args[npos + i]) == 1;
            else
                return vm_raise_new(vm, vm->c.TypeError,
                                    "%s() takes no keyword arguments",
                                    cls->name->data);
        }
        if (cls == c->map && npos < 2)
            return vm_raise_new(vm, vm->c.TypeError,
                                "map() must have at least two arguments.");
        Tuple *its = tuple_new(vm, npos - first);
        if (!its)
            return VAL_ERR;
        for (int i = first; i < npos; i++) {
            Value it = val_iter(vm, args[i]);
            if (IS_ERR(it)) {
                obj_decref(its);
                if (cls == c->zip && vm_exc_matches(vm, vm->c.TypeError)) {
                    decref(vm_take_exc(vm));
                    return vm_raise_new(vm, vm->c.TypeError,
                                        "'%s' object is not iterable",
                                        type_name(vm, args[i]));
                }
                return VAL_ERR;
            }
            its->items[i - first] = it;
        }
        Value r = iter_new(vm, cls, val_obj(its),
                           first ? args[0] : VAL_NONE, strict, 0);
        obj_decref(its);
        return r;
    }
    if (cls == c->filter) {
        if (nargs != 2)
            return vm_raise_new(vm, vm->c.TypeError,
                                "filter expected 2 arguments, got %d", nargs);
        Value it = val_iter(vm, args[1]);
        if (IS_ERR(it))
            return it;
        Value r = iter_new(vm, cls, it, args[0], 0, 0);
        decref(it);
        return r;
    }
    if (cls == c->reversed) {
        if (nargs != 1)
            return vm_raise_new(vm, vm->c.TypeError,
                                "reversed expected 1 argument, got %d", nargs);
        Value seq = args[0];
        if (IS_DICT(seq)) {
            List *keys = val_to_list(vm, seq);
            if (!keys)
                return VAL_ERR;
            Value r = iter_new(vm, cls, val_obj(keys), VAL_NONE, keys->len, 0);
            obj_decref(keys);
            return r;
        }
        if (!IS_LIST(seq) && !IS_TUPLE(seq) && !IS_STR(seq) &&
            !IS_LAYOUT(seq, RANGE))
            return vm_raise_new(vm, vm->c.TypeError,
                                "'%s' object is not reversible",
                                type_name(vm, seq));
        int64_t n = val_len(vm, seq);
        if (n < 0)
            return VAL_ERR;
        return iter_new(vm, cls, seq, VAL_NONE, n, 0);
    }
    return vm_raise_new(vm, vm->c.TypeError, "cannot create '%s' instances",
                        cls->name->data);
}

static Value ctor_none(VM *vm, Class *cls, Value *args, int nargs, Tuple *kw)
{
    return vm_raise_new(vm, vm->c.TypeError, "cannot create '%s' instances",
                        cls->name->data);
}

Value class_construct(VM *vm, Class *cls, Value *args, int nargs,
                      Tuple *kwnames)
{
    for (Class *c = cls; c; c = c->base)
        if (c->ctor)
            return c->ctor(vm, cls, args, nargs, kwnames);
    return ctor_object(vm, cls, args, nargs, kwnames);
}

/* ------------------------------------------------------------------------ */
/* Builtin functions                                                        */
/* ------------------------------------------------------------------------ */

void vm_write(VM *vm, bool to_err, const char *s, size_t n)
{
    FILE *f = to_err ? vm->err : vm->out;
    if (f) {
        if (to_err && vm->out)
            fflush(vm->out);
        fwrite(s, 1, n, f);
        if (to_err)
            fflush(f);
    }
    if (vm->tracing) {
        rt_event ev = {0};
        ev.kind = RT_EV_OUTPUT;
        ev.task = vm_current_task_id(vm);
        VMThread *t = vm_thread(vm);
        ev.worker = t ? t->worker : -1;
        ev.name = to_err ? "stderr" : "stdout";
        ev.line = vm_current_line(vm, NULL); /* the print() call */
        char *copy = rt_malloc(n + 1);
        if (copy) {
            memcpy(copy, s, n);
            copy[n] = 0;
            ev.text = copy;
            vm_emit(vm, &ev);
            rt_free(copy);
        }
    }
}

int vm_print(VM *vm, Value *args, int nargs, Str *sep, Str *end, bool to_err)
{
    SBuf b;
    sb_init(&b);
    for (int i = 0; i < nargs; i++) {
        if (i) {
            if (sep)
                sb_addstr(&b, sep);
            else
                sb_addc(&b, ' ');
        }
        if (val_str_into(vm, &b, args[i]) < 0) {
            sb_free(&b);
            return -1;
        }
    }
    if (end)
        sb_addstr(&b, end);
    else
        sb_addc(&b, '\n');
    if (b.failed) {
        sb_free(&b);
        vm_raise_nomem(vm);
        return -1;
    }
    vm_write(vm, to_err, b.data ? b.data : "", b.len);
    sb_free(&b);
    return 0;
}

static Value b_print(VM *vm, Value *args, int nargs, Tuple *kw)
{
    int nkw = kw ? (int)kw->len : 0;
    int npos = nargs - nkw;
    Str *sep = NULL, *end = NULL;
    bool to_err = false;
    for (int i = 0; i < nkw; i++) {
        Str *k = AS_STR(kw->items[i]);
        Value v = args[npos + i];
        if (k == vm->n.sep || k == vm->n.end) {
            if (!IS_NONE(v) && !IS_STR(v))
                return vm_raise_new(vm, vm->c.TypeError,
                                    "%s must be None or a string, not %s",
                                    k->data, type_name(vm, v));
            if (k == vm->n.sep)
                sep = IS_NONE(v) ? NULL : AS_STR(v);
            else
                end = IS_NONE(v) ? NULL : AS_STR(v);
        } else if (k == vm->n.file) {
            if (IS_NONE(v))
                continue;
            if (!IS_LAYOUT(v, OBJECT) || class_of(vm, v) != vm->c.TextIO) {
                /* Any object with write(): call it. */
                Str *w = str_intern_cstr(vm, "write");
                Value m = val_getattr(vm, v, w);
                if (IS_ERR(m))
                    return m;
                SBuf b;
                sb_init(&b);
                for (int j = 0; j < npos; j++) {
                    if (j)
                        sep ? sb_addstr(&b, sep) : sb_addc(&b, ' ');
                    if (val_str_into(vm, &b, args[j]) < 0) {
                        sb_free(&b);
                        decref(m);
                        return VAL_ERR;
                    }
                }
                end ? sb_addstr(&b, end) : sb_addc(&b, '\n');
                Str *s = sb_finish(vm, &b);
                if (!s) {
                    decref(m);
                    return VAL_ERR;
                }
                Value r = vm_call1(vm, m, val_obj(s));
                obj_decref(s);
                decref(m);
                if (IS_ERR(r))
                    return r;
                decref(r);
                return VAL_NONE;
            }
            Instance *io = (Instance *)AS_OBJ(v);
            Value which = io->dict ? dict_get_cstr(vm, io->dict, "_fd")
                                   : VAL_ERR;
            to_err = IS_INT(which) && AS_INT(which) == 2;
        } else if (k == vm->n.flush) {
            continue;
        } else {
            return vm_raise_new(vm, vm->c.TypeError,
                                "'%s' is an invalid keyword argument for "
                                "print()", k->data);
        }
    }
    return vm_print(vm, args, npos, sep, end, to_err) < 0 ? VAL_ERR : VAL_NONE;
}

static Value b_len(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "len", args, nargs, kw, "obj", NULL) < 0)
        return VAL_ERR;
    int64_t n = val_len(vm, args[0]);
    return n < 0 ? VAL_ERR : val_int(n);
}

static Value b_repr(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "repr", args, nargs, kw, "obj", NULL) < 0)
        return VAL_ERR;
    Str *s = val_repr(vm, args[0]);
    return s ? val_obj(s) : VAL_ERR;
}

static Value b_ascii(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return b_repr(vm, args, nargs, kw);
}

static int class_spec_check(VM *vm, Value spec, const char *fname)
{
    if (IS_LAYOUT(spec, CLASS))
        return 0;
    if (IS_TUPLE(spec)) {
        for (int64_t i = 0; i < AS_TUPLE(spec)->len; i++)
            if (class_spec_check(vm, AS_TUPLE(spec)->items[i], fname) < 0)
                return -1;
        return 0;
    }
    vm_raise_new(vm, vm->c.TypeError,
                 "%s() arg 2 must be a type, a tuple of types, or a union",
                 fname);
    return -1;
}

static bool class_matches(VM *vm, Class *c, Value spec)
{
    if (IS_TUPLE(spec)) {
        for (int64_t i = 0; i < AS_TUPLE(spec)->len; i++)
            if (class_matches(vm, c, AS_TUPLE(spec)->items[i]))
                return true;
        return false;
    }
    Class *target = (Class *)AS_OBJ(spec);
    /* bool is a subclass of int. */
    if (target == vm->c.int_ && c == vm->c.bool_)
        return true;
    return class_is_subclass(c, target);
}

static Value b_isinstance(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "isinstance", args, nargs, kw, "obj,class_or_tuple",
                   NULL) < 0)
        return VAL_ERR;
    if (class_spec_check(vm, args[1], "isinstance") < 0)
        return VAL_ERR;
    return val_bool(class_matches(vm, class_of(vm, args[0]), args[1]));
}

static Value b_issubclass(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "issubclass", args, nargs, kw, "cls,class_or_tuple",
                   NULL) < 0)
        return VAL_ERR;
    if (!IS_LAYOUT(args[0], CLASS))
        return vm_raise_new(vm, vm->c.TypeError,
                            "issubclass() arg 1 must be a class");
    if (class_spec_check(vm, args[1], "issubclass") < 0)
        return VAL_ERR;
    return val_bool(class_matches(vm, (Class *)AS_OBJ(args[0]), args[1]));
}

static Value b_sum(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "sum", args, nargs, kw, "iterable|start", a) < 0)
        return VAL_ERR;
    Value acc = IS_ERR(a[1]) ? val_int(0) : a[1];
    if (IS_STR(acc))
        return vm_raise_new(vm, vm->c.TypeError,
                            "sum() can't sum strings [use ''.join(seq) "
                            "instead]");
    incref(acc);
    List *l = val_to_list(vm, a[0]);
    if (!l) {
        decref(acc);
        return VAL_ERR;
    }
    for (int64_t i = 0; i < l->len; i++) {
        Value n = val_binop(vm, AST_OP_ADD, acc, l->items[i], false);
        decref(acc);
        if (IS_ERR(n)) {
            obj_decref(l);
            return n;
        }
        acc = n;
    }
    obj_decref(l);
    return acc;
}

static Value minmax(VM *vm, Value *args, int nargs, Tuple *kw, bool is_max)
{
    const char *name = is_max ? "max" : "min";
    int nkw = kw ? (int)kw->len : 0, npos = nargs - nkw;
    Value key = VAL_NONE, dflt = VAL_ERR;
    for (int i = 0; i < nkw; i++) {
        Str *k = AS_STR(kw->items[i]);
        if (k == vm->n.key)
            key = args[npos + i];
        else if (k == vm->n.default_)
            dflt = args[npos + i];
        else
            return vm_raise_new(vm, vm->c.TypeError,
                                "%s() got an unexpected keyword argument '%s'",
                                name, k->data);
    }
    if (npos == 0)
        return vm_raise_new(vm, vm->c.TypeError,
                            "%s expected at least 1 argument, got 0", name);
    List *items;
    if (npos == 1) {
        items = val_to_list(vm, args[0]);
        if (!items)
            return VAL_ERR;
    } else {
        if (!IS_ERR(dflt))
            return vm_raise_new(vm, vm->c.TypeError,
                                "Cannot specify a default for %s() with "
                                "multiple positional arguments", name);
        items = list_new(vm, npos);
        if (!items)
            return VAL_ERR;
        for (int i = 0; i < npos; i++)
            list_append(vm, items, args[i]);
    }
    if (items->len == 0) {
        obj_decref(items);
        if (!IS_ERR(dflt)) {
            incref(dflt);
            return dflt;
        }
        return vm_raise_new(vm, vm->c.ValueError, "%s() arg is an empty "
                            "sequence", name);
    }
    Value best = items->items[0], bestkey = best;
    incref(bestkey);
    if (!IS_NONE(key)) {
        decref(bestkey);
        bestkey = vm_call1(vm, key, best);
        if (IS_ERR(bestkey)) {
            obj_decref(items);
            return bestkey;
        }
    }
    for (int64_t i = 1; i < items->len; i++) {
        Value x = items->items[i], xk = x;
        if (!IS_NONE(key)) {
            xk = vm_call1(vm, key, x);
            if (IS_ERR(xk)) {
                decref(bestkey);
                obj_decref(items);
                return xk;
            }
        } else {
            incref(xk);
        }
        int r = is_max ? val_lt(vm, bestkey, xk) : val_lt(vm, xk, bestkey);
        if (r < 0) {
            decref(xk);
            decref(bestkey);
            obj_decref(items);
            return VAL_ERR;
        }
        if (r) {
            decref(bestkey);
            bestkey = xk;
            best = x;
        } else {
            decref(xk);
        }
    }
    decref(bestkey);
    incref(best);
    obj_decref(items);
    return best;
}

static Value b_min(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return minmax(vm, args, nargs, kw, false);
}

static Value b_max(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return minmax(vm, args, nargs, kw, true);
}

static Value b_abs(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "abs", args, nargs, kw, "x", NULL) < 0)
        return VAL_ERR;
    Value v = args[0];
    if (IS_INT(v) || IS_BOOL(v)) {
        if (AS_INT(v) == INT64_MIN)
            return vm_raise_new(vm, vm->c.OverflowError, "%s",
                                RT_FMT_INT_OVERFLOW_TEXT);
        return val_int(AS_INT(v) < 0 ? -AS_INT(v) : AS_INT(v));
    }
    if (IS_FLOAT(v))
        return val_float(fabs(AS_FLOAT(v)));
    if (IS_OBJ(v) && !class_of(vm, v)->builtin) {
        Value m = class_lookup(class_of(vm, v), str_intern_cstr(vm, "__abs__"));
        if (!IS_ERR(m))
            return vm_call1(vm, m, v);
    }
    return vm_raise_new(vm, vm->c.TypeError,
                        "bad operand type for abs(): '%s'", type_name(vm, v));
}

static Value b_round(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "round", args, nargs, kw, "number|ndigits", a) < 0)
        return VAL_ERR;
    Value v = a[0];
    const char *msg = NULL;
    bool has_nd = !IS_ERR(a[1]) && !IS_NONE(a[1]);
    int64_t nd = 0;
    if (has_nd && index_arg(vm, a[1], &nd) < 0)
        return VAL_ERR;
    if (IS_INT(v) || IS_BOOL(v)) {
        if (!has_nd)
            return val_int(AS_INT(v));
        int64_t r;
        int rc = rt_int_round(AS_INT(v), nd, &r, &msg);
        if (rc)
            return vm_raise_new(vm, vm->c.OverflowError, "%s", msg);
        return val_int(r);
    }
    if (IS_FLOAT(v)) {
        if (!has_nd) {
            int64_t r;
            int rc = rt_float_round_to_int(AS_FLOAT(v), &r, &msg);
            if (rc)
                return vm_raise_new(vm, rc == RT_FMT_EVALUE
                                            ? vm->c.ValueError
                                            : vm->c.OverflowError,
                                    "%s", msg);
            return val_int(r);
        }
        double d;
        int rc = rt_float_round(AS_FLOAT(v), nd, &d, &msg);
        if (rc)
            return vm_raise_new(vm, vm->c.OverflowError, "%s", msg);
        return val_float(d);
    }
    return vm_raise_new(vm, vm->c.TypeError,
                        "type %s doesn't define __round__ method",
                        type_name(vm, v));
}

static Value b_sorted(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[3];
    if (args_parse(vm, "sorted", args, nargs, kw, "iterable|$key,reverse", a) <
        0)
        return VAL_ERR;
    List *l = val_to_list(vm, a[0]);
    if (!l)
        return VAL_ERR;
    bool rev = false;
    if (!IS_ERR(a[2])) {
        int t = val_truthy(vm, a[2]);
        if (t < 0) {
            obj_decref(l);
            return VAL_ERR;
        }
        rev = t;
    }
    if (list_sort(vm, l, IS_ERR(a[1]) ? VAL_NONE : a[1], rev) < 0) {
        obj_decref(l);
        return VAL_ERR;
    }
    return val_obj(l);
}

static Value any_all(VM *vm, Value *args, int nargs, Tuple *kw, bool all)
{
    if (args_parse(vm, all ? "all" : "any", args, nargs, kw, "iterable",
                   NULL) < 0)
        return VAL_ERR;
    Value it = val_iter(vm, args[0]);
    if (IS_ERR(it))
        return it;
    Value x;
    int r;
    while ((r = val_next(vm, it, &x)) > 0) {
        int t = val_truthy(vm, x);
        decref(x);
        if (t < 0) {
            decref(it);
            return VAL_ERR;
        }
        if (t != all) {
            decref(it);
            return val_bool(!all);
        }
    }
    decref(it);
    return r < 0 ? VAL_ERR : val_bool(all);
}

static Value b_any(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return any_all(vm, args, nargs, kw, false);
}

static Value b_all(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return any_all(vm, args, nargs, kw, true);
}

/* The interned name of hasattr/setattr/delattr's argument (a new
 * reference), or NULL with TypeError. */
static Str *attr_name(VM *vm, Value v)
{
    if (!IS_STR(v)) {
        vm_raise_new(vm, vm->c.TypeError,
                     "attribute name must be string, not '%s'",
                     type_name(vm, v));
        return NULL;
    }
    return str_intern(vm, str_new(vm, AS_STR(v)->data, (size_t)AS_STR(v)->len));
}

static Value b_hasattr(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "hasattr", args, nargs, kw, "obj,name", NULL) < 0)
        return VAL_ERR;
    Str *name = attr_name(vm, args[1]);
    if (!name)
        return VAL_ERR;
    Value r = val_getattr_opt(vm, args[0], name);
    obj_decref(name);
    if (IS_ERR(r)) {
        if (vm_has_exc(vm)) {
            if (!vm_exc_matches(vm, vm->c.AttributeError))
                return VAL_ERR;
            decref(vm_take_exc(vm));
        }
        return VAL_FALSE;
    }
    decref(r);
    return VAL_TRUE;
}

static Value b_getattr(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[3];
    if (args_parse(vm, "getattr", args, nargs, kw, "obj,name|default", a) < 0)
        return VAL_ERR;
    Str *name = attr_name(vm, a[1]);
    if (!name)
        return VAL_ERR;
    Value r = val_getattr(vm, a[0], name);
    obj_decref(name);
    if (IS_ERR(r) && !IS_ERR(a[2]) && vm_exc_matches(vm, vm->c.AttributeError)) {
        decref(vm_take_exc(vm));
        incref(a[2]);
        return a[2];
    }
    return r;
}

static Value b_setattr(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "setattr", args, nargs, kw, "obj,name,value", NULL) < 0)
        return VAL_ERR;
    Str *name = attr_name(vm, args[1]);
    if (!name)
        return VAL_ERR;
    int r = val_setattr(vm, args[0], name, args[2]);
    obj_decref(name);
    return r < 0 ? VAL_ERR : VAL_NONE;
}

static Value b_delattr(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "delattr", args, nargs, kw, "obj,name", NULL) < 0)
        return VAL_ERR;
    Str *name = attr_name(vm, args[1]);
    if (!name)
        return VAL_ERR;
    int r = val_delattr(vm, args[0], name);
    obj_decref(name);
    return r < 0 ? VAL_ERR : VAL_NONE;
}

bool val_callable(VM *vm, Value v)
{
    if (!IS_OBJ(v))
        return false;
    Class *c = class_of(vm, v);
    switch (c->layout) {
    case LAYOUT_FUNCTION: case LAYOUT_NATIVE: case LAYOUT_BOUND:
    case LAYOUT_CLASS:
        return true;
    default:
        return !c->builtin && (c->slots & SLOT_CALL);
    }
}

static Value b_callable(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "callable", args, nargs, kw, "obj", NULL) < 0)
        return VAL_ERR;
    return val_bool(val_callable(vm, args[0]));
}

static Value b_hash(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "hash", args, nargs, kw, "obj", NULL) < 0)
        return VAL_ERR;
    int64_t h;
    if (val_py_hash(vm, args[0], &h) < 0)
        return VAL_ERR;
    return val_int(h);
}

static Value b_iter(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (nargs == 2)
        return iter_new(vm, vm->c.callable_iterator, args[0], args[1], 0, 0);
    if (args_parse(vm, "iter", args, nargs, kw, "obj", NULL) < 0)
        return VAL_ERR;
    return val_iter(vm, args[0]);
}

static Value b_next(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "next", args, nargs, kw, "iterator|default", a) < 0)
        return VAL_ERR;
    if (is_generator(a[0]) && IS_ERR(a[1]))
        return vm_gen_send(vm, (Coro *)AS_OBJ(a[0]), VAL_NONE);
    Value x;
    int r = val_next(vm, a[0], &x);
    if (r < 0)
        return VAL_ERR;
    if (r == 0) {
        if (!IS_ERR(a[1])) {
            incref(a[1]);
            return a[1];
        }
        Value e = exc_new(vm, vm->c.StopIteration, NULL);
        if (IS_ERR(e))
            return e;
        vm_raise(vm, e);
        decref(e);
        return VAL_ERR;
    }
    return x;
}

static Value m_int_bit_length(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "bit_length", args, nargs, kw, "self", NULL) < 0)
        return VAL_ERR;
    int64_t v = AS_INT(args[0]);
    uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    int n = 0;
    while (m) {
        m >>= 1;
        n++;
    }
    return val_int(n);
}

static Value m_float_is_integer(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "is_integer", args, nargs, kw, "self", NULL) < 0)
        return VAL_ERR;
    double d = AS_FLOAT(args[0]);
    return val_bool(isfinite(d) && d == floor(d));
}

/* threading's view of the running thread: ("MainThread", 1) on the loop's
 * thread, (prefix_N, an id of its own) on worker N of an executor, with
 * the names CPython's ThreadPoolExecutor gives its threads. */
static Value th_current(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "_current", args, nargs, kw, "", NULL) < 0)
        return VAL_ERR;
    VMThread *t = vm_thread(vm);
    char name[160];
    int64_t ident = 1;
    if (t->job && t->worker >= 0) {
        ident = (int64_t)(rt_job_executor_id(t->job) * 1000 + 2 +
                          (uint64_t)t->worker);
        /* A process pool's job is on its own process's main thread. */
        if (t->in_process)
            snprintf(name, sizeof name, "MainThread");
        else
            snprintf(name, sizeof name, "%s_%d",
                     rt_job_executor_name(t->job), t->worker);
    } else {
        snprintf(name, sizeof name, "MainThread");
    }
    Str *s = str_from_cstr(vm, name);
    if (!s)
        return VAL_ERR;
    Tuple *r = tuple_pack(vm, 2, val_obj(s), val_int(ident));
    obj_decref(s);
    return r ? val_obj(r) : VAL_ERR;
}

static Value b_aiter(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "aiter", args, nargs, kw, "async_iterable", NULL) < 0)
        return VAL_ERR;
    return vm_get_aiter(vm, args[0]);
}

static Value b_anext(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "anext", args, nargs, kw, "aiterator", NULL) < 0)
        return VAL_ERR;
    return vm_get_anext(vm, args[0]);
}

static Value b_chr(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "chr", args, nargs, kw, "i", NULL) < 0)
        return VAL_ERR;
    int64_t c;
    if (index_arg(vm, args[0], &c) < 0)
        return VAL_ERR;
    if (c < 0 || c > 0x10ffff)
        return vm_raise_new(vm, vm->c.ValueError,
                            "chr() arg not in range(0x110000)");
    char buf[4];
    Str *s = str_new(vm, buf, rt_utf8_encode((uint32_t)c, buf));
    return s ? val_obj(s) : VAL_ERR;
}

static Value b_ord(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "ord", args, nargs, kw, "c", NULL) < 0)
        return VAL_ERR;
    Value v = args[0];
    if (IS_LAYOUT(v, BYTES) && ((Bytes *)AS_OBJ(v))->len == 1)
        return val_int(((Bytes *)AS_OBJ(v))->data[0]);
    if (!IS_STR(v))
        return vm_raise_new(vm, vm->c.TypeError,
                            "ord() expected string of length 1, but %s found",
                            type_name(vm, v));
    Str *s = AS_STR(v);
    if (s->cplen != 1)
        return vm_raise_new(vm, vm->c.TypeError,
                            "ord() expected a character, but string of length "
                            "%lld found", (long long)s->cplen);
    const unsigned char *p = (const unsigned char *)s->data;
    int64_t c = p[0];
    if (c >= 0xF0)
        c = ((c & 7) << 18) | ((p[1] & 63) << 12) | ((p[2] & 63) << 6) |
            (p[3] & 63);
    else if (c >= 0xE0)
        c = ((c & 15) << 12) | ((p[1] & 63) << 6) | (p[2] & 63);
    else if (c >= 0xC0)
        c = ((c & 31) << 6) | (p[1] & 63);
    return val_int(c);
}

static Value b_divmod(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "divmod", args, nargs, kw, "x,y", NULL) < 0)
        return VAL_ERR;
    Value q = val_binop(vm, AST_OP_FLOORDIV, args[0], args[1], false);
    if (IS_ERR(q))
        return q;
    Value r = val_binop(vm, AST_OP_MOD, args[0], args[1], false);
    if (IS_ERR(r)) {
        decref(q);
        return r;
    }
    Tuple *t = tuple_new(vm, 2);
    if (!t) {
        decref(q);
        decref(r);
        return VAL_ERR;
    }
    t->items[0] = q;
    t->items[1] = r;
    return val_obj(t);
}

static Value b_pow(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[3];
    if (args_parse(vm, "pow", args, nargs, kw, "base,exp|mod", a) < 0)
        return VAL_ERR;
    if (!IS_ERR(a[2]) && !IS_NONE(a[2])) {
        if (!IS_INT(a[0]) || !IS_INT(a[1]) || !IS_INT(a[2]))
            return vm_raise_new(vm, vm->c.TypeError,
                                "pow() 3rd argument not allowed unless all "
                                "arguments are integers");
        int64_t b = AS_INT(a[0]), e = AS_INT(a[1]), m = AS_INT(a[2]);
        if (m == 0)
            return vm_raise_new(vm, vm->c.ValueError,
                                "pow() 3rd argument cannot be 0");
        if (e < 0)
            return vm_raise_new(vm, vm->c.ValueError,
                                "negative exponents with a modulus are not "
                                "supported in scenarios");
        __int128 r = 1, x = ((b % m) + m) % m;
        while (e > 0) {
            if (e & 1)
                r = r * x % m;
            x = x * x % m;
            e >>= 1;
        }
        int64_t rr = (int64_t)r;
        if (m < 0 && rr > 0)
            rr += m;
        return val_int(rr);
    }
    return val_binop(vm, AST_OP_POW, a[0], a[1], false);
}

static Value int_base(VM *vm, Value *args, int nargs, Tuple *kw,
                      const char *name, const char *spec)
{
    if (args_parse(vm, name, args, nargs, kw, "number", NULL) < 0)
        return VAL_ERR;
    if (!IS_INT(args[0]) && !IS_BOOL(args[0]))
        return vm_raise_new(vm, vm->c.TypeError,
                            "'%s' object cannot be interpreted as an integer",
                            type_name(vm, args[0]));
    Str *s = str_from_cstr(vm, spec);
    if (!s)
        return VAL_ERR;
    Value r = val_format(vm, val_int(AS_INT(args[0])), s);
    obj_decref(s);
    return r;
}

static Value b_hex(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return int_base(vm, args, nargs, kw, "hex", "#x");
}
static Value b_oct(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return int_base(vm, args, nargs, kw, "oct", "#o");
}
static Value b_bin(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return int_base(vm, args, nargs, kw, "bin", "#b");
}

static Value b_format(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "format", args, nargs, kw, "value|format_spec", a) < 0)
        return VAL_ERR;
    if (!IS_ERR(a[1]) && !IS_STR(a[1]))
        return vm_raise_new(vm, vm->c.TypeError,
                            "format() argument 2 must be str, not %s",
                            type_name(vm, a[1]));
    return val_format(vm, a[0], IS_ERR(a[1]) ? vm->empty_str : AS_STR(a[1]));
}

static Value b_id(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "id", args, nargs, kw, "obj", NULL) < 0)
        return VAL_ERR;
    uint64_t h;
    Value v = args[0];
    if (IS_OBJ(v)) {
        if (!obj_identity(vm, AS_OBJ(v), &h))
            return vm_raise_nomem(vm);
        return val_int((int64_t)h);
    }
    if (val_hash(vm, v, &h) < 0)
        return VAL_ERR;
    return val_int((int64_t)(h >> 1));
}

static Value b_vars(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "vars", args, nargs, kw, "obj", NULL) < 0)
        return VAL_ERR;
    return val_getattr(vm, args[0], vm->n.__dict__);
}

static Value b_dir(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "dir", args, nargs, kw, "obj", NULL) < 0)
        return VAL_ERR;
    return vm_dir(vm, args[0]);
}

Value vm_dir(VM *vm, Value v)
{
    List *l = list_new(vm, 0);
    if (!l)
        return VAL_ERR;
    Dict *d = IS_LAYOUT(v, MODULE) ? ((Module *)AS_OBJ(v))->dict
              : IS_LAYOUT(v, OBJECT) ? ((Instance *)AS_OBJ(v))->dict
                                     : NULL;
    Class *c = IS_LAYOUT(v, CLASS) ? (Class *)AS_OBJ(v)
               : IS_LAYOUT(v, MODULE) ? NULL
                                      : class_of(vm, v);
    Set *seen = set_new(vm, false);
    if (!seen) {
        obj_decref(l);
        return VAL_ERR;
    }
    for (int pass = 0; pass < 2; pass++) {
        for (Class *k = pass == 0 ? NULL : c; pass == 0 ? d != NULL : k != NULL;
             k = pass == 0 ? NULL : k->base) {
            Dict *src = pass == 0 ? d : k->dict;
            int64_t pos = 0;
            Value key;
            while (src && dict_next(src, &pos, &key, NULL))
                if (set_contains(vm, seen, key) == 0) {
                    set_add(vm, seen, key);
                    list_append(vm, l, key);
                }
            if (pass == 0)
                break;
        }
    }
    obj_decref(seen);
    if (list_sort(vm, l, VAL_NONE, false) < 0) {
        obj_decref(l);
        return VAL_ERR;
    }
    return val_obj(l);
}

static Value b_globals(VM *vm, Value *args, int nargs, Tuple *kw)
{
    VMThread *t = vm_thread(vm);
    Dict *g = t->frame ? t->frame->globals : vm->main_module->dict;
    obj_incref(g);
    return val_obj(g);
}

static Value b_input(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return vm_raise_new(vm, vm->c.RuntimeError,
                        "input() is not supported in scenarios: they run "
                        "without a keyboard");
}

/* sys.exit(code) */
static Value b_exit(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Tuple *t = tuple_new(vm, nargs > 0 ? 1 : 0);
    if (!t)
        return VAL_ERR;
    if (nargs > 0) {
        incref(args[0]);
        t->items[0] = args[0];
    }
    Value e = exc_new(vm, vm->c.SystemExit, t);
    obj_decref(t);
    if (IS_ERR(e))
        return e;
    vm_raise(vm, e);
    decref(e);
    return VAL_ERR;
}

static Value io_write(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "write", args, nargs, kw, "self,s", a) < 0)
        return VAL_ERR;
    if (!IS_STR(a[1]))
        return vm_raise_new(vm, vm->c.TypeError,
                            "write() argument must be str, not %s",
                            type_name(vm, a[1]));
    Instance *io = (Instance *)AS_OBJ(args[0]);
    Value fd = io->dict ? dict_get_cstr(vm, io->dict, "_fd") : VAL_ERR;
    vm_write(vm, IS_INT(fd) && AS_INT(fd) == 2, AS_STR(a[1])->data,
             (size_t)AS_STR(a[1])->len);
    return val_int(AS_STR(a[1])->cplen);
}

static Value io_flush(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (vm->out)
        fflush(vm->out);
    return VAL_NONE;
}

/* ------------------------------------------------------------------------ */
/* Modules                                                                  */
/* ------------------------------------------------------------------------ */

Module *module_new(VM *vm, const char *name)
{
    Module *m = obj_alloc(vm, vm->c.module, sizeof(Module));
    if (!m)
        return NULL;
    m->name = str_from_cstr(vm, name);
    m->dict = dict_new(vm);
    if (!m->name || !m->dict) {
        obj_decref(m);
        return NULL;
    }
    dict_set_str(vm, m->dict, vm->n.__name__, val_obj(m->name));
    if (vm->modules)
        dict_set_cstr(vm, vm->modules, name, val_obj(m));
    return m;
}

static void add_fn(VM *vm, Dict *d, const char *name, NativeFn fn)
{
    Value f = native_new(vm, name, fn, VAL_NONE, NULL);
    if (!IS_ERR(f)) {
        dict_set_cstr(vm, d, name, f);
        decref(f);
    }
}

static Value make_textio(VM *vm, int fd)
{
    Instance *io = obj_alloc(vm, vm->c.TextIO, sizeof(Instance));
    if (!io)
        return VAL_ERR;
    io->dict = dict_new(vm);
    if (io->dict)
        dict_set_cstr(vm, io->dict, "_fd", val_int(fd));
    return val_obj(io);
}

static void sys_init(VM *vm)
{
    Module *m = module_new(vm, "sys");
    if (!m)
        return;
    Value out = make_textio(vm, 1), err = make_textio(vm, 2);
    dict_set_cstr(vm, m->dict, "stdout", out);
    dict_set_cstr(vm, m->dict, "stderr", err);
    decref(out);
    decref(err);
    add_fn(vm, m->dict, "exit", b_exit);
    dict_set_cstr(vm, m->dict, "maxsize", val_int(INT64_MAX));
    Str *plat = str_from_cstr(vm, "linux");
    if (plat) {
        dict_set_cstr(vm, m->dict, "platform", val_obj(plat));
        obj_decref(plat);
    }
    Tuple *vi = tuple_new(vm, 3);
    if (vi) {
        vi->items[0] = val_int(3);
        vi->items[1] = val_int(11);
        vi->items[2] = val_int(0);
        dict_set_cstr(vm, m->dict, "version_info", val_obj(vi));
        obj_decref(vi);
    }
    obj_decref(m);
}

static Value os_cpu_count(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return val_int(4);
}

static Value os_getpid(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return val_int(4242);
}

static void os_init(VM *vm)
{
    Module *m = module_new(vm, "os");
    if (!m)
        return;
    add_fn(vm, m->dict, "cpu_count", os_cpu_count);
    add_fn(vm, m->dict, "getpid", os_getpid);
    obj_decref(m);
}

static Value math_unary(VM *vm, Value *args, int nargs, Tuple *kw,
                        const char *name, double (*fn)(double))
{
    if (args_parse(vm, name, args, nargs, kw, "x", NULL) < 0)
        return VAL_ERR;
    Value v = args[0];
    if (!IS_INT(v) && !IS_BOOL(v) && !IS_FLOAT(v))
        return vm_raise_new(vm, vm->c.TypeError,
                            "must be real number, not %s", type_name(vm, v));
    double x = IS_FLOAT(v) ? AS_FLOAT(v) : (double)AS_INT(v);
    double r = fn(x);
    if (isnan(r) && !isnan(x))
        return vm_raise_new(vm, vm->c.ValueError, "math domain error");
    return val_float(r);
}

#define MATH1(pyname, cfn)                                                   \
    static Value m_##pyname(VM *vm, Value *args, int nargs, Tuple *kw)       \
    {                                                                        \
        return math_unary(vm, args, nargs, kw, #pyname, cfn);                \
    }
MATH1(sqrt, sqrt)
MATH1(exp, exp)
MATH1(sin, sin)
MATH1(cos, cos)
MATH1(tan, tan)
MATH1(log2, log2)
MATH1(log10, log10)
MATH1(fabs, fabs)
MATH1(asin, asin)
MATH1(acos, acos)
MATH1(atan, atan)
MATH1(sinh, sinh)
MATH1(cosh, cosh)
MATH1(tanh, tanh)

static Value m_atan2(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "atan2", args, nargs, kw, "y,x", a) < 0)
        return VAL_ERR;
    for (int i = 0; i < 2; i++)
        if (!IS_INT(a[i]) && !IS_BOOL(a[i]) && !IS_FLOAT(a[i]))
            return vm_raise_new(vm, vm->c.TypeError,
                                "must be real number, not %s",
                                type_name(vm, a[i]));
    double y = IS_FLOAT(a[0]) ? AS_FLOAT(a[0]) : (double)AS_INT(a[0]);
    double x = IS_FLOAT(a[1]) ? AS_FLOAT(a[1]) : (double)AS_INT(a[1]);
    return val_float(atan2(y, x));
}

static Value m_log(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "log", args, nargs, kw, "x|base", a) < 0)
        return VAL_ERR;
    if (!IS_INT(a[0]) && !IS_BOOL(a[0]) && !IS_FLOAT(a[0]))
        return vm_raise_new(vm, vm->c.TypeError,
                            "must be real number, not %s", type_name(vm, a[0]));
    double x = IS_FLOAT(a[0]) ? AS_FLOAT(a[0]) : (double)AS_INT(a[0]);
    if (x <= 0)
        return vm_raise_new(vm, vm->c.ValueError, "math domain error");
    double r = log(x);
    if (!IS_ERR(a[1])) {
        double b = IS_FLOAT(a[1]) ? AS_FLOAT(a[1]) : (double)AS_INT(a[1]);
        r /= log(b);
    }
    return val_float(r);
}

static Value m_floor_ceil(VM *vm, Value *args, int nargs, Tuple *kw,
                          bool ceil_)
{
    if (args_parse(vm, ceil_ ? "ceil" : "floor", args, nargs, kw, "x", NULL) <
        0)
        return VAL_ERR;
    Value v = args[0];
    if (IS_INT(v) || IS_BOOL(v))
        return val_int(AS_INT(v));
    if (!IS_FLOAT(v))
        return vm_raise_new(vm, vm->c.TypeError,
                            "must be real number, not %s", type_name(vm, v));
    int64_t r;
    const char *msg;
    double d = ceil_ ? ceil(AS_FLOAT(v)) : floor(AS_FLOAT(v));
    int rc = rt_float_to_int(d, &r, &msg);
    if (rc)
        return vm_raise_new(vm, rc == RT_FMT_EVALUE ? vm->c.ValueError
                                                    : vm->c.OverflowError,
                            "%s", msg);
    return val_int(r);
}

static Value m_floor(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return m_floor_ceil(vm, args, nargs, kw, false);
}
static Value m_ceil(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return m_floor_ceil(vm, args, nargs, kw, true);
}

static Value m_isclose(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[4];
    if (args_parse(vm, "isclose", args, nargs, kw, "a,b|$rel_tol,abs_tol", a) <
        0)
        return VAL_ERR;
    double x = IS_FLOAT(a[0]) ? AS_FLOAT(a[0]) : (double)AS_INT(a[0]);
    double y = IS_FLOAT(a[1]) ? AS_FLOAT(a[1]) : (double)AS_INT(a[1]);
    double rel = IS_ERR(a[2]) ? 1e-9
                              : (IS_FLOAT(a[2]) ? AS_FLOAT(a[2])
                                                : (double)AS_INT(a[2]));
    double abs_ = IS_ERR(a[3]) ? 0.0
                               : (IS_FLOAT(a[3]) ? AS_FLOAT(a[3])
                                                 : (double)AS_INT(a[3]));
    if (x == y)
        return VAL_TRUE;
    double diff = fabs(y - x);
    return val_bool(diff <= fabs(rel * y) || diff <= fabs(rel * x) ||
                    diff <= abs_);
}

static void math_init(VM *vm)
{
    Module *m = module_new(vm, "math");
    if (!m)
        return;
    dict_set_cstr(vm, m->dict, "pi", val_float(M_PI));
    dict_set_cstr(vm, m->dict, "e", val_float(M_E));
    dict_set_cstr(vm, m->dict, "inf", val_float(INFINITY));
    dict_set_cstr(vm, m->dict, "nan", val_float(NAN));
    add_fn(vm, m->dict, "sqrt", m_sqrt);
    add_fn(vm, m->dict, "exp", m_exp);
    add_fn(vm, m->dict, "sin", m_sin);
    add_fn(vm, m->dict, "cos", m_cos);
    add_fn(vm, m->dict, "tan", m_tan);
    add_fn(vm, m->dict, "log", m_log);
    add_fn(vm, m->dict, "log2", m_log2);
    add_fn(vm, m->dict, "log10", m_log10);
    add_fn(vm, m->dict, "fabs", m_fabs);
    add_fn(vm, m->dict, "floor", m_floor);
    add_fn(vm, m->dict, "ceil", m_ceil);
    add_fn(vm, m->dict, "isclose", m_isclose);
    add_fn(vm, m->dict, "asin", m_asin);
    add_fn(vm, m->dict, "acos", m_acos);
    add_fn(vm, m->dict, "atan", m_atan);
    add_fn(vm, m->dict, "atan2", m_atan2);
    add_fn(vm, m->dict, "sinh", m_sinh);
    add_fn(vm, m->dict, "cosh", m_cosh);
    add_fn(vm, m->dict, "tanh", m_tanh);
    obj_decref(m);
}

extern const char loopscope_prelude_stdlib[];

/* The modules written in Python in prelude_stdlib.py, each a section that
 * starts with a line '# module NAME'. */
static bool stdlib_section(const char *name, const char **start, size_t *len)
{
    char marker[64];
    snprintf(marker, sizeof marker, "\n# module %s\n", name);
    const char *s = strstr(loopscope_prelude_stdlib, marker);
    if (!s)
        return false;
    s += strlen(marker);
    const char *end = strstr(s, "\n# module ");
    *start = s;
    *len = end ? (size_t)(end - s) + 1 : strlen(s);
    return true;
}

/* Imports a module of prelude_stdlib.py on first use. */
static Value stdlib_import(VM *vm, Str *name)
{
    const char *start;
    size_t len;
    if (!stdlib_section(name->data, &start, &len))
        return VAL_ERR;
    /* Blank lines before the section keep its line numbers the file's. */
    size_t skip = 0;
    for (const char *p = loopscope_prelude_stdlib; p < start; p++)
        skip += *p == '\n';
    char *src = rt_malloc(skip + len + 1);
    if (!src)
        return vm_raise_nomem(vm);
    memset(src, '\n', skip);
    memcpy(src + skip, start, len);
    src[skip + len] = '\0';
    Module *m = module_new(vm, name->data);
    if (!m) {
        rt_free(src);
        return VAL_ERR;
    }
    if (str_eq_cstr(name, "threading")) {
        Value f = native_new(vm, "_current", th_current, VAL_NONE, NULL);
        if (!IS_ERR(f)) {
            dict_set_cstr(vm, m->dict, "_current", f);
            decref(f);
        }
    }
    int rc = aio_run_prelude(vm, m, src, "<stdlib>");
    rt_free(src);
    if (rc < 0) {
        dict_del(vm, vm->modules, val_obj(name), NULL);
        obj_decref(m);
        return VAL_ERR;
    }
    return val_obj(m);
}

/* Runs a prelude_stdlib.py section in a module that C made (math). */
static int stdlib_extend(VM *vm, Value mod, const char *section)
{
    const char *start;
    size_t len;
    if (!IS_LAYOUT(mod, MODULE) || !stdlib_section(section, &start, &len))
        return 0;
    char *src = rt_malloc(len + 1);
    if (!src) {
        vm_raise_nomem(vm);
        return -1;
    }
    memcpy(src, start, len);
    src[len] = '\0';
    int rc = aio_run_prelude(vm, (Module *)AS_OBJ(mod), src, "<stdlib>");
    rt_free(src);
    return rc;
}

Value vm_import(VM *vm, Str *name)
{
    Value m = dict_get_str(vm->modules, name);
    /* Modules made in C whose Python half (a prelude_stdlib.py section of
     * the same name) runs on their first import. */
    static const char *const halves[] = {"math", "random", "os", "sys"};
    for (unsigned i = 0; !IS_ERR(m) && i < sizeof halves / sizeof *halves;
         i++)
        if (!(vm->extended & (1u << i)) && str_eq_cstr(name, halves[i])) {
            vm->extended |= 1u << i;
            if (stdlib_extend(vm, m, halves[i]) < 0)
                return VAL_ERR;
        }
    if (IS_ERR(m)) {
        Value s = stdlib_import(vm, name);
        if (vm_has_exc(vm))
            return VAL_ERR;
        if (!IS_ERR(s)) {
            decref(s);
            m = dict_get_str(vm->modules, name);
        }
    }
    if (IS_ERR(m) && (str_eq_cstr(name, "asyncio") ||
                      str_eq_cstr(name, "concurrent.futures") ||
                      str_eq_cstr(name, "concurrent") ||
                      str_eq_cstr(name, "asyncio.exceptions") ||
                      str_eq_cstr(name, "asyncio.subprocess") ||
                      str_eq_cstr(name, "asyncio.streams"))) {
        Value a = mod_asyncio_module(vm);
        if (IS_ERR(a))
            return a;
        decref(a);
        if ((str_eq_cstr(name, "asyncio.subprocess") ||
             str_eq_cstr(name, "asyncio.streams")) &&
            aio_streams_ensure(vm) < 0)
            return VAL_ERR;
        m = dict_get_str(vm->modules, name);
    }
    if (IS_ERR(m))
        return vm_raise_new(vm, vm->c.ModuleNotFoundError,
                            "No module named '%s'", name->data);
    incref(m);
    return m;
}

/* ------------------------------------------------------------------------ */
/* Bootstrapping                                                            */
/* ------------------------------------------------------------------------ */

void builtins_init(VM *vm)
{
    VMClasses *c = &vm->c;
    Dict *b = vm->builtins;
    static const struct {
        const char *name;
        NativeFn fn;
    } fns[] = {
        {"print", b_print}, {"len", b_len}, {"repr", b_repr},
        {"ascii", b_ascii}, {"isinstance", b_isinstance},
        {"issubclass", b_issubclass}, {"sum", b_sum}, {"min", b_min},
        {"max", b_max}, {"abs", b_abs}, {"round", b_round},
        {"sorted", b_sorted}, {"any", b_any}, {"all", b_all},
        {"hasattr", b_hasattr}, {"getattr", b_getattr},
        {"delattr", b_delattr}, {"aiter", b_aiter}, {"anext", b_anext},
        {"setattr", b_setattr}, {"callable", b_callable}, {"hash", b_hash},
        {"iter", b_iter}, {"next", b_next}, {"chr", b_chr}, {"ord", b_ord},
        {"divmod", b_divmod}, {"pow", b_pow}, {"hex", b_hex}, {"oct", b_oct},
        {"bin", b_bin}, {"format", b_format}, {"id", b_id},
        {"vars", b_vars}, {"dir", b_dir}, {"globals", b_globals},
        {"locals", b_globals}, {"input", b_input}, {"exit", b_exit},
        {"quit", b_exit},
    };
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++)
        add_fn(vm, b, fns[i].name, fns[i].fn);
    /* Constructors of the builtin classes. */
    c->object->ctor = ctor_object;
    c->int_->ctor = ctor_int;
    c->float_->ctor = ctor_float;
    c->bool_->ctor = ctor_bool;
    c->str->ctor = ctor_str;
    c->bytes->ctor = ctor_bytes;
    c->list->ctor = ctor_list;
    c->tuple->ctor = ctor_tuple;
    c->dict->ctor = ctor_dict;
    c->set->ctor = ctor_set;
    c->frozenset->ctor = ctor_frozenset;
    c->range->ctor = ctor_range;
    c->slice->ctor = ctor_slice;
    c->type->ctor = ctor_type;
    c->staticmethod->ctor = ctor_staticmethod;
    c->classmethod->ctor = ctor_classmethod;
    c->property->ctor = ctor_property;
    c->super->ctor = ctor_super;
    c->BaseException->ctor = ctor_exc;
    c->enumerate->ctor = ctor_iterwrap;
    c->zip->ctor = ctor_iterwrap;
    c->map->ctor = ctor_iterwrap;
    c->filter->ctor = ctor_iterwrap;
    c->reversed->ctor = ctor_iterwrap;
    c->NoneType->ctor = ctor_none;
    c->function->ctor = ctor_none;
    c->module->ctor = ctor_none;
    c->coroutine->ctor = ctor_none;
    c->object->subclassable = true;
    class_add_method(vm, c->property, "setter", m_property_setter);
    class_add_method(vm, c->TextIO, "write", io_write);
    class_add_method(vm, c->TextIO, "flush", io_flush);
    vm_install_coro_methods(vm);
    class_add_method(vm, c->object, "__setattr__", object_setattr);
    class_add_method(vm, c->int_, "bit_length", m_int_bit_length);
    class_add_method(vm, c->float_, "is_integer", m_float_is_integer);
    Class **const exported[] = {
        &vm->c.object, &vm->c.int_, &vm->c.float_, &vm->c.bool_, &vm->c.str,
        &vm->c.bytes, &vm->c.list, &vm->c.tuple, &vm->c.dict, &vm->c.set,
        &vm->c.frozenset, &vm->c.range, &vm->c.slice, &vm->c.type,
        &vm->c.staticmethod, &vm->c.classmethod, &vm->c.property,
        &vm->c.super, &vm->c.enumerate, &vm->c.zip, &vm->c.map,
        &vm->c.filter, &vm->c.reversed, &vm->c.BaseException,
        &vm->c.Exception, &vm->c.ArithmeticError, &vm->c.LookupError,
        &vm->c.ValueError, &vm->c.TypeError, &vm->c.RuntimeError,
        &vm->c.KeyError, &vm->c.IndexError, &vm->c.ZeroDivisionError,
        &vm->c.OverflowError, &vm->c.AttributeError, &vm->c.NameError,
        &vm->c.UnboundLocalError, &vm->c.AssertionError,
        &vm->c.TimeoutError, &vm->c.OSError, &vm->c.RecursionError,
        &vm->c.NotImplementedError, &vm->c.KeyboardInterrupt,
        &vm->c.SystemExit, &vm->c.StopIteration, &vm->c.StopAsyncIteration,
        &vm->c.GeneratorExit, &vm->c.UnicodeError,
        &vm->c.UnicodeDecodeError, &vm->c.UnicodeEncodeError,
        &vm->c.ImportError, &vm->c.ModuleNotFoundError, &vm->c.MemoryError,
        &vm->c.SyntaxError, &vm->c.FloatingPointError,
        &vm->c.ConnectionError, &vm->c.BrokenPipeError,
        &vm->c.ConnectionResetError, &vm->c.ConnectionRefusedError,
        &vm->c.ConnectionAbortedError, &vm->c.FileNotFoundError,
        &vm->c.FileExistsError, &vm->c.PermissionError,
        &vm->c.ProcessLookupError, &vm->c.ChildProcessError,
        &vm->c.BlockingIOError, &vm->c.InterruptedError, &vm->c.EOFError,
        &vm->c.ExceptionGroup,
        &vm->c.BaseExceptionGroup, &vm->c.Warning, &vm->c.RuntimeWarning,
        &vm->c.DeprecationWarning, &vm->c.UserWarning,
    };
    for (size_t i = 0; i < sizeof exported / sizeof exported[0]; i++) {
        Class *k = *exported[i];
        dict_set_str(vm, b, k->name, val_obj(k));
    }
    dict_set_cstr(vm, b, "None", VAL_NONE);
    dict_set_cstr(vm, b, "True", VAL_TRUE);
    dict_set_cstr(vm, b, "False", VAL_FALSE);
    dict_set_cstr(vm, b, "Ellipsis", VAL_ELLIPSIS);
    dict_set_cstr(vm, b, "NotImplemented", VAL_NOTIMPL);
    sys_init(vm);
    os_init(vm);
    math_init(vm);
}
