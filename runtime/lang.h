/*
 * lang.h - the scenario interpreter's internal header: values, objects,
 * code, frames, the VM, and the functions its modules share.
 *
 * The interpreter runs a subset of Python 3.11 (shared/spec/LANGUAGE.md).
 * Its design follows CPython's where that decides observable behaviour
 * (reference counting, so finalisers such as "coroutine was never awaited"
 * run at the same moment; insertion-ordered dicts; exception chaining) and
 * clox/Lua where it only decides how the C reads (tagged values, one
 * dispatch loop, heap frames for coroutines).
 *
 * Conventions, as in CPython's C API:
 *   - A function returning Value returns a new reference, or VAL_ERR with
 *     the exception set in the thread (vm_raise*). Arguments are borrowed.
 *   - Functions returning int return 0 on success and -1 with an exception
 *     set on failure (or a documented boolean 0/1/-1).
 *   - Every object starts with rt_object (rt.h), so the runtime core and the
 *     interpreter share one reference count per object.
 *
 * Invariants:
 *   - A Value of kind VK_OBJ always points to a live object whose class is
 *     obj_class(o); its holder owns one reference.
 *   - Only one thread runs interpreter code at a time: the loop's thread or
 *     an executor worker holding the world's baton.
 *   - A coroutine's frame lives inside the coroutine object; a suspended
 *     await chain consists only of coroutine frames.
 */
#ifndef LOOPSCOPE_LANG_H
#define LOOPSCOPE_LANG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ast.h"
#include "rt.h"

/* ------------------------------------------------------------------------ */
/* Values                                                                   */
/* ------------------------------------------------------------------------ */

typedef rt_value Value;

enum {
    VK_NONE = RT_KIND_NONE,
    VK_INT = RT_KIND_INT,
    VK_BOOL = 2,
    VK_FLOAT = 3,
    VK_ELLIPSIS = 4,
    VK_NOTIMPL = 5,
    VK_ERR = 6,            /* "an exception is set": never stored */
    VK_OBJ = RT_KIND_OBJECT
};

#define VAL_NONE ((Value){VK_NONE, 0, {0}})
#define VAL_ERR ((Value){VK_ERR, 0, {0}})
#define VAL_TRUE ((Value){VK_BOOL, 0, {.i = 1}})
#define VAL_FALSE ((Value){VK_BOOL, 0, {.i = 0}})
#define VAL_ELLIPSIS ((Value){VK_ELLIPSIS, 0, {0}})
#define VAL_NOTIMPL ((Value){VK_NOTIMPL, 0, {0}})

#define IS_NONE(v) ((v).kind == VK_NONE)
#define IS_INT(v) ((v).kind == VK_INT)
#define IS_BOOL(v) ((v).kind == VK_BOOL)
#define IS_FLOAT(v) ((v).kind == VK_FLOAT)
#define IS_OBJ(v) ((v).kind == VK_OBJ)
#define IS_ERR(v) ((v).kind == VK_ERR)
#define AS_INT(v) ((v).u.i)
#define AS_FLOAT(v) ((v).u.f)
#define AS_OBJ(v) ((Obj *)(v).u.p)

static inline Value val_int(int64_t i)
{
    Value v = {VK_INT, 0, {.i = i}};
    return v;
}
static inline Value val_float(double f)
{
    Value v = {VK_FLOAT, 0, {.f = f}};
    return v;
}
static inline Value val_bool(bool b)
{
    Value v = {VK_BOOL, 0, {.i = b ? 1 : 0}};
    return v;
}

typedef rt_object Obj;

static inline Value val_obj(void *o)
{
    Value v = {VK_OBJ, 0, {.p = o}};
    return v;
}

/* incref/decref of a value; objects only. */
static inline void incref(Value v)
{
    if (v.kind == VK_OBJ)
        ((Obj *)v.u.p)->refs++;
}
static inline void decref(Value v)
{
    if (v.kind == VK_OBJ) {
        Obj *o = (Obj *)v.u.p;
        if (--o->refs == 0)
            o->type->destroy(o);
    }
}
static inline void obj_incref(void *o) { ((Obj *)o)->refs++; }
static inline void obj_decref(void *o)
{
    if (o) {
        Obj *x = (Obj *)o;
        if (--x->refs == 0)
            x->type->destroy(x);
    }
}
/* Replaces *slot with v (v's reference moves in), releasing the old one. */
static inline void val_set(Value *slot, Value v)
{
    Value old = *slot;
    *slot = v;
    decref(old);
}

/* ------------------------------------------------------------------------ */
/* Objects                                                                  */
/* ------------------------------------------------------------------------ */

typedef struct VM VM;
typedef struct VMThread VMThread;
typedef struct Class Class;
typedef struct Str Str;
typedef struct Bytes Bytes;
typedef struct List List;
typedef struct Tuple Tuple;
typedef struct Dict Dict;
typedef struct Code Code;
typedef struct Function Function;
typedef struct Frame Frame;
typedef struct Coro Coro;

/* How an object's memory is laid out; every class has one (inherited). */
#define LAYOUTS(X)                                                           \
    X(OBJECT) X(STR) X(BYTES) X(LIST) X(TUPLE) X(DICT) X(SET) X(RANGE)       \
    X(SLICE) X(FUNCTION) X(NATIVE) X(BOUND) X(CLASS) X(MODULE) X(CELL)       \
    X(CODE) X(EXC) X(CORO) X(NCORO) X(FUTURE) X(TASK) X(LOOP) X(HANDLE)      \
    X(EXECUTOR) X(CFUTURE) X(ITER) X(PROPERTY) X(STATICMETHOD)               \
    X(CLASSMETHOD) X(TRACEBACK) X(TIMEOUT_CM) X(PRIMITIVE)

typedef enum Layout {
#define LAYOUT_ENUM(n) LAYOUT_##n,
    LAYOUTS(LAYOUT_ENUM)
#undef LAYOUT_ENUM
} Layout;

/* Object header flag bits (rt_object.flags). */
enum {
    OF_INTERNED = 1u << 0,   /* a str in the intern table */
    OF_IMMORTAL = 1u << 1,   /* never freed before VM teardown */
    OF_FINALIZED = 1u << 2,  /* its finaliser already ran */
    OF_HAS_ID = 1u << 3,     /* has an identity serial (obj_identity) */
    OF_POOL_SHIFT = 24,      /* bits 24-28: the pool size class */
    OF_POOL_MASK = 0x1fu << 24,
    OF_BIG = 1u << 29,       /* allocated outside the pools */
    OF_LIVE = 1u << 30       /* set on every allocated object */
};

struct Str {
    Obj hdr;
    uint32_t hash;     /* 0: not computed yet */
    bool ascii;        /* every byte < 0x80: indexes are byte offsets */
    int64_t len;       /* bytes, excluding the NUL */
    int64_t cplen;     /* code points */
    char data[];       /* UTF-8, NUL-terminated */
};

struct Bytes {
    Obj hdr;
    int64_t len;
    unsigned char data[];
};

struct List {
    Obj hdr;
    Value *items;
    int64_t len, cap;
};

