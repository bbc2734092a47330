/*
 * set.c - set and frozenset, with CPython's table layout.
 *
 * A set iterates in the order of its hash table's slots, and programs
 * print sets: CPython prints {3, 1, 2} as {1, 2, 3}. So this table behaves
 * like CPython 3.11's in everything a program can observe: the same hash
 * values for numbers and tuples (val_py_hash), the same probe sequence
 * (up to nine neighbouring slots, then a perturbed jump), deleted slots
 * kept as dummies for the next insertion or resize, the same growth rule, and the
 * same order of insertions in every set operation. Hashes that change from
 * run to run in CPython (str, plain objects) cannot match; here they are
 * the same on every run.
 *
 * A slot is empty when its key is VAL_ERR and its hash 0, a dummy when its
 * key is VAL_ERR and its hash -1 (no hash is -1: -1 becomes -2).
 */
#include <stdlib.h>

#include "lang.h"

#define SET_MINSIZE 8
#define LINEAR_PROBES 9
#define PERTURB_SHIFT 5

static inline bool slot_active(const SetSlot *e) { return !IS_ERR(e->key); }
static inline bool slot_empty(const SetSlot *e)
{
    return IS_ERR(e->key) && e->hash == 0;
}

static SetSlot *table_new(VM *vm, int64_t size)
{
    SetSlot *t = rt_malloc((size_t)size * sizeof *t);
    if (!t) {
        vm_raise_nomem(vm);
        return NULL;
    }
    for (int64_t i = 0; i < size; i++) {
        t[i].key = VAL_ERR;
        t[i].hash = 0;
    }
    return t;
}

/* The table is allocated on the first insertion. */
static int ensure_table(VM *vm, Set *s)
{
    if (s->table)
        return 0;
    s->table = table_new(vm, SET_MINSIZE);
    if (!s->table)
        return -1;
    s->mask = SET_MINSIZE - 1;
    return 0;
}

Set *set_new(VM *vm, bool frozen)
{
    Set *s = obj_alloc(vm, frozen ? vm->c.frozenset : vm->c.set, sizeof(Set));
    if (!s)
        return NULL;
    s->frozen = frozen;
    s->mask = SET_MINSIZE - 1;
    return s;
}

void set_clear_storage(VM *vm, Set *s)
{
    (void)vm;
    rt_free(s->order);
    s->order = NULL;
    s->stamp++;
    s->mixed = false;
    SetSlot *t = s->table;
    int64_t n = t ? s->mask + 1 : 0;
    s->table = NULL;
    s->mask = SET_MINSIZE - 1;
    s->fill = s->used = 0; /* the finger stays, as in CPython */
    for (int64_t i = 0; i < n; i++)
        if (slot_active(&t[i]))
            decref(t[i].key);
    rt_free(t);
}

/* The next active slot at or after *pos, in table order. */
static bool slot_next(const Set *s, int64_t *pos, Value *key)
{
    if (!s->table)
        return false;
    for (int64_t i = *pos; i <= s->mask; i++)
        if (slot_active(&s->table[i])) {
            *pos = i + 1;
            *key = s->table[i].key;
            return true;
        }
    *pos = s->mask + 1;
    return false;
}

