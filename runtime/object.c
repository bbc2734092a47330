/*
 * object.c - the interpreter's heap: allocation, destruction and classes.
 *
 * Objects are reference counted, as in CPython, so that finalisers (a
 * coroutine never awaited, a task exception never retrieved) run at the
 * same moment CPython would run them. Small objects come from per-size
 * pools (16-byte classes up to 256 bytes); larger ones from rt_malloc with
 * a list header. The heap knows both kinds, so teardown can free every
 * object still alive, including reference cycles that plain reference
 * counting never frees. That keeps sanitizer runs free of leaks without a
 * cycle collector; the cost, that cyclic garbage lives until the run ends,
 * is fine for scenarios that run for a second.
 *
 * Destruction goes through one function, obj_destroy, which every class
 * installs as its rt_type.destroy. Past a small nesting depth it defers
 * destructions onto a work list, so freeing a long chain of objects cannot
 * overflow the C stack (CPython calls this its "trashcan").
 */
#include <stdlib.h>
#include <string.h>

#include "lang.h"

#define POOL_GRAIN 16
/* Under AddressSanitizer every object gets its own malloc block, so that a
 * use after free is reported instead of hidden by slot reuse. */
#if defined(__SANITIZE_ADDRESS__)
#define POOL_CLASSES 0
#else
#define POOL_CLASSES 32 /* 16, 32, ..., 512 bytes */
#endif
#define POOL_PAGE 32768
#define DESTROY_DEPTH_MAX 48

/* A page of equally sized slots. */
typedef struct Page {
    struct Page *next;
    size_t slot_size;
    size_t nslots;
    char *slots;
} Page;

/* A large object: this header, then the object. */
typedef struct Big {
    struct Big *prev, *next;
    max_align_t align[];
} Big;

/* An object whose identity was asked for, and the serial it got. */
typedef struct IdEntry {
    Obj *obj;
    uint64_t serial;
} IdEntry;

/* A freed slot: flags 0 tells teardown it is not an object. */
typedef struct FreeSlot {
    uint32_t refs;
    uint32_t flags;
    struct FreeSlot *next;
} FreeSlot;

typedef struct VMHeap {
    Page *pages;
    FreeSlot *free[POOL_CLASSES + 1];
    Big big;           /* sentinel of the big-object list */
    Obj **deferred;    /* objects waiting to be destroyed */
    size_t ndeferred, capdeferred;
    int depth;         /* nesting of obj_destroy */
    size_t live;       /* objects allocated and not freed */
    IdEntry *ids;      /* identities handed out (see obj_identity) */
    size_t nids, capids;
    uint64_t next_id;
} VMHeap;

int vm_heap_init(VM *vm)
{
    VMHeap *h = rt_calloc(1, sizeof *h);
    if (!h)
        return RT_ENOMEM;
    h->big.prev = h->big.next = &h->big;
    vm->heap = h;
    return 0;
}

static bool pool_refill(VMHeap *h, int k)
{
    size_t size = (size_t)(k + 1) * POOL_GRAIN;
    Page *p = rt_malloc(sizeof *p + POOL_PAGE);
    if (!p)
        return false;
    p->slot_size = size;
    p->nslots = POOL_PAGE / size;
    p->slots = (char *)(p + 1);
    p->next = h->pages;
    h->pages = p;
    /* Link the slots so that allocation walks the page in address order. */
    for (size_t i = p->nslots; i-- > 0;) {
        FreeSlot *s = (FreeSlot *)(void *)(p->slots + i * size);
        s->refs = 0;
        s->flags = 0;
        s->next = h->free[k];
        h->free[k] = s;
    }
    return true;
}

