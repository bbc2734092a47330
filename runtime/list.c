/*
 * list.c - list, tuple, range and slice objects, the built-in iterators,
 * and their methods.
 *
 * Lists grow geometrically; tuples store their items inline. sort() is a
 * stable merge sort that calls the key function once per item in order
 * and compares with `<` only, which is what makes its result (and the
 * order of any side effects) the same as CPython's timsort.
 */
#include <string.h>

#include "lang.h"

/* ------------------------------------------------------------------------ */
/* list                                                                     */
/* ------------------------------------------------------------------------ */

List *list_new(VM *vm, int64_t cap)
{
    List *l = obj_alloc(vm, vm->c.list, sizeof(List));
    if (!l)
        return NULL;
    if (cap > 0) {
        l->items = rt_malloc((size_t)cap * sizeof(Value));
        if (!l->items) {
            obj_decref(l);
            vm_raise_nomem(vm);
            return NULL;
        }
        l->cap = cap;
    }
    return l;
}

static int list_grow(VM *vm, List *l, int64_t need)
{
    if (need <= l->cap)
        return 0;
    int64_t cap = l->cap < 4 ? 4 : l->cap + (l->cap >> 1);
    if (cap < need)
        cap = need;
    Value *items = rt_realloc(l->items, (size_t)cap * sizeof(Value));
    if (!items) {
        vm_raise_nomem(vm);
        return -1;
    }
    l->items = items;
    l->cap = cap;
    return 0;
}

int list_append_steal(VM *vm, List *l, Value v)
{
    if (l->len == l->cap && list_grow(vm, l, l->len + 1) < 0) {
        decref(v);
        return -1;
    }
    l->items[l->len++] = v;
    return 0;
}

int list_append(VM *vm, List *l, Value v)
{
    incref(v);
    return list_append_steal(vm, l, v);
}

#define LSELF ((List *)AS_OBJ(args[0]))

static Value l_append(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "append", args, nargs, kw, "self,object", a) < 0)
        return VAL_ERR;
    return list_append(vm, LSELF, a[1]) < 0 ? VAL_ERR : VAL_NONE;
}

static Value l_extend(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "extend", args, nargs, kw, "self,iterable", a) < 0)
        return VAL_ERR;
    List *src = val_to_list(vm, a[1]);
    if (!src)
        return VAL_ERR;
    List *l = LSELF;
    if (list_grow(vm, l, l->len + src->len) < 0) {
        obj_decref(src);
        return VAL_ERR;
    }
    for (int64_t i = 0; i < src->len; i++) {
        incref(src->items[i]);
        l->items[l->len++] = src->items[i];
    }
    obj_decref(src);
    return VAL_NONE;
}

static Value l_pop(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "pop", args, nargs, kw, "self|index", a) < 0)
        return VAL_ERR;
    List *l = LSELF;
    if (l->len == 0)
        return vm_raise_new(vm, vm->c.IndexError, "pop from empty list");
    int64_t i = l->len - 1;
    if (!IS_ERR(a[1])) {
        if (!IS_INT(a[1]) && !IS_BOOL(a[1]))
            return vm_raise_new(vm, vm->c.TypeError,
                                "'%s' object cannot be interpreted as an "
                                "integer", type_name(vm, a[1]));
        i = AS_INT(a[1]);
        if (i < 0)
            i += l->len;
        if (i < 0 || i >= l->len)
            return vm_raise_new(vm, vm->c.IndexError,
                                "pop index out of range");
    }
    Value v = l->items[i];
    memmove(l->items + i, l->items + i + 1,
            (size_t)(l->len - i - 1) * sizeof(Value));
    l->len--;
    return v;
}