struct Tuple {
    Obj hdr;
    int64_t len;
    uint32_t hash;
    Value items[];
};

typedef struct DictEntry {
    Value key;          /* VK_ERR kind marks a deleted entry */
    Value value;
    uint64_t hash;
} DictEntry;

struct Dict {
    Obj hdr;
    DictEntry *entries; /* in insertion order, with holes */
    int64_t nentries;   /* used entry slots (live + deleted) */
    int64_t len;        /* live entries */
    int64_t cap;        /* entry capacity */
    int32_t *index;     /* hash table of entry indexes; -1 empty, -2 dummy */
    uint64_t mask;      /* index size - 1 */
    uint64_t version;   /* bumped on every change */
};

/* set: the same table as Dict, values unused. */
/* A slot of a set's table (set.c): empty when key is VAL_ERR and hash 0,
 * a deleted key's dummy when key is VAL_ERR and hash -1. */
typedef struct SetSlot {
    Value key;
    int64_t hash;
} SetSlot;

/* set and frozenset: CPython's table, so that iteration order is CPython's. */
typedef struct Set {
    Obj hdr;
    SetSlot *table;  /* mask + 1 slots, or NULL while nothing was added */
    int64_t mask;
    int64_t fill;    /* active and dummy slots */
    int64_t used;    /* active slots: the length */
    int64_t finger;  /* where pop() looks first */
    uint64_t stamp;  /* changes with every change of the table */
    int64_t *order;  /* slots in identity order (set.c), or NULL */
    int64_t norder;
    uint64_t order_stamp; /* the stamp when order was made */
    bool mixed;      /* some key was hashed by value */
    bool frozen;
} Set;

typedef struct Range {
    Obj hdr;
    int64_t start, stop, step, len;
} Range;

typedef struct Slice {
    Obj hdr;
    Value start, stop, step;
} Slice;

typedef struct Cell {
    Obj hdr;
    Value v; /* VK_ERR: empty */
} Cell;

/* A native (C) function or method. Arguments arrive vectorcall-style:
 * `args` holds nargs positional values, then one value per name in
 * `kwnames` (may be NULL). For methods, args[0] is self. */
typedef Value (*NativeFn)(VM *vm, Value *args, int nargs, Tuple *kwnames);

typedef struct Native {
    Obj hdr;
    const char *name;   /* static */
    NativeFn fn;
    Value bound;        /* for builtin methods bound to an object, or none */
    int flags;
    void *data;         /* borrowed: extra context for fn */
} Native;

enum { NF_METHOD = 1 }; /* prepend `bound` as args[0] */

typedef struct Bound {
    Obj hdr;
    Value self;
    Value func;
} Bound;

struct Class {
    Obj hdr;
    rt_type rtt;         /* instances' header type points here */
    VM *vm;              /* the VM the class belongs to */
    Str *name;
    Str *qualname;
    Class *base;         /* NULL only for object */
    Dict *dict;          /* attributes and methods */
    Layout layout;
    size_t instance_size;
    uint32_t slots;      /* SLOT_* bits: which dunders it defines */
    uint64_t version;    /* bumped when its dict or a base's dict changes */
    /* Creates an instance for a call of this class or a subclass (before
     * __init__); NULL: inherited from the base. */
    Value (*ctor)(VM *vm, Class *cls, Value *args, int nargs, Tuple *kw);
    bool builtin;        /* defined in C (not subclassable unless allowed) */
    bool subclassable;
    const char *module;  /* "builtins", "asyncio", "__main__"... */
};

/* Dunder methods a user class may define; cached as bits for speed. */
enum {
    SLOT_INIT = 1u << 0, SLOT_STR = 1u << 1, SLOT_REPR = 1u << 2,
    SLOT_EQ = 1u << 3, SLOT_HASH = 1u << 4, SLOT_LT = 1u << 5,
    SLOT_LEN = 1u << 6, SLOT_BOOL = 1u << 7, SLOT_GETITEM = 1u << 8,
    SLOT_ITER = 1u << 9, SLOT_CALL = 1u << 10, SLOT_GETATTR = 1u << 11,
    SLOT_ADD = 1u << 12, SLOT_CONTAINS = 1u << 13, SLOT_SETITEM = 1u << 14,
    SLOT_NEXT = 1u << 15, SLOT_OPS = 1u << 16, SLOT_DEL = 1u << 17,
    SLOT_SETATTR = 1u << 18,
};

typedef struct Instance {
    Obj hdr;
    Dict *dict;
} Instance;

typedef struct Module {
    Obj hdr;
    Str *name;
    Dict *dict;
} Module;

/* A traceback entry list: one per frame the exception passed. */
typedef struct TbEntry {
    Code *code;       /* owned */
    int line;
    Value keep;       /* owned: what a CPython frame would keep alive */
} TbEntry;

typedef struct Exc {
    Obj hdr;
    Dict *dict;        /* user attributes */
    Tuple *args;
    Value cause, context;
    bool suppress_context;
    bool traced;       /* exc.raise already reported */
    TbEntry *tb;
    int ntb, captb;
    Value notes;       /* unused unless add_note */
    Value suggestion;  /* NameError/AttributeError: "Did you mean" candidate
                          (a str), or the object whose dir() to search */
    bool suggest_obj;  /* suggestion holds the object, not the answer */
    Tuple *group;      /* BaseExceptionGroup: its sub-exceptions, else NULL */
} Exc;

/* A built-in iterator; its class says which kind (list_iterator, zip...).
 * `src` is what it walks, `extra` a second object (map's function...). */
typedef struct Iter {
    Obj hdr;
    Value src, extra;
    int64_t i, n;
} Iter;

typedef struct Property {
    Obj hdr;
    Value fget, fset;
} Property;

typedef struct Wrapper { /* staticmethod / classmethod */
    Obj hdr;
    Value func;
} Wrapper;

/* ------------------------------------------------------------------------ */
/* Code and frames                                                          */
/* ------------------------------------------------------------------------ */

/* Opcodes. Each instruction is one 32-bit word: the opcode in the low 8
 * bits, its argument in the high 24. Stack effects are in compiler.c. */
