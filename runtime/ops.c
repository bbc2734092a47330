/*
 * ops.c - the generic operations on values: str() and repr(), truth,
 * hashing, comparison, arithmetic, attributes, items, iteration, len, and
 * format(). Each follows what CPython's abstract object protocol does for
 * the types of the scenario subset, including its error messages; user
 * classes take part through their dunder methods.
 */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "lang.h"
#include "textfmt.h"

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */
/* ------------------------------------------------------------------------ */

const char *type_name(VM *vm, Value v)
{
    Class *c = class_of(vm, v);
    return c->name ? c->name->data : c->rtt.name;
}

static bool is_user(Class *c) { return !c->builtin; }

/* Calls a dunder method of a user class with self and extra args. Returns
 * VAL_ERR without exception when the class lacks it. */
static Value call_dunder(VM *vm, Value self, Str *name, Value *args, int n)
{
    Class *c = class_of(vm, self);
    Value m = class_lookup(c, name);
    if (IS_ERR(m))
        return VAL_ERR;
    Value buf[4];
    buf[0] = self;
    for (int i = 0; i < n && i < 3; i++)
        buf[i + 1] = args[i];
    Value r = vm_call(vm, m, buf, n + 1, NULL);
    if (IS_ERR(r) && !vm_has_exc(vm))
        vm_raise_new(vm, vm->c.RuntimeError, "%s failed", name->data);
    return r;
}

/* Appends text from a textfmt routine's buffer. */
static int sb_take(SBuf *b, rt_strbuf *t, int rc)
{
    if (rc == RT_OK)
        sb_add(b, rt_strbuf_cstr(t), t->len);
    rt_strbuf_deinit(t);
    return rc;
}

static Value raise_fmt(VM *vm, int rc, const char *msg)
{
    if (rc == RT_ENOMEM)
        return vm_raise_nomem(vm);
    Class *cls = rc == RT_FMT_EOVERFLOW   ? vm->c.OverflowError
                 : rc == RT_FMT_EZERODIV ? vm->c.ZeroDivisionError
                                         : vm->c.ValueError;
    return vm_raise_new(vm, cls, "%s", msg ? msg : "invalid value");
}

/* ------------------------------------------------------------------------ */
/* repr() and str()                                                         */
/* ------------------------------------------------------------------------ */

static int repr_enter(VM *vm, Obj *o)
{
    for (int i = 0; i < vm->repr_depth; i++)
        if (vm->repr_stack[i] == o)
            return 1;
    if (vm->repr_depth >= 64) {
        vm_raise_new(vm, vm->c.RecursionError,
                     "maximum recursion depth exceeded while getting the "
                     "repr of an object");
        return -1;
    }
    vm->repr_stack[vm->repr_depth++] = o;
    return 0;
}

static void repr_leave(VM *vm) { vm->repr_depth--; }

/* Ends a default repr with the object's address as CPython shows it:
 * " at 0x7f...>" (its stable identity, see obj_identity). */
int repr_add_address(VM *vm, SBuf *b, Obj *o)
{
    uint64_t id;
    if (!obj_identity(vm, o, &id)) {
        vm_raise_nomem(vm);
        return -1;
    }
    sb_addf(b, " at 0x%" PRIx64 ">", id);
    return 0;
}
#define add_address repr_add_address

static int repr_items(VM *vm, SBuf *b, Value *items, int64_t n)
{
    for (int64_t i = 0; i < n; i++) {
        if (i)
            sb_adds(b, ", ");
        if (val_repr_into(vm, b, items[i]) < 0)
            return -1;
    }
    return 0;
}

static void class_full_name(VM *vm, SBuf *b, Class *c)
{
    if (c->module && strcmp(c->module, "builtins") != 0)
        sb_addf(b, "%s.", c->module);
    sb_addstr(b, c->qualname ? c->qualname : c->name);
}

void float_repr_into(SBuf *b, double d)
{
    rt_strbuf t;
    rt_strbuf_init(&t);
    sb_take(b, &t, rt_float_repr(d, &t));
}

static int repr_into_impl(VM *vm, SBuf *b, Value v)
{
    switch (v.kind) {
    case VK_NONE:
        sb_adds(b, "None");
        return 0;
    case VK_BOOL:
        sb_adds(b, AS_INT(v) ? "True" : "False");
        return 0;
    case VK_INT: {
        char buf[24];
        sb_add(b, buf, (size_t)int_to_text(AS_INT(v), buf));
        return 0;
    }
    case VK_FLOAT:
        float_repr_into(b, AS_FLOAT(v));
        return 0;
    case VK_ELLIPSIS:
        sb_adds(b, "Ellipsis");
        return 0;
    case VK_NOTIMPL:
        sb_adds(b, "NotImplemented");
        return 0;
    default:
        break;
    }
    if (!IS_OBJ(v)) {
        sb_adds(b, "<?>");
        return 0;
    }
    Obj *o = AS_OBJ(v);
    Class *cls = class_of_obj(o);
    if (is_user(cls) && (cls->slots & SLOT_REPR)) {
        Value r = call_dunder(vm, v, vm->n.__repr__, NULL, 0);
        if (IS_ERR(r))
            return -1;
        if (!IS_STR(r)) {
            vm_raise_new(vm, vm->c.TypeError,
                         "__repr__ returned non-string (type %s)",
                         type_name(vm, r));
            decref(r);
            return -1;
        }
        sb_addstr(b, AS_STR(r));
        decref(r);
        return 0;
    }
    switch (cls->layout) {
    case LAYOUT_STR: {
        rt_strbuf t;
        rt_strbuf_init(&t);
        Str *s = (Str *)o;
        sb_take(b, &t, rt_str_repr(s->data, (size_t)s->len, &t));
        return 0;
    }
    case LAYOUT_BYTES: {
        rt_strbuf t;
        rt_strbuf_init(&t);
        Bytes *s = (Bytes *)o;
        sb_take(b, &t, rt_bytes_repr(s->data, (size_t)s->len, &t));
        return 0;
    }
    case LAYOUT_LIST:
    case LAYOUT_TUPLE: {
        bool list = cls->layout == LAYOUT_LIST;
        int r = repr_enter(vm, o);
        if (r < 0)
            return -1;
        if (r) {
            sb_adds(b, list ? "[...]" : "(...)");
            return 0;
        }
        Value *items = list ? ((List *)o)->items : ((Tuple *)o)->items;
        int64_t n = list ? ((List *)o)->len : ((Tuple *)o)->len;
        sb_addc(b, list ? '[' : '(');
        r = repr_items(vm, b, items, n);
        if (!list && n == 1)
            sb_addc(b, ',');
        sb_addc(b, list ? ']' : ')');
        repr_leave(vm);
        return r;
    }
    case LAYOUT_DICT: {
        int r = repr_enter(vm, o);
        if (r < 0)
            return -1;
        if (r) {
            sb_adds(b, "{...}");
            return 0;
        }
        sb_addc(b, '{');
        int64_t pos = 0, i = 0;
        Value k, val;
        while (dict_next((Dict *)o, &pos, &k, &val)) {
            if (i++)
                sb_adds(b, ", ");
            if (val_repr_into(vm, b, k) < 0 || (sb_adds(b, ": "), 0) ||
                val_repr_into(vm, b, val) < 0) {
                repr_leave(vm);
                return -1;
            }
        }
        sb_addc(b, '}');
        repr_leave(vm);
        return 0;
    }
    case LAYOUT_SET: {
        Set *s = (Set *)o;
        bool frozen = s->frozen;
        if (s->used == 0) {
            sb_adds(b, frozen ? "frozenset()" : "set()");
            return 0;
        }
        int r = repr_enter(vm, o);
        if (r < 0)
            return -1;
        if (r) {
            sb_adds(b, frozen ? "frozenset(...)" : "{...}");
            return 0;
        }
        if (frozen)
            sb_adds(b, "frozenset(");
        sb_addc(b, '{');
        int64_t pos = 0, i = 0;
        Value k;
        while (set_next(s, &pos, &k)) {
            if (i++)
                sb_adds(b, ", ");
            incref(k);
            int rk = val_repr_into(vm, b, k);
            decref(k);
            if (rk < 0) {
                repr_leave(vm);
                return -1;
            }
        }
        sb_addc(b, '}');
        if (frozen)
            sb_addc(b, ')');
        repr_leave(vm);
        return 0;
    }
    case LAYOUT_RANGE: {
        Range *r = (Range *)o;
        if (r->step == 1)
            sb_addf(b, "range(%lld, %lld)", (long long)r->start,
                    (long long)r->stop);
        else
            sb_addf(b, "range(%lld, %lld, %lld)", (long long)r->start,
                    (long long)r->stop, (long long)r->step);
        return 0;
    }
    case LAYOUT_SLICE: {
        Slice *s = (Slice *)o;
        sb_adds(b, "slice(");
        if (val_repr_into(vm, b, s->start) < 0)
            return -1;
        sb_adds(b, ", ");
        if (val_repr_into(vm, b, s->stop) < 0)
            return -1;
        sb_adds(b, ", ");
        if (val_repr_into(vm, b, s->step) < 0)
            return -1;
        sb_addc(b, ')');
        return 0;
    }
    case LAYOUT_FUNCTION:
        sb_addf(b, "<function %s", ((Function *)o)->qualname->data);
        return add_address(vm, b, o);
    case LAYOUT_NATIVE: {
        Native *n = (Native *)o;
        if (!IS_NONE(n->bound))
        {
            sb_addf(b, "<built-in method %s of %s object", n->name,
                    type_name(vm, n->bound));
            return IS_OBJ(n->bound) ? add_address(vm, b, AS_OBJ(n->bound))
                                    : (sb_addc(b, '>'), 0);
        }
        else
            sb_addf(b, "<built-in function %s>", n->name);
        return 0;
    }
    case LAYOUT_BOUND: {
        Bound *bd = (Bound *)o;
        Value f = bd->func;
        const char *name = IS_LAYOUT(f, FUNCTION)
                               ? ((Function *)AS_OBJ(f))->qualname->data
                           : IS_LAYOUT(f, NATIVE) ? ((Native *)AS_OBJ(f))->name
                                                  : "?";
        if (IS_LAYOUT(f, NATIVE)) {
            sb_addf(b, "<built-in method %s of %s object", name,
                    type_name(vm, bd->self));
            return IS_OBJ(bd->self) ? add_address(vm, b, AS_OBJ(bd->self))
                                    : (sb_addc(b, '>'), 0);
        }
        sb_addf(b, "<bound method %s of ", name);
        if (val_repr_into(vm, b, bd->self) < 0)
            return -1;
        sb_addc(b, '>');
        return 0;
    }
    case LAYOUT_CLASS:
        sb_adds(b, "<class '");
        class_full_name(vm, b, (Class *)o);
        sb_adds(b, "'>");
        return 0;
    case LAYOUT_MODULE:
        sb_addf(b, "<module '%s'>", ((Module *)o)->name->data);
        return 0;
    case LAYOUT_EXC: {
        Exc *e = (Exc *)o;
        sb_addstr(b, cls->name);
        sb_addc(b, '(');
        if (repr_items(vm, b, e->args->items, e->args->len) < 0)
            return -1;
        sb_addc(b, ')');
        return 0;
    }
    case LAYOUT_CORO:
        sb_addf(b, "<%s object %s", cls->name->data,
                ((Coro *)o)->func->qualname->data);
        return add_address(vm, b, o);
    case LAYOUT_NCORO:
        sb_addf(b, "<coroutine object %s", ((NCoro *)o)->kind->name);
        return add_address(vm, b, o);
    case LAYOUT_CELL:
        sb_adds(b, "<cell>");
        return 0;
    case LAYOUT_CODE:
        sb_addf(b, "<code object %s>", ((Code *)o)->name->data);
        return 0;
    case LAYOUT_PROPERTY:
        sb_adds(b, "<property object");
        return add_address(vm, b, o);
    case LAYOUT_ITER:
        if (cls == vm->c.dict_keys || cls == vm->c.dict_values ||
            cls == vm->c.dict_items) {
            List *l = val_to_list(vm, v);
            if (!l)
                return -1;
            sb_addf(b, "%s([", cls->name->data);
            int r = repr_items(vm, b, l->items, l->len);
            sb_adds(b, "])");
            obj_decref(l);
            return r;
        }
        sb_addf(b, "<%s object", cls->name->data);
        return add_address(vm, b, o);
    case LAYOUT_FUTURE:
    case LAYOUT_TASK:
    case LAYOUT_LOOP:
    case LAYOUT_HANDLE:
    case LAYOUT_EXECUTOR:
    case LAYOUT_CFUTURE:
    case LAYOUT_TIMEOUT_CM:
    case LAYOUT_PRIMITIVE:
        return aio_repr_into(vm, b, v);
    default:
        sb_adds(b, "<");
        class_full_name(vm, b, cls);
        sb_adds(b, " object");
        return add_address(vm, b, o);
    }
}

int val_str_into(VM *vm, SBuf *b, Value v)
{
    if (IS_STR(v)) {
        sb_addstr(b, AS_STR(v));
        return 0;
    }
    if (!IS_OBJ(v))
        return val_repr_into(vm, b, v);
    Class *cls = class_of_obj(AS_OBJ(v));
    if (is_user(cls) && (cls->slots & SLOT_STR)) {
        Value r = call_dunder(vm, v, vm->n.__str__, NULL, 0);
        if (IS_ERR(r))
            return -1;
        if (!IS_STR(r)) {
            vm_raise_new(vm, vm->c.TypeError,
                         "__str__ returned non-string (type %s)",
                         type_name(vm, r));
            decref(r);
            return -1;
        }
        sb_addstr(b, AS_STR(r));
        decref(r);
        return 0;
    }
    if (cls->layout == LAYOUT_EXC && !(is_user(cls) && (cls->slots &
                                                        SLOT_REPR))) {
        Exc *e = (Exc *)AS_OBJ(v);
        if (e->group && e->args->len >= 1) {
            int64_t n = e->group->len;
            if (val_str_into(vm, b, e->args->items[0]) < 0)
                return -1;
            sb_addf(b, " (%lld sub-exception%s)", (long long)n,
                    n == 1 ? "" : "s");
            return 0;
        }
        if (class_is_subclass(cls, vm->c.OSError)) {
            int r = exc_oserror_str(vm, e, b);
            if (r != 0)
                return r < 0 ? -1 : 0;
        }
        if (e->args->len == 0)
            return 0;
        if (e->args->len == 1) {
            if (class_is_subclass(cls, vm->c.KeyError))
                return val_repr_into(vm, b, e->args->items[0]);
            return val_str_into(vm, b, e->args->items[0]);
        }
        return val_repr_into(vm, b, val_obj(e->args));
    }
    if (cls->layout == LAYOUT_EXC && is_user(cls) && (cls->slots & SLOT_REPR))
        return val_repr_into(vm, b, v);
    return val_repr_into(vm, b, v);
}