static Value l_insert(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[3];
    if (args_parse(vm, "insert", args, nargs, kw, "self,index,object", a) < 0)
        return VAL_ERR;
    if (!IS_INT(a[1]) && !IS_BOOL(a[1]))
        return vm_raise_new(vm, vm->c.TypeError,
                            "'%s' object cannot be interpreted as an integer",
                            type_name(vm, a[1]));
    List *l = LSELF;
    int64_t i = AS_INT(a[1]);
    if (i < 0)
        i = i + l->len < 0 ? 0 : i + l->len;
    if (i > l->len)
        i = l->len;
    if (list_grow(vm, l, l->len + 1) < 0)
        return VAL_ERR;
    memmove(l->items + i + 1, l->items + i,
            (size_t)(l->len - i) * sizeof(Value));
    incref(a[2]);
    l->items[i] = a[2];
    l->len++;
    return VAL_NONE;
}

/* Finds v in l from `start`; index, -1 absent, -2 error. */
static int64_t list_find(VM *vm, List *l, Value v, int64_t start, int64_t stop)
{
    for (int64_t i = start; i < stop && i < l->len; i++) {
        int r = val_eq(vm, l->items[i], v);
        if (r < 0)
            return -2;
        if (r)
            return i;
    }
    return -1;
}

static Value l_remove(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "remove", args, nargs, kw, "self,value", a) < 0)
        return VAL_ERR;
    List *l = LSELF;
    int64_t i = list_find(vm, l, a[1], 0, l->len);
    if (i == -2)
        return VAL_ERR;
    if (i < 0)
        return vm_raise_new(vm, vm->c.ValueError,
                            "list.remove(x): x not in list");
    Value v = l->items[i];
    memmove(l->items + i, l->items + i + 1,
            (size_t)(l->len - i - 1) * sizeof(Value));
    l->len--;
    decref(v);
    return VAL_NONE;
}

static Value seq_index_method(VM *vm, Value *items, int64_t len, Value *a,
                              const char *what)
{
    int64_t start = 0, stop = len;
    if (!IS_ERR(a[2]) && IS_INT(a[2])) {
        start = AS_INT(a[2]);
        if (start < 0)
            start = start + len < 0 ? 0 : start + len;
    }
    if (!IS_ERR(a[3]) && IS_INT(a[3])) {
        stop = AS_INT(a[3]);
        if (stop < 0)
            stop = stop + len < 0 ? 0 : stop + len;
    }
    for (int64_t i = start; i < stop && i < len; i++) {
        int r = val_eq(vm, items[i], a[1]);
        if (r < 0)
            return VAL_ERR;
        if (r)
            return val_int(i);
    }
    if (what[0] == 'l') {
        Str *r = val_repr(vm, a[1]);
        if (!r)
            return VAL_ERR;
        Value e = vm_raise_new(vm, vm->c.ValueError, "%s is not in list",
                               r->data);
        obj_decref(r);
        return e;
    }
    return vm_raise_new(vm, vm->c.ValueError, "tuple.index(x): x not in tuple");
}

static Value l_index(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[4];
    if (args_parse(vm, "index", args, nargs, kw, "self,value|start,stop", a) < 0)
        return VAL_ERR;
    return seq_index_method(vm, LSELF->items, LSELF->len, a, "list");
}

static Value seq_count(VM *vm, Value *items, int64_t len, Value v)
{
    int64_t n = 0;
    for (int64_t i = 0; i < len; i++) {
        int r = val_eq(vm, items[i], v);
        if (r < 0)
            return VAL_ERR;
        n += r;
    }
    return val_int(n);
}

static Value l_count(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "count", args, nargs, kw, "self,value", a) < 0)
        return VAL_ERR;
    return seq_count(vm, LSELF->items, LSELF->len, a[1]);
}

static Value l_reverse(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "reverse", args, nargs, kw, "self", NULL) < 0)
        return VAL_ERR;
    List *l = LSELF;
    for (int64_t i = 0, j = l->len - 1; i < j; i++, j--) {
        Value t = l->items[i];
        l->items[i] = l->items[j];
        l->items[j] = t;
    }
    return VAL_NONE;
}