/* s->order holds (hash, slot) pairs. */
static int by_hash(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* A set of objects hashed by identity (tasks, futures, instances)
 * iterates in the order their identities were first asked for, which is
 * almost always the order they were made: CPython's order for such a set
 * follows their addresses, which are usually in the order of creation for
 * the few tasks of a TaskGroup or a wait(). The slots in that order are
 * kept in s->order until the set changes. */
static bool identity_order(Set *s)
{
    if (s->order && s->order_stamp == s->stamp)
        return true;
    int64_t *order = rt_realloc(s->order, (size_t)s->used * 2 * sizeof *order);
    if (!order)
        return false; /* out of memory: table order will do */
    s->order = order;
    int64_t n = 0;
    for (int64_t i = 0; i <= s->mask && n < s->used; i++)
        if (slot_active(&s->table[i])) {
            order[2 * n] = s->table[i].hash;
            order[2 * n + 1] = i;
            n++;
        }
    qsort(order, (size_t)n, 2 * sizeof *order, by_hash);
    s->norder = n;
    s->order_stamp = s->stamp;
    return true;
}

bool set_next(Set *s, int64_t *pos, Value *key)
{
    if (!s->table)
        return false;
    if (!s->mixed && s->used > 1 && identity_order(s)) {
        while (*pos < s->norder) {
            SetSlot *e = &s->table[s->order[2 * (*pos)++ + 1]];
            if (slot_active(e)) {
                *key = e->key;
                return true;
            }
        }
        return false;
    }
    return slot_next(s, pos, key);
}

static int keys_equal(VM *vm, Value a, Value b)
{
    if (a.kind == b.kind && a.u.i == b.u.i)
        return 1;
    if (IS_STR(a) && IS_STR(b))
        return str_eq(AS_STR(a), AS_STR(b));
    if (IS_STR(a) || IS_STR(b))
        return 0;
    return val_eq(vm, a, b);
}

/* Finds key: its slot index, -1 when absent, -2 on error. */
static int64_t lookup(VM *vm, Set *s, Value key, int64_t hash)
{
    if (!s->table)
        return -1;
restart:;
    SetSlot *table = s->table;
    uint64_t mask = (uint64_t)s->mask;
    uint64_t perturb = (uint64_t)hash;
    uint64_t i = (uint64_t)hash & mask;
    for (;;) {
        int probes = i + LINEAR_PROBES <= mask ? LINEAR_PROBES : 0;
        for (uint64_t j = i;; j++) {
            SetSlot *e = &table[j];
            if (slot_empty(e))
                return -1;
            if (e->hash == hash && slot_active(e)) {
                Value k = e->key;
                incref(k);
                int eq = keys_equal(vm, k, key);
                decref(k);
                if (eq < 0)
                    return -2;
                /* __eq__ may have changed the set: look again. */
                if (table != s->table || !val_is(e->key, k))
                    goto restart;
                if (eq)
                    return (int64_t)j;
            }
            if (probes-- == 0)
                break;
        }
        perturb >>= PERTURB_SHIFT;
        i = (i * 5 + 1 + perturb) & mask;
    }
}

/* Puts key in the first empty slot of its probe sequence in a table with
 * no dummies and no equal key (a resize). */
static void insert_clean(SetSlot *table, uint64_t mask, Value key,
                         int64_t hash)
{
    uint64_t perturb = (uint64_t)hash;
    uint64_t i = (uint64_t)hash & mask;
    uint64_t j;
    for (;;) {
        j = i;
        if (slot_empty(&table[j]))
            goto found;
        if (i + LINEAR_PROBES <= mask)
            for (int k = 0; k < LINEAR_PROBES; k++)
                if (slot_empty(&table[++j]))
                    goto found;
        perturb >>= PERTURB_SHIFT;
        i = (i * 5 + 1 + perturb) & mask;
    }
found:
    table[j].key = key;
    table[j].hash = hash;
}

/* Rebuilds the table with room for more than `minused` keys, dropping the
 * dummies; the keys go in in the old table's slot order. */
static int resize(VM *vm, Set *s, int64_t minused)
{
    int64_t size = SET_MINSIZE;
    while (size <= minused)
        size <<= 1;
    SetSlot *t = table_new(vm, size);
    if (!t)
        return -1;
    SetSlot *old = s->table;
    int64_t oldsize = old ? s->mask + 1 : 0;
    for (int64_t i = 0; i < oldsize; i++)
        if (slot_active(&old[i]))
            insert_clean(t, (uint64_t)size - 1, old[i].key, old[i].hash);
    rt_free(old);
    s->table = t;
    s->mask = size - 1;
    s->fill = s->used;
    s->stamp++;
    return 0;
}

/* Adds key (a new reference is taken) under its hash; by_value says the
 * hash is a value's, not an identity (see identity_order). */
static int add_entry(VM *vm, Set *s, Value key, int64_t hash, bool by_value)
{
    if (ensure_table(vm, s) < 0)
        return -1;
restart:;
    SetSlot *table = s->table;
    uint64_t mask = (uint64_t)s->mask;
    uint64_t perturb = (uint64_t)hash;
    uint64_t i = (uint64_t)hash & mask;
    SetSlot *e;
    SetSlot *dummy = NULL; /* the last dummy on the way, reused */
    for (;;) {
        int probes = i + LINEAR_PROBES <= mask ? LINEAR_PROBES : 0;
        for (uint64_t j = i;; j++) {
            e = &table[j];
            if (slot_empty(e))
                goto found_empty;
            if (IS_ERR(e->key)) {
                dummy = e;
            } else if (e->hash == hash) {
                Value k = e->key;
                incref(k);
                int eq = keys_equal(vm, k, key);
                decref(k);
                if (eq < 0)
                    return -1;
                if (table != s->table || !val_is(e->key, k))
                    goto restart;
                if (eq)
                    return 0; /* already there */
            }
            if (probes-- == 0)
                break;
        }
        perturb >>= PERTURB_SHIFT;
        i = (i * 5 + 1 + perturb) & mask;
    }
found_empty:
    incref(key);
    s->stamp++;
    s->mixed |= by_value;
    if (dummy) {
        dummy->key = key;
        dummy->hash = hash;
        s->used++;
        return 0;
    }
    e->key = key;
    e->hash = hash;
    s->fill++;
    s->used++;
    if (s->fill * 5 < s->mask * 3)
        return 0;
    return resize(vm, s, s->used > 50000 ? s->used * 2 : s->used * 4);
}

int set_add(VM *vm, Set *s, Value key)
{
    int64_t h;
    int kind = val_py_hash(vm, key, &h);
    if (kind < 0)
        return -1;
    return add_entry(vm, s, key, h, kind == 0);
}

int set_contains(VM *vm, Set *s, Value key)
{
    int64_t h;
    if (val_py_hash(vm, key, &h) < 0)
        return -1;
    int64_t i = lookup(vm, s, key, h);
    return i == -2 ? -1 : i >= 0;
}

/* Removes key: 1 if it was there, 0 if not, -1 on error. */
static int discard_entry(VM *vm, Set *s, Value key, int64_t hash)
{
    int64_t i = lookup(vm, s, key, hash);
    if (i < 0)
        return i == -2 ? -1 : 0;
    Value old = s->table[i].key;
    s->table[i].key = VAL_ERR;
    s->table[i].hash = -1;
    s->used--;
    s->stamp++;
    decref(old);
    return 1;
}

int set_discard(VM *vm, Set *s, Value key)
{
    int64_t h;
    if (val_py_hash(vm, key, &h) < 0)
        return -1;
    return discard_entry(vm, s, key, h);
}

/* ------------------------------------------------------------------------ */
/* Bulk operations, in CPython's order of insertion                        */
/* ------------------------------------------------------------------------ */

/* Adds every key of another set (set_merge): one resize up front, then a
 * copy of the slots when the tables match, else insertions. */
static int merge(VM *vm, Set *s, Set *other)
{
    if (other == s || other->used == 0)
        return 0;
    if (ensure_table(vm, s) < 0)
        return -1;
    s->mixed |= other->mixed;
    s->stamp++;
    if ((s->fill + other->used) * 5 >= s->mask * 3 &&
        resize(vm, s, (s->used + other->used) * 2) < 0)
        return -1;
    if (s->fill == 0 && s->mask == other->mask && other->fill == other->used) {
        for (int64_t i = 0; i <= other->mask; i++)
            if (slot_active(&other->table[i])) {
                incref(other->table[i].key);
                s->table[i] = other->table[i];
            }
        s->fill = s->used = other->used;
        return 0;
    }
    if (s->fill == 0) {
        for (int64_t i = 0; i <= other->mask; i++)
            if (slot_active(&other->table[i])) {
                incref(other->table[i].key);
                insert_clean(s->table, (uint64_t)s->mask,
                             other->table[i].key, other->table[i].hash);
            }
        s->fill = s->used = other->used;
        return 0;
    }
    for (int64_t i = 0; i <= other->mask; i++) {
        SetSlot e = other->table[i];
        if (slot_active(&e) && add_entry(vm, s, e.key, e.hash, other->mixed) < 0)
            return -1;
    }
    return 0;
}

/* set.update(iterable) for one iterable (set_update_internal). */
int set_update_from(VM *vm, Set *s, Value iterable)
{
    if (IS_LAYOUT(iterable, SET))
        return merge(vm, s, (Set *)AS_OBJ(iterable));
    if (IS_DICT(iterable)) {
        Dict *d = AS_DICT(iterable);
        if (ensure_table(vm, s) < 0)
            return -1;
        if ((s->fill + d->len) * 5 >= s->mask * 3 &&
            resize(vm, s, (s->used + d->len) * 2) < 0)
            return -1;
    }
    List *l = val_to_list(vm, iterable);
    if (!l)
        return -1;
    for (int64_t i = 0; i < l->len; i++)
        if (set_add(vm, s, l->items[i]) < 0) {
            obj_decref(l);
            return -1;
        }
    obj_decref(l);
    return 0;
}

/* A set of the same kind as s (set or frozenset) holding iterable's keys. */
static Set *new_like(VM *vm, Set *s, Value iterable)
{
    Set *r = set_new(vm, s->frozen);
    if (r && !IS_ERR(iterable) && set_update_from(vm, r, iterable) < 0) {
        obj_decref(r);
        return NULL;
    }
    return r;
}

/* Makes iterable a set to walk: itself when it is one (borrowed in *tmp
 * as NULL), else a new frozenset in *tmp. */
static Set *as_set(VM *vm, Value iterable, Set **tmp)
{
    *tmp = NULL;
    if (IS_LAYOUT(iterable, SET))
        return (Set *)AS_OBJ(iterable);
    Set *t = set_new(vm, true);
    if (!t || set_update_from(vm, t, iterable) < 0) {
        if (t)
            obj_decref(t);
        return NULL;
    }
    *tmp = t;
    return t;
}

static Set *intersection(VM *vm, Set *s, Value other)
{
    if (IS_LAYOUT(other, SET) && (Set *)AS_OBJ(other) == s)
        return new_like(vm, s, val_obj(s));
    Set *r = set_new(vm, s->frozen);
    if (!r)
        return NULL;
    if (IS_LAYOUT(other, SET)) {
        /* Walk the smaller set, look up in the larger. */
        Set *walk = (Set *)AS_OBJ(other), *probe = s;
        if (walk->used > probe->used) {
            Set *x = walk;
            walk = probe;
            probe = x;
        }
        int64_t pos = 0;
        Value k;
        while (slot_next(walk, &pos, &k)) {
            int64_t h = walk->table[pos - 1].hash;
            int64_t in = lookup(vm, probe, k, h);
            if (in == -2 ||
                (in >= 0 && add_entry(vm, r, k, h, walk->mixed) < 0))
                goto fail;
        }
        return r;
    }
    List *l = val_to_list(vm, other);
    if (!l)
        goto fail;
    for (int64_t i = 0; i < l->len; i++) {
        int64_t h;
        int kind = val_py_hash(vm, l->items[i], &h);
        if (kind < 0)
            goto fail_list;
        int64_t in = lookup(vm, s, l->items[i], h);
        if (in == -2 ||
            (in >= 0 && add_entry(vm, r, l->items[i], h, kind == 0) < 0))
            goto fail_list;
    }
    obj_decref(l);
    return r;
fail_list:
    obj_decref(l);
fail:
    obj_decref(r);
    return NULL;
}

/* The other side of an in-place operation on s, as a set to walk (see
 * as_set); NULL with *rc 0 when it is s itself (s is then emptied, as
 * both s -= s and s ^= s leave it), NULL with *rc -1 on error. */
static Set *other_of_update(VM *vm, Set *s, Value other, Set **tmp, int *rc)
{
    *rc = 0;
    *tmp = NULL;
    if (IS_LAYOUT(other, SET) && (Set *)AS_OBJ(other) == s) {
        set_clear_storage(vm, s);
        return NULL;
    }
    Set *o = as_set(vm, other, tmp);
    if (!o)
        *rc = -1;
    return o;
}

/* Removes other's keys from s (set_difference_update_internal). */
static int difference_update(VM *vm, Set *s, Value other)
{
    Set *tmp;
    int rc;
    Set *o = other_of_update(vm, s, other, &tmp, &rc);
    if (!o)
        return rc;
    int64_t pos = 0;
    Value k;
    while (slot_next(o, &pos, &k))
        if (discard_entry(vm, s, k, o->table[pos - 1].hash) < 0) {
            rc = -1;
            break;
        }
    if (tmp)
        obj_decref(tmp);
    /* More than a quarter of the slots dummies: rebuild without them. */
    if (rc == 0 && s->table && s->fill - s->used > s->mask / 4)
        rc = resize(vm, s, s->used > 50000 ? s->used * 2 : s->used * 4);
    return rc;
}

static Set *difference(VM *vm, Set *s, Value other)
{
    int64_t other_size;
    if (IS_LAYOUT(other, SET))
        other_size = ((Set *)AS_OBJ(other))->used;
    else if (IS_DICT(other))
        other_size = AS_DICT(other)->len;
    else
        other_size = -1;
    if (other_size < 0 || (s->used >> 2) > other_size) {
        /* Copy s, then take other's keys out. */
        Set *r = new_like(vm, s, val_obj(s));
        if (r && difference_update(vm, r, other) < 0) {
            obj_decref(r);
            return NULL;
        }
        return r;
    }
    Set *tmp;
    Set *o = as_set(vm, other, &tmp);
    if (!o)
        return NULL;
    Set *r = set_new(vm, s->frozen);
    int64_t pos = 0;
    Value k;
    while (r && slot_next(s, &pos, &k)) {
        int64_t h = s->table[pos - 1].hash;
        int64_t in = lookup(vm, o, k, h);
        if (in == -2 || (in == -1 && add_entry(vm, r, k, h, s->mixed) < 0)) {
            obj_decref(r);
            r = NULL;
        }
    }
    if (tmp)
        obj_decref(tmp);
    return r;
}

/* For each key of other: out if s has it, else in. */
static int symmetric_update(VM *vm, Set *s, Value other)
{
    Set *tmp;
    int rc;
    Set *o = other_of_update(vm, s, other, &tmp, &rc);
    if (!o)
        return rc;
    int64_t pos = 0;
    Value k;
    while (slot_next(o, &pos, &k)) {
        int64_t h = o->table[pos - 1].hash;
        incref(k);
        int r = discard_entry(vm, s, k, h);
        if (r == 0)
            r = add_entry(vm, s, k, h, o->mixed);
        decref(k);
        if (r < 0) {
            rc = -1;
            break;
        }
    }
    if (tmp)
        obj_decref(tmp);
    return rc;
}

static Set *symmetric_difference(VM *vm, Set *s, Value other)
{
    Set *r = new_like(vm, s, other);
    if (r && symmetric_update(vm, r, val_obj(s)) < 0) {
        obj_decref(r);
        return NULL;
    }
    return r;
}

/* Replaces s's table with r's (intersection_update). */
static void take_table(VM *vm, Set *s, Set *r)
{
    set_clear_storage(vm, s);
    s->table = r->table;
    s->mask = r->mask;
    s->fill = r->fill;
    s->used = r->used;
    s->mixed = r->mixed;
    s->stamp++;
    r->table = NULL;
    r->fill = r->used = 0;
    r->mask = SET_MINSIZE - 1;
}

/* The binary operators |, &, - and ^ on two sets; in place when
 * `inplace` (a |= b changes a). */
Value set_binop(VM *vm, Value a, Value b, char op, bool inplace)
{
    Set *s = (Set *)AS_OBJ(a);
    if (inplace && !s->frozen) {
        int rc = 0;
        if (op == '|') {
            rc = set_update_from(vm, s, b);
        } else if (op == '-') {
            rc = difference_update(vm, s, b);
        } else if (op == '^') {
            rc = symmetric_update(vm, s, b);
        } else {
            Set *r = intersection(vm, s, b);
            if (!r)
                return VAL_ERR;
            take_table(vm, s, r);
            obj_decref(r);
        }
        if (rc < 0)
            return VAL_ERR;
        incref(a);
        return a;
    }
    Set *r;
    switch (op) {
    case '|':
        r = new_like(vm, s, a);
        if (r && !val_is(a, b) && set_update_from(vm, r, b) < 0) {
            obj_decref(r);
            r = NULL;
        }
        break;
    case '&': r = intersection(vm, s, b); break;
    case '-': r = difference(vm, s, b); break;
    default: r = symmetric_difference(vm, s, b); break;
    }
    return r ? val_obj(r) : VAL_ERR;
}

/* s <= other: every key of s is in other. */
static int is_subset(VM *vm, Set *s, Value other)
{
    Set *tmp;
    Set *o = as_set(vm, other, &tmp);
    if (!o)
        return -1;
    int rc = 1;
    if (s->used > o->used) {
        rc = 0;
    } else {
        int64_t pos = 0;
        Value k;
        while (slot_next(s, &pos, &k)) {
            int64_t in = lookup(vm, o, k, s->table[pos - 1].hash);
            if (in < 0) {
                rc = in == -2 ? -1 : 0;
                break;
            }
        }
    }
    if (tmp)
        obj_decref(tmp);
    return rc;
}

int set_compare(VM *vm, Value a, Value b, ast_op op, bool *out)
{
    Set *x = (Set *)AS_OBJ(a), *y = (Set *)AS_OBJ(b);
    int r;
    switch (op) {
    case AST_OP_EQ:
    case AST_OP_NE:
        r = x->used == y->used ? is_subset(vm, x, b) : 0;
        if (r < 0)
            return -1;
        *out = op == AST_OP_EQ ? r : !r;
        return 0;
    case AST_OP_LE:
    case AST_OP_LT:
        r = is_subset(vm, x, b);
        if (r < 0)
            return -1;
        *out = r && (op == AST_OP_LE || x->used < y->used);
        return 0;
    default:
        r = is_subset(vm, y, a);
        if (r < 0)
            return -1;
        *out = r && (op == AST_OP_GE || y->used < x->used);
        return 0;
    }
}

static uint64_t shuffle_bits(uint64_t h)
{
    return ((h ^ UINT64_C(89869747)) ^ (h << 16)) * UINT64_C(3644798167);
}

/* hash(frozenset): the same mix of its keys' hashes as CPython's. */
int64_t set_py_hash(const Set *s)
{
    uint64_t h = 0;
    int64_t pos = 0;
    Value k;
    while (slot_next(s, &pos, &k))
        h ^= shuffle_bits((uint64_t)s->table[pos - 1].hash);
    h ^= ((uint64_t)s->used + 1) * UINT64_C(1927868237);
    h ^= (h >> 11) ^ (h >> 25);
    h = h * 69069U + UINT64_C(907133923);
    if (h == (uint64_t)-1)
        h = 590923713U;
    return (int64_t)h;
}

/* A set display of constants, {1, 2, 3}: CPython's compiler makes a
 * frozenset of them, makes it again from its own order when it merges the
 * code's constants, and the code fills an empty set from that one; each
 * step can move keys that collide. */
Set *set_from_constants(VM *vm, Value *items, int n)
{
    Set *first = set_new(vm, true);
    Set *second = set_new(vm, true);
    Set *r = set_new(vm, false);
    if (!first || !second || !r)
        goto fail;
    for (int i = 0; i < n; i++)
        if (set_add(vm, first, items[i]) < 0)
            goto fail;
    int64_t pos = 0;
    Value k;
    while (slot_next(first, &pos, &k))
        if (add_entry(vm, second, k, first->table[pos - 1].hash, true) < 0)
            goto fail;
    if (merge(vm, r, second) < 0)
        goto fail;
    obj_decref(first);
    obj_decref(second);
    return r;
fail:
    if (first)
        obj_decref(first);
    if (second)
        obj_decref(second);
    if (r)
        obj_decref(r);
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Methods                                                                  */
/* ------------------------------------------------------------------------ */

#define SSELF ((Set *)AS_OBJ(args[0]))

static int no_kwargs(VM *vm, const char *name, Tuple *kw)
{
    if (kw && kw->len) {
        vm_raise_new(vm, vm->c.TypeError, "%s() takes no keyword arguments",
                     name);
        return -1;
    }
    return 0;
}

static Value s_add(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "add", args, nargs, kw, "self,elem", a) < 0)
        return VAL_ERR;
    return set_add(vm, SSELF, a[1]) < 0 ? VAL_ERR : VAL_NONE;
}