void *obj_alloc(VM *vm, Class *cls, size_t size)
{
    VMHeap *h = vm->heap;
    Obj *o;
    uint32_t flags;
    if (size <= POOL_GRAIN * POOL_CLASSES) {
        int k = size ? (int)((size + POOL_GRAIN - 1) / POOL_GRAIN) - 1 : 0;
        if (!h->free[k] && !pool_refill(h, k)) {
            vm_raise_nomem(vm);
            return NULL;
        }
        FreeSlot *s = h->free[k];
        h->free[k] = s->next;
        memset(s, 0, (size_t)(k + 1) * POOL_GRAIN);
        o = (Obj *)s;
        flags = OF_LIVE | ((uint32_t)k << OF_POOL_SHIFT);
    } else {
        Big *b = rt_calloc(1, sizeof *b + size);
        if (!b) {
            vm_raise_nomem(vm);
            return NULL;
        }
        b->next = h->big.next;
        b->prev = &h->big;
        h->big.next->prev = b;
        h->big.next = b;
        o = (Obj *)(void *)b->align;
        flags = OF_LIVE | OF_BIG;
    }
    o->refs = 1;
    o->flags = flags;
    o->type = &cls->rtt;
    cls->hdr.refs++;
    h->live++;
    return o;
}

/* ------------------------------------------------------------------------ */
/* Identities                                                               */
/* ------------------------------------------------------------------------ */

/* CPython shows an object's address in its default repr and returns it
 * from id(); it hashes plain objects by it too. An address changes from run
 * to run, and a scenario must print the same thing on every run, so an
 * object gets a serial number the first time its identity is asked for,
 * kept in an open-addressing table keyed by the object's address and
 * dropped when the object is freed. Serials are never reused. */

/* What id() returns for serial n: an address-like number, 16-aligned as
 * CPython's objects are. */
#define ID_BASE UINT64_C(0x7f5c3a000000)
#define ID_STEP UINT64_C(0x40)

static size_t id_slot(const VMHeap *h, const Obj *o)
{
    uint64_t x = (uint64_t)(uintptr_t)o;
    x ^= x >> 29;
    x *= UINT64_C(0x9e3779b97f4a7c15);
    return (size_t)(x >> 32) & (h->capids - 1);
}

static int id_grow(VMHeap *h)
{
    size_t cap = h->capids ? h->capids * 2 : 64;
    IdEntry *old = h->ids;
    size_t oldcap = h->capids;
    IdEntry *t = rt_calloc(cap, sizeof *t);
    if (!t)
        return -1;
    h->ids = t;
    h->capids = cap;
    for (size_t i = 0; i < oldcap; i++) {
        if (!old[i].obj)
            continue;
        size_t j = id_slot(h, old[i].obj);
        while (t[j].obj)
            j = (j + 1) & (cap - 1);
        t[j] = old[i];
    }
    rt_free(old);
    return 0;
}

static void id_forget(VMHeap *h, Obj *o)
{
    size_t mask = h->capids - 1;
    size_t i = id_slot(h, o);
    while (h->ids[i].obj != o) {
        if (!h->ids[i].obj)
            return;
        i = (i + 1) & mask;
    }
    /* Backward-shift deletion: pull later entries of the probe run into
     * the hole when their home slot allows it. */
    size_t hole = i;
    for (size_t j = (i + 1) & mask; h->ids[j].obj; j = (j + 1) & mask) {
        size_t home = id_slot(h, h->ids[j].obj);
        if (((j - home) & mask) >= ((j - hole) & mask)) {
            h->ids[hole] = h->ids[j];
            hole = j;
        }
    }
    h->ids[hole].obj = NULL;
    h->nids--;
}

bool obj_identity(VM *vm, Obj *o, uint64_t *out)
{
    VMHeap *h = vm->heap;
    if (o->flags & OF_HAS_ID) {
        size_t i = id_slot(h, o);
        while (h->ids[i].obj != o)
            i = (i + 1) & (h->capids - 1);
        *out = ID_BASE + h->ids[i].serial * ID_STEP;
        return true;
    }
    if ((h->nids + 1) * 4 > h->capids * 3 && id_grow(h) < 0)
        return false;
    size_t i = id_slot(h, o);
    while (h->ids[i].obj)
        i = (i + 1) & (h->capids - 1);
    h->ids[i].obj = o;
    h->ids[i].serial = ++h->next_id;
    h->nids++;
    o->flags |= OF_HAS_ID;
    *out = ID_BASE + h->ids[i].serial * ID_STEP;
    return true;
}