Str *val_repr(VM *vm, Value v)
{
    if (IS_STR(v) && AS_STR(v)->len == 0)
        return str_from_cstr(vm, "''");
    SBuf b;
    sb_init(&b);
    if (val_repr_into(vm, &b, v) < 0) {
        sb_free(&b);
        return NULL;
    }
    return sb_finish(vm, &b);
}

Str *val_str(VM *vm, Value v)
{
    if (IS_STR(v)) {
        obj_incref(AS_OBJ(v));
        return AS_STR(v);
    }
    if (IS_INT(v))
        return str_from_int(vm, AS_INT(v));
    SBuf b;
    sb_init(&b);
    if (val_str_into(vm, &b, v) < 0) {
        sb_free(&b);
        return NULL;
    }
    return sb_finish(vm, &b);
}

/* ------------------------------------------------------------------------ */
/* Truth, hashing, equality, ordering                                       */
/* ------------------------------------------------------------------------ */

int64_t val_len(VM *vm, Value v)
{
    if (IS_OBJ(v)) {
        Obj *o = AS_OBJ(v);
        Class *cls = class_of_obj(o);
        switch (cls->layout) {
        case LAYOUT_STR: return ((Str *)o)->cplen;
        case LAYOUT_BYTES: return ((Bytes *)o)->len;
        case LAYOUT_LIST: return ((List *)o)->len;
        case LAYOUT_TUPLE: return ((Tuple *)o)->len;
        case LAYOUT_DICT: return ((Dict *)o)->len;
        case LAYOUT_SET: return ((Set *)o)->used;
        case LAYOUT_RANGE: return ((Range *)o)->len;
        case LAYOUT_ITER:
            if (cls == vm->c.dict_keys || cls == vm->c.dict_values ||
                cls == vm->c.dict_items)
                return AS_DICT(((Iter *)o)->src)->len;
            break;
        case LAYOUT_PRIMITIVE:
        case LAYOUT_OBJECT:
        case LAYOUT_EXC:
        default:
            break;
        }
        if (is_user(cls) && (cls->slots & SLOT_LEN)) {
            Value r = call_dunder(vm, v, vm->n.__len__, NULL, 0);
            if (IS_ERR(r))
                return -1;
            if (!IS_INT(r) && !IS_BOOL(r)) {
                vm_raise_new(vm, vm->c.TypeError,
                             "'%s' object cannot be interpreted as an "
                             "integer", type_name(vm, r));
                decref(r);
                return -1;
            }
            if (AS_INT(r) < 0) {
                vm_raise_new(vm, vm->c.ValueError,
                             "__len__() should return >= 0");
                return -1;
            }
            return AS_INT(r);
        }
    }
    vm_raise_new(vm, vm->c.TypeError, "object of type '%s' has no len()",
                 type_name(vm, v));
    return -1;
}

int val_truthy(VM *vm, Value v)
{
    switch (v.kind) {
    case VK_NONE: return 0;
    case VK_BOOL:
    case VK_INT: return AS_INT(v) != 0;
    case VK_FLOAT: return AS_FLOAT(v) != 0.0;
    case VK_OBJ: break;
    default: return 1;
    }
    Class *cls = class_of_obj(AS_OBJ(v));
    switch (cls->layout) {
    case LAYOUT_STR: case LAYOUT_BYTES: case LAYOUT_LIST: case LAYOUT_TUPLE:
    case LAYOUT_DICT: case LAYOUT_SET: case LAYOUT_RANGE: {
        int64_t n = val_len(vm, v);
        return n < 0 ? -1 : n > 0;
    }
    default:
        break;
    }
    if (is_user(cls)) {
        if (cls->slots & SLOT_BOOL) {
            Value r = call_dunder(vm, v, vm->n.__bool__, NULL, 0);
            if (IS_ERR(r))
                return -1;
            if (!IS_BOOL(r)) {
                vm_raise_new(vm, vm->c.TypeError,
                             "__bool__ should return bool, returned %s",
                             type_name(vm, r));
                decref(r);
                return -1;
            }
            return (int)AS_INT(r);
        }
        if (cls->slots & SLOT_LEN) {
            int64_t n = val_len(vm, v);
            return n < 0 ? -1 : n > 0;
        }
    }
    if (cls == vm->c.dict_keys || cls == vm->c.dict_values ||
        cls == vm->c.dict_items)
        return val_len(vm, v) > 0;
    return 1;
}

static uint64_t mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

/* hash() of an instance of a user class that defines __hash__ or __eq__:
 * 0 and *out from its __hash__, -1 with TypeError when it is unhashable
 * (__eq__ without __hash__, or __hash__ = None). */
static int user_hash(VM *vm, Value v, Class *cls, int64_t *out)
{
    if (!(cls->slots & SLOT_HASH) ||
        IS_NONE(class_lookup(cls, vm->n.__hash__))) {
        vm_raise_new(vm, vm->c.TypeError, "unhashable type: '%s'",
                     cls->name->data);
        return -1;
    }
    Value r = call_dunder(vm, v, vm->n.__hash__, NULL, 0);
    if (IS_ERR(r))
        return -1;
    if (!IS_INT(r) && !IS_BOOL(r)) {
        vm_raise_new(vm, vm->c.TypeError,
                     "__hash__ method should return an integer");
        decref(r);
        return -1;
    }
    *out = AS_INT(r);
    return 0;
}

static int hash_impl(VM *vm, Value v, uint64_t *out)
{
    switch (v.kind) {
    case VK_NONE: *out = 0x9e3779b9u; return 0;
    case VK_BOOL:
    case VK_INT: *out = mix((uint64_t)AS_INT(v)); return 0;
    case VK_FLOAT: {
        double d = AS_FLOAT(v);
        if (d == floor(d) && fabs(d) < 9.2e18) {
            *out = mix((uint64_t)(int64_t)d);
            return 0;
        }
        uint64_t bits;
        memcpy(&bits, &d, sizeof bits);
        *out = mix(bits);
        return 0;
    }
    case VK_OBJ: break;
    default: *out = (uint64_t)v.kind * 0x9e3779b97f4a7c15ULL; return 0;
    }
    Obj *o = AS_OBJ(v);
    Class *cls = class_of_obj(o);
    switch (cls->layout) {
    case LAYOUT_STR:
        *out = str_hash((Str *)o);
        return 0;
    case LAYOUT_BYTES: {
        Bytes *b = (Bytes *)o;
        uint64_t h = 1469598103934665603ULL;
        for (int64_t i = 0; i < b->len; i++)
            h = (h ^ b->data[i]) * 1099511628211ULL;
        *out = h;
        return 0;
    }
    case LAYOUT_TUPLE: {
        Tuple *t = (Tuple *)o;
        uint64_t h = 0x345678;
        for (int64_t i = 0; i < t->len; i++) {
            uint64_t x;
            if (val_hash(vm, t->items[i], &x) < 0)
                return -1;
            h = (h ^ x) * 1000003ULL + (uint64_t)i;
        }
        *out = mix(h);
        return 0;
    }
    case LAYOUT_SET:
        if (((Set *)o)->frozen) {
            *out = (uint64_t)set_py_hash((Set *)o);
            return 0;
        }
        /* fall through */
    case LAYOUT_LIST:
    case LAYOUT_DICT:
        vm_raise_new(vm, vm->c.TypeError, "unhashable type: '%s'",
                     cls->name->data);
        return -1;
    default:
        break;
    }
    if (is_user(cls) && (cls->slots & (SLOT_HASH | SLOT_EQ))) {
        int64_t h;
        if (user_hash(vm, v, cls, &h) < 0)
            return -1;
        *out = mix((uint64_t)h);
        return 0;
    }
    *out = mix((uint64_t)(uintptr_t)o);
    return 0;
}

static bool is_number(Value v)
{
    return IS_INT(v) || IS_BOOL(v) || IS_FLOAT(v);
}

static double num_as_double(Value v)
{
    return IS_FLOAT(v) ? AS_FLOAT(v) : (double)AS_INT(v);
}

/* Compares an int with a float exactly (as Python does, without rounding
 * the int). Returns -1, 0, 1, or 2 for nan. */
static int cmp_int_float(int64_t i, double d)
{
    if (isnan(d))
        return 2;
    if (d >= 9.3e18)
        return -1;
    if (d <= -9.3e18)
        return 1;
    double fl = floor(d);
    int64_t di = (int64_t)fl;
    if (i < di)
        return -1;
    if (i > di)
        return 1;
    return d > fl ? -1 : 0;
}

/* Three-way numeric comparison; 2 means unordered (nan). */
static int num_cmp(Value a, Value b)
{
    if (!IS_FLOAT(a) && !IS_FLOAT(b)) {
        int64_t x = AS_INT(a), y = AS_INT(b);
        return x < y ? -1 : x > y;
    }
    if (IS_FLOAT(a) && IS_FLOAT(b)) {
        double x = AS_FLOAT(a), y = AS_FLOAT(b);
        if (isnan(x) || isnan(y))
            return 2;
        return x < y ? -1 : x > y;
    }
    if (IS_FLOAT(a)) {
        int r = cmp_int_float(AS_INT(b), AS_FLOAT(a));
        return r == 2 ? 2 : -r;
    }
    return cmp_int_float(AS_INT(a), AS_FLOAT(b));
}

static const char *op_dunder(VM *vm, ast_op op, bool reflected)
{
    switch (op) {
    case AST_OP_EQ: return "__eq__";
    case AST_OP_NE: return "__ne__";
    case AST_OP_LT: return reflected ? "__gt__" : "__lt__";
    case AST_OP_GT: return reflected ? "__lt__" : "__gt__";
    case AST_OP_LE: return reflected ? "__ge__" : "__le__";
    case AST_OP_GE: return reflected ? "__le__" : "__ge__";
    default: return NULL;
    }
}

/* Tries a user comparison dunder; VAL_NOTIMPL when not applicable. */
static Value user_compare(VM *vm, Value a, Value b, ast_op op)
{
    Class *ca = class_of(vm, a), *cb = class_of(vm, b);
    bool ua = IS_OBJ(a) && is_user(ca), ub = IS_OBJ(b) && is_user(cb);
    if (!ua && !ub)
        return VAL_NOTIMPL;
    /* A subclass's reflected method goes first, as in CPython. */
    bool b_first = ub && ca != cb && class_is_subclass(cb, ca);
    for (int pass = 0; pass < 2; pass++) {
        bool use_b = (pass == 0) == b_first;
        Value self = use_b ? b : a, other = use_b ? a : b;
        if (use_b ? !ub : !ua)
            continue;
        Str *name = str_intern_cstr(vm, op_dunder(vm, op, use_b));
        if (!name)
            return VAL_ERR;
        Value m = class_lookup(class_of(vm, self), name);
        if (IS_ERR(m) || IS_LAYOUT(m, NATIVE))
            continue;
        Value args[2] = {self, other};
        Value r = vm_call(vm, m, args, 2, NULL);
        if (IS_ERR(r))
            return r;
        if (r.kind != VK_NOTIMPL)
            return r;
    }
    return VAL_NOTIMPL;
}

static int seq_eq(VM *vm, Value *x, int64_t nx, Value *y, int64_t ny)
{
    if (nx != ny)
        return 0;
    for (int64_t i = 0; i < nx; i++) {
        int r = val_eq(vm, x[i], y[i]);
        if (r <= 0)
            return r;
    }
    return 1;
}

static int eq_impl(VM *vm, Value a, Value b)
{
    if (is_number(a) && is_number(b))
        return num_cmp(a, b) == 0;
    if (a.kind != b.kind)
        return 0;
    if (!IS_OBJ(a))
        return a.u.i == b.u.i;
    if (a.u.p == b.u.p) {
        Class *c = class_of_obj(AS_OBJ(a));
        if (!is_user(c) || !(c->slots & SLOT_EQ))
            return 1;
    }
    Class *ca = class_of_obj(AS_OBJ(a)), *cb = class_of_obj(AS_OBJ(b));
    if (is_user(ca) || is_user(cb)) {
        Value r = user_compare(vm, a, b, AST_OP_EQ);
        if (IS_ERR(r))
            return -1;
        if (r.kind != VK_NOTIMPL) {
            int t = val_truthy(vm, r);
            decref(r);
            return t;
        }
        return a.u.p == b.u.p;
    }
    if (ca->layout != cb->layout)
        return 0;
    switch (ca->layout) {
    case LAYOUT_STR:
        return str_eq(AS_STR(a), AS_STR(b));
    case LAYOUT_BYTES: {
        Bytes *x = (Bytes *)AS_OBJ(a), *y = (Bytes *)AS_OBJ(b);
        return x->len == y->len &&
               memcmp(x->data, y->data, (size_t)x->len) == 0;
    }
    case LAYOUT_LIST:
        return seq_eq(vm, AS_LIST(a)->items, AS_LIST(a)->len,
                      AS_LIST(b)->items, AS_LIST(b)->len);
    case LAYOUT_TUPLE:
        return seq_eq(vm, AS_TUPLE(a)->items, AS_TUPLE(a)->len,
                      AS_TUPLE(b)->items, AS_TUPLE(b)->len);
    case LAYOUT_DICT: {
        Dict *x = AS_DICT(a), *y = AS_DICT(b);
        if (x->len != y->len)
            return 0;
        int64_t pos = 0;
        Value k, v;
        while (dict_next(x, &pos, &k, &v)) {
            Value w = dict_get(vm, y, k);
            if (IS_ERR(w))
                return vm_has_exc(vm) ? -1 : 0;
            int r = val_eq(vm, v, w);
            if (r <= 0)
                return r;
        }
        return 1;
    }
    case LAYOUT_SET: {
        bool eq;
        return set_compare(vm, a, b, AST_OP_EQ, &eq) < 0 ? -1 : eq;
    }
    case LAYOUT_RANGE: {
        Range *x = (Range *)AS_OBJ(a), *y = (Range *)AS_OBJ(b);
        if (x->len != y->len)
            return 0;
        if (x->len == 0)
            return 1;
        if (x->start != y->start)
            return 0;
        return x->len == 1 || x->step == y->step;
    }
    case LAYOUT_SLICE: {
        Slice *x = (Slice *)AS_OBJ(a), *y = (Slice *)AS_OBJ(b);
        int r = val_eq(vm, x->start, y->start);
        if (r <= 0)
            return r;
        r = val_eq(vm, x->stop, y->stop);
        if (r <= 0)
            return r;
        return val_eq(vm, x->step, y->step);
    }
    default:
        return a.u.p == b.u.p;
    }
}