static Value s_discard(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "discard", args, nargs, kw, "self,elem", a) < 0)
        return VAL_ERR;
    return set_discard(vm, SSELF, a[1]) < 0 ? VAL_ERR : VAL_NONE;
}

static Value s_remove(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "remove", args, nargs, kw, "self,elem", a) < 0)
        return VAL_ERR;
    int r = set_discard(vm, SSELF, a[1]);
    if (r < 0)
        return VAL_ERR;
    if (r == 0)
        return vm_raise_key(vm, a[1]);
    return VAL_NONE;
}

/* pop() takes the first key from where the last pop stopped, as CPython's
 * "finger" does. */
static Value s_pop(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "pop", args, nargs, kw, "self", NULL) < 0)
        return VAL_ERR;
    Set *s = SSELF;
    if (s->used == 0)
        return vm_raise_new(vm, vm->c.KeyError, "pop from an empty set");
    int64_t i = s->finger & s->mask;
    while (!slot_active(&s->table[i]))
        i = i == s->mask ? 0 : i + 1;
    Value k = s->table[i].key;
    s->table[i].key = VAL_ERR;
    s->table[i].hash = -1;
    s->used--;
    s->stamp++;
    s->finger = i + 1;
    return k;
}

static Value s_clear(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "clear", args, nargs, kw, "self", NULL) < 0)
        return VAL_ERR;
    set_clear_storage(vm, SSELF);
    return VAL_NONE;
}

