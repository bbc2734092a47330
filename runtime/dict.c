/*
 * dict.c - insertion-ordered hash tables: dict and set.
 *
 * The layout is CPython's "compact dict": entries are appended to an array
 * in insertion order (so iteration order is insertion order, as Python
 * guarantees) and a separate open-addressing index maps hashes to entry
 * positions. Deleting leaves a hole that the next resize squeezes out.
 * Sets have their own table, CPython's (set.c).
 */
#include <string.h>

#include "lang.h"

#define IX_EMPTY (-1)
#define IX_DUMMY (-2)

Dict *dict_new(VM *vm)
{
    Dict *d = obj_alloc(vm, vm->c.dict, sizeof(Dict));
    /* Versions are unique across every dict of the VM, so that an inline
     * cache keyed on (dict, version) cannot be fooled by a new dict at an
     * old one's address. */
    if (d)
        d->version = ++vm->dict_versions;
    return d;
}

void dict_clear_storage(VM *vm, Dict *d)
{
    DictEntry *e = d->entries;
    int64_t n = d->nentries;
    d->entries = NULL;
    rt_free(d->index);
    d->index = NULL;
    d->nentries = d->len = d->cap = 0;
    d->mask = 0;
    d->version = ++vm->dict_versions;
    for (int64_t i = 0; i < n; i++) {
        if (IS_ERR(e[i].key))
            continue;
        decref(e[i].key);
        decref(e[i].value);
    }
    rt_free(e);
}

/* Rebuilds the index for `size` slots, squeezing out deleted entries. */
static int dict_resize(VM *vm, Dict *d, int64_t want)
{
    uint64_t size = 8;
    while (size < (uint64_t)want * 3 / 2 + 1)
        size <<= 1;
    int32_t *index = rt_malloc(size * sizeof *index);
    int64_t cap = (int64_t)(size * 2 / 3);
    if (cap < want)
        cap = want;
    DictEntry *entries = rt_malloc((size_t)cap * sizeof *entries);
    if (!index || !entries) {
        rt_free(index);
        rt_free(entries);
        vm_raise_nomem(vm);
        return -1;
    }
    memset(index, 0xff, size * sizeof *index); /* IX_EMPTY */
    int64_t n = 0;
    for (int64_t i = 0; i < d->nentries; i++) {
        if (IS_ERR(d->entries[i].key))
            continue;
        entries[n] = d->entries[i];
        uint64_t h = entries[n].hash, j = h & (size - 1), perturb = h;
        while (index[j] != IX_EMPTY) {
            perturb >>= 5;
            j = (j * 5 + perturb + 1) & (size - 1);
        }
        index[j] = (int32_t)n;
        n++;
    }
    rt_free(d->index);
    rt_free(d->entries);
    d->index = index;
    d->entries = entries;
    d->mask = size - 1;
    d->cap = cap;
    d->nentries = n;
    return 0;
}

/* Key equality for lookups: identity, then cheap cases, then __eq__. */
static int key_eq(VM *vm, Value a, Value b)
{
    if (a.kind == b.kind && a.u.i == b.u.i)
        return 1;
    if (IS_STR(a) && IS_STR(b))
        return str_eq(AS_STR(a), AS_STR(b));
    if (IS_STR(a) || IS_STR(b))
        return 0;
    return val_eq(vm, a, b);
}

/* Finds the index slot for key: returns the entry index or -1 (absent),
 * -2 on error; *slot receives where to insert. */
static int64_t dict_lookup(VM *vm, Dict *d, Value key, uint64_t h,
                           uint64_t *slot)
{
    if (!d->index) {
        *slot = 0;
        return -1;
    }
    uint64_t j = h & d->mask, perturb = h;
    int64_t free_slot = -1;
    for (;;) {
        int32_t ix = d->index[j];
        if (ix == IX_EMPTY) {
            *slot = free_slot >= 0 ? (uint64_t)free_slot : j;
            return -1;
        }
        if (ix == IX_DUMMY) {
            if (free_slot < 0)
                free_slot = (int64_t)j;
        } else {
            DictEntry *e = &d->entries[ix];
            if (e->hash == h) {
                uint64_t version = d->version;
                int r = key_eq(vm, e->key, key);
                if (r < 0)
                    return -2;
                if (d->version != version) {
                    vm_raise_new(vm, vm->c.RuntimeError,
                                 "dictionary changed size during lookup");
                    return -2;
                }
                if (r) {
                    *slot = j;
                    return ix;
                }
            }
        }
        perturb >>= 5;
        j = (j * 5 + perturb + 1) & d->mask;
    }
}