static Value cmp_error(VM *vm, Value a, Value b, ast_op op)
{
    return vm_raise_new(vm, vm->c.TypeError,
                        "'%s' not supported between instances of '%s' and "
                        "'%s'", ast_op_name(op), type_name(vm, a),
                        type_name(vm, b));
}

/* Lexicographic order of sequences: the first unequal items decide. */
static Value seq_compare(VM *vm, Value *x, int64_t nx, Value *y, int64_t ny,
                         ast_op op)
{
    int64_t n = nx < ny ? nx : ny;
    for (int64_t i = 0; i < n; i++) {
        int r = val_eq(vm, x[i], y[i]);
        if (r < 0)
            return VAL_ERR;
        if (!r) {
            if (op == AST_OP_EQ)
                return VAL_FALSE;
            if (op == AST_OP_NE)
                return VAL_TRUE;
            return val_compare(vm, x[i], y[i], op);
        }
    }
    int c = nx < ny ? -1 : nx > ny;
    switch (op) {
    case AST_OP_LT: return val_bool(c < 0);
    case AST_OP_LE: return val_bool(c <= 0);
    case AST_OP_GT: return val_bool(c > 0);
    case AST_OP_GE: return val_bool(c >= 0);
    case AST_OP_EQ: return val_bool(c == 0);
    default: return val_bool(c != 0);
    }
}

static Value compare_impl(VM *vm, Value a, Value b, ast_op op)
{
    if (op == AST_OP_EQ || op == AST_OP_NE) {
        if ((IS_OBJ(a) && is_user(class_of_obj(AS_OBJ(a)))) ||
            (IS_OBJ(b) && is_user(class_of_obj(AS_OBJ(b))))) {
            Value r = user_compare(vm, a, b, op);
            if (IS_ERR(r) || r.kind != VK_NOTIMPL)
                return r;
            if (op == AST_OP_NE) {
                /* Default __ne__ inverts __eq__. */
                Value e = user_compare(vm, a, b, AST_OP_EQ);
                if (IS_ERR(e))
                    return e;
                if (e.kind != VK_NOTIMPL) {
                    int t = val_truthy(vm, e);
                    decref(e);
                    return t < 0 ? VAL_ERR : val_bool(!t);
                }
            }
            return val_bool((a.u.p == b.u.p) == (op == AST_OP_EQ));
        }
        int r = val_eq(vm, a, b);
        if (r < 0)
            return VAL_ERR;
        return val_bool(op == AST_OP_EQ ? r : !r);
    }
    if (is_number(a) && is_number(b)) {
        int c = num_cmp(a, b);
        if (c == 2)
            return VAL_FALSE;
        switch (op) {
        case AST_OP_LT: return val_bool(c < 0);
        case AST_OP_LE: return val_bool(c <= 0);
        case AST_OP_GT: return val_bool(c > 0);
        default: return val_bool(c >= 0);
        }
    }
    if (IS_STR(a) && IS_STR(b)) {
        Str *x = AS_STR(a), *y = AS_STR(b);
        int64_t n = x->len < y->len ? x->len : y->len;
        int c = memcmp(x->data, y->data, (size_t)n);
        if (c == 0)
            c = x->len < y->len ? -1 : x->len > y->len;
        switch (op) {
        case AST_OP_LT: return val_bool(c < 0);
        case AST_OP_LE: return val_bool(c <= 0);
        case AST_OP_GT: return val_bool(c > 0);
        default: return val_bool(c >= 0);
        }
    }
    if (IS_OBJ(a) && IS_OBJ(b)) {
        Class *ca = class_of_obj(AS_OBJ(a)), *cb = class_of_obj(AS_OBJ(b));
        if (is_user(ca) || is_user(cb)) {
            Value r = user_compare(vm, a, b, op);
            if (IS_ERR(r) || r.kind != VK_NOTIMPL)
                return r;
            return cmp_error(vm, a, b, op);
        }
        if (ca->layout == cb->layout && ca->layout == LAYOUT_LIST)
            return seq_compare(vm, AS_LIST(a)->items, AS_LIST(a)->len,
                               AS_LIST(b)->items, AS_LIST(b)->len, op);
        if (ca->layout == cb->layout && ca->layout == LAYOUT_TUPLE)
            return seq_compare(vm, AS_TUPLE(a)->items, AS_TUPLE(a)->len,
                               AS_TUPLE(b)->items, AS_TUPLE(b)->len, op);
        if (ca->layout == LAYOUT_BYTES && cb->layout == LAYOUT_BYTES) {
            Bytes *x = (Bytes *)AS_OBJ(a), *y = (Bytes *)AS_OBJ(b);
            int64_t n = x->len < y->len ? x->len : y->len;
            int c = memcmp(x->data, y->data, (size_t)n);
            if (c == 0)
                c = x->len < y->len ? -1 : x->len > y->len;
            switch (op) {
            case AST_OP_LT: return val_bool(c < 0);
            case AST_OP_LE: return val_bool(c <= 0);
            case AST_OP_GT: return val_bool(c > 0);
            default: return val_bool(c >= 0);
            }
        }
        if (ca->layout == LAYOUT_SET && cb->layout == LAYOUT_SET) {
            bool r;
            if (set_compare(vm, a, b, op, &r) < 0)
                return VAL_ERR;
            return val_bool(r);
        }
    } else if (IS_OBJ(a) || IS_OBJ(b)) {
        Value r = user_compare(vm, a, b, op);
        if (IS_ERR(r) || r.kind != VK_NOTIMPL)
            return r;
    }
    return cmp_error(vm, a, b, op);
}

int val_lt(VM *vm, Value a, Value b)
{
    if (IS_INT(a) && IS_INT(b))
        return AS_INT(a) < AS_INT(b);
    Value r = val_compare(vm, a, b, AST_OP_LT);
    if (IS_ERR(r))
        return -1;
    if (IS_BOOL(r))
        return (int)AS_INT(r);
    int t = val_truthy(vm, r);
    decref(r);
    return t;
}

/* ------------------------------------------------------------------------ */
/* Arithmetic                                                               */
/* ------------------------------------------------------------------------ */

static Value int_overflow(VM *vm)
{
    return vm_raise_new(vm, vm->c.OverflowError, "%s",
                        RT_FMT_INT_OVERFLOW_TEXT);
}

static Value int_binop(VM *vm, ast_op op, int64_t a, int64_t b)
{
    int64_t r;
    const char *msg = NULL;
    int rc;
    switch (op) {
    case AST_OP_ADD:
        if (__builtin_add_overflow(a, b, &r))
            return int_overflow(vm);
        return val_int(r);
    case AST_OP_SUB:
        if (__builtin_sub_overflow(a, b, &r))
            return int_overflow(vm);
        return val_int(r);
    case AST_OP_MUL:
        if (__builtin_mul_overflow(a, b, &r))
            return int_overflow(vm);
        return val_int(r);
    case AST_OP_DIV: {
        double d;
        rc = rt_int_truediv(a, b, &d, &msg);
        return rc ? raise_fmt(vm, rc, msg) : val_float(d);
    }
    case AST_OP_FLOORDIV:
        rc = rt_int_floordiv(a, b, &r, &msg);
        return rc ? raise_fmt(vm, rc, msg) : val_int(r);
    case AST_OP_MOD:
        rc = rt_int_mod(a, b, &r, &msg);
        return rc ? raise_fmt(vm, rc, msg) : val_int(r);
    case AST_OP_POW:
        if (b < 0) {
            double d;
            rc = rt_float_pow((double)a, (double)b, &d, &msg);
            return rc ? raise_fmt(vm, rc, msg) : val_float(d);
        }
        rc = rt_int_pow(a, b, &r, &msg);
        return rc ? raise_fmt(vm, rc, msg) : val_int(r);
    case AST_OP_LSHIFT:
        if (b < 0)
            return vm_raise_new(vm, vm->c.ValueError, "negative shift count");
        if (a == 0)
            return val_int(0);
        if (b >= 63 || (a > 0 ? a > (INT64_MAX >> b) : a < (INT64_MIN >> b)))
            return int_overflow(vm);
        return val_int((int64_t)((uint64_t)a << b));
    case AST_OP_RSHIFT:
        if (b < 0)
            return vm_raise_new(vm, vm->c.ValueError, "negative shift count");
        return val_int(b >= 63 ? (a < 0 ? -1 : 0) : a >> b);
    case AST_OP_BITAND: return val_int(a & b);
    case AST_OP_BITOR: return val_int(a | b);
    case AST_OP_BITXOR: return val_int(a ^ b);
    default:
        return VAL_NOTIMPL;
    }
}

static Value float_binop(VM *vm, ast_op op, double a, double b)
{
    double r;
    const char *msg = NULL;
    int rc;
    switch (op) {
    case AST_OP_ADD: return val_float(a + b);
    case AST_OP_SUB: return val_float(a - b);
    case AST_OP_MUL: return val_float(a * b);
    case AST_OP_DIV: rc = rt_float_div(a, b, &r, &msg); break;
    case AST_OP_FLOORDIV: rc = rt_float_floordiv(a, b, &r, &msg); break;
    case AST_OP_MOD: rc = rt_float_mod(a, b, &r, &msg); break;
    case AST_OP_POW: rc = rt_float_pow(a, b, &r, &msg); break;
    default: return VAL_NOTIMPL;
    }
    return rc ? raise_fmt(vm, rc, msg) : val_float(r);
}

static Value seq_repeat(VM *vm, Value seq, int64_t n)
{
    if (n < 0)
        n = 0;
    if (IS_STR(seq)) {
        Str *s = AS_STR(seq);
        if (n && s->len > INT32_MAX / n)
            return vm_raise_nomem(vm);
        SBuf b;
        sb_init(&b);
        for (int64_t i = 0; i < n; i++)
            sb_addstr(&b, s);
        Str *r = sb_finish(vm, &b);
        return r ? val_obj(r) : VAL_ERR;
    }
    bool list = IS_LIST(seq);
    Value *items = list ? AS_LIST(seq)->items : AS_TUPLE(seq)->items;
    int64_t len = list ? AS_LIST(seq)->len : AS_TUPLE(seq)->len;
    if (n && len > (INT32_MAX / 16) / n)
        return vm_raise_nomem(vm);
    int64_t total = len * n;
    if (list) {
        List *l = list_new(vm, total);
        if (!l)
            return VAL_ERR;
        for (int64_t i = 0; i < total; i++) {
            incref(items[i % len]);
            l->items[i] = items[i % len];
        }
        l->len = total;
        return val_obj(l);
    }
    Tuple *t = tuple_new(vm, total);
    if (!t)
        return VAL_ERR;
    for (int64_t i = 0; i < total; i++) {
        incref(items[i % len]);
        t->items[i] = items[i % len];
    }
    return val_obj(t);
}

static Value seq_concat(VM *vm, Value a, Value b)
{
    bool list = IS_LIST(a);
    Value *x = list ? AS_LIST(a)->items : AS_TUPLE(a)->items;
    int64_t nx = list ? AS_LIST(a)->len : AS_TUPLE(a)->len;
    Value *y = list ? AS_LIST(b)->items : AS_TUPLE(b)->items;
    int64_t ny = list ? AS_LIST(b)->len : AS_TUPLE(b)->len;
    if (list) {
        List *l = list_new(vm, nx + ny);
        if (!l)
            return VAL_ERR;
        for (int64_t i = 0; i < nx; i++)
            incref(l->items[l->len++] = x[i]);
        for (int64_t i = 0; i < ny; i++)
            incref(l->items[l->len++] = y[i]);
        return val_obj(l);
    }
    Tuple *t = tuple_new(vm, nx + ny);
    if (!t)
        return VAL_ERR;
    for (int64_t i = 0; i < nx; i++)
        incref(t->items[i] = x[i]);
    for (int64_t i = 0; i < ny; i++)
        incref(t->items[nx + i] = y[i]);
    return val_obj(t);
}

static const char *binop_dunder(ast_op op, bool reflected)
{
    static const char *const names[][2] = {
        [AST_OP_ADD] = {"__add__", "__radd__"},
        [AST_OP_SUB] = {"__sub__", "__rsub__"},
        [AST_OP_MUL] = {"__mul__", "__rmul__"},
        [AST_OP_DIV] = {"__truediv__", "__rtruediv__"},
        [AST_OP_FLOORDIV] = {"__floordiv__", "__rfloordiv__"},
        [AST_OP_MOD] = {"__mod__", "__rmod__"},
        [AST_OP_POW] = {"__pow__", "__rpow__"},
        [AST_OP_LSHIFT] = {"__lshift__", "__rlshift__"},
        [AST_OP_RSHIFT] = {"__rshift__", "__rrshift__"},
        [AST_OP_BITOR] = {"__or__", "__ror__"},
        [AST_OP_BITXOR] = {"__xor__", "__rxor__"},
        [AST_OP_BITAND] = {"__and__", "__rand__"},
        [AST_OP_MATMUL] = {"__matmul__", "__rmatmul__"},
    };
    if ((size_t)op >= sizeof names / sizeof names[0] || !names[op][0])
        return NULL;
    return names[op][reflected];
}

static Value user_binop(VM *vm, ast_op op, Value a, Value b)
{
    const char *fwd = binop_dunder(op, false), *rev = binop_dunder(op, true);
    if (!fwd)
        return VAL_NOTIMPL;
    Class *ca = class_of(vm, a), *cb = class_of(vm, b);
    if (IS_OBJ(a) && is_user(ca)) {
        Value m = class_lookup(ca, str_intern_cstr(vm, fwd));
        if (!IS_ERR(m)) {
            Value args[2] = {a, b};
            Value r = vm_call(vm, m, args, 2, NULL);
            if (IS_ERR(r) || r.kind != VK_NOTIMPL)
                return r;
        }
    }
    if (IS_OBJ(b) && is_user(cb)) {
        Value m = class_lookup(cb, str_intern_cstr(vm, rev));
        if (!IS_ERR(m)) {
            Value args[2] = {b, a};
            Value r = vm_call(vm, m, args, 2, NULL);
            if (IS_ERR(r) || r.kind != VK_NOTIMPL)
                return r;
        }
    }
    return VAL_NOTIMPL;
}

Value str_percent(VM *vm, Str *fmt, Value args);