void obj_free_mem(VM *vm, Obj *o)
{
    VMHeap *h = vm->heap;
    Class *cls = class_of_obj(o);
    h->live--;
    if (o->flags & OF_HAS_ID)
        id_forget(h, o);
    if (o->flags & OF_BIG) {
        Big *b = (Big *)(void *)((char *)o - offsetof(Big, align));
        b->prev->next = b->next;
        b->next->prev = b->prev;
        rt_free(b);
    } else {
        int k = (int)((o->flags & OF_POOL_MASK) >> OF_POOL_SHIFT);
        FreeSlot *s = (FreeSlot *)o;
        s->refs = 0;
        s->flags = 0;
        s->next = h->free[k];
        h->free[k] = s;
    }
    if (!vm->in_teardown)
        obj_decref(cls);
}

/* ------------------------------------------------------------------------ */
/* Destruction                                                              */
/* ------------------------------------------------------------------------ */

static void destroy_dict_ptr(Dict *d)
{
    if (d)
        obj_decref(d);
}

/* Releases what an object holds (not its own memory). Finalisers that may
 * run scenario code (CPython's __del__ equivalents) resurrect the object
 * for their duration; they return false when the object survived. */
/* Runs o.__del__() as CPython does when the last reference goes: what it
 * raises is reported ("Exception ignored in: ...") and dropped. */
static void run_del(VM *vm, Obj *o, Class *cls)
{
    VMThread *t = vm_thread(vm);
    Value saved = t->exc;
    bool fresh = t->exc_fresh;
    t->exc = VAL_NONE;
    Value fn = class_lookup(cls, vm->n.__del__);
    Value self = val_obj(o);
    Value r = IS_ERR(fn) ? VAL_NONE : vm_call(vm, fn, &self, 1, NULL);
    if (IS_ERR(r)) {
        Value exc = vm_take_exc(vm);
        if (vm->err) {
            Str *f = val_repr(vm, fn);
            if (vm->out)
                fflush(vm->out);
            fprintf(vm->err, "Exception ignored in: %s\n", f ? f->data : "?");
            obj_decref(f);
            if (vm_has_exc(vm))
                decref(vm_take_exc(vm));
            exc_print(vm, exc, vm->err);
        }
        decref(exc);
    } else {
        decref(r);
    }
    t->exc = saved;
    t->exc_fresh = fresh;
}