Value dict_get(VM *vm, Dict *d, Value key)
{
    uint64_t h, slot;
    if (d->len == 0) {
        /* Still check hashability, as Python does for `[] in {}`. */
        if (IS_OBJ(key) && !IS_STR(key) && val_hash(vm, key, &h) < 0)
            return VAL_ERR;
        return VAL_ERR;
    }
    if (val_hash(vm, key, &h) < 0)
        return VAL_ERR;
    int64_t ix = dict_lookup(vm, d, key, h, &slot);
    return ix >= 0 ? d->entries[ix].value : VAL_ERR;
}

Value dict_get_str(Dict *d, Str *key)
{
    if (!d->index || d->len == 0)
        return VAL_ERR;
    uint64_t h = str_hash(key), j = h & d->mask, perturb = h;
    for (;;) {
        int32_t ix = d->index[j];
        if (ix == IX_EMPTY)
            return VAL_ERR;
        if (ix >= 0) {
            DictEntry *e = &d->entries[ix];
            if (e->hash == h && IS_STR(e->key) &&
                (AS_STR(e->key) == key || str_eq(AS_STR(e->key), key)))
                return e->value;
        }
        perturb >>= 5;
        j = (j * 5 + perturb + 1) & d->mask;
    }
}

Value dict_get_cstr(VM *vm, Dict *d, const char *key)
{
    Str *k = str_from_cstr(vm, key);
    if (!k)
        return VAL_ERR;
    Value v = dict_get_str(d, k);
    obj_decref(k);
    return v;
}

int dict_set(VM *vm, Dict *d, Value key, Value value)
{
    uint64_t h, slot;
    if (val_hash(vm, key, &h) < 0)
        return -1;
    int64_t ix = dict_lookup(vm, d, key, h, &slot);
    if (ix == -2)
        return -1;
    if (ix >= 0) {
        incref(value);
        val_set(&d->entries[ix].value, value);
        d->version = ++vm->dict_versions; /* inline caches hold values */
        return 0;
    }
    if (!d->index || d->nentries >= d->cap) {
        if (dict_resize(vm, d, d->len + 1 > d->cap ? (d->len + 1) * 2
                                                    : d->len + 1) < 0)
            return -1;
        dict_lookup(vm, d, key, h, &slot);
    }
    incref(key);
    incref(value);
    DictEntry *e = &d->entries[d->nentries];
    e->key = key;
    e->value = value;
    e->hash = h;
    d->index[slot] = (int32_t)d->nentries;
    d->nentries++;
    d->len++;
    d->version = ++vm->dict_versions;
    return 0;
}

int dict_set_str(VM *vm, Dict *d, Str *key, Value value)
{
    return dict_set(vm, d, val_obj(key), value);
}

int dict_set_cstr(VM *vm, Dict *d, const char *key, Value value)
{
    Str *k = str_intern_cstr(vm, key);
    if (!k)
        return -1;
    return dict_set(vm, d, val_obj(k), value);
}

int dict_del(VM *vm, Dict *d, Value key, Value *out)
{
    uint64_t h, slot;
    if (val_hash(vm, key, &h) < 0)
        return -1;
    int64_t ix = dict_lookup(vm, d, key, h, &slot);
    if (ix == -2)
        return -1;
    if (ix < 0)
        return 0;
    DictEntry *e = &d->entries[ix];
    Value k = e->key, v = e->value;
    e->key = VAL_ERR;
    e->value = VAL_NONE;
    d->index[slot] = IX_DUMMY;
    d->len--;
    d->version = ++vm->dict_versions;
    decref(k);
    if (out)
        *out = v;
    else
        decref(v);
    return 1;
}

int dict_next(Dict *d, int64_t *pos, Value *key, Value *value)
{
    while (*pos < d->nentries) {
        DictEntry *e = &d->entries[(*pos)++];
        if (!IS_ERR(e->key)) {
            if (key)
                *key = e->key;
            if (value)
                *value = e->value;
            return 1;
        }
    }
    return 0;
}