Value val_binop(VM *vm, ast_op op, Value a, Value b, bool inplace)
{
    if ((IS_INT(a) || IS_BOOL(a)) && (IS_INT(b) || IS_BOOL(b))) {
        if (IS_BOOL(a) && IS_BOOL(b) &&
            (op == AST_OP_BITAND || op == AST_OP_BITOR ||
             op == AST_OP_BITXOR)) {
            int64_t x = AS_INT(a), y = AS_INT(b);
            return val_bool(op == AST_OP_BITAND   ? (x & y)
                            : op == AST_OP_BITOR ? (x | y)
                                                 : (x ^ y));
        }
        Value r = int_binop(vm, op, AS_INT(a), AS_INT(b));
        if (r.kind != VK_NOTIMPL)
            return r;
    } else if (is_number(a) && is_number(b)) {
        Value r = float_binop(vm, op, num_as_double(a), num_as_double(b));
        if (r.kind != VK_NOTIMPL)
            return r;
    } else if (IS_OBJ(a) || IS_OBJ(b)) {
        Class *ca = class_of(vm, a), *cb = class_of(vm, b);
        if ((IS_OBJ(a) && is_user(ca)) || (IS_OBJ(b) && is_user(cb))) {
            Value r = user_binop(vm, op, a, b);
            if (r.kind != VK_NOTIMPL)
                return r;
        } else if (op == AST_OP_ADD) {
            if (IS_STR(a) && IS_STR(b)) {
                Str *s = str_concat(vm, AS_STR(a), AS_STR(b));
                return s ? val_obj(s) : VAL_ERR;
            }
            if (IS_STR(a))
                return vm_raise_new(vm, vm->c.TypeError,
                                    "can only concatenate str (not \"%s\") to "
                                    "str", type_name(vm, b));
            if (IS_LIST(a) && IS_LIST(b)) {
                if (inplace) {
                    List *l = AS_LIST(a), *m = AS_LIST(b);
                    int64_t n = m->len;
                    for (int64_t i = 0; i < n; i++)
                        if (list_append(vm, l, m->items[i]) < 0)
                            return VAL_ERR;
                    incref(a);
                    return a;
                }
                return seq_concat(vm, a, b);
            }
            if (IS_LIST(a) && inplace) {
                List *src = val_to_list(vm, b);
                if (!src)
                    return VAL_ERR;
                for (int64_t i = 0; i < src->len; i++)
                    if (list_append(vm, AS_LIST(a), src->items[i]) < 0) {
                        obj_decref(src);
                        return VAL_ERR;
                    }
                obj_decref(src);
                incref(a);
                return a;
            }
            if (IS_LIST(a))
                return vm_raise_new(vm, vm->c.TypeError,
                                    "can only concatenate list (not \"%s\") "
                                    "to list", type_name(vm, b));
            if (IS_TUPLE(a) && IS_TUPLE(b))
                return seq_concat(vm, a, b);
            if (IS_TUPLE(a))
                return vm_raise_new(vm, vm->c.TypeError,
                                    "can only concatenate tuple (not \"%s\") "
                                    "to tuple", type_name(vm, b));
            if (IS_LAYOUT(a, BYTES) && IS_LAYOUT(b, BYTES)) {
                Bytes *x = (Bytes *)AS_OBJ(a), *y = (Bytes *)AS_OBJ(b);
                Bytes *r = bytes_new(vm, NULL, (size_t)(x->len + y->len));
                if (!r)
                    return VAL_ERR;
                memcpy(r->data, x->data, (size_t)x->len);
                memcpy(r->data + x->len, y->data, (size_t)y->len);
                return val_obj(r);
            }
        } else if (op == AST_OP_MUL) {
            Value seq = a, n = b;
            if (IS_INT(a) || IS_BOOL(a)) {
                seq = b;
                n = a;
            }
            if ((IS_INT(n) || IS_BOOL(n)) && IS_LAYOUT(seq, BYTES)) {
                Bytes *b = (Bytes *)AS_OBJ(seq);
                int64_t k = AS_INT(n) < 0 ? 0 : AS_INT(n);
                if (k && b->len > (INT32_MAX / k))
                    return vm_raise_nomem(vm);
                Bytes *r = bytes_new(vm, NULL, (size_t)(b->len * k));
                if (!r)
                    return VAL_ERR;
                for (int64_t i = 0; i < k; i++)
                    memcpy(r->data + i * b->len, b->data, (size_t)b->len);
                return val_obj(r);
            }
            if ((IS_INT(n) || IS_BOOL(n)) &&
                (IS_STR(seq) || IS_LIST(seq) || IS_TUPLE(seq))) {
                if (inplace && IS_LIST(seq) && seq.u.p == a.u.p) {
                    Value r = seq_repeat(vm, seq, AS_INT(n));
                    if (IS_ERR(r))
                        return r;
                    List *l = AS_LIST(a), *m = AS_LIST(r);
                    Value *old = l->items;
                    int64_t oldn = l->len;
                    l->items = m->items;
                    l->len = m->len;
                    l->cap = m->cap;
                    m->items = old;
                    m->len = oldn;
                    decref(r);
                    incref(a);
                    return a;
                }
                return seq_repeat(vm, seq, AS_INT(n));
            }
            if (IS_STR(seq) || IS_LIST(seq) || IS_TUPLE(seq))
                return vm_raise_new(vm, vm->c.TypeError,
                                    "can't multiply sequence by non-int of "
                                    "type '%s'", type_name(vm, n));
        } else if (op == AST_OP_MOD && IS_STR(a)) {
            return str_percent(vm, AS_STR(a), b);
        } else if (op == AST_OP_BITOR && IS_DICT(a) && IS_DICT(b)) {
            if (inplace) {
                if (dict_update_from(vm, AS_DICT(a), b) < 0)
                    return VAL_ERR;
                incref(a);
                return a;
            }
            Dict *d = dict_copy(vm, AS_DICT(a));
            if (!d)
                return VAL_ERR;
            if (dict_update_from(vm, d, b) < 0) {
                obj_decref(d);
                return VAL_ERR;
            }
            return val_obj(d);
        } else if (IS_LAYOUT(a, SET) && IS_LAYOUT(b, SET) &&
                   (op == AST_OP_BITOR || op == AST_OP_BITAND ||
                    op == AST_OP_SUB || op == AST_OP_BITXOR)) {
            char c = op == AST_OP_BITOR    ? '|'
                     : op == AST_OP_BITAND ? '&'
                     : op == AST_OP_SUB    ? '-'
                                           : '^';
            return set_binop(vm, a, b, c, inplace);
        }
    }
    return vm_raise_new(vm, vm->c.TypeError,
                        "unsupported operand type(s) for %s%s: '%s' and '%s'",
                        ast_op_name(op), inplace ? "=" : "", type_name(vm, a),
                        type_name(vm, b));
}

Value val_unary(VM *vm, ast_op op, Value v)
{
    if (IS_INT(v) || IS_BOOL(v)) {
        int64_t i = AS_INT(v);
        switch (op) {
        case AST_OP_NEG:
            if (i == INT64_MIN)
                return int_overflow(vm);
            return val_int(-i);
        case AST_OP_POS: return val_int(i);
        case AST_OP_INVERT: return val_int(~i);
        default: break;
        }
    } else if (IS_FLOAT(v)) {
        if (op == AST_OP_NEG)
            return val_float(-AS_FLOAT(v));
        if (op == AST_OP_POS)
            return v;
    } else if (IS_OBJ(v) && is_user(class_of_obj(AS_OBJ(v)))) {
        const char *name = op == AST_OP_NEG   ? "__neg__"
                           : op == AST_OP_POS ? "__pos__"
                                              : "__invert__";
        Value r = call_dunder(vm, v, str_intern_cstr(vm, name), NULL, 0);
        if (!IS_ERR(r) || vm_has_exc(vm))
            return r;
    }
    return vm_raise_new(vm, vm->c.TypeError, "bad operand type for unary %s: "
                        "'%s'", ast_op_name(op), type_name(vm, v));
}

int val_contains(VM *vm, Value c, Value item)
{
    if (IS_STR(c)) {
        if (!IS_STR(item)) {
            vm_raise_new(vm, vm->c.TypeError,
                         "'in <string>' requires string as left operand, not "
                         "%s", type_name(vm, item));
            return -1;
        }
        Str *s = AS_STR(c), *n = AS_STR(item);
        if (n->len == 0)
            return 1;
        return memmem(s->data, (size_t)s->len, n->data, (size_t)n->len) !=
               NULL;
    }
    if (IS_LIST(c) || IS_TUPLE(c)) {
        Value *items = IS_LIST(c) ? AS_LIST(c)->items : AS_TUPLE(c)->items;
        int64_t n = IS_LIST(c) ? AS_LIST(c)->len : AS_TUPLE(c)->len;
        for (int64_t i = 0; i < n; i++) {
            if (items[i].kind == item.kind && items[i].u.i == item.u.i &&
                IS_OBJ(item))
                return 1;
            int r = val_eq(vm, items[i], item);
            if (r)
                return r;
        }
        return 0;
    }
    if (IS_DICT(c)) {
        Value v = dict_get(vm, AS_DICT(c), item);
        if (IS_ERR(v))
            return vm_has_exc(vm) ? -1 : 0;
        return 1;
    }
    if (IS_LAYOUT(c, SET))
        return set_contains(vm, (Set *)AS_OBJ(c), item);
    if (IS_LAYOUT(c, RANGE)) {
        Range *r = (Range *)AS_OBJ(c);
        if (!IS_INT(item) && !IS_BOOL(item)) {
            if (!is_number(item))
                return 0;
            double d = AS_FLOAT(item);
            if (d != floor(d))
                return 0;
            item = val_int((int64_t)d);
        }
        int64_t i = AS_INT(item);
        if (r->step > 0 ? (i < r->start || i >= r->stop)
                        : (i > r->start || i <= r->stop))
            return 0;
        return (i - r->start) % r->step == 0;
    }
    if (IS_LAYOUT(c, BYTES) && IS_LAYOUT(item, BYTES)) {
        Bytes *s = (Bytes *)AS_OBJ(c), *n = (Bytes *)AS_OBJ(item);
        return n->len == 0 ||
               memmem(s->data, (size_t)s->len, n->data, (size_t)n->len);
    }
    Class *cls = class_of(vm, c);
    if (IS_OBJ(c) && is_user(cls) && (cls->slots & SLOT_CONTAINS)) {
        Value r = call_dunder(vm, c, vm->n.__contains__, &item, 1);
        if (IS_ERR(r))
            return -1;
        int t = val_truthy(vm, r);
        decref(r);
        return t;
    }
    if (cls == vm->c.dict_keys)
        return val_contains(vm, ((Iter *)AS_OBJ(c))->src, item);
    Value it = val_iter(vm, c);
    if (IS_ERR(it)) {
        if (vm_exc_matches(vm, vm->c.TypeError)) {
            decref(vm_take_exc(vm));
            vm_raise_new(vm, vm->c.TypeError,
                         "argument of type '%s' is not iterable",
                         type_name(vm, c));
        }
        return -1;
    }
    Value x;
    int r;
    while ((r = val_next(vm, it, &x)) > 0) {
        int e = val_eq(vm, x, item);
        decref(x);
        if (e) {
            decref(it);
            return e;
        }
    }
    decref(it);
    return r < 0 ? -1 : 0;
}

/* ------------------------------------------------------------------------ */
/* Attributes                                                               */
/* ------------------------------------------------------------------------ */

static Value bind(VM *vm, Value func, Value self)
{
    Bound *b = obj_alloc(vm, vm->c.method, sizeof(Bound));
    if (!b)
        return VAL_ERR;
    b->self = self;
    incref(self);
    b->func = func;
    incref(func);
    return val_obj(b);
}

/* Resolves a class attribute for an instance (descriptor rules). */
static Value resolve_class_attr(VM *vm, Value attr, Value self, Class *cls)
{
    switch (IS_OBJ(attr) ? class_of_obj(AS_OBJ(attr))->layout : LAYOUT_OBJECT) {
    case LAYOUT_FUNCTION:
        return bind(vm, attr, self);
    case LAYOUT_NATIVE:
        if (((Native *)AS_OBJ(attr))->flags & NF_METHOD)
            return bind(vm, attr, self);
        break;
    case LAYOUT_STATICMETHOD:
        attr = ((Wrapper *)AS_OBJ(attr))->func;
        break;
    case LAYOUT_CLASSMETHOD:
        return bind(vm, ((Wrapper *)AS_OBJ(attr))->func, val_obj(cls));
    case LAYOUT_PROPERTY: {
        Property *p = (Property *)AS_OBJ(attr);
        if (IS_NONE(p->fget))
            return vm_raise_new(vm, vm->c.AttributeError,
                                "property object has no getter");
        return vm_call1(vm, p->fget, self);
    }
    default:
        break;
    }
    incref(attr);
    return attr;
}

static Dict *instance_dict(Value v, bool *has)
{
    Class *cls = class_of_obj(AS_OBJ(v));
    *has = true;
    switch (cls->layout) {
    case LAYOUT_OBJECT: return ((Instance *)AS_OBJ(v))->dict;
    case LAYOUT_EXC: return ((Exc *)AS_OBJ(v))->dict;
    case LAYOUT_FUNCTION: return ((Function *)AS_OBJ(v))->dict;
    case LAYOUT_FUTURE: return ((FutureObj *)AS_OBJ(v))->dict;
    case LAYOUT_TASK: return ((TaskObj *)AS_OBJ(v))->dict;
    default:
        *has = false;
        return NULL;
    }
}

static Dict **instance_dict_slot(Value v)
{
    Class *cls = class_of_obj(AS_OBJ(v));
    switch (cls->layout) {
    case LAYOUT_OBJECT: return &((Instance *)AS_OBJ(v))->dict;
    case LAYOUT_EXC: return &((Exc *)AS_OBJ(v))->dict;
    case LAYOUT_FUNCTION: return &((Function *)AS_OBJ(v))->dict;
    case LAYOUT_FUTURE: return &((FutureObj *)AS_OBJ(v))->dict;
    case LAYOUT_TASK: return &((TaskObj *)AS_OBJ(v))->dict;
    default: return NULL;
    }
}