static Value s_copy(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "copy", args, nargs, kw, "self", NULL) < 0)
        return VAL_ERR;
    Set *r = new_like(vm, SSELF, args[0]);
    return r ? val_obj(r) : VAL_ERR;
}

static Value s_union(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (no_kwargs(vm, "union", kw) < 0)
        return VAL_ERR;
    Set *r = new_like(vm, SSELF, args[0]);
    for (int i = 1; r && i < nargs; i++)
        if (!val_is(args[i], args[0]) && set_update_from(vm, r, args[i]) < 0) {
            obj_decref(r);
            r = NULL;
        }
    return r ? val_obj(r) : VAL_ERR;
}

static Value s_update(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (no_kwargs(vm, "update", kw) < 0)
        return VAL_ERR;
    for (int i = 1; i < nargs; i++)
        if (set_update_from(vm, SSELF, args[i]) < 0)
            return VAL_ERR;
    return VAL_NONE;
}

static Value s_intersection(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (no_kwargs(vm, "intersection", kw) < 0)
        return VAL_ERR;
    if (nargs == 1) {
        Set *r = new_like(vm, SSELF, args[0]);
        return r ? val_obj(r) : VAL_ERR;
    }
    Set *acc = SSELF;
    obj_incref(acc);
    for (int i = 1; i < nargs; i++) {
        Set *r = intersection(vm, acc, args[i]);
        obj_decref(acc);
        if (!r)
            return VAL_ERR;
        acc = r;
    }
    return val_obj(acc);
}