static bool destroy_contents(VM *vm, Obj *o)
{
    Class *cls = class_of_obj(o);
    switch (cls->layout) {
    case LAYOUT_OBJECT:
        if ((cls->slots & SLOT_DEL) && !cls->builtin && !vm->in_teardown &&
            !(o->flags & OF_FINALIZED)) {
            o->flags |= OF_FINALIZED;
            o->refs++;
            run_del(vm, o, cls);
            if (--o->refs > 0)
                return false; /* __del__ kept it alive */
        }
        destroy_dict_ptr(((Instance *)o)->dict);
        break;
    case LAYOUT_STR:
    case LAYOUT_BYTES:
    case LAYOUT_RANGE:
        break;
    case LAYOUT_LIST: {
        List *l = (List *)o;
        for (int64_t i = 0; i < l->len; i++)
            decref(l->items[i]);
        rt_free(l->items);
        break;
    }
    case LAYOUT_TUPLE: {
        Tuple *t = (Tuple *)o;
        for (int64_t i = 0; i < t->len; i++)
            decref(t->items[i]);
        break;
    }
    case LAYOUT_DICT:
        dict_clear_storage(vm, (Dict *)o);
        break;
    case LAYOUT_SET:
        set_clear_storage(vm, (Set *)o);
        break;
    case LAYOUT_SLICE: {
        Slice *s = (Slice *)o;
        decref(s->start);
        decref(s->stop);
        decref(s->step);
        break;
    }
    case LAYOUT_FUNCTION: {
        Function *f = (Function *)o;
        obj_decref(f->code);
        obj_decref(f->globals);
        obj_decref(f->defaults);
        obj_decref(f->kwdefaults);
        obj_decref(f->closure);
        obj_decref(f->name);
        obj_decref(f->qualname);
        obj_decref(f->dict);
        decref(f->doc);
        break;
    }
    case LAYOUT_NATIVE:
        decref(((Native *)o)->bound);
        break;
    case LAYOUT_BOUND:
        decref(((Bound *)o)->self);
        decref(((Bound *)o)->func);
        break;
    case LAYOUT_CLASS: {
        Class *c = (Class *)o;
        obj_decref(c->name);
        obj_decref(c->qualname);
        obj_decref(c->dict);
        if (c->base)
            obj_decref(c->base);
        break;
    }
    case LAYOUT_MODULE:
        obj_decref(((Module *)o)->name);
        obj_decref(((Module *)o)->dict);
        break;
    case LAYOUT_CELL:
        if (!IS_ERR(((Cell *)o)->v))
            decref(((Cell *)o)->v);
        break;
    case LAYOUT_CODE:
        code_destroy(vm, (Code *)o);
        break;
    case LAYOUT_EXC:
        exc_destroy(vm, (Exc *)o);
        break;
    case LAYOUT_CORO:
        return coro_destroy(vm, (Coro *)o);
    case LAYOUT_NCORO:
        return ncoro_destroy(vm, (NCoro *)o);
    case LAYOUT_PROPERTY:
        decref(((Property *)o)->fget);
        decref(((Property *)o)->fset);
        break;
    case LAYOUT_STATICMETHOD:
    case LAYOUT_CLASSMETHOD:
        decref(((Wrapper *)o)->func);
        break;
    case LAYOUT_ITER:
        iter_destroy(vm, o);
        break;
    case LAYOUT_TRACEBACK:
        break;
    case LAYOUT_FUTURE:
    case LAYOUT_TASK:
    case LAYOUT_LOOP:
    case LAYOUT_HANDLE:
    case LAYOUT_EXECUTOR:
    case LAYOUT_CFUTURE:
    case LAYOUT_TIMEOUT_CM:
    case LAYOUT_PRIMITIVE:
        return aio_destroy(vm, o);
    }
    return true;
}

static void destroy_now(VM *vm, Obj *o)
{
    if (destroy_contents(vm, o))
        obj_free_mem(vm, o);
}

/* The rt_type.destroy of every interpreter class. */
static void obj_destroy(Obj *o)
{
    VM *vm = class_of_obj(o)->vm;
    VMHeap *h = vm->heap;
    if (h->depth >= DESTROY_DEPTH_MAX) {
        if (h->ndeferred == h->capdeferred) {
            size_t cap = h->capdeferred ? h->capdeferred * 2 : 64;
            Obj **d = rt_realloc(h->deferred, cap * sizeof *d);
            if (d) {
                h->deferred = d;
                h->capdeferred = cap;
            }
        }
        if (h->ndeferred < h->capdeferred) {
            h->deferred[h->ndeferred++] = o;
            return;
        }
        /* Out of memory for the work list: recurse, as a last resort. */
    }
    h->depth++;
    destroy_now(vm, o);
    h->depth--;
    if (h->depth == 0) {
        h->depth++;
        while (h->ndeferred > 0)
            destroy_now(vm, h->deferred[--h->ndeferred]);
        h->depth--;
    }
}