/* Attributes that live in C fields rather than dicts. */
static Value special_attr(VM *vm, Value v, Str *name)
{
    if (name == vm->n.__class__) {
        Class *c = class_of(vm, v);
        obj_incref(c);
        return val_obj(c);
    }
    if (IS_INT(v) || IS_BOOL(v) || IS_FLOAT(v)) {
        if (str_eq_cstr(name, "real"))
            return IS_FLOAT(v) ? v : val_int(AS_INT(v));
        if (str_eq_cstr(name, "imag"))
            return IS_FLOAT(v) ? val_float(0.0) : val_int(0);
        if (!IS_FLOAT(v) && str_eq_cstr(name, "numerator"))
            return val_int(AS_INT(v));
        if (!IS_FLOAT(v) && str_eq_cstr(name, "denominator"))
            return val_int(1);
        return VAL_ERR;
    }
    if (!IS_OBJ(v))
        return VAL_ERR;
    Obj *o = AS_OBJ(v);
    Class *cls = class_of_obj(o);
    switch (cls->layout) {
    case LAYOUT_FUNCTION: {
        Function *f = (Function *)o;
        if (name == vm->n.__name__) {
            obj_incref(f->name);
            return val_obj(f->name);
        }
        if (name == vm->n.__qualname__) {
            obj_incref(f->qualname);
            return val_obj(f->qualname);
        }
        if (name == vm->n.__doc__) {
            incref(f->doc);
            return f->doc;
        }
        if (name == vm->n.__module__) {
            Value m = f->dict ? dict_get_str(f->dict, name) : VAL_ERR;
            if (IS_ERR(m))
                m = dict_get_str(f->globals, vm->n.__name__);
            if (IS_ERR(m))
                m = VAL_NONE;
            incref(m);
            return m;
        }
        break;
    }
    case LAYOUT_NATIVE:
        if (name == vm->n.__name__ || name == vm->n.__qualname__) {
            Str *s = str_from_cstr(vm, ((Native *)o)->name);
            return s ? val_obj(s) : VAL_ERR;
        }
        break;
    case LAYOUT_BOUND: {
        Bound *b = (Bound *)o;
        if (str_eq_cstr(name, "__self__")) {
            incref(b->self);
            return b->self;
        }
        if (str_eq_cstr(name, "__func__")) {
            incref(b->func);
            return b->func;
        }
        return val_getattr_opt(vm, b->func, name);
    }
    case LAYOUT_CLASS: {
        Class *c = (Class *)o;
        if (name == vm->n.__name__) {
            obj_incref(c->name);
            return val_obj(c->name);
        }
        if (name == vm->n.__qualname__) {
            obj_incref(c->qualname);
            return val_obj(c->qualname);
        }
        if (name == vm->n.__module__) {
            Str *s = str_from_cstr(vm, c->module ? c->module : "builtins");
            return s ? val_obj(s) : VAL_ERR;
        }
        if (str_eq_cstr(name, "__bases__")) {
            Tuple *t = c->base ? tuple_pack(vm, 1, val_obj(c->base))
                               : tuple_new(vm, 0);
            return t ? val_obj(t) : VAL_ERR;
        }
        if (str_eq_cstr(name, "__mro__")) {
            int n = 0;
            for (Class *k = c; k; k = k->base)
                n++;
            Tuple *t = tuple_new(vm, n);
            if (!t)
                return VAL_ERR;
            int i = 0;
            for (Class *k = c; k; k = k->base) {
                obj_incref(k);
                t->items[i++] = val_obj(k);
            }
            return val_obj(t);
        }
        if (name == vm->n.__dict__) {
            Dict *d = dict_copy(vm, c->dict);
            return d ? val_obj(d) : VAL_ERR;
        }
        break;
    }
    case LAYOUT_MODULE:
        if (name == vm->n.__dict__) {
            obj_incref(((Module *)o)->dict);
            return val_obj(((Module *)o)->dict);
        }
        break;
    case LAYOUT_EXC: {
        Exc *e = (Exc *)o;
        if (name == vm->n.args) {
            obj_incref(e->args);
            return val_obj(e->args);
        }
        if (name == vm->n.__cause__) {
            incref(e->cause);
            return e->cause;
        }
        if (name == vm->n.__context__) {
            incref(e->context);
            return e->context;
        }
        if (name == vm->n.__suppress_context__)
            return val_bool(e->suppress_context);
        if (name == vm->n.__traceback__)
            return exc_traceback(vm, e);
        if (str_eq_cstr(name, "__notes__") && !IS_NONE(e->notes)) {
            incref(e->notes);
            return e->notes;
        }
        if (class_is_subclass(cls, vm->c.BaseExceptionGroup)) {
            if (str_eq_cstr(name, "exceptions") && e->group) {
                obj_incref(e->group);
                return val_obj(e->group);
            }
            if (name == vm->n.message && e->args->len >= 1) {
                incref(e->args->items[0]);
                return e->args->items[0];
            }
        }
        if (class_is_subclass(cls, vm->c.StopIteration) &&
            str_eq_cstr(name, "value")) {
            Value x = e->args->len ? e->args->items[0] : VAL_NONE;
            incref(x);
            return x;
        }
        if (class_is_subclass(cls, vm->c.OSError)) {
            Value x = exc_oserror_attr(vm, e, name);
            if (!IS_ERR(x))
                return x;
        }
        if (class_is_subclass(cls, vm->c.SystemExit) &&
            str_eq_cstr(name, "code")) {
            Value x = e->args->len ? e->args->items[0] : VAL_NONE;
            incref(x);
            return x;
        }
        break;
    }
    case LAYOUT_CORO:
        if (name == vm->n.__name__) {
            obj_incref(((Coro *)o)->func->name);
            return val_obj(((Coro *)o)->func->name);
        }
        if (name == vm->n.__qualname__) {
            obj_incref(((Coro *)o)->func->qualname);
            return val_obj(((Coro *)o)->func->qualname);
        }
        break;
    case LAYOUT_NCORO:
        if (name == vm->n.__name__ || name == vm->n.__qualname__) {
            Str *s = str_from_cstr(vm, ((NCoro *)o)->kind->name);
            return s ? val_obj(s) : VAL_ERR;
        }
        break;
    case LAYOUT_LOOP:
        if (str_eq_cstr(name, "slow_callback_duration"))
            return val_float(((LoopObj *)o)->slow_callback_duration);
        break;
    case LAYOUT_RANGE: {
        Range *r = (Range *)o;
        if (str_eq_cstr(name, "start"))
            return val_int(r->start);
        if (str_eq_cstr(name, "stop"))
            return val_int(r->stop);
        if (str_eq_cstr(name, "step"))
            return val_int(r->step);
        break;
    }
    case LAYOUT_SLICE: {
        Slice *s = (Slice *)o;
        Value x = str_eq_cstr(name, "start")  ? s->start
                  : str_eq_cstr(name, "stop") ? s->stop
                  : str_eq_cstr(name, "step") ? s->step
                                              : VAL_ERR;
        incref(x);
        return x;
    }
    case LAYOUT_PROPERTY: {
        Property *p = (Property *)o;
        if (str_eq_cstr(name, "fget")) {
            incref(p->fget);
            return p->fget;
        }
        break;
    }
    default:
        break;
    }
    if (cls->layout == LAYOUT_OBJECT || cls->layout == LAYOUT_EXC) {
        if (name == vm->n.__dict__) {
            Dict **slot = instance_dict_slot(v);
            if (!*slot && !(*slot = dict_new(vm)))
                return VAL_ERR;
            obj_incref(*slot);
            return val_obj(*slot);
        }
    }
    if (name == vm->n.__doc__) {
        Value d = class_lookup(cls, name);
        if (IS_ERR(d))
            d = VAL_NONE;
        incref(d);
        return d;
    }
    return VAL_ERR;
}

static Value getattr_opt_impl(VM *vm, Value v, Str *name)
{
    if (IS_OBJ(v) && class_of_obj(AS_OBJ(v)) == vm->c.super)
        return super_getattr(vm, v, name);
    Value r = special_attr(vm, v, name);
    if (!IS_ERR(r) || vm_has_exc(vm))
        return r;
    Class *cls = class_of(vm, v);
    if (cls->layout == LAYOUT_MODULE && IS_OBJ(v)) {
        Value x = dict_get_str(((Module *)AS_OBJ(v))->dict, name);
        if (IS_ERR(x))
            return x;
        incref(x);
        return x;
    }
    if (cls->layout == LAYOUT_CLASS && IS_OBJ(v)) {
        Class *c = (Class *)AS_OBJ(v);
        Value x = class_lookup(c, name);
        if (IS_ERR(x)) {
            /* Methods of `type` itself (mro, __subclasses__...) are not
             * modelled. */
            return x;
        }
        if (IS_LAYOUT(x, CLASSMETHOD))
            return bind(vm, ((Wrapper *)AS_OBJ(x))->func, v);
        if (IS_LAYOUT(x, STATICMETHOD))
            x = ((Wrapper *)AS_OBJ(x))->func;
        incref(x);
        return x;
    }
    Value attr = class_lookup(cls, name);
    /* Data descriptors (properties) win over the instance dict. */
    if (IS_LAYOUT(attr, PROPERTY))
        return resolve_class_attr(vm, attr, v, cls);
    if (IS_OBJ(v)) {
        bool has;
        Dict *d = instance_dict(v, &has);
        if (d) {
            Value x = dict_get_str(d, name);
            if (!IS_ERR(x)) {
                incref(x);
                return x;
            }
        }
    }
    if (!IS_ERR(attr))
        return resolve_class_attr(vm, attr, v, cls);
    if (IS_OBJ(v) && !cls->builtin && (cls->slots & SLOT_GETATTR)) {
        Value nm = val_obj(name);
        Value x = call_dunder(vm, v, vm->n.__getattr__, &nm, 1);
        if (IS_ERR(x) && vm_exc_matches(vm, vm->c.AttributeError)) {
            return VAL_ERR; /* keep the user's AttributeError set */
        }
        return x;
    }
    return VAL_ERR;
}

Value val_getattr(VM *vm, Value v, Str *name)
{
    Value r = val_getattr_opt(vm, v, name);
    if (!IS_ERR(r) || vm_has_exc(vm))
        return r;
    Class *cls = class_of(vm, v);
    if (cls->layout == LAYOUT_MODULE && IS_OBJ(v))
        return vm_raise_attribute_error(vm, v, name,
                                        "module '%s' has no attribute '%s'",
                                        ((Module *)AS_OBJ(v))->name->data,
                                        name->data);
    if (cls->layout == LAYOUT_CLASS && IS_OBJ(v))
        return vm_raise_attribute_error(
            vm, v, name, "type object '%s' has no attribute '%s'",
            ((Class *)AS_OBJ(v))->name->data, name->data);
    return vm_raise_attribute_error(vm, v, name,
                                    "'%s' object has no attribute '%s'",
                                    type_name(vm, v), name->data);
}

static int setattr_plain(VM *vm, Value v, Str *name, Value x);

int val_setattr(VM *vm, Value v, Str *name, Value x)
{
    if (IS_OBJ(v)) {
        Class *cls = class_of_obj(AS_OBJ(v));
        if (is_user(cls) && (cls->slots & SLOT_SETATTR) &&
            cls->layout != LAYOUT_CLASS) {
            Value args[2] = {val_obj(name), x};
            Value r = call_dunder(vm, v, vm->n.__setattr__, args, 2);
            if (IS_ERR(r))
                return -1;
            decref(r);
            return 0;
        }
    }
    return setattr_plain(vm, v, name, x);
}

/* object.__setattr__(obj, name, value): the store without the class's own
 * __setattr__. */
Value object_setattr(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[3];
    if (args_parse(vm, "__setattr__", args, nargs, kw, "self,name,value", a) < 0)
        return VAL_ERR;
    if (!IS_STR(a[1]))
        return vm_raise_new(vm, vm->c.TypeError,
                            "attribute name must be string, not '%s'",
                            type_name(vm, a[1]));
    obj_incref(AS_STR(a[1]));
    Str *name = str_intern(vm, AS_STR(a[1]));
    if (!name)
        return VAL_ERR;
    int r = setattr_plain(vm, a[0], name, a[2]);
    obj_decref(name);
    return r < 0 ? VAL_ERR : VAL_NONE;
}

static int setattr_plain(VM *vm, Value v, Str *name, Value x)
{
    if (!IS_OBJ(v)) {
        vm_raise_new(vm, vm->c.AttributeError,
                     "'%s' object has no attribute '%s'", type_name(vm, v),
                     name->data);
        return -1;
    }
    Obj *o = AS_OBJ(v);
    Class *cls = class_of_obj(o);
    if (cls->layout == LAYOUT_FUNCTION &&
        (name == vm->n.__name__ || name == vm->n.__qualname__ ||
         name == vm->n.__doc__)) {
        /* What functools.wraps copies: the fields the function's repr,
         * its coroutines and tracebacks read. */
        Function *f = (Function *)o;
        if (name == vm->n.__doc__) {
            incref(x);
            decref(f->doc);
            f->doc = x;
            return 0;
        }
        if (!IS_STR(x)) {
            vm_raise_new(vm, vm->c.TypeError,
                         "%s must be set to a string object", name->data);
            return -1;
        }
        Str **field = name == vm->n.__name__ ? &f->name : &f->qualname;
        obj_incref(AS_STR(x));
        obj_decref(*field);
        *field = AS_STR(x);
        return 0;
    }
    if (cls->layout == LAYOUT_CLASS) {
        Class *c = (Class *)o;
        if (c->builtin) {
            vm_raise_new(vm, vm->c.TypeError,
                         "cannot set '%s' attribute of immutable type '%s'",
                         name->data, c->name->data);
            return -1;
        }
        if (dict_set_str(vm, c->dict, name, x) < 0)
            return -1;
        class_update_slots(vm, c);
        return 0;
    }
    if (cls->layout == LAYOUT_MODULE)
        return dict_set_str(vm, ((Module *)o)->dict, name, x);
    if (cls->layout == LAYOUT_LOOP &&
        str_eq_cstr(name, "slow_callback_duration")) {
        if (!IS_INT(x) && !IS_FLOAT(x)) {
            vm_raise_new(vm, vm->c.TypeError, "must be real number, not %s",
                         type_name(vm, x));
            return -1;
        }
        LoopObj *lo = (LoopObj *)o;
        lo->slow_callback_duration =
            IS_FLOAT(x) ? AS_FLOAT(x) : (double)AS_INT(x);
        aio_set_debug(lo, lo->debug);
        return 0;
    }
    Value attr = class_lookup(cls, name);
    if (IS_LAYOUT(attr, PROPERTY)) {
        Property *p = (Property *)AS_OBJ(attr);
        if (IS_NONE(p->fset)) {
            vm_raise_new(vm, vm->c.AttributeError,
                         "property '%s' of '%s' object has no setter",
                         name->data, cls->name->data);
            return -1;
        }
        Value r = vm_call2(vm, p->fset, v, x);
        if (IS_ERR(r))
            return -1;
        decref(r);
        return 0;
    }
    if (cls->layout == LAYOUT_EXC) {
        Exc *e = (Exc *)o;
        if (name == vm->n.__cause__) {
            if (!IS_NONE(x) && !is_instance(vm, x, vm->c.BaseException)) {
                vm_raise_new(vm, vm->c.TypeError,
                             "exception cause must be None or derive from "
                             "BaseException");
                return -1;
            }
            incref(x);
            val_set(&e->cause, x);
            e->suppress_context = true;
            return 0;
        }
        if (name == vm->n.__context__) {
            incref(x);
            val_set(&e->context, x);
            return 0;
        }
        if (name == vm->n.__suppress_context__) {
            e->suppress_context = val_truthy(vm, x) == 1;
            return 0;
        }
        if (name == vm->n.args) {
            Tuple *t = tuple_new(vm, 0);
            List *l = val_to_list(vm, x);
            if (!t || !l) {
                obj_decref(t);
                obj_decref(l);
                return -1;
            }
            obj_decref(t);
            t = tuple_new(vm, l->len);
            if (!t) {
                obj_decref(l);
                return -1;
            }
            for (int64_t i = 0; i < l->len; i++) {
                incref(l->items[i]);
                t->items[i] = l->items[i];
            }
            obj_decref(l);
            obj_decref(e->args);
            e->args = t;
            return 0;
        }
    }
    Dict **slot = instance_dict_slot(v);
    if (!slot || (cls->builtin && cls->layout != LAYOUT_FUNCTION &&
                  cls->layout != LAYOUT_EXC && cls->layout != LAYOUT_FUTURE &&
                  cls->layout != LAYOUT_TASK)) {
        if (!IS_ERR(attr))
            vm_raise_new(vm, vm->c.AttributeError,
                         "'%s' object attribute '%s' is read-only",
                         cls->name->data, name->data);
        else
            vm_raise_new(vm, vm->c.AttributeError,
                         "'%s' object has no attribute '%s'", cls->name->data,
                         name->data);
        return -1;
    }
    if (!*slot && !(*slot = dict_new(vm)))
        return -1;
    return dict_set_str(vm, *slot, name, x);
}