Dict *dict_copy(VM *vm, Dict *src)
{
    Dict *d = dict_new(vm);
    if (!d)
        return NULL;
    int64_t pos = 0;
    Value k, v;
    while (dict_next(src, &pos, &k, &v))
        if (dict_set(vm, d, k, v) < 0) {
            obj_decref(d);
            return NULL;
        }
    return d;
}

/* ------------------------------------------------------------------------ */
/* dict methods                                                             */
/* ------------------------------------------------------------------------ */

#define DSELF AS_DICT(args[0])

static Value d_get(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[3];
    if (args_parse(vm, "get", args, nargs, kw, "self,key|default", a) < 0)
        return VAL_ERR;
    Value v = dict_get(vm, DSELF, a[1]);
    if (IS_ERR(v)) {
        if (vm_has_exc(vm))
            return VAL_ERR;
        v = IS_ERR(a[2]) ? VAL_NONE : a[2];
    }
    incref(v);
    return v;
}

static Value view_new(VM *vm, Class *cls, Value *args, int nargs, Tuple *kw,
                      const char *name)
{
    if (args_parse(vm, name, args, nargs, kw, "self", NULL) < 0)
        return VAL_ERR;
    return iter_new(vm, cls, args[0], VAL_NONE, 0, 0);
}

static Value d_keys(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return view_new(vm, vm->c.dict_keys, args, nargs, kw, "keys");
}
static Value d_values(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return view_new(vm, vm->c.dict_values, args, nargs, kw, "values");
}
static Value d_items(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return view_new(vm, vm->c.dict_items, args, nargs, kw, "items");
}

static Value d_pop(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[3], out;
    if (args_parse(vm, "pop", args, nargs, kw, "self,key|default", a) < 0)
        return VAL_ERR;
    int r = dict_del(vm, DSELF, a[1], &out);
    if (r < 0)
        return VAL_ERR;
    if (r)
        return out;
    if (IS_ERR(a[2]))
        return vm_raise_key(vm, a[1]);
    incref(a[2]);
    return a[2];
}

static Value d_popitem(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "popitem", args, nargs, kw, "self", NULL) < 0)
        return VAL_ERR;
    Dict *d = DSELF;
    for (int64_t i = d->nentries - 1; i >= 0; i--) {
        if (IS_ERR(d->entries[i].key))
            continue;
        Value k = d->entries[i].key, v;
        incref(k);
        dict_del(vm, d, k, &v);
        Tuple *t = tuple_new(vm, 2);
        if (!t) {
            decref(k);
            decref(v);
            return VAL_ERR;
        }
        t->items[0] = k;
        t->items[1] = v;
        return val_obj(t);
    }
    return vm_raise_new(vm, vm->c.KeyError, "popitem(): dictionary is empty");
}

static Value d_setdefault(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[3];
    if (args_parse(vm, "setdefault", args, nargs, kw, "self,key|default", a) < 0)
        return VAL_ERR;
    Value v = dict_get(vm, DSELF, a[1]);
    if (!IS_ERR(v)) {
        incref(v);
        return v;
    }
    if (vm_has_exc(vm))
        return VAL_ERR;
    Value dflt = IS_ERR(a[2]) ? VAL_NONE : a[2];
    if (dict_set(vm, DSELF, a[1], dflt) < 0)
        return VAL_ERR;
    incref(dflt);
    return dflt;
}