/* Calls fn on every live object (teardown only). */
static void heap_foreach(VMHeap *h, void (*fn)(VM *, Obj *, void *), VM *vm,
                         void *data)
{
    for (Page *p = h->pages; p; p = p->next)
        for (size_t i = 0; i < p->nslots; i++) {
            Obj *o = (Obj *)(void *)(p->slots + i * p->slot_size);
            if (o->flags & OF_LIVE)
                fn(vm, o, data);
        }
    for (Big *b = h->big.next; b != &h->big;) {
        Big *next = b->next;
        fn(vm, (Obj *)(void *)b->align, data);
        b = next;
    }
}

static void pin(VM *vm, Obj *o, void *data)
{
    o->refs += 1u << 30;
}

/* Teardown releases contents in three rounds: ordinary objects first, then
 * loops (tasks unlink themselves from their loop while being released),
 * then executors. */
static void release_round(VM *vm, Obj *o, void *data)
{
    int round = *(int *)data;
    Layout l = class_of_obj(o)->layout;
    int want = l == LAYOUT_LOOP ? 1 : l == LAYOUT_EXECUTOR ? 2 : 0;
    if (want == round)
        destroy_contents(vm, o);
}

void vm_heap_teardown(VM *vm)
{
    VMHeap *h = vm->heap;
    if (!h)
        return;
    vm->in_teardown = true;
    heap_foreach(h, pin, vm, NULL);
    for (int round = 0; round < 3; round++)
        heap_foreach(h, release_round, vm, &round);
    while (h->pages) {
        Page *p = h->pages;
        h->pages = p->next;
        rt_free(p);
    }
    for (Big *b = h->big.next; b != &h->big;) {
        Big *next = b->next;
        rt_free(b);
        b = next;
    }
    rt_free(h->deferred);
    rt_free(h->ids);
    rt_free(h);
    vm->heap = NULL;
}

/* ------------------------------------------------------------------------ */
/* Classes                                                                  */
/* ------------------------------------------------------------------------ */

Class *class_of(VM *vm, Value v)
{
    switch (v.kind) {
    case VK_NONE:
        return vm->c.NoneType;
    case VK_INT:
        return vm->c.int_;
    case VK_BOOL:
        return vm->c.bool_;
    case VK_FLOAT:
        return vm->c.float_;
    case VK_ELLIPSIS:
        return vm->c.ellipsis;
    case VK_NOTIMPL:
        return vm->c.NotImplementedType;
    case VK_OBJ:
        return class_of_obj(AS_OBJ(v));
    default:
        return vm->c.NoneType;
    }
}

bool class_is_subclass(const Class *c, const Class *base)
{
    const Class *start = c;
    for (; c; c = c->base)
        if (c == base)
            return true;
    /* The one multiple inheritance of the built-in classes: ExceptionGroup
     * derives from BaseExceptionGroup and from Exception. */
    if (start && base == start->vm->c.Exception) {
        for (c = start; c; c = c->base)
            if (c == start->vm->c.ExceptionGroup)
                return true;
    }
    return false;
}

Class *class_new(VM *vm, const char *name, Class *base, Layout layout,
                 size_t size, const char *module)
{
    Class *type = vm->c.type;
    Class *c;
    if (type) {
        c = obj_alloc(vm, type, sizeof(Class));
        if (!c)
            return NULL;
    } else {
        /* Bootstrapping `type` itself: its header is fixed up later. */
        c = rt_calloc(1, sizeof(Class));
        if (!c)
            return NULL;
        c->hdr.refs = 1;
        c->hdr.flags = 0;
    }
    c->rtt.name = name;
    c->rtt.destroy = obj_destroy;
    c->vm = vm;
    c->base = base;
    if (base)
        obj_incref(base);
    c->layout = layout;
    c->instance_size = size;
    c->module = module;
    c->builtin = true;
    c->dict = vm->c.dict ? dict_new(vm) : NULL;
    c->name = vm->c.str ? str_from_cstr(vm, name) : NULL;
    if (c->name) {
        c->qualname = c->name;
        obj_incref(c->name);
    }
    if (base)
        c->slots = base->slots;
    return c;
}