#define OPCODES(X)                                                           \
    X(NOP) X(POP_TOP) X(DUP_TOP) X(DUP_TOP_TWO) X(ROT_TWO) X(ROT_THREE)      \
    X(ROT_FOUR) X(PUSH_NULL)                                                 \
    X(LOAD_CONST) X(LOAD_FAST) X(STORE_FAST) X(DELETE_FAST)                  \
    X(LOAD_DEREF) X(STORE_DEREF) X(DELETE_DEREF) X(LOAD_CLOSURE)             \
    X(LOAD_GLOBAL) X(STORE_GLOBAL) X(DELETE_GLOBAL)                          \
    X(LOAD_NAME) X(STORE_NAME) X(DELETE_NAME)                                \
    X(LOAD_ATTR) X(STORE_ATTR) X(DELETE_ATTR) X(LOAD_METHOD)                 \
    X(BINARY_SUBSCR) X(STORE_SUBSCR) X(DELETE_SUBSCR) X(BUILD_SLICE)         \
    X(BINARY_OP) X(INPLACE_OP) X(UNARY_OP) X(COMPARE_OP) X(IS_OP)            \
    X(CONTAINS_OP) X(NOT)                                                    \
    X(BUILD_TUPLE) X(BUILD_LIST) X(BUILD_SET) X(BUILD_MAP) X(BUILD_STRING)   \
    X(BUILD_CONST_SET)                                                       \
    X(FORMAT_VALUE) X(LIST_APPEND) X(SET_ADD) X(MAP_ADD) X(LIST_EXTEND)      \
    X(SET_UPDATE) X(DICT_UPDATE) X(DICT_MERGE) X(LIST_TO_TUPLE)              \
    X(JUMP) X(POP_JUMP_IF_FALSE) X(POP_JUMP_IF_TRUE)                         \
    X(JUMP_IF_FALSE_OR_POP) X(JUMP_IF_TRUE_OR_POP) X(POP_JUMP_IF_NONE)       \
    X(GET_ITER) X(FOR_ITER)                                                  \
    X(MAKE_FUNCTION) X(KW_NAMES) X(CALL) X(CALL_FUNCTION_EX)                 \
    X(RETURN_VALUE) X(BUILD_CLASS)                                           \
    X(RAISE_VARARGS) X(RERAISE) X(PUSH_EXC_INFO) X(POP_EXCEPT)               \
    X(POP_EXCEPT_AND_RERAISE) X(CHECK_EXC_MATCH) X(LOAD_ASSERTION_ERROR)     \
    X(GET_AWAITABLE) X(AWAIT) X(GET_AITER) X(GET_ANEXT) X(END_ASYNC_FOR)     \
    X(YIELD_VALUE)                                                           \
    X(BEFORE_WITH) X(BEFORE_ASYNC_WITH) X(WITH_EXCEPT_START)                 \
    X(UNPACK_SEQUENCE) X(UNPACK_EX) X(IMPORT_NAME) X(IMPORT_FROM)            \
    X(EXC_CATCH_EVENT) X(CHECK_EG_MATCH) X(PREP_RERAISE_STAR)

typedef enum Opcode {
#define OP_ENUM(n) OP_##n,
    OPCODES(OP_ENUM)
#undef OP_ENUM
    OP__COUNT
} Opcode;

#define OP_OF(w) ((Opcode)((w) & 0xffu))
#define ARG_OF(w) ((w) >> 8)

/* One entry of a code object's exception table: an instruction range, where
 * to jump, and how deep the value stack must be there. */
typedef struct ExcRange {
    uint32_t start, end; /* [start, end) instruction indexes */
    uint32_t target;
    uint32_t depth;      /* stack depth at the handler (before push) */
} ExcRange;

enum {
    CO_ASYNC = 1, CO_VARARGS = 2, CO_VARKW = 4, CO_MODULE = 8,
    CO_CLASS = 16, CO_INTERNAL = 32, CO_LAMBDA = 64, CO_GENERATOR = 128
};

struct Code {
    Obj hdr;
    uint32_t *ops;       /* opcode in the low 8 bits, argument above */
    int32_t *lines;      /* source line of each instruction */
    int nops;
    Value *consts;
    int nconsts;
    Str **names;         /* attribute / global names */
    int nnames;
    Str **varnames;      /* locals: parameters first */
    int nlocals;
    int nparams;         /* positional parameters (incl. defaults) */
    int nkwonly;
    int ncells;          /* locals captured by inner functions */
    int *cell2local;     /* per cell: the local it mirrors, or -1 */
    Str **cellnames;
    int nfrees;          /* free variables (closure cells) */
    Str **freenames;
    int stacksize;
    ExcRange *exc;
    int nexc;
    int flags;           /* CO_* */
    int firstline;
    Str *name, *qualname, *filename;
    Value doc;           /* the docstring, or none */
    void *caches;        /* inline caches, see vm.c */
    int ncaches;
};

struct Function {
    Obj hdr;
    Code *code;
    Dict *globals;
    Tuple *defaults;     /* may be NULL */
    Dict *kwdefaults;    /* may be NULL */
    Tuple *closure;      /* cells, may be NULL */
    Str *name, *qualname;
    Dict *dict;          /* attributes, created on demand */
    Value doc;
    Class *owner;        /* the class whose body defined it (for super()) */
};

enum { FR_ENTRY = 1, FR_INIT = 2, FR_CORO = 4, FR_DISCARD = 8 };

/* A frame: one activation of a code object. Sync frames live on their
 * thread's frame stack; coroutine frames inside their Coro. */
struct Frame {
    Code *code;          /* owned */
    Function *func;      /* owned; NULL for module / class bodies */
    Dict *globals;       /* borrowed from func or module */
    Dict *ns;            /* module/class body namespace (owned), or NULL */
    uint32_t *ip;        /* next instruction */
    Value *sp;           /* value stack top (one past) */
    Frame *back;         /* the frame below in this thread, or NULL */
    Coro *coro;          /* the coroutine owning this frame, or NULL */
    Obj *init_self;      /* FR_INIT: the instance __init__ returns */
    int flags;
    uint32_t alloc;      /* bytes taken on the thread's frame stack */
    /* Then the slots: locals, then cells, then the value stack. */
};

/* A frame's slots follow it in memory (for a coroutine: its slotbuf). */
#define FRAME_SLOTS(f) ((Value *)(void *)((Frame *)(f) + 1))

enum { CORO_CREATED, CORO_RUNNING, CORO_SUSPENDED, CORO_DONE };
/* What a Coro is: frames that suspend, at an await or at a yield. */
enum { CORO_KIND_COROUTINE, CORO_KIND_GENERATOR, CORO_KIND_ASYNC_GEN };

struct Coro {
    Obj hdr;
    Function *func;      /* owned; its code's name is the coroutine's */
    uint8_t state;
    bool awaited;        /* somebody awaited or stepped it */
    bool internal;       /* from the asyncio prelude */
    uint8_t kind;        /* CORO_KIND_*: a coroutine or a generator */
    int origin_line;     /* where it was created (for warnings) */
    Value saved_handled; /* exception being handled when it suspended */
    Frame frame;
    Value slotbuf[];     /* FRAME_SLOTS(&frame) */
};

/* A native coroutine: a C state machine usable with `await`, e.g. sleep. */
typedef struct NCoro NCoro;
typedef rt_coro_status (*NCoroStep)(VM *vm, NCoro *c, rt_resume how,
                                    Value in, Value *out, rt_yield *y);
typedef struct NCoroKind {
    const char *name;    /* "sleep" */
    NCoroStep step;
} NCoroKind;

struct NCoro {
    Obj hdr;
    const NCoroKind *kind;
    uint8_t state;
    bool awaited;
    uint8_t phase;       /* the step's own progress, from 0 */
    int origin_line;
    Value a, b, c;       /* state: owned values */
    rt_handle *handle;   /* owned */
    double d;
};

/* ------------------------------------------------------------------------ */
/* Asyncio objects                                                          */
/* ------------------------------------------------------------------------ */

typedef struct LoopObj LoopObj;

/* Futures and tasks are the objects a scenario makes by the hundred
 * thousand: keep them small. The coroutine of a task is t.coro. */