int val_delattr(VM *vm, Value v, Str *name)
{
    if (IS_OBJ(v)) {
        Dict **slot = instance_dict_slot(v);
        if (slot && *slot) {
            int r = dict_del(vm, *slot, val_obj(name), NULL);
            if (r != 0)
                return r < 0 ? -1 : 0;
        }
        if (IS_LAYOUT(v, CLASS) && !((Class *)AS_OBJ(v))->builtin) {
            Class *c = (Class *)AS_OBJ(v);
            int r = dict_del(vm, c->dict, val_obj(name), NULL);
            if (r > 0) {
                class_update_slots(vm, c);
                return 0;
            }
            if (r < 0)
                return -1;
        }
    }
    vm_raise_new(vm, vm->c.AttributeError, "'%s' object has no attribute '%s'",
                 type_name(vm, v), name->data);
    return -1;
}

/* ------------------------------------------------------------------------ */
/* Items                                                                    */
/* ------------------------------------------------------------------------ */

int seq_index(VM *vm, Value idx, int64_t len, int64_t *out, const char *what)
{
    int64_t i = AS_INT(idx);
    if (i < 0)
        i += len;
    if (i < 0 || i >= len) {
        vm_raise_new(vm, vm->c.IndexError, "%s index out of range", what);
        return -1;
    }
    *out = i;
    return 0;
}

static int slice_part(VM *vm, Value v, int64_t *out)
{
    if (IS_NONE(v))
        return 0;
    if (!IS_INT(v) && !IS_BOOL(v)) {
        vm_raise_new(vm, vm->c.TypeError,
                     "slice indices must be integers or None or have an "
                     "__index__ method");
        return -1;
    }
    *out = AS_INT(v);
    return 1;
}

int slice_indices(VM *vm, Slice *s, int64_t len, int64_t *start,
                  int64_t *stop, int64_t *step, int64_t *count)
{
    int64_t st = 1;
    if (slice_part(vm, s->step, &st) < 0)
        return -1;
    if (st == 0) {
        vm_raise_new(vm, vm->c.ValueError, "slice step cannot be zero");
        return -1;
    }
    int64_t a = st < 0 ? len - 1 : 0, b = st < 0 ? -1 : len;
    int ra = slice_part(vm, s->start, &a), rb = slice_part(vm, s->stop, &b);
    if (ra < 0 || rb < 0)
        return -1;
    if (ra) {
        if (a < 0)
            a = a + len < 0 ? (st < 0 ? -1 : 0) : a + len;
        else if (a >= len)
            a = st < 0 ? len - 1 : len;
    }
    if (rb) {
        if (b < 0)
            b = b + len < 0 ? (st < 0 ? -1 : 0) : b + len;
        else if (b >= len)
            b = st < 0 ? len - 1 : len;
    }
    int64_t n = 0;
    if (st > 0 && b > a)
        n = (b - a - 1) / st + 1;
    else if (st < 0 && a > b)
        n = (a - b - 1) / (-st) + 1;
    *start = a;
    *stop = b;
    *step = st;
    *count = n;
    return 0;
}

static Value seq_slice(VM *vm, Value *items, int64_t len, Slice *s, bool list)
{
    int64_t a, b, st, n;
    if (slice_indices(vm, s, len, &a, &b, &st, &n) < 0)
        return VAL_ERR;
    if (list) {
        List *l = list_new(vm, n);
        if (!l)
            return VAL_ERR;
        for (int64_t k = 0, i = a; k < n; k++, i += st) {
            incref(items[i]);
            l->items[k] = items[i];
        }
        l->len = n;
        return val_obj(l);
    }
    Tuple *t = tuple_new(vm, n);
    if (!t)
        return VAL_ERR;
    for (int64_t k = 0, i = a; k < n; k++, i += st) {
        incref(items[i]);
        t->items[k] = items[i];
    }
    return val_obj(t);
}

Value val_getitem(VM *vm, Value obj, Value key)
{
    if (IS_OBJ(obj)) {
        Obj *o = AS_OBJ(obj);
        Class *cls = class_of_obj(o);
        if (is_user(cls) && (cls->slots & SLOT_GETITEM))
            return call_dunder(vm, obj, vm->n.__getitem__, &key, 1);
        switch (cls->layout) {
        case LAYOUT_LIST:
        case LAYOUT_TUPLE: {
            bool list = cls->layout == LAYOUT_LIST;
            Value *items = list ? ((List *)o)->items : ((Tuple *)o)->items;
            int64_t n = list ? ((List *)o)->len : ((Tuple *)o)->len;
            if (IS_INT(key) || IS_BOOL(key)) {
                int64_t i;
                if (seq_index(vm, key, n, &i, list ? "list" : "tuple") < 0)
                    return VAL_ERR;
                incref(items[i]);
                return items[i];
            }
            if (IS_LAYOUT(key, SLICE))
                return seq_slice(vm, items, n, (Slice *)AS_OBJ(key), list);
            return vm_raise_new(vm, vm->c.TypeError,
                                "%s indices must be integers or slices, not "
                                "%s", list ? "list" : "tuple",
                                type_name(vm, key));
        }
        case LAYOUT_STR:
            return str_getitem(vm, (Str *)o, key);
        case LAYOUT_BYTES: {
            Bytes *b = (Bytes *)o;
            if (IS_INT(key) || IS_BOOL(key)) {
                int64_t i;
                if (seq_index(vm, key, b->len, &i, "index") < 0)
                    return VAL_ERR;
                return val_int(b->data[i]);
            }
            if (IS_LAYOUT(key, SLICE)) {
                int64_t a, e, st, n;
                if (slice_indices(vm, (Slice *)AS_OBJ(key), b->len, &a, &e,
                                  &st, &n) < 0)
                    return VAL_ERR;
                Bytes *r = bytes_new(vm, NULL, (size_t)n);
                if (!r)
                    return VAL_ERR;
                for (int64_t k = 0, i = a; k < n; k++, i += st)
                    r->data[k] = b->data[i];
                return val_obj(r);
            }
            break;
        }
        case LAYOUT_DICT: {
            Value v = dict_get(vm, (Dict *)o, key);
            if (IS_ERR(v))
                return vm_has_exc(vm) ? v : vm_raise_key(vm, key);
            incref(v);
            return v;
        }
        case LAYOUT_RANGE: {
            Range *r = (Range *)o;
            if (IS_INT(key) || IS_BOOL(key)) {
                int64_t i;
                if (seq_index(vm, key, r->len, &i, "range object") < 0)
                    return VAL_ERR;
                return val_int(r->start + i * r->step);
            }
            if (IS_LAYOUT(key, SLICE)) {
                int64_t a, e, st, n;
                if (slice_indices(vm, (Slice *)AS_OBJ(key), r->len, &a, &e,
                                  &st, &n) < 0)
                    return VAL_ERR;
                Range *nr = obj_alloc(vm, vm->c.range, sizeof(Range));
                if (!nr)
                    return VAL_ERR;
                nr->start = r->start + a * r->step;
                nr->step = r->step * st;
                nr->stop = nr->start + n * nr->step;
                nr->len = n;
                return val_obj(nr);
            }
            break;
        }
        case LAYOUT_CLASS:
            /* list[int], dict[str, int]: type hints evaluated at run time
             * mean the class itself here. */
            incref(obj);
            return obj;
        default:
            break;
        }
    }
    return vm_raise_new(vm, vm->c.TypeError, "'%s' object is not subscriptable",
                        type_name(vm, obj));
}

int val_setitem(VM *vm, Value obj, Value key, Value v)
{
    if (IS_OBJ(obj)) {
        Obj *o = AS_OBJ(obj);
        Class *cls = class_of_obj(o);
        if (is_user(cls) && (cls->slots & SLOT_SETITEM)) {
            Value args[2] = {key, v};
            Value r = call_dunder(vm, obj, vm->n.__setitem__, args, 2);
            if (IS_ERR(r))
                return -1;
            decref(r);
            return 0;
        }
        if (cls->layout == LAYOUT_DICT)
            return dict_set(vm, (Dict *)o, key, v);
        if (cls->layout == LAYOUT_LIST) {
            List *l = (List *)o;
            if (IS_INT(key) || IS_BOOL(key)) {
                int64_t i;
                if (seq_index(vm, key, l->len, &i, "list assignment") < 0)
                    return -1;
                incref(v);
                val_set(&l->items[i], v);
                return 0;
            }
            if (IS_LAYOUT(key, SLICE)) {
                int64_t a, b, st, n;
                if (slice_indices(vm, (Slice *)AS_OBJ(key), l->len, &a, &b,
                                  &st, &n) < 0)
                    return -1;
                List *src = val_to_list(vm, v);
                if (!src) {
                    if (vm_exc_matches(vm, vm->c.TypeError)) {
                        decref(vm_take_exc(vm));
                        vm_raise_new(vm, vm->c.TypeError,
                                     "can only assign an iterable");
                    }
                    return -1;
                }
                if (st != 1) {
                    if (src->len != n) {
                        vm_raise_new(vm, vm->c.ValueError,
                                     "attempt to assign sequence of size "
                                     "%lld to extended slice of size %lld",
                                     (long long)src->len, (long long)n);
                        obj_decref(src);
                        return -1;
                    }
                    for (int64_t k = 0, i = a; k < n; k++, i += st) {
                        incref(src->items[k]);
                        val_set(&l->items[i], src->items[k]);
                    }
                    obj_decref(src);
                    return 0;
                }
                /* Replace items [a, a+n) by src. */
                int64_t newlen = l->len - n + src->len;
                Value *items = rt_malloc((size_t)(newlen ? newlen : 1) *
                                         sizeof(Value));
                if (!items) {
                    obj_decref(src);
                    vm_raise_nomem(vm);
                    return -1;
                }
                memcpy(items, l->items, (size_t)a * sizeof(Value));
                for (int64_t k = 0; k < src->len; k++) {
                    incref(src->items[k]);
                    items[a + k] = src->items[k];
                }
                memcpy(items + a + src->len, l->items + a + n,
                       (size_t)(l->len - a - n) * sizeof(Value));
                Value *old = l->items;
                int64_t oldn = l->len;
                l->items = items;
                l->len = newlen;
                l->cap = newlen ? newlen : 1;
                for (int64_t k = a; k < a + n && k < oldn; k++)
                    decref(old[k]);
                rt_free(old);
                obj_decref(src);
                return 0;
            }
            vm_raise_new(vm, vm->c.TypeError,
                         "list indices must be integers or slices, not %s",
                         type_name(vm, key));
            return -1;
        }
    }
    vm_raise_new(vm, vm->c.TypeError,
                 "'%s' object does not support item assignment",
                 type_name(vm, obj));
    return -1;
}

int val_delitem(VM *vm, Value obj, Value key)
{
    if (IS_OBJ(obj)) {
        Obj *o = AS_OBJ(obj);
        Class *cls = class_of_obj(o);
        if (is_user(cls)) {
            Value r = call_dunder(vm, obj, vm->n.__delitem__, &key, 1);
            if (IS_ERR(r) && vm_has_exc(vm))
                return -1;
            if (!IS_ERR(r)) {
                decref(r);
                return 0;
            }
        }
        if (cls->layout == LAYOUT_DICT) {
            int r = dict_del(vm, (Dict *)o, key, NULL);
            if (r < 0)
                return -1;
            if (r == 0) {
                vm_raise_key(vm, key);
                return -1;
            }
            return 0;
        }
        if (cls->layout == LAYOUT_LIST) {
            List *l = (List *)o;
            if (IS_INT(key) || IS_BOOL(key)) {
                int64_t i;
                if (seq_index(vm, key, l->len, &i, "list assignment") < 0)
                    return -1;
                Value v = l->items[i];
                memmove(l->items + i, l->items + i + 1,
                        (size_t)(l->len - i - 1) * sizeof(Value));
                l->len--;
                decref(v);
                return 0;
            }
            if (IS_LAYOUT(key, SLICE)) {
                int64_t a, b, st, n;
                if (slice_indices(vm, (Slice *)AS_OBJ(key), l->len, &a, &b,
                                  &st, &n) < 0)
                    return -1;
                /* Mark the victims, then compact. */
                bool *kill = rt_calloc((size_t)(l->len ? l->len : 1), 1);
                if (!kill) {
                    vm_raise_nomem(vm);
                    return -1;
                }
                for (int64_t k = 0, i = a; k < n; k++, i += st)
                    kill[i] = true;
                int64_t w = 0;
                Value *dead = rt_malloc((size_t)(n ? n : 1) * sizeof(Value));
                int64_t nd = 0;
                if (!dead) {
                    rt_free(kill);
                    vm_raise_nomem(vm);
                    return -1;
                }
                for (int64_t i = 0; i < l->len; i++) {
                    if (kill[i])
                        dead[nd++] = l->items[i];
                    else
                        l->items[w++] = l->items[i];
                }
                l->len = w;
                for (int64_t i = 0; i < nd; i++)
                    decref(dead[i]);
                rt_free(dead);
                rt_free(kill);
                return 0;
            }
        }
    }
    vm_raise_new(vm, vm->c.TypeError,
                 "'%s' object does not support item deletion",
                 type_name(vm, obj));
    return -1;
}

/* ------------------------------------------------------------------------ */
/* Iteration                                                                */
/* ------------------------------------------------------------------------ */