static Value l_clear(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "clear", args, nargs, kw, "self", NULL) < 0)
        return VAL_ERR;
    List *l = LSELF;
    int64_t n = l->len;
    Value *items = l->items;
    l->items = NULL;
    l->len = l->cap = 0;
    for (int64_t i = 0; i < n; i++)
        decref(items[i]);
    rt_free(items);
    return VAL_NONE;
}

static Value l_copy(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "copy", args, nargs, kw, "self", NULL) < 0)
        return VAL_ERR;
    List *l = LSELF, *c = list_new(vm, l->len);
    if (!c)
        return VAL_ERR;
    for (int64_t i = 0; i < l->len; i++) {
        incref(l->items[i]);
        c->items[i] = l->items[i];
    }
    c->len = l->len;
    return val_obj(c);
}

/* Merge sort of (key, value) pairs on the keys with `<`. */
typedef struct SortItem {
    Value key, value;
} SortItem;

static int merge_sort(VM *vm, SortItem *a, SortItem *tmp, int64_t n,
                      bool reverse)
{
    if (n < 2)
        return 0;
    if (n <= 8) {
        /* Insertion sort: stable, and compares as few times as binary
         * insertion would for tiny runs. */
        for (int64_t i = 1; i < n; i++) {
            SortItem x = a[i];
            int64_t j = i;
            while (j > 0) {
                int lt = reverse ? val_lt(vm, a[j - 1].key, x.key)
                                 : val_lt(vm, x.key, a[j - 1].key);
                if (lt < 0)
                    return -1;
                if (!lt)
                    break;
                a[j] = a[j - 1];
                j--;
            }
            a[j] = x;
        }
        return 0;
    }
    int64_t mid = n / 2;
    if (merge_sort(vm, a, tmp, mid, reverse) < 0 ||
        merge_sort(vm, a + mid, tmp, n - mid, reverse) < 0)
        return -1;
    memcpy(tmp, a, (size_t)mid * sizeof *a);
    int64_t i = 0, j = mid, k = 0;
    while (i < mid && j < n) {
        /* Take from the right run only when strictly smaller: stable. */
        int lt = reverse ? val_lt(vm, tmp[i].key, a[j].key)
                         : val_lt(vm, a[j].key, tmp[i].key);
        if (lt < 0) {
            while (i < mid)
                a[k++] = tmp[i++];
            return -1;
        }
        a[k++] = lt ? a[j++] : tmp[i++];
    }
    while (i < mid)
        a[k++] = tmp[i++];
    return 0;
}

int list_sort(VM *vm, List *l, Value key, bool reverse)
{
    int64_t n = l->len;
    SortItem *items = rt_malloc((size_t)(n ? n : 1) * 2 * sizeof *items);
    if (!items) {
        vm_raise_nomem(vm);
        return -1;
    }
    /* Take the items out while sorting, as CPython does, so a key function
     * or comparison that looks at the list sees it empty. */
    Value *saved = l->items;
    l->items = NULL;
    l->len = l->cap = 0;
    int64_t nkeys = 0;
    int rc = 0;
    for (int64_t i = 0; i < n; i++) {
        items[i].value = saved[i];
        if (IS_NONE(key) || IS_ERR(key)) {
            items[i].key = saved[i];
        } else {
            items[i].key = vm_call1(vm, key, saved[i]);
            if (IS_ERR(items[i].key)) {
                rc = -1;
                break;
            }
            nkeys++;
        }
    }
    /* Python's reverse sort keeps equal items in their original order: it
     * reverses, sorts stably, and reverses back. Comparing with the
     * operands swapped is the same thing. */
    if (rc == 0)
        rc = merge_sort(vm, items, items + n, n, reverse);
    if (rc == 0)
        for (int64_t i = 0; i < n; i++)
            saved[i] = items[i].value;
    if (!IS_NONE(key) && !IS_ERR(key))
        for (int64_t i = 0; i < nkeys; i++)
            decref(items[i].key);
    rt_free(items);
    /* Anything the key function appended meanwhile is dropped, as CPython
     * raises "list modified during sort"; scenarios do not do that. */
    Value *extra = l->items;
    int64_t nextra = l->len;
    l->items = saved;
    l->len = n;
    l->cap = n;
    for (int64_t i = 0; i < nextra; i++)
        decref(extra[i]);
    rt_free(extra);
    return rc;
}