typedef struct FutureObj {
    rt_future f;         /* header first: the rt_object */
    Dict *dict;
    LoopObj *lo;         /* owned: keeps f.loop alive */
    Str *label;          /* a label for events ("sleep(1)"), or NULL */
} FutureObj;

typedef struct TaskObj {
    rt_task t;
    Dict *dict;
    LoopObj *lo;         /* owned */
} TaskObj;

struct LoopObj {
    Obj hdr;
    rt_loop *loop;       /* owned */
    bool executor_shutdown_called;
    Value handler;       /* exception handler callable, or none */
    Value default_executor;
    bool debug;
    bool closed;
    double slow_callback_duration;
    int running_depth;
    Value io;            /* its simulated selector (prelude_streams.py),
                            once it did I/O; none after close */
};

typedef struct HandleObj {
    Obj hdr;
    rt_handle *h;        /* owned */
    bool timer;
} HandleObj;

typedef struct ExecutorObj {
    Obj hdr;
    rt_executor *ex;     /* owned */
    int max_workers;
    bool shutdown;
    Str *prefix;
} ExecutorObj;

/* ------------------------------------------------------------------------ */
/* Threads and the VM                                                       */
/* ------------------------------------------------------------------------ */

typedef struct StackChunk StackChunk;

/* sys.getrecursionlimit(): Python frames and nested C calls (the repr of
 * nested lists, == of nested tuples...) count against it together. */
#define RECURSION_LIMIT 1000

struct VMThread {
    VM *vm;
    Frame *frame;        /* innermost running frame */
    StackChunk *chunk;   /* frame stack for sync frames */
    StackChunk *spare;   /* a free chunk kept for reuse */
    Tuple *kwnames;      /* pending KW_NAMES for the next CALL */
    bool resuming;       /* the next AWAIT resumes a suspended chain */
    rt_resume resume_how;
    Value resume_value;  /* borrowed: what the resume sends or throws */
    Value yielded;       /* owned: what a generator's last yield gave */
    rt_yield *yield;     /* where a suspension reports what it awaits */
    Value exc;           /* the exception being raised (VAL_NONE if none) */
    bool exc_fresh;      /* exc still needs this frame's traceback line */
    Value handled;       /* the exception being handled (for __context__) */
    int depth;           /* frames + nested C calls, for RecursionError */
    rt_job *job;         /* the executor job when on a worker */
    int worker;          /* worker index, -1 on the loop thread */
    bool in_process;     /* a ProcessPoolExecutor's job (its own process) */
};

/* Interned names used by the interpreter itself. */
#define VM_NAMES(X)                                                          \
    X(__init__, "__init__") X(__str__, "__str__") X(__repr__, "__repr__") \
    X(__eq__, "__eq__") X(__ne__, "__ne__") X(__hash__, "__hash__") \
    X(__lt__, "__lt__") X(__le__, "__le__") X(__gt__, "__gt__") \
    X(__ge__, "__ge__") X(__len__, "__len__") X(__bool__, "__bool__") \
    X(__getitem__, "__getitem__") X(__setitem__, "__setitem__") X(__iter__, "__iter__") \
    X(__next__, "__next__") X(__call__, "__call__") X(__getattr__, "__getattr__") \
    X(__setattr__, "__setattr__") \
    X(__add__, "__add__") X(__contains__, "__contains__") X(__aenter__, "__aenter__") \
    X(__aexit__, "__aexit__") X(__aiter__, "__aiter__") X(__anext__, "__anext__") \
    X(__enter__, "__enter__") X(__exit__, "__exit__") X(__name__, "__name__") \
    X(__qualname__, "__qualname__") X(__module__, "__module__") X(__doc__, "__doc__") \
    X(__class__, "__class__") X(__dict__, "__dict__") X(__main__, "__main__") \
    X(__builtins__, "__builtins__") X(__file__, "__file__") X(__del__, "__del__") \
    X(__sub__, "__sub__") X(__mul__, "__mul__") X(__truediv__, "__truediv__") \
    X(__floordiv__, "__floordiv__") X(__mod__, "__mod__") X(__neg__, "__neg__") \
    X(__radd__, "__radd__") X(__rsub__, "__rsub__") X(__rmul__, "__rmul__") \
    X(__delitem__, "__delitem__") X(args, "args") X(message, "message") \
    X(exception, "exception") X(future, "future") X(task, "task") \
    X(handle, "handle") X(sep, "sep") X(end, "end") \
    X(file, "file") X(flush, "flush") X(key, "key") \
    X(reverse, "reverse") X(default_, "default") X(name, "name") \
    X(loop, "loop") X(result, "result") X(return_exceptions, "return_exceptions") \
    X(debug, "debug") X(start, "start") X(context, "context") \
    X(msg, "msg") X(max_workers, "max_workers") X(thread_name_prefix, "thread_name_prefix") \
    X(wait, "wait") X(cancel_futures, "cancel_futures") X(timeout, "timeout") \
    X(return_when, "return_when") X(strict, "strict") X(__cause__, "__cause__") \
    X(__context__, "__context__") X(__traceback__, "__traceback__") X(__suppress_context__, "__suppress_context__") \
    X(stdout_, "stdout") X(stderr_, "stderr") X(encoding, "encoding") \
    X(errors, "errors") X(__aexit_placeholder__, "__aexit_placeholder__") X(__set_name__, "__set_name__") \
    X(__init_subclass__, "__init_subclass__") X(errno_, "errno") X(strerror, "strerror") \
    X(filename, "filename")

typedef struct VMNames {
#define VM_NAME_FIELD(f, n) Str *f;
    VM_NAMES(VM_NAME_FIELD)
#undef VM_NAME_FIELD
} VMNames;