Value val_iter(VM *vm, Value v)
{
    if (IS_OBJ(v)) {
        Obj *o = AS_OBJ(v);
        Class *cls = class_of_obj(o);
        if (is_user(cls) && (cls->slots & SLOT_ITER)) {
            Value r = call_dunder(vm, v, vm->n.__iter__, NULL, 0);
            if (IS_ERR(r))
                return r;
            Class *rc = class_of(vm, r);
            if (!(rc->layout == LAYOUT_ITER ||
                  (is_user(rc) && (rc->slots & SLOT_NEXT)))) {
                vm_raise_new(vm, vm->c.TypeError,
                             "iter() returned non-iterator of type '%s'",
                             type_name(vm, r));
                decref(r);
                return VAL_ERR;
            }
            return r;
        }
        if (is_user(cls) && (cls->slots & SLOT_NEXT)) {
            incref(v);
            return v;
        }
        switch (cls->layout) {
        case LAYOUT_LIST:
            return iter_new(vm, vm->c.list_iterator, v, VAL_NONE, 0, 0);
        case LAYOUT_TUPLE:
            return iter_new(vm, vm->c.tuple_iterator, v, VAL_NONE, 0, 0);
        case LAYOUT_STR:
            return iter_new(vm, vm->c.str_iterator, v, VAL_NONE, 0, 0);
        case LAYOUT_BYTES:
            return iter_new(vm, vm->c.bytes_iterator, v, VAL_NONE, 0, 0);
        case LAYOUT_DICT:
            return iter_new(vm, vm->c.dict_keyiterator, v, VAL_NONE, 0,
                            ((Dict *)o)->len);
        case LAYOUT_SET:
            return iter_new(vm, vm->c.set_iterator, v, VAL_NONE, 0,
                            ((Set *)o)->used);
        case LAYOUT_CORO:
            if (((Coro *)o)->kind == CORO_KIND_GENERATOR) {
                incref(v);
                return v;
            }
            break;
        case LAYOUT_RANGE:
            return iter_new(vm, vm->c.range_iterator, v, VAL_NONE, 0,
                            ((Range *)o)->len);
        case LAYOUT_ITER:
            if (cls == vm->c.dict_keys)
                return iter_new(vm, vm->c.dict_keyiterator,
                                ((Iter *)o)->src, VAL_NONE, 0,
                                AS_DICT(((Iter *)o)->src)->len);
            if (cls == vm->c.dict_values)
                return iter_new(vm, vm->c.dict_valueiterator,
                                ((Iter *)o)->src, VAL_NONE, 0,
                                AS_DICT(((Iter *)o)->src)->len);
            if (cls == vm->c.dict_items)
                return iter_new(vm, vm->c.dict_itemiterator,
                                ((Iter *)o)->src, VAL_NONE, 0,
                                AS_DICT(((Iter *)o)->src)->len);
            incref(v);
            return v;
        default:
            break;
        }
    }
    return vm_raise_new(vm, vm->c.TypeError, "'%s' object is not iterable",
                        type_name(vm, v));
}

/* Reads the next entry of a dict or set iterator, checking for changes. */
static int dict_iter_next(VM *vm, Iter *it, Value *k, Value *v)
{
    if (IS_LAYOUT(it->src, SET)) {
        Set *s = (Set *)AS_OBJ(it->src);
        if (s->used != it->n) {
            it->n = -1;
            vm_raise_new(vm, vm->c.RuntimeError,
                         "Set changed size during iteration");
            return -1;
        }
        *v = VAL_NONE;
        return set_next(s, &it->i, k);
    }
    Dict *d = AS_DICT(it->src);
    if (d->len != it->n) {
        it->n = -1;
        vm_raise_new(vm, vm->c.RuntimeError,
                     "dictionary changed size during iteration");
        return -1;
    }
    return dict_next(d, &it->i, k, v);
}

int val_next(VM *vm, Value itv, Value *out)
{
    Obj *o = IS_OBJ(itv) ? AS_OBJ(itv) : NULL;
    Class *cls = class_of(vm, itv);
    if (cls == vm->c.generator)
        return vm_gen_next(vm, (Coro *)o, out);
    if (!o || cls->layout != LAYOUT_ITER) {
        if (o && is_user(cls) && (cls->slots & SLOT_NEXT)) {
            Value r = call_dunder(vm, itv, vm->n.__next__, NULL, 0);
            if (IS_ERR(r)) {
                if (vm_exc_matches(vm, vm->c.StopIteration)) {
                    decref(vm_take_exc(vm));
                    return 0;
                }
                return -1;
            }
            *out = r;
            return 1;
        }
        vm_raise_new(vm, vm->c.TypeError, "'%s' object is not an iterator",
                     type_name(vm, itv));
        return -1;
    }
    Iter *it = (Iter *)o;
    VMClasses *c = &vm->c;
    if (cls == c->list_iterator) {
        List *l = AS_LIST(it->src);
        if (it->i >= l->len)
            return 0;
        *out = l->items[it->i++];
        incref(*out);
        return 1;
    }
    if (cls == c->tuple_iterator) {
        Tuple *t = AS_TUPLE(it->src);
        if (it->i >= t->len)
            return 0;
        *out = t->items[it->i++];
        incref(*out);
        return 1;
    }
    if (cls == c->range_iterator) {
        Range *r = (Range *)AS_OBJ(it->src);
        if (it->i >= it->n)
            return 0;
        *out = val_int(r->start + r->step * it->i++);
        return 1;
    }
    if (cls == c->str_iterator) {
        Str *s = AS_STR(it->src);
        if (it->i >= s->len)
            return 0;
        int64_t a = it->i, b = a + 1;
        while (b < s->len && ((unsigned char)s->data[b] & 0xC0) == 0x80)
            b++;
        it->i = b;
        Str *r = str_new(vm, s->data + a, (size_t)(b - a));
        if (!r)
            return -1;
        *out = val_obj(r);
        return 1;
    }
    if (cls == c->bytes_iterator) {
        Bytes *b = (Bytes *)AS_OBJ(it->src);
        if (it->i >= b->len)
            return 0;
        *out = val_int(b->data[it->i++]);
        return 1;
    }
    if (cls == c->dict_keyiterator || cls == c->set_iterator ||
        cls == c->dict_valueiterator || cls == c->dict_itemiterator) {
        if (it->n < 0)
            return 0;
        Value k, v;
        int r = dict_iter_next(vm, it, &k, &v);
        if (r <= 0)
            return r;
        if (cls == c->dict_valueiterator) {
            incref(v);
            *out = v;
        } else if (cls == c->dict_itemiterator) {
            Tuple *t = tuple_pack(vm, 2, k, v);
            if (!t)
                return -1;
            *out = val_obj(t);
        } else {
            incref(k);
            *out = k;
        }
        return 1;
    }
    if (cls == c->enumerate) {
        Value x;
        int r = val_next(vm, it->src, &x);
        if (r <= 0)
            return r;
        Tuple *t = tuple_new(vm, 2);
        if (!t) {
            decref(x);
            return -1;
        }
        t->items[0] = val_int(it->i++);
        t->items[1] = x;
        *out = val_obj(t);
        return 1;
    }
    if (cls == c->zip) {
        Tuple *its = AS_TUPLE(it->src);
        if (its->len == 0)
            return 0;
        Tuple *t = tuple_new(vm, its->len);
        if (!t)
            return -1;
        for (int64_t k = 0; k < its->len; k++) {
            int r = val_next(vm, its->items[k], &t->items[k]);
            if (r <= 0) {
                obj_decref(t);
                if (r == 0 && it->i && k > 0) {
                    vm_raise_new(vm, vm->c.ValueError,
                                 "zip() argument %lld is shorter than "
                                 "argument%s%lld", (long long)(k + 1),
                                 k == 1 ? " " : "s 1-", (long long)k);
                    return -1;
                }
                return r;
            }
        }
        if (it->i && its->len > 0) {
            /* strict: the others must be exhausted together; checked
             * lazily at the end. */
        }
        *out = val_obj(t);
        return 1;
    }
    if (cls == c->map) {
        Tuple *its = AS_TUPLE(it->src);
        Value buf[8];
        int n = (int)its->len;
        if (n > 8) {
            vm_raise_new(vm, vm->c.TypeError, "map() with more than 8 "
                                              "iterables is not supported");
            return -1;
        }
        for (int k = 0; k < n; k++) {
            int r = val_next(vm, its->items[k], &buf[k]);
            if (r <= 0) {
                for (int j = 0; j < k; j++)
                    decref(buf[j]);
                return r;
            }
        }
        Value r = vm_call(vm, it->extra, buf, n, NULL);
        for (int k = 0; k < n; k++)
            decref(buf[k]);
        if (IS_ERR(r))
            return -1;
        *out = r;
        return 1;
    }
    if (cls == c->filter) {
        for (;;) {
            Value x;
            int r = val_next(vm, it->src, &x);
            if (r <= 0)
                return r;
            int t;
            if (IS_NONE(it->extra)) {
                t = val_truthy(vm, x);
            } else {
                Value p = vm_call1(vm, it->extra, x);
                if (IS_ERR(p)) {
                    decref(x);
                    return -1;
                }
                t = val_truthy(vm, p);
                decref(p);
            }
            if (t < 0) {
                decref(x);
                return -1;
            }
            if (t) {
                *out = x;
                return 1;
            }
            decref(x);
        }
    }
    if (cls == c->reversed) {
        if (it->i <= 0)
            return 0;
        Value seq = it->src;
        it->i--;
        if (IS_LIST(seq)) {
            if (it->i >= AS_LIST(seq)->len)
                return 0;
            *out = AS_LIST(seq)->items[it->i];
            incref(*out);
            return 1;
        }
        Value r = val_getitem(vm, seq, val_int(it->i));
        if (IS_ERR(r))
            return -1;
        *out = r;
        return 1;
    }
    if (cls == c->callable_iterator) {
        /* iter(callable, sentinel) */
        Value r = vm_call0(vm, it->src);
        if (IS_ERR(r))
            return -1;
        int e = val_eq(vm, r, it->extra);
        if (e != 0) {
            decref(r);
            return e < 0 ? -1 : 0;
        }
        *out = r;
        return 1;
    }
    vm_raise_new(vm, vm->c.TypeError, "'%s' object is not an iterator",
                 type_name(vm, itv));
    return -1;
}

List *val_to_list(VM *vm, Value v)
{
    if (IS_LIST(v) || IS_TUPLE(v)) {
        Value *items = IS_LIST(v) ? AS_LIST(v)->items : AS_TUPLE(v)->items;
        int64_t n = IS_LIST(v) ? AS_LIST(v)->len : AS_TUPLE(v)->len;
        List *l = list_new(vm, n);
        if (!l)
            return NULL;
        for (int64_t i = 0; i < n; i++) {
            incref(items[i]);
            l->items[i] = items[i];
        }
        l->len = n;
        return l;
    }
    Value it = val_iter(vm, v);
    if (IS_ERR(it))
        return NULL;
    List *l = list_new(vm, 0);
    if (!l) {
        decref(it);
        return NULL;
    }
    Value x;
    int r;
    while ((r = val_next(vm, it, &x)) > 0)
        if (list_append_steal(vm, l, x) < 0) {
            r = -1;
            break;
        }
    decref(it);
    if (r < 0) {
        obj_decref(l);
        return NULL;
    }
    return l;
}

/* ------------------------------------------------------------------------ */
/* format()                                                                 */
/* ------------------------------------------------------------------------ */

Value val_format(VM *vm, Value v, Str *spec)
{
    if (spec->len == 0 && !(IS_OBJ(v) && is_user(class_of_obj(AS_OBJ(v))))) {
        /* format(x, '') is str(x) (True for a bool, too). */
        Str *s = val_str(vm, v);
        return s ? val_obj(s) : VAL_ERR;
    }
    if (IS_OBJ(v) && is_user(class_of_obj(AS_OBJ(v)))) {
        Str *nm = str_intern_cstr(vm, "__format__");
        Value m = class_lookup(class_of_obj(AS_OBJ(v)), nm);
        if (!IS_ERR(m)) {
            Value args[2] = {v, val_obj(spec)};
            Value r = vm_call(vm, m, args, 2, NULL);
            if (!IS_ERR(r) && !IS_STR(r)) {
                vm_raise_new(vm, vm->c.TypeError,
                             "__format__ must return a str, not %s",
                             type_name(vm, r));
                decref(r);
                return VAL_ERR;
            }
            return r;
        }
        if (spec->len == 0) {
            Str *s = val_str(vm, v);
            return s ? val_obj(s) : VAL_ERR;
        }
    }
    rt_fmt_spec fs;
    char err[256];
    int rc = rt_fmt_spec_parse(spec->data, (size_t)spec->len, &fs, err,
                               sizeof err);
    if (rc)
        return raise_fmt(vm, rc, err);
    rt_strbuf out;
    rt_strbuf_init(&out);
    if (IS_INT(v) || IS_BOOL(v)) {
        /* A bool with a non-empty spec formats as the int it is. */
        if (IS_BOOL(v))
            fs.type_name = "bool";
        rc = rt_fmt_int(AS_INT(v), &fs, &out, err, sizeof err);
    } else if (IS_FLOAT(v)) {
        rc = rt_fmt_float(AS_FLOAT(v), &fs, &out, err, sizeof err);
    } else if (IS_STR(v)) {
        rc = rt_fmt_str(AS_STR(v)->data, (size_t)AS_STR(v)->len, &fs, &out,
                        err, sizeof err);
    } else {
        rt_strbuf_deinit(&out);
        return vm_raise_new(vm, vm->c.TypeError,
                            "unsupported format string passed to "
                            "%s.__format__", type_name(vm, v));
    }
    if (rc) {
        rt_strbuf_deinit(&out);
        return raise_fmt(vm, rc, err);
    }
    Str *s = str_new(vm, rt_strbuf_cstr(&out), out.len);
    rt_strbuf_deinit(&out);
    return s ? val_obj(s) : VAL_ERR;
}