Value class_lookup(Class *c, Str *name)
{
    for (; c; c = c->base) {
        if (!c->dict)
            continue;
        Value v = dict_get_str(c->dict, name);
        if (!IS_ERR(v))
            return v;
    }
    return VAL_ERR;
}

/* Which dunder methods a user class (or its bases) defines. */
void class_update_slots(VM *vm, Class *c)
{
    static const struct {
        size_t off;
        uint32_t bit;
    } table[] = {
#define SLOTNAME(n, b) {offsetof(VMNames, n), b}
        SLOTNAME(__init__, SLOT_INIT), SLOTNAME(__str__, SLOT_STR),
        SLOTNAME(__repr__, SLOT_REPR), SLOTNAME(__eq__, SLOT_EQ),
        SLOTNAME(__hash__, SLOT_HASH), SLOTNAME(__lt__, SLOT_LT),
        SLOTNAME(__len__, SLOT_LEN), SLOTNAME(__bool__, SLOT_BOOL),
        SLOTNAME(__getitem__, SLOT_GETITEM), SLOTNAME(__iter__, SLOT_ITER),
        SLOTNAME(__call__, SLOT_CALL), SLOTNAME(__getattr__, SLOT_GETATTR),
        SLOTNAME(__add__, SLOT_OPS), SLOTNAME(__sub__, SLOT_OPS),
        SLOTNAME(__mul__, SLOT_OPS), SLOTNAME(__truediv__, SLOT_OPS),
        SLOTNAME(__floordiv__, SLOT_OPS), SLOTNAME(__mod__, SLOT_OPS),
        SLOTNAME(__neg__, SLOT_OPS), SLOTNAME(__radd__, SLOT_OPS),
        SLOTNAME(__rsub__, SLOT_OPS), SLOTNAME(__rmul__, SLOT_OPS),
        SLOTNAME(__le__, SLOT_OPS), SLOTNAME(__gt__, SLOT_OPS),
        SLOTNAME(__ge__, SLOT_OPS), SLOTNAME(__ne__, SLOT_OPS),
        SLOTNAME(__contains__, SLOT_CONTAINS),
        SLOTNAME(__setitem__, SLOT_SETITEM), SLOTNAME(__next__, SLOT_NEXT),
        SLOTNAME(__del__, SLOT_DEL), SLOTNAME(__setattr__, SLOT_SETATTR),
#undef SLOTNAME
    };
    uint32_t slots = 0;
    for (Class *k = c; k && !k->builtin; k = k->base)
        for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
            Str *name = *(Str **)((char *)&vm->n + table[i].off);
            if (!IS_ERR(dict_get_str(k->dict, name)))
                slots |= table[i].bit;
        }
    c->slots = slots;
    c->version++;
    if (slots & SLOT_DEL)
        vm->has_del = true;
}

void obj_install_destroy(Class *c) { c->rtt.destroy = obj_destroy; }

Value native_new(VM *vm, const char *name, NativeFn fn, Value bound,
                 void *data)
{
    Native *n = obj_alloc(vm, vm->c.builtin_function, sizeof(Native));
    if (!n)
        return VAL_ERR;
    n->name = name;
    n->fn = fn;
    n->bound = bound;
    incref(bound);
    n->data = data;
    return val_obj(n);
}

void class_add_method(VM *vm, Class *c, const char *name, NativeFn fn)
{
    Value f = native_new(vm, name, fn, VAL_NONE, NULL);
    if (IS_ERR(f))
        return;
    ((Native *)AS_OBJ(f))->flags |= NF_METHOD;
    dict_set_cstr(vm, c->dict, name, f);
    decref(f);
}

void class_add_static(VM *vm, Class *c, const char *name, NativeFn fn)
{
    Value f = native_new(vm, name, fn, VAL_NONE, NULL);
    if (IS_ERR(f))
        return;
    dict_set_cstr(vm, c->dict, name, f);
    decref(f);
}