static Value s_intersection_update(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value r = s_intersection(vm, args, nargs, kw);
    if (IS_ERR(r))
        return r;
    if (!val_is(r, args[0]))
        take_table(vm, SSELF, (Set *)AS_OBJ(r));
    decref(r);
    return VAL_NONE;
}

static Value s_difference(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (no_kwargs(vm, "difference", kw) < 0)
        return VAL_ERR;
    if (nargs == 1) {
        Set *r = new_like(vm, SSELF, args[0]);
        return r ? val_obj(r) : VAL_ERR;
    }
    Set *r = difference(vm, SSELF, args[1]);
    for (int i = 2; r && i < nargs; i++)
        if (difference_update(vm, r, args[i]) < 0) {
            obj_decref(r);
            r = NULL;
        }
    return r ? val_obj(r) : VAL_ERR;
}

static Value s_difference_update(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (no_kwargs(vm, "difference_update", kw) < 0)
        return VAL_ERR;
    for (int i = 1; i < nargs; i++)
        if (difference_update(vm, SSELF, args[i]) < 0)
            return VAL_ERR;
    return VAL_NONE;
}

static Value s_symmetric_difference(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "symmetric_difference", args, nargs, kw, "self,other",
                   a) < 0)
        return VAL_ERR;
    Set *r = symmetric_difference(vm, SSELF, a[1]);
    return r ? val_obj(r) : VAL_ERR;
}