/* The built-in classes. */
#define VM_CLASSES(X)                                                        \
    X(object, "object") X(type, "type") X(NoneType, "NoneType") \
    X(int_, "int") X(bool_, "bool") X(float_, "float") \
    X(str, "str") X(bytes, "bytes") X(list, "list") \
    X(tuple, "tuple") X(dict, "dict") X(set, "set") \
    X(frozenset, "frozenset") X(range, "range") X(slice, "slice") \
    X(function, "function") X(builtin_function, "builtin_function") X(method, "method") \
    X(module, "module") X(cell, "cell") X(code, "code") \
    X(coroutine, "coroutine") X(generator, "generator") X(async_generator, "async_generator") X(ncoroutine, "ncoroutine") X(ellipsis, "ellipsis") \
    X(NotImplementedType, "NotImplementedType") X(property, "property") X(staticmethod, "staticmethod") \
    X(classmethod, "classmethod") X(traceback, "traceback") X(list_iterator, "list_iterator") \
    X(tuple_iterator, "tuple_iterator") X(range_iterator, "range_iterator") X(str_iterator, "str_iterator") \
    X(dict_keyiterator, "dict_keyiterator") X(dict_valueiterator, "dict_valueiterator") X(dict_itemiterator, "dict_itemiterator") \
    X(dict_keys, "dict_keys") X(dict_values, "dict_values") X(dict_items, "dict_items") \
    X(enumerate, "enumerate") X(zip, "zip") X(reversed, "reversed") \
    X(map, "map") X(filter, "filter") X(set_iterator, "set_iterator") \
    X(bytes_iterator, "bytes_iterator") X(callable_iterator, "callable_iterator") X(super, "super") \
    X(TextIO, "TextIOWrapper") X(BaseException, "BaseException") \
    X(Exception, "Exception") X(ArithmeticError, "ArithmeticError") X(LookupError, "LookupError") \
    X(ValueError, "ValueError") X(TypeError, "TypeError") X(RuntimeError, "RuntimeError") \
    X(KeyError, "KeyError") X(IndexError, "IndexError") X(ZeroDivisionError, "ZeroDivisionError") \
    X(OverflowError, "OverflowError") X(AttributeError, "AttributeError") X(NameError, "NameError") \
    X(UnboundLocalError, "UnboundLocalError") X(AssertionError, "AssertionError") X(TimeoutError, "TimeoutError") \
    X(OSError, "OSError") X(RecursionError, "RecursionError") X(NotImplementedError, "NotImplementedError") \
    X(KeyboardInterrupt, "KeyboardInterrupt") X(SystemExit, "SystemExit") X(StopIteration, "StopIteration") \
    X(StopAsyncIteration, "StopAsyncIteration") X(GeneratorExit, "GeneratorExit") X(UnicodeError, "UnicodeError") \
    X(UnicodeDecodeError, "UnicodeDecodeError") X(UnicodeEncodeError, "UnicodeEncodeError") X(ImportError, "ImportError") \
    X(ModuleNotFoundError, "ModuleNotFoundError") X(MemoryError, "MemoryError") X(SyntaxError, "SyntaxError") \
    X(FloatingPointError, "FloatingPointError") X(ConnectionError, "ConnectionError") X(BrokenPipeError, "BrokenPipeError") \
    X(ConnectionResetError, "ConnectionResetError") X(ExceptionGroup, "ExceptionGroup") X(BaseExceptionGroup, "BaseExceptionGroup") \
    X(ConnectionRefusedError, "ConnectionRefusedError") X(ConnectionAbortedError, "ConnectionAbortedError") \
    X(FileNotFoundError, "FileNotFoundError") X(FileExistsError, "FileExistsError") X(PermissionError, "PermissionError") \
    X(ProcessLookupError, "ProcessLookupError") X(ChildProcessError, "ChildProcessError") X(BlockingIOError, "BlockingIOError") \
    X(InterruptedError, "InterruptedError") X(EOFError, "EOFError") \
    X(Warning, "Warning") X(RuntimeWarning, "RuntimeWarning") X(DeprecationWarning, "DeprecationWarning") \
    X(UserWarning, "UserWarning") X(CancelledError, "CancelledError") X(InvalidStateError, "InvalidStateError") \
    X(IncompleteReadError, "IncompleteReadError") X(LimitOverrunError, "LimitOverrunError") X(QueueEmpty, "QueueEmpty") \
    X(QueueFull, "QueueFull") X(BrokenBarrierError, "BrokenBarrierError") \
    X(BrokenExecutor, "BrokenExecutor") X(CFCancelledError, "CFCancelledError") \
    X(CFTimeoutError, "CFTimeoutError") X(Future, "Future") X(Task, "Task") \
    X(EventLoop, "EventLoop") X(Handle, "Handle") X(TimerHandle, "TimerHandle") \
    X(ThreadPoolExecutor, "ThreadPoolExecutor") X(CFuture, "CFuture")

typedef struct VMClasses {
#define VM_CLASS_FIELD(f, n) Class *f;
    VM_CLASSES(VM_CLASS_FIELD)
#undef VM_CLASS_FIELD
} VMClasses;

/* Where output goes: stdout/stderr of the process, and/or captured. */
typedef struct VMOutput {
    FILE *out, *err;     /* NULL: discard */
} VMOutput;

typedef struct VMConfig {
    const char *filename;   /* the scenario path, for messages */
    bool real_time;
    rt_event_hook hook;
    void *hook_data;
    FILE *out, *err;        /* where print goes (default stdout/stderr) */
} VMConfig;

struct VM {
    rt_world *world;
    VMThread *main;         /* the loop's thread */
    VMNames n;
    VMClasses c;
    Dict *builtins;
    Dict *modules;          /* name -> Module */
    Dict *debug_origins;    /* debug mode: object address -> "file:line" */
    unsigned extended;    /* the C modules whose Python half has run */
    bool has_del;         /* a class defines __del__ (finalize at exit) */
    bool finalizing;      /* clearing __main__ at exit (interp.c) */
    Class *c_process_pool;      /* concurrent.futures.ProcessPoolExecutor */
    int process_executor_counter;
    /* Async generators started and alive (borrowed: a generator leaves
     * when it is freed), for loop.shutdown_asyncgens(). */
    Coro **agens;
    size_t nagens, capagens;
    bool streams_pending;   /* asyncio's streams half is not loaded yet */
    Dict *interned;         /* str -> str */
    Module *main_module;
    Value running_loop;     /* the LoopObj running now, or none */
    Value event_loop;       /* the policy's current loop (get_event_loop) */
    Value asyncio;          /* the asyncio module, once imported */
    Str *empty_str;
    Tuple *empty_tuple;
    Str *char_strs[128];    /* one-character ASCII strings */
    const char *filename;
    const char *source;     /* the scenario's text, for tracebacks */
    size_t source_len;
    FILE *out, *err;
    bool tracing;
    uint32_t mt[624];       /* the Mersenne Twister of `random` */
    int mti;
    int exit_status;        /* set by the run */
    bool in_teardown;
    uint32_t warned_lines[64]; /* warnings shown once per location */
    int nwarned;
    struct VMHeap *heap;
    int repr_depth;         /* nesting of repr() of containers */
    Obj *repr_stack[64];    /* containers being repr'd (cycle guard) */
    Value memory_error;     /* a preallocated MemoryError */
    const char *display_filename; /* the scenario path in tracebacks */
    bool event_loop_set;    /* set_event_loop was called (policy state) */
    bool aborting;          /* a deadlock ends the run: no handlers run */
    bool pending_exit;      /* a callback raised SystemExit/KeyboardInterrupt */
    struct {
        rt_job *job;
        VMThread *thread;
    } jobs[256];            /* interpreter threads of running jobs */
    int njobs;
    ExecutorObj *executors[64]; /* live executors (borrowed) */
    int nexecutors;
    int executor_counter;   /* ThreadPoolExecutor-N names */
    int block_line;         /* where time.sleep blocks the loop */
    const char *block_func;
    Class *c_job;           /* the hidden class of executor jobs */
    rt_scenario_probe *probe; /* where the run is, for other threads */
    uint64_t dict_versions; /* the last dict version handed out */
    struct ArgSpec *argspecs; /* parsed argument specs of natives (256) */
    Value last_exc;         /* the uncaught exception, kept to the end as
                               Python keeps sys.last_value (and with it
                               whatever its traceback holds) */
};

/* Creating and destroying an interpreter (interp.c). */
VM *vm_new(const VMConfig *cfg);
void vm_free(VM *vm);