/* d.update(other) / d.update(k=v): other is a dict or pairs. */
int dict_update_from(VM *vm, Dict *d, Value other)
{
    if (IS_DICT(other)) {
        int64_t pos = 0;
        Value k, v;
        Dict *src = AS_DICT(other);
        while (dict_next(src, &pos, &k, &v))
            if (dict_set(vm, d, k, v) < 0)
                return -1;
        return 0;
    }
    /* A mapping that is not a dict (it has keys()): other[k] for each key,
     * as dict(mapping) does. */
    if (IS_OBJ(other) && !IS_STR(other)) {
        Value keys_fn = val_getattr_opt(vm, other, str_intern_cstr(vm, "keys"));
        if (IS_ERR(keys_fn) && vm_has_exc(vm))
            return -1;
        if (!IS_ERR(keys_fn)) {
            Value keys = vm_call(vm, keys_fn, NULL, 0, NULL);
            decref(keys_fn);
            List *kl = IS_ERR(keys) ? NULL : val_to_list(vm, keys);
            decref(keys);
            if (!kl)
                return -1;
            for (int64_t i = 0; i < kl->len; i++) {
                Value v = val_getitem(vm, other, kl->items[i]);
                int r = IS_ERR(v) ? -1 : dict_set(vm, d, kl->items[i], v);
                decref(v);
                if (r < 0) {
                    obj_decref(kl);
                    return -1;
                }
            }
            obj_decref(kl);
            return 0;
        }
    }
    List *pairs = val_to_list(vm, other);
    if (!pairs)
        return -1;
    for (int64_t i = 0; i < pairs->len; i++) {
        List *kv = val_to_list(vm, pairs->items[i]);
        if (!kv) {
            if (vm_exc_matches(vm, vm->c.TypeError)) {
                decref(vm_take_exc(vm));
                vm_raise_new(vm, vm->c.TypeError,
                             "cannot convert dictionary update sequence "
                             "element #%lld to a sequence", (long long)i);
            }
            obj_decref(pairs);
            return -1;
        }
        if (kv->len != 2) {
            vm_raise_new(vm, vm->c.ValueError,
                         "dictionary update sequence element #%lld has "
                         "length %lld; 2 is required", (long long)i,
                         (long long)kv->len);
            obj_decref(kv);
            obj_decref(pairs);
            return -1;
        }
        int r = dict_set(vm, d, kv->items[0], kv->items[1]);
        obj_decref(kv);
        if (r < 0) {
            obj_decref(pairs);
            return -1;
        }
    }
    obj_decref(pairs);
    return 0;
}

static Value d_update(VM *vm, Value *args, int nargs, Tuple *kw)
{
    int npos = nargs - (kw ? (int)kw->len : 0);
    if (npos > 2)
        return vm_raise_new(vm, vm->c.TypeError,
                            "update expected at most 1 argument, got %d",
                            npos - 1);
    if (npos == 2 && dict_update_from(vm, DSELF, args[1]) < 0)
        return VAL_ERR;
    for (int i = 0; kw && i < kw->len; i++)
        if (dict_set(vm, DSELF, kw->items[i], args[npos + i]) < 0)
            return VAL_ERR;
    return VAL_NONE;
}

static Value d_clear(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "clear", args, nargs, kw, "self", NULL) < 0)
        return VAL_ERR;
    dict_clear_storage(vm, DSELF);
    return VAL_NONE;
}

static Value d_copy(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "copy", args, nargs, kw, "self", NULL) < 0)
        return VAL_ERR;
    Dict *d = dict_copy(vm, DSELF);
    return d ? val_obj(d) : VAL_ERR;
}

static Value d_fromkeys(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "fromkeys", args, nargs, kw, "iterable|value", a) < 0)
        return VAL_ERR;
    List *keys = val_to_list(vm, a[0]);
    if (!keys)
        return VAL_ERR;
    Dict *d = dict_new(vm);
    for (int64_t i = 0; d && i < keys->len; i++)
        if (dict_set(vm, d, keys->items[i], IS_ERR(a[1]) ? VAL_NONE : a[1]) <
            0) {
            obj_decref(d);
            d = NULL;
        }
    obj_decref(keys);
    return d ? val_obj(d) : VAL_ERR;
}

void dict_init_methods(VM *vm)
{
    Class *c = vm->c.dict;
    class_add_method(vm, c, "get", d_get);
    class_add_method(vm, c, "keys", d_keys);
    class_add_method(vm, c, "values", d_values);
    class_add_method(vm, c, "items", d_items);
    class_add_method(vm, c, "pop", d_pop);
    class_add_method(vm, c, "popitem", d_popitem);
    class_add_method(vm, c, "setdefault", d_setdefault);
    class_add_method(vm, c, "update", d_update);
    class_add_method(vm, c, "clear", d_clear);
    class_add_method(vm, c, "copy", d_copy);
    class_add_static(vm, c, "fromkeys", d_fromkeys);
}