static Value s_symmetric_difference_update(VM *vm, Value *args, int nargs,
                                           Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "symmetric_difference_update", args, nargs, kw,
                   "self,other", a) < 0)
        return VAL_ERR;
    return symmetric_update(vm, SSELF, a[1]) < 0 ? VAL_ERR : VAL_NONE;
}

static Value s_issubset(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "issubset", args, nargs, kw, "self,other", a) < 0)
        return VAL_ERR;
    int r = is_subset(vm, SSELF, a[1]);
    return r < 0 ? VAL_ERR : val_bool(r);
}

static Value s_issuperset(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "issuperset", args, nargs, kw, "self,other", a) < 0)
        return VAL_ERR;
    Set *tmp;
    Set *o = as_set(vm, a[1], &tmp);
    if (!o)
        return VAL_ERR;
    int r = is_subset(vm, o, args[0]);
    if (tmp)
        obj_decref(tmp);
    return r < 0 ? VAL_ERR : val_bool(r);
}

static Value s_isdisjoint(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "isdisjoint", args, nargs, kw, "self,other", a) < 0)
        return VAL_ERR;
    Set *r = intersection(vm, SSELF, a[1]);
    if (!r)
        return VAL_ERR;
    bool empty = r->used == 0;
    obj_decref(r);
    return val_bool(empty);
}