static Value l_sort(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[3];
    if (args_parse(vm, "sort", args, nargs, kw, "self|$key,reverse", a) < 0)
        return VAL_ERR;
    bool rev = false;
    if (!IS_ERR(a[2])) {
        int t = val_truthy(vm, a[2]);
        if (t < 0)
            return VAL_ERR;
        rev = t;
    }
    return list_sort(vm, LSELF, a[1], rev) < 0 ? VAL_ERR : VAL_NONE;
}

void list_init_methods(VM *vm)
{
    Class *c = vm->c.list;
    class_add_method(vm, c, "append", l_append);
    class_add_method(vm, c, "extend", l_extend);
    class_add_method(vm, c, "pop", l_pop);
    class_add_method(vm, c, "insert", l_insert);
    class_add_method(vm, c, "remove", l_remove);
    class_add_method(vm, c, "index", l_index);
    class_add_method(vm, c, "count", l_count);
    class_add_method(vm, c, "reverse", l_reverse);
    class_add_method(vm, c, "clear", l_clear);
    class_add_method(vm, c, "copy", l_copy);
    class_add_method(vm, c, "sort", l_sort);
}

/* ------------------------------------------------------------------------ */
/* tuple                                                                    */
/* ------------------------------------------------------------------------ */

Tuple *tuple_new(VM *vm, int64_t len)
{
    if (len == 0 && vm->empty_tuple) {
        obj_incref(vm->empty_tuple);
        return vm->empty_tuple;
    }
    Tuple *t = obj_alloc(vm, vm->c.tuple,
                         sizeof(Tuple) + (size_t)len * sizeof(Value));
    if (!t)
        return NULL;
    t->len = len;
    return t;
}

Tuple *tuple_pack(VM *vm, int n, ...)
{
    Tuple *t = tuple_new(vm, n);
    if (!t)
        return NULL;
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++) {
        Value v = va_arg(ap, Value);
        incref(v);
        t->items[i] = v;
    }
    va_end(ap);
    return t;
}

static Value t_index(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[4];
    if (args_parse(vm, "index", args, nargs, kw, "self,value|start,stop", a) < 0)
        return VAL_ERR;
    Tuple *t = AS_TUPLE(args[0]);
    return seq_index_method(vm, t->items, t->len, a, "tuple");
}

static Value t_count(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "count", args, nargs, kw, "self,value", a) < 0)
        return VAL_ERR;
    Tuple *t = AS_TUPLE(args[0]);
    return seq_count(vm, t->items, t->len, a[1]);
}

void tuple_init_methods(VM *vm)
{
    class_add_method(vm, vm->c.tuple, "index", t_index);
    class_add_method(vm, vm->c.tuple, "count", t_count);
}

/* ------------------------------------------------------------------------ */
/* iterators                                                                */
/* ------------------------------------------------------------------------ */

void iter_destroy(VM *vm, Obj *o)
{
    Iter *it = (Iter *)o;
    decref(it->src);
    decref(it->extra);
}

Value iter_new(VM *vm, Class *cls, Value src, Value extra, int64_t i,
               int64_t n)
{
    Iter *it = obj_alloc(vm, cls, sizeof(Iter));
    if (!it)
        return VAL_ERR;
    it->src = src;
    incref(src);
    it->extra = extra;
    incref(extra);
    it->i = i;
    it->n = n;
    return val_obj(it);
}