/* ------------------------------------------------------------------------ */
/* object.c: allocation, lifetime, classes                                  */
/* ------------------------------------------------------------------------ */

/* Allocates a zeroed object of `size` bytes of class `cls` with one
 * reference; NULL with MemoryError set on failure. */
void *obj_alloc(VM *vm, Class *cls, size_t size);
/* Frees the memory of an object whose contents were already released. */
void obj_free_mem(VM *vm, Obj *o);
/* The stable identity of o (what id() returns and reprs show as its
 * address): the same on every run. False when out of memory. */
bool obj_identity(VM *vm, Obj *o, uint64_t *out);

static inline Class *class_of_obj(const Obj *o)
{
    return (Class *)((char *)o->type - offsetof(Class, rtt));
}
Class *class_of(VM *vm, Value v);
bool class_is_subclass(const Class *c, const Class *base);
static inline bool is_instance(VM *vm, Value v, Class *c)
{
    return class_is_subclass(class_of(vm, v), c);
}
static inline Layout layout_of(Value v)
{
    return class_of_obj(AS_OBJ(v))->layout;
}
#define IS_LAYOUT(v, L) (IS_OBJ(v) && layout_of(v) == LAYOUT_##L)
#define IS_STR(v) IS_LAYOUT(v, STR)
#define IS_LIST(v) IS_LAYOUT(v, LIST)
#define IS_TUPLE(v) IS_LAYOUT(v, TUPLE)
#define IS_DICT(v) IS_LAYOUT(v, DICT)
#define AS_STR(v) ((Str *)(v).u.p)
#define AS_LIST(v) ((List *)(v).u.p)
#define AS_TUPLE(v) ((Tuple *)(v).u.p)
#define AS_DICT(v) ((Dict *)(v).u.p)

/* Creates a class. `base` may be NULL (object). */
Class *class_new(VM *vm, const char *name, Class *base, Layout layout,
                 size_t size, const char *module);
/* Looks a name up through the class and its bases; borrowed, or VAL_ERR
 * (no exception set) when absent. */
Value class_lookup(Class *c, Str *name);
void class_update_slots(VM *vm, Class *c);
/* Adds a native method to a builtin class. */
void class_add_method(VM *vm, Class *c, const char *name, NativeFn fn);
void class_add_static(VM *vm, Class *c, const char *name, NativeFn fn);

Value native_new(VM *vm, const char *name, NativeFn fn, Value bound,
                 void *data);
/* Gives a class made by hand (bootstrapping) the shared destroy. */
void obj_install_destroy(Class *c);

/* Heap setup and teardown (frees every object still alive). */
int vm_heap_init(VM *vm);
void vm_heap_teardown(VM *vm);

/* Release what an object of each complex layout holds (object.c calls
 * them from obj_destroy). The bool ones return false when a finaliser
 * resurrected the object. */
void dict_clear_storage(VM *vm, Dict *d);
void code_destroy(VM *vm, Code *c);
void exc_destroy(VM *vm, Exc *e);
bool coro_destroy(VM *vm, Coro *c);
bool ncoro_destroy(VM *vm, NCoro *c);
void iter_destroy(VM *vm, Obj *o);
bool aio_destroy(VM *vm, Obj *o);

/* ------------------------------------------------------------------------ */
/* Strings, containers (str.c, list.c, dict.c)                              */
/* ------------------------------------------------------------------------ */