/* printf-style str % args, for the common conversions. */
Value str_percent(VM *vm, Str *fmt, Value args)
{
    Value *items = &args;
    int64_t n = 1;
    if (IS_TUPLE(args)) {
        items = AS_TUPLE(args)->items;
        n = AS_TUPLE(args)->len;
    }
    int64_t k = 0;
    SBuf b;
    sb_init(&b);
    const char *p = fmt->data, *end = p + fmt->len;
    while (p < end) {
        if (*p != '%') {
            sb_addc(&b, *p++);
            continue;
        }
        p++;
        if (p < end && *p == '%') {
            sb_addc(&b, '%');
            p++;
            continue;
        }
        /* Flags, width, precision, then the conversion. */
        const char *spec_start = p;
        while (p < end && strchr("-+ #0", *p))
            p++;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
        if (p < end && *p == '.') {
            p++;
            while (p < end && *p >= '0' && *p <= '9')
                p++;
        }
        if (p >= end) {
            sb_free(&b);
            return vm_raise_new(vm, vm->c.ValueError, "incomplete format");
        }
        char conv = *p++;
        if (k >= n) {
            sb_free(&b);
            return vm_raise_new(vm, vm->c.TypeError,
                                "not enough arguments for format string");
        }
        Value x = items[k++];
        /* Translate to a format spec: flags map onto the mini-language. */
        char spec[64];
        int sl = 0;
        bool left = false, zero = false;
        char sign = 0;
        const char *q = spec_start;
        for (; q < p - 1 && strchr("-+ #0", *q); q++) {
            if (*q == '-')
                left = true;
            else if (*q == '0')
                zero = true;
            else if (*q == '+' || *q == ' ')
                sign = *q;
        }
        /* printf-style fields are right-aligned unless '-', strings too. */
        spec[sl++] = left ? '<' : '>';
        if (sign)
            spec[sl++] = sign;
        if (zero && !left && conv != 's' && conv != 'r' && conv != 'a')
            spec[sl++] = '0';
        while (q < p - 1 && sl < 60)
            spec[sl++] = *q++;
        Value sv;
        Str *sx = NULL;
        switch (conv) {
        case 's':
        case 'r':
        case 'a':
            sx = conv == 's' ? val_str(vm, x) : val_repr(vm, x);
            if (!sx) {
                sb_free(&b);
                return VAL_ERR;
            }
            x = val_obj(sx);
            break;
        case 'd':
        case 'i':
        case 'u':
            if (IS_FLOAT(x)) {
                double d = AS_FLOAT(x);
                x = val_int((int64_t)d);
            }
            if (!IS_INT(x) && !IS_BOOL(x)) {
                sb_free(&b);
                return vm_raise_new(vm, vm->c.TypeError,
                                    "%%%c format: a real number is required, "
                                    "not %s", conv, type_name(vm, x));
            }
            x = val_int(AS_INT(x));
            spec[sl++] = 'd';
            break;
        case 'f': case 'F': case 'e': case 'E': case 'g': case 'G':
            if (!is_number(x)) {
                sb_free(&b);
                return vm_raise_new(vm, vm->c.TypeError,
                                    "must be real number, not %s",
                                    type_name(vm, x));
            }
            x = val_float(num_as_double(x));
            if (!memchr(spec, '.', (size_t)sl) && sl < 60) {
                spec[sl++] = '.';
                spec[sl++] = '6';
            }
            spec[sl++] = conv;
            break;
        case 'x': case 'X': case 'o':
            if (!IS_INT(x) && !IS_BOOL(x)) {
                sb_free(&b);
                return vm_raise_new(vm, vm->c.TypeError,
                                    "%%%c format: an integer is required, "
                                    "not %s", conv, type_name(vm, x));
            }
            spec[sl++] = conv;
            break;
        case 'c':
            spec[sl++] = 'c';
            break;
        default:
            sb_free(&b);
            return vm_raise_new(vm, vm->c.ValueError,
                                "unsupported format character '%c' (0x%x) at "
                                "index %lld", conv, conv,
                                (long long)(p - 1 - fmt->data));
        }
        spec[sl] = 0;
        Str *sp = str_new(vm, spec, (size_t)sl);
        sv = sp ? val_format(vm, x, sp) : VAL_ERR;
        obj_decref(sp);
        obj_decref(sx);
        if (IS_ERR(sv)) {
            sb_free(&b);
            return VAL_ERR;
        }
        sb_addstr(&b, AS_STR(sv));
        decref(sv);
    }
    if (k < n && IS_TUPLE(args)) {
        sb_free(&b);
        return vm_raise_new(vm, vm->c.TypeError,
                            "not all arguments converted during string "
                            "formatting");
    }
    Str *r = sb_finish(vm, &b);
    return r ? val_obj(r) : VAL_ERR;
}

/* ------------------------------------------------------------------------ */
/* await, async for, with                                                   */
/* ------------------------------------------------------------------------ */

Value vm_get_awaitable(VM *vm, Value v)
{
    return vm_raise_new(vm, vm->c.TypeError,
                        "object %s can't be used in 'await' expression",
                        type_name(vm, v));
}

Value vm_get_aiter(VM *vm, Value v)
{
    Value m = IS_OBJ(v) ? class_lookup(class_of(vm, v), vm->n.__aiter__)
                        : VAL_ERR;
    if (IS_ERR(m))
        return vm_raise_new(vm, vm->c.TypeError,
                            "'async for' requires an object with __aiter__ "
                            "method, got %s", type_name(vm, v));
    Value r = vm_call1(vm, m, v);
    if (IS_ERR(r))
        return r;
    if (IS_ERR(IS_OBJ(r) ? class_lookup(class_of(vm, r), vm->n.__anext__)
                         : VAL_ERR)) {
        vm_raise_new(vm, vm->c.TypeError,
                     "'async for' received an object from __aiter__ that does "
                     "not implement __anext__: %s", type_name(vm, r));
        decref(r);
        return VAL_ERR;
    }
    return r;
}

Value vm_get_anext(VM *vm, Value v)
{
    Value m = class_lookup(class_of(vm, v), vm->n.__anext__);
    if (IS_ERR(m))
        return vm_raise_new(vm, vm->c.TypeError,
                            "'async for' requires an iterator with __anext__ "
                            "method, got %s", type_name(vm, v));
    Value r = vm_call1(vm, m, v);
    if (IS_ERR(r))
        return r;
    if (!IS_LAYOUT(r, CORO) && !IS_LAYOUT(r, NCORO) && !IS_LAYOUT(r, FUTURE) &&
        !IS_LAYOUT(r, TASK)) {
        vm_raise_new(vm, vm->c.TypeError,
                     "'async for' received an invalid object from __anext__: "
                     "%s", type_name(vm, r));
        decref(r);
        return VAL_ERR;
    }
    return r;
}

int vm_before_with(VM *vm, Value mgr, bool is_async, Value *exit_fn,
                   Value *enter_res)
{
    Str *enter = is_async ? vm->n.__aenter__ : vm->n.__enter__;
    Str *exit = is_async ? vm->n.__aexit__ : vm->n.__exit__;
    Class *cls = class_of(vm, mgr);
    Value e = class_lookup(cls, enter), x = class_lookup(cls, exit);
    if (IS_ERR(e) || IS_ERR(x)) {
        vm_raise_new(vm, vm->c.TypeError,
                     "'%s' object does not support the %scontext manager "
                     "protocol%s", type_name(vm, mgr),
                     is_async ? "asynchronous " : "",
                     IS_ERR(e) ? "" : " (missed __exit__ method)");
        return -1;
    }
    Value bound_exit = resolve_class_attr(vm, x, mgr, cls);
    if (IS_ERR(bound_exit))
        return -1;
    Value r = vm_call1(vm, e, mgr);
    if (IS_ERR(r)) {
        decref(bound_exit);
        return -1;
    }
    *exit_fn = bound_exit;
    *enter_res = r;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Nested objects                                                           */
/* ------------------------------------------------------------------------ */

/* The repr, comparison and hash of containers recurse in C through their
 * items: each level counts against the recursion limit, as CPython's
 * Py_EnterRecursiveCall does, so that a list nested 100,000 deep is a
 * RecursionError and not a crash. Strings and plain values need no count. */
static int enter_nested(VM *vm, const char *where)
{
    VMThread *t = vm_thread(vm);
    if (t->depth >= RECURSION_LIMIT) {
        vm_raise_new(vm, vm->c.RecursionError,
                     "maximum recursion depth exceeded%s", where);
        return -1;
    }
    t->depth++;
    return 0;
}

static void leave_nested(VM *vm) { vm_thread(vm)->depth--; }

static bool nests(Value v) { return IS_OBJ(v) && !IS_STR(v); }

int val_repr_into(VM *vm, SBuf *b, Value v)
{
    if (!nests(v))
        return repr_into_impl(vm, b, v);
    if (enter_nested(vm, " while getting the repr of an object") < 0)
        return -1;
    int r = repr_into_impl(vm, b, v);
    leave_nested(vm);
    return r;
}

int val_eq(VM *vm, Value a, Value b)
{
    if (!nests(a) || !nests(b))
        return eq_impl(vm, a, b);
    if (enter_nested(vm, " in comparison") < 0)
        return -1;
    int r = eq_impl(vm, a, b);
    leave_nested(vm);
    return r;
}

Value val_compare(VM *vm, Value a, Value b, ast_op op)
{
    if (!nests(a) || !nests(b))
        return compare_impl(vm, a, b, op);
    if (enter_nested(vm, " in comparison") < 0)
        return VAL_ERR;
    Value r = compare_impl(vm, a, b, op);
    leave_nested(vm);
    return r;
}

int val_hash(VM *vm, Value v, uint64_t *out)
{
    if (!nests(v))
        return hash_impl(vm, v, out);
    if (enter_nested(vm, "") < 0)
        return -1;
    int r = hash_impl(vm, v, out);
    leave_nested(vm);
    return r;
}

/* ------------------------------------------------------------------------ */
/* CPython's hash values, for set order                                    */
/* ------------------------------------------------------------------------ */

/* CPython reduces numbers modulo the Mersenne prime 2**61 - 1, so that
 * equal numbers of any type hash alike; -1 is reserved and becomes -2. */
#define PYHASH_BITS 61
#define PYHASH_MODULUS ((UINT64_C(1) << PYHASH_BITS) - 1)
#define PYHASH_INF 314159

static int64_t py_hash_int(int64_t v)
{
    uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    int64_t h = (int64_t)(m % PYHASH_MODULUS);
    if (v < 0)
        h = -h;
    return h == -1 ? -2 : h;
}

/* A float's hash is that of the rational number it equals, modulo the
 * prime: the mantissa is folded in 28 bits at a time, then the exponent
 * becomes a rotation within 61 bits. */
static int64_t py_hash_double(double v)
{
    if (isinf(v))
        return v > 0 ? PYHASH_INF : -PYHASH_INF;
    if (isnan(v))
        return 0;
    int e;
    double m = frexp(v, &e);
    int sign = 1;
    if (m < 0) {
        sign = -1;
        m = -m;
    }
    uint64_t x = 0;
    while (m != 0.0) {
        x = ((x << 28) & PYHASH_MODULUS) | x >> (PYHASH_BITS - 28);
        m *= 268435456.0;
        e -= 28;
        uint64_t y = (uint64_t)m;
        m -= (double)y;
        x += y;
        if (x >= PYHASH_MODULUS)
            x -= PYHASH_MODULUS;
    }
    e = e >= 0 ? e % PYHASH_BITS
               : PYHASH_BITS - 1 - ((-1 - e) % PYHASH_BITS);
    x = ((x << e) & PYHASH_MODULUS) | x >> (PYHASH_BITS - e);
    x = x * (uint64_t)(int64_t)sign;
    return x == (uint64_t)-1 ? -2 : (int64_t)x;
}

/* An object hashed by identity: its address rotated by four bits. */
static int py_hash_identity(VM *vm, Obj *o, int64_t *out)
{
    uint64_t p;
    if (!obj_identity(vm, o, &p)) {
        vm_raise_nomem(vm);
        return -1;
    }
    uint64_t y = (p >> 4) | (p << 60);
    *out = y == (uint64_t)-1 ? -2 : (int64_t)y;
    return 1;
}

static int py_hash_impl(VM *vm, Value v, int64_t *out)
{
    switch (v.kind) {
    case VK_BOOL:
    case VK_INT: *out = py_hash_int(AS_INT(v)); return 0;
    case VK_FLOAT: *out = py_hash_double(AS_FLOAT(v)); return 0;
    case VK_OBJ: break;
    default: {
        /* None, Ellipsis: hashed by address in CPython 3.11. */
        uint64_t h;
        if (hash_impl(vm, v, &h) < 0)
            return -1;
        *out = (int64_t)(h >> 1);
        return 0;
    }
    }
    Obj *o = AS_OBJ(v);
    Class *cls = class_of_obj(o);
    switch (cls->layout) {
    case LAYOUT_TUPLE: {
        /* xxHash's round over the items' hashes, as CPython 3.8+. */
        Tuple *t = (Tuple *)o;
        uint64_t acc = UINT64_C(2870177450012600261);
        for (int64_t i = 0; i < t->len; i++) {
            int64_t lane;
            if (val_py_hash(vm, t->items[i], &lane) < 0)
                return -1;
            acc += (uint64_t)lane * UINT64_C(14029467366897019727);
            acc = (acc << 31) | (acc >> 33);
            acc *= UINT64_C(11400714785074694791);
        }
        acc += (uint64_t)t->len ^
               (UINT64_C(2870177450012600261) ^ UINT64_C(3527539));
        *out = acc == (uint64_t)-1 ? 1546275796 : (int64_t)acc;
        return 0;
    }
    case LAYOUT_SET:
        if (((Set *)o)->frozen) {
            *out = set_py_hash((Set *)o);
            return 0;
        }
        /* a set: unhashable, as hash_impl says */
        /* fall through */
    case LAYOUT_STR:
    case LAYOUT_BYTES:
    case LAYOUT_LIST:
    case LAYOUT_DICT:
    case LAYOUT_RANGE: {
        uint64_t h;
        if (hash_impl(vm, v, &h) < 0)
            return -1;
        *out = (int64_t)(h >> 1);
        return 0;
    }
    default:
        break;
    }
    if (is_user(cls) && (cls->slots & (SLOT_HASH | SLOT_EQ))) {
        int64_t h;
        if (user_hash(vm, v, cls, &h) < 0)
            return -1;
        *out = py_hash_int(h);
        return 0;
    }
    return py_hash_identity(vm, o, out);
}

int val_py_hash(VM *vm, Value v, int64_t *out)
{
    if (!nests(v))
        return py_hash_impl(vm, v, out);
    if (enter_nested(vm, "") < 0)
        return -1;
    int r = py_hash_impl(vm, v, out);
    leave_nested(vm);
    return r;
}

Value val_getattr_opt(VM *vm, Value v, Str *name)
{
    Value r = getattr_opt_impl(vm, v, name);
    /* A name of asyncio, or of a loop, that streams and subprocesses
     * would add: load them and look again. */
    if (IS_ERR(r) && vm->streams_pending && !vm_has_exc(vm) &&
        (val_is(v, vm->asyncio) || IS_LAYOUT(v, LOOP))) {
        if (aio_streams_ensure(vm) < 0)
            return VAL_ERR;
        r = getattr_opt_impl(vm, v, name);
    }
    return r;
}