void set_init_methods(VM *vm)
{
    Class *c = vm->c.set;
    class_add_method(vm, c, "add", s_add);
    class_add_method(vm, c, "discard", s_discard);
    class_add_method(vm, c, "remove", s_remove);
    class_add_method(vm, c, "pop", s_pop);
    class_add_method(vm, c, "clear", s_clear);
    class_add_method(vm, c, "update", s_update);
    class_add_method(vm, c, "intersection_update", s_intersection_update);
    class_add_method(vm, c, "difference_update", s_difference_update);
    class_add_method(vm, c, "symmetric_difference_update",
                     s_symmetric_difference_update);
    Class *both[2] = {vm->c.set, vm->c.frozenset};
    for (int i = 0; i < 2; i++) {
        class_add_method(vm, both[i], "union", s_union);
        class_add_method(vm, both[i], "intersection", s_intersection);
        class_add_method(vm, both[i], "difference", s_difference);
        class_add_method(vm, both[i], "symmetric_difference",
                         s_symmetric_difference);
        class_add_method(vm, both[i], "issubset", s_issubset);
        class_add_method(vm, both[i], "issuperset", s_issuperset);
        class_add_method(vm, both[i], "isdisjoint", s_isdisjoint);
        class_add_method(vm, both[i], "copy", s_copy);
    }
}