Str *str_new(VM *vm, const char *s, size_t len);
Str *str_from_cstr(VM *vm, const char *s);
/* Decimal text of an integer into buf; returns its length. */
int int_to_text(int64_t v, char buf[24]);
Str *str_from_int(VM *vm, int64_t v);
Str *str_fmt(VM *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
Str *str_vfmt(VM *vm, const char *fmt, va_list ap);
Str *str_intern(VM *vm, Str *s);           /* steals s, returns interned */
Str *str_intern_cstr(VM *vm, const char *s); /* borrowed, immortal */
uint32_t str_hash(Str *s);
bool str_eq(const Str *a, const Str *b);
bool str_eq_cstr(const Str *a, const char *s);
Str *str_concat(VM *vm, Str *a, Str *b);
Str *str_substr(VM *vm, Str *s, int64_t i, int64_t j); /* code points [i, j) */
/* Byte offset of code point index i in s (s may be non-ASCII). */
int64_t str_offset(const Str *s, int64_t i);
Value str_getitem(VM *vm, Str *s, Value index);
void str_init_methods(VM *vm);

Bytes *bytes_new(VM *vm, const void *data, size_t len);
/* find, join, split, strip, upper... (bytes.c). */
void bytes_init_methods(VM *vm);

/* A growable byte buffer for building strings. */
typedef struct SBuf {
    char *data;
    size_t len, cap;
    bool failed;
} SBuf;
/* Ends a default repr with " at 0x...>" (ops.c). */
int repr_add_address(VM *vm, SBuf *b, Obj *o);
Value object_setattr(VM *vm, Value *args, int nargs, Tuple *kw);
void sb_init(SBuf *b);
void sb_free(SBuf *b);
void sb_add(SBuf *b, const char *s, size_t n);
void sb_addc(SBuf *b, char c);
void sb_adds(SBuf *b, const char *s);
void sb_addf(SBuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_addstr(SBuf *b, const Str *s);
/* Turns the buffer into a str (frees the buffer); NULL + MemoryError. */
Str *sb_finish(VM *vm, SBuf *b);

List *list_new(VM *vm, int64_t cap);
int list_append(VM *vm, List *l, Value v);       /* borrows v */
int list_append_steal(VM *vm, List *l, Value v); /* steals v */
void list_init_methods(VM *vm);
int list_sort(VM *vm, List *l, Value key, bool reverse);

Tuple *tuple_new(VM *vm, int64_t len);           /* items none */
Tuple *tuple_pack(VM *vm, int n, ...);           /* borrows */
void tuple_init_methods(VM *vm);
Value iter_new(VM *vm, Class *cls, Value src, Value extra, int64_t i,
               int64_t n);

Dict *dict_new(VM *vm);
/* Looks up key: returns a borrowed value, or VAL_ERR with *found = false
 * (no exception) when absent; VAL_ERR with an exception set on error
 * (unhashable key, failing __eq__): check vm_has_exc. */
Value dict_get(VM *vm, Dict *d, Value key);
Value dict_get_str(Dict *d, Str *key);           /* interned fast path */
Value dict_get_cstr(VM *vm, Dict *d, const char *key);
int dict_set(VM *vm, Dict *d, Value key, Value value);  /* borrows both */
int dict_set_str(VM *vm, Dict *d, Str *key, Value value);
int dict_set_cstr(VM *vm, Dict *d, const char *key, Value value);
/* Removes key; 1 removed, 0 absent, -1 error. *out (may be NULL) gets the
 * removed value (new reference). */
int dict_del(VM *vm, Dict *d, Value key, Value *out);
int dict_next(Dict *d, int64_t *pos, Value *key, Value *value); /* borrowed */
int dict_update_from(VM *vm, Dict *d, Value other);
void dict_init_methods(VM *vm);
Dict *dict_copy(VM *vm, Dict *d);

Set *set_new(VM *vm, bool frozen);
int set_add(VM *vm, Set *s, Value key);
int set_contains(VM *vm, Set *s, Value key);
int set_discard(VM *vm, Set *s, Value key); /* 1 removed, 0 absent, -1 */
bool set_next(Set *s, int64_t *pos, Value *key); /* borrowed key */
void set_clear_storage(VM *vm, Set *s);
int set_update_from(VM *vm, Set *s, Value iterable);
Value set_binop(VM *vm, Value a, Value b, char op, bool inplace);
int set_compare(VM *vm, Value a, Value b, ast_op op, bool *out);
int64_t set_py_hash(const Set *s);
Set *set_from_constants(VM *vm, Value *items, int n);
/* hash() as CPython computes it, for set order: exact for numbers and
 * tuples, stable (not CPython's) for str and objects. Returns 1 when the
 * hash is the object's identity, 0 for a value's hash, -1 on error. */
int val_py_hash(VM *vm, Value v, int64_t *out);
/* a | b, a & b, a - b, a ^ b for sets (op is the operator character). */
void set_init_methods(VM *vm);

/* ------------------------------------------------------------------------ */
/* Generic operations (ops.c)                                               */
/* ------------------------------------------------------------------------ */

Str *val_str(VM *vm, Value v);              /* str(v) */
void float_repr_into(SBuf *b, double d);
Value str_percent(VM *vm, Str *fmt, Value args);
/* repr of the asyncio objects (mod_asyncio.c). */
int aio_repr_into(VM *vm, SBuf *b, Value v);
Str *val_repr(VM *vm, Value v);             /* repr(v) */
/* Appends repr/str to a buffer; -1 on error. */
int val_repr_into(VM *vm, SBuf *b, Value v);
int val_str_into(VM *vm, SBuf *b, Value v);
int val_truthy(VM *vm, Value v);            /* 1, 0, or -1 */
bool val_callable(VM *vm, Value v);          /* callable(v) */

/* Compares two values for `is`. */
static inline bool val_is(Value a, Value b)
{
    if (a.kind != b.kind)
        return false;
    switch (a.kind) {
    case VK_NONE: case VK_ELLIPSIS: case VK_NOTIMPL:
        return true;
    case VK_FLOAT:
        return memcmp(&a.u.f, &b.u.f, sizeof(double)) == 0;
    default:
        return a.u.i == b.u.i;
    }
}
int val_hash(VM *vm, Value v, uint64_t *out);
int val_eq(VM *vm, Value a, Value b);       /* 1, 0, or -1 */
Value val_compare(VM *vm, Value a, Value b, ast_op op);
int val_lt(VM *vm, Value a, Value b);       /* 1, 0, -1 */
Value val_binop(VM *vm, ast_op op, Value a, Value b, bool inplace);
Value val_unary(VM *vm, ast_op op, Value v);
int val_contains(VM *vm, Value container, Value item); /* 1, 0, -1 */
Value val_getattr(VM *vm, Value obj, Str *name);
/* As val_getattr, but returns VAL_ERR without an exception when absent. */
Value val_getattr_opt(VM *vm, Value obj, Str *name);
int val_setattr(VM *vm, Value obj, Str *name, Value v);
int val_delattr(VM *vm, Value obj, Str *name);
Value val_getitem(VM *vm, Value obj, Value key);
int val_setitem(VM *vm, Value obj, Value key, Value v);
int val_delitem(VM *vm, Value obj, Value key);
Value val_iter(VM *vm, Value obj);
/* Next item: 1 got one (*out new ref), 0 exhausted, -1 error. */
int val_next(VM *vm, Value it, Value *out);
int64_t val_len(VM *vm, Value v);           /* -1 on error */
const char *type_name(VM *vm, Value v);
/* Index normalisation for sequences: -1 with IndexError set. */
int seq_index(VM *vm, Value idx, int64_t len, int64_t *out, const char *what);
int slice_indices(VM *vm, Slice *s, int64_t len, int64_t *start,
                  int64_t *stop, int64_t *step, int64_t *count);
/* Collects any iterable into a new list. */
List *val_to_list(VM *vm, Value iterable);
Value val_format(VM *vm, Value v, Str *spec);   /* format(v, spec) */
/* Attribute lookup through a super() object. */
Value super_getattr(VM *vm, Value sup, Str *name);

/* ------------------------------------------------------------------------ */
/* Errors (exc.c)                                                           */
/* ------------------------------------------------------------------------ */

/* Sets the current exception of the running thread; returns VAL_ERR. */
Value vm_raise(VM *vm, Value exc);
Value vm_raise_new(VM *vm, Class *cls, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
Value vm_raise_str(VM *vm, Class *cls, Str *msg);
Value vm_raise_nomem(VM *vm);
/* KeyError(key) with repr-style message. */
Value vm_raise_key(VM *vm, Value key);
bool vm_has_exc(VM *vm);
/* Takes the current exception (new reference), clearing it. */
Value vm_take_exc(VM *vm);
bool vm_exc_matches(VM *vm, Class *cls);
/* Raises an exception that already travelled (re-raise): no new
 * traceback line for the current frame. Steals exc. */
void vm_reraise(VM *vm, Value exc);
/* Raises the exception of an awaited future in the awaiting frame. */
void vm_raise_awaited(VM *vm, Value exc, rt_future *fut);
/* `raise X`: X may be a class (instantiated) or an instance. */
Value exc_from_raise_operand(VM *vm, Value v);
int exc_set_cause(VM *vm, Value exc, Value cause);
/* except X: does exc match X (a class or tuple of classes)? 1/0/-1. */
int exc_matches_spec(VM *vm, Value exc, Value spec);
/* exc.__traceback__: traceback objects (tb_lineno, tb_next, tb_frame as
 * None), outermost frame first, made on demand; none before it was
 * raised. */
Value exc_traceback(VM *vm, Exc *e);
/* except*: splits exc by the clause's type into *match (a group, or none)
 * and *rest (what is left: a group, the naked exception, or none). */
int exc_star_match(VM *vm, Value exc, Value type, Value *match, Value *rest);
/* The end of a try/except*: what to raise, from the original exception and
 * the list of what the clauses raised plus the final rest (none entries
 * ignored); none when everything was handled. */
Value exc_star_reraise(VM *vm, Value orig, List *raised);
/* Keeps a value alive with the exception's newest traceback entry. */
void exc_set_keep(VM *vm, Exc *e, Value keep);
/* NameError for `name` at the running frame, remembering the closest
 * visible name for the traceback's "Did you mean: ...?". */
Value vm_raise_name_error(VM *vm, Str *name, Frame *f);
/* AttributeError "'T' object has no attribute 'x'" remembering obj. */
Value vm_raise_attribute_error(VM *vm, Value obj, Str *name,
                               const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* OSError's constructor, attributes and str() (exc.c): see there. */
Class *exc_oserror_subclass(VM *vm, int64_t err);
Value exc_oserror_new(VM *vm, Class *cls, Value *args, int npos);
Value exc_oserror_attr(VM *vm, Exc *e, Str *name);
int exc_oserror_str(VM *vm, Exc *e, SBuf *b);
/* Creates an exception instance: cls(*args). */
Value exc_new(VM *vm, Class *cls, Tuple *args);
Value exc_new_msg(VM *vm, Class *cls, const char *msg);
void exc_add_tb(VM *vm, Exc *e, Code *code, int line, Value keep);
/* Prints "Traceback (most recent call last): ... Type: message" with the
 * cause/context chain, as CPython does. */
void exc_print(VM *vm, Value exc, FILE *out);
/* "Type: message" / "Type" (the last line of a traceback). */
Str *exc_format_last_line(VM *vm, Value exc);
void exc_init_classes(VM *vm);

/* ------------------------------------------------------------------------ */
/* The compiler (compiler.c) and the VM (vm.c)                              */
/* ------------------------------------------------------------------------ */

/* Compiles a module; NULL with errors in diags (or MemoryError set). */
Code *compile_module(VM *vm, ast_node *mod, const char *filename,
                     rt_diags *diags, bool internal);
/* Prints the bytecode of a code object and its nested ones (debugging). */
void code_disassemble(Code *co, FILE *out);

/* Calls any callable with positional args and optional keywords
 * (vectorcall layout). New reference or VAL_ERR. */
Value vm_call(VM *vm, Value callable, Value *args, int nargs, Tuple *kwnames);
Value vm_call0(VM *vm, Value callable);
Value vm_call1(VM *vm, Value callable, Value a);
Value vm_call2(VM *vm, Value callable, Value a, Value b);
/* Calls method `name` on obj. */
Value vm_call_method(VM *vm, Value obj, Str *name, Value *args, int nargs);
/* Runs a module code object in a fresh namespace dict (module). */
Value vm_run_module(VM *vm, Code *code, Module *mod);

/* Instance creation for a class call (before __init__). */
Value class_construct(VM *vm, Class *cls, Value *args, int nargs,
                      Tuple *kwnames);
/* await / async for / with support (ops.c). */
Value vm_get_awaitable(VM *vm, Value v);
Value vm_get_aiter(VM *vm, Value v);
Value vm_get_anext(VM *vm, Value v);
int vm_before_with(VM *vm, Value mgr, bool is_async, Value *exit_fn,
                   Value *enter_res);
/* The interpreter thread of an executor job (mod_asyncio.c). */
VMThread *vm_worker_thread(VM *vm, rt_job *job);
int vm_frame_line(Frame *f);

/* Coroutine support. */
extern const rt_coro_class vm_coro_class;
Value coro_new(VM *vm, Function *fn);
/* Resumes a coroutine (VM or native) as a task step would. */
rt_coro_status vm_coro_resume(VM *vm, Value coro, rt_resume how, Value in,
                              Value *out, rt_yield *y);
NCoro *ncoro_new(VM *vm, const NCoroKind *kind);
/* Reports "coroutine 'x' was never awaited" as CPython does. */
void coro_warn_never_awaited(VM *vm, const char *name, int line);
void vm_install_coro_methods(VM *vm);
/* next(generator): 1 and *out, 0 when it is exhausted, -1 on error. */
int vm_gen_next(VM *vm, Coro *c, Value *out);
/* next(generator) with its StopIteration(value) at the end. */
Value vm_gen_send(VM *vm, Coro *c, Value value);
/* Takes the list of async generators started and not finished. */
List *vm_take_agens(VM *vm);
static inline bool is_generator(Value v)
{
    return IS_LAYOUT(v, CORO) &&
           ((Coro *)AS_OBJ(v))->kind == CORO_KIND_GENERATOR;
}
static inline bool is_async_generator(Value v)
{
    return IS_LAYOUT(v, CORO) &&
           ((Coro *)AS_OBJ(v))->kind == CORO_KIND_ASYNC_GEN;
}

/* The thread running now (loop thread or a worker). */
VMThread *vm_thread(VM *vm);
VMThread *vmthread_new(VM *vm, rt_job *job, int worker);
void vmthread_free(VMThread *t);
/* Line of the innermost frame of the current thread (0 when none). */
int vm_current_line(VM *vm, const char **func);
/* The current task id, for events (0 when none). */
uint64_t vm_current_task_id(VM *vm);

/* Warnings to stderr, CPython style. */
void vm_warn(VM *vm, Class *category, const char *msg, int line);

/* Emits an event if tracing. */
void vm_emit(VM *vm, rt_event *ev);

/* ------------------------------------------------------------------------ */
/* Builtins and modules                                                     */
/* ------------------------------------------------------------------------ */

void builtins_init(VM *vm);
Value vm_import(VM *vm, Str *name);            /* module object or error */
/* dir(obj): the sorted names of its attributes. */
Value vm_dir(VM *vm, Value v);
Module *module_new(VM *vm, const char *name);
void mod_time_init(VM *vm);
/* asyncio glue (mod_asyncio.c). */
Value aio_get_event_loop(VM *vm, bool warn);
/* `origin`: where debug mode says it was created (NULL: the scenario's
 * line running now). */
Value aio_task_create(VM *vm, LoopObj *lo, Value coro, Value name,
                      const char *origin);
/* loop.set_debug(on); also after a change of slow_callback_duration. */
void aio_set_debug(LoopObj *lo, bool on);
/* loop.create_future() with a role and a label for events ("readline"). */
Value aio_future_new(VM *vm, LoopObj *lo, rt_future_role role, Str *label);
void aio_callback_failed(VM *vm, LoopObj *lo, rt_handle *h);
Value aio_runner_close(VM *vm, Value loop);
void aio_report_deadlock(VM *vm, LoopObj *lo);
int aio_report_uncaught(VM *vm, Value exc);
void aio_at_exit(VM *vm);
void aio_shutdown(VM *vm);
int aio_load_prelude(VM *vm, Module *m);
int aio_run_prelude(VM *vm, Module *m, const char *src, const char *filename);
/* Streams and subprocesses (mod_streams.c): loads them into the asyncio
 * module; forgets a closing loop's simulated selector. */
int aio_streams_init(VM *vm, Module *m);
/* Loads streams and subprocesses if they are not yet (on the first import
 * of asyncio.subprocess or asyncio.streams, or a name of asyncio or of a
 * loop not found otherwise). -1 with an exception set on failure. */
int aio_streams_ensure(VM *vm);
void aio_io_drop(VM *vm, LoopObj *lo);
void mod_random_init(VM *vm);
void mod_asyncio_init(VM *vm);
Value mod_asyncio_module(VM *vm);
int vm_print(VM *vm, Value *args, int nargs, Str *sep, Str *end, bool to_err);
/* Writes text produced by the scenario (print) and reports it. */
void vm_write(VM *vm, bool to_err, const char *s, size_t n);

/* Arguments parsing helper for natives: positional names, "|" starts the
 * optional ones, "$" starts keyword-only ones. Fills out[] (borrowed;
 * VAL_ERR for missing optional ones). -1 with TypeError on mismatch. */
int args_parse(VM *vm, const char *fname, Value *args, int nargs,
               Tuple *kwnames, const char *spec, Value *out);

#endif /* LOOPSCOPE_LANG_H */
