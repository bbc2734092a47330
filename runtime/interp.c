/*
 * interp.c - creating and destroying the interpreter, and running a
 * scenario file from start to finish (the `loopscope run` of the command
 * line): read, parse, compile, execute, report, tear down.
 *
 * A run's exit status follows PRODUCT.md: 0 when the scenario finished,
 * 1 when an exception escaped (with a Python-style traceback on stderr),
 * 2 when the file could not be read or compiled (file:line:col messages),
 * 3 on a deadlock.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "lang.h"

/* ------------------------------------------------------------------------ */
/* Events and warnings                                                      */
/* ------------------------------------------------------------------------ */

void vm_emit(VM *vm, rt_event *ev)
{
    if (vm->world)
        rt_world_emit(vm->world, ev);
}

void vm_warn(VM *vm, Class *category, const char *msg, int line)
{
    /* The "default" warnings filter: once per message and location. */
    uint32_t h = 2166136261u;
    for (const char *p = msg; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    h ^= (uint32_t)line * 2654435761u;
    for (int i = 0; i < vm->nwarned; i++)
        if (vm->warned_lines[i] == h)
            return;
    if (vm->nwarned < 64)
        vm->warned_lines[vm->nwarned++] = h;
    if (vm->tracing) {
        rt_event ev = {0};
        ev.kind = RT_EV_WARN;
        ev.worker = -1;
        ev.line = line;
        ev.type = category->name->data;
        ev.text = msg;
        vm_emit(vm, &ev);
    }
    if (!vm->err)
        return;
    if (vm->out)
        fflush(vm->out);
    const char *file = vm->display_filename ? vm->display_filename : "?";
    if (line > 0) {
        fprintf(vm->err, "%s:%d: %s: %s\n", file, line,
                category->name->data, msg);
        /* The source line, stripped, as the warnings module shows it. */
        const char *p = vm->source, *end = vm->source + vm->source_len;
        for (int i = 1; p && i < line && p < end; i++) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            p = nl ? nl + 1 : end;
        }
        if (p && p < end) {
            const char *e = memchr(p, '\n', (size_t)(end - p));
            if (!e)
                e = end;
            while (p < e && (*p == ' ' || *p == '\t'))
                p++;
            fprintf(vm->err, "  %.*s\n", (int)(e - p), p);
        }
    } else {
        fprintf(vm->err, "sys:1: %s: %s\n", category->name->data, msg);
    }
    if (category == vm->c.RuntimeWarning && strstr(msg, "never awaited"))
        fprintf(vm->err, "RuntimeWarning: Enable tracemalloc to get the "
                         "object allocation traceback\n");
    fflush(vm->err);
}

/* ------------------------------------------------------------------------ */
/* Creating the interpreter                                                 */
/* ------------------------------------------------------------------------ */

static const struct {
    size_t off;
    const char *name;
} class_names[] = {
#define CLASS_NAME(f, n) {offsetof(VMClasses, f), n},
    VM_CLASSES(CLASS_NAME)
#undef CLASS_NAME
};

static Class **class_slot(VM *vm, const char *name)
{
    for (size_t i = 0; i < sizeof class_names / sizeof class_names[0]; i++)
        if (strcmp(class_names[i].name, name) == 0)
            return (Class **)((char *)&vm->c + class_names[i].off);
    return NULL;
}

/* Makes `type`, `object`, `str`, `dict` and `tuple`, which every other
 * object needs, then gives them their dicts and names. */
static int bootstrap(VM *vm)
{
    Class fake;
    memset(&fake, 0, sizeof fake);
    fake.hdr.refs = 1;
    Class *type = obj_alloc(vm, &fake, sizeof(Class));
    if (!type)
        return -1;
    type->hdr.type = &type->rtt;
    type->hdr.refs = 2; /* itself as its class, and vm->c.type */
    type->rtt.name = "type";
    obj_install_destroy(type);
    type->vm = vm;
    type->layout = LAYOUT_CLASS;
    type->instance_size = sizeof(Class);
    type->builtin = true;
    type->module = "builtins";
    vm->c.type = type;
    vm->c.object = class_new(vm, "object", NULL, LAYOUT_OBJECT,
                             sizeof(Instance), "builtins");
    vm->c.str = class_new(vm, "str", vm->c.object, LAYOUT_STR, sizeof(Str),
                          "builtins");
    vm->c.dict = class_new(vm, "dict", vm->c.object, LAYOUT_DICT,
                           sizeof(Dict), "builtins");
    vm->c.tuple = class_new(vm, "tuple", vm->c.object, LAYOUT_TUPLE,
                            sizeof(Tuple), "builtins");
    if (!vm->c.object || !vm->c.str || !vm->c.dict || !vm->c.tuple)
        return -1;
    type->base = vm->c.object;
    obj_incref(vm->c.object);
    Class *boot[] = {type, vm->c.object, vm->c.str, vm->c.dict, vm->c.tuple};
    for (int i = 0; i < 5; i++) {
        if (!boot[i]->dict)
            boot[i]->dict = dict_new(vm);
        if (!boot[i]->name) {
            boot[i]->name = str_from_cstr(vm, boot[i]->rtt.name);
            if (boot[i]->name) {
                boot[i]->qualname = boot[i]->name;
                obj_incref(boot[i]->name);
            }
        }
        if (!boot[i]->dict || !boot[i]->name)
            return -1;
    }
    return 0;
}

static int make_classes(VM *vm)
{
    VMClasses *c = &vm->c;
    struct {
        const char *name;
        Layout layout;
        size_t size;
        const char *module;
    } table[] = {
        {"NoneType", LAYOUT_OBJECT, 0, "builtins"},
        {"int", LAYOUT_OBJECT, 0, "builtins"},
        {"bool", LAYOUT_OBJECT, 0, "builtins"},
        {"float", LAYOUT_OBJECT, 0, "builtins"},
        {"bytes", LAYOUT_BYTES, sizeof(Bytes), "builtins"},
        {"list", LAYOUT_LIST, sizeof(List), "builtins"},
        {"set", LAYOUT_SET, sizeof(Set), "builtins"},
        {"frozenset", LAYOUT_SET, sizeof(Set), "builtins"},
        {"range", LAYOUT_RANGE, sizeof(Range), "builtins"},
        {"slice", LAYOUT_SLICE, sizeof(Slice), "builtins"},
        {"function", LAYOUT_FUNCTION, sizeof(Function), "builtins"},
        {"builtin_function", LAYOUT_NATIVE, sizeof(Native), "builtins"},
        {"method", LAYOUT_BOUND, sizeof(Bound), "builtins"},
        {"module", LAYOUT_MODULE, sizeof(Module), "builtins"},
        {"cell", LAYOUT_CELL, sizeof(Cell), "builtins"},
        {"code", LAYOUT_CODE, sizeof(Code), "builtins"},
        {"coroutine", LAYOUT_CORO, sizeof(Coro), "builtins"},
        {"generator", LAYOUT_CORO, sizeof(Coro), "builtins"},
        {"async_generator", LAYOUT_CORO, sizeof(Coro), "builtins"},
        {"ncoroutine", LAYOUT_NCORO, sizeof(NCoro), "builtins"},
        {"ellipsis", LAYOUT_OBJECT, 0, "builtins"},
        {"NotImplementedType", LAYOUT_OBJECT, 0, "builtins"},
        {"property", LAYOUT_PROPERTY, sizeof(Property), "builtins"},
        {"staticmethod", LAYOUT_STATICMETHOD, sizeof(Wrapper), "builtins"},
        {"classmethod", LAYOUT_CLASSMETHOD, sizeof(Wrapper), "builtins"},
        {"traceback", LAYOUT_OBJECT, sizeof(Instance), "builtins"},
        {"list_iterator", LAYOUT_ITER, sizeof(Iter), "builtins"},
        {"tuple_iterator", LAYOUT_ITER, sizeof(Iter), "builtins"},
        {"range_iterator", LAYOUT_ITER, sizeof(Iter), "builtins"},
        {"str_iterator", LAYOUT_ITER, sizeof(Iter), "builtins"},
        {"dict_keyiterator", LAYOUT_ITER, sizeof(Iter), "builtins"},
        {"dict_valueiterator", LAYOUT_ITER, sizeof(Iter), "builtins"},
        {"dict_itemiterator", LAYOUT_ITER, sizeof(Iter), "builtins"},
        {"dict_keys", LAYOUT_ITER, sizeof(Iter), "builtins"},
        {"dict_values", LAYOUT_ITER, sizeof(Iter), "builtins"},
        {"dict_items", LAYOUT_ITER, sizeof(Iter), "builtins"},
        {"enumerate", LAYOUT_ITER, sizeof(Iter), "builtins"},
        {"zip", LAYOUT_ITER, sizeof(Iter), "builtins"},
        {"reversed", LAYOUT_ITER, sizeof(Iter), "builtins"},
        {"map", LAYOUT_ITER, sizeof(Iter), "builtins"},
        {"filter", LAYOUT_ITER, sizeof(Iter), "builtins"},
        {"set_iterator", LAYOUT_ITER, sizeof(Iter), "builtins"},
        {"bytes_iterator", LAYOUT_ITER, sizeof(Iter), "builtins"},
        {"callable_iterator", LAYOUT_ITER, sizeof(Iter), "builtins"},
        {"super", LAYOUT_ITER, sizeof(Iter), "builtins"},
        {"TextIOWrapper", LAYOUT_OBJECT, sizeof(Instance), "_io"},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        Class **slot = class_slot(vm, table[i].name);
        if (!slot)
            continue;
        *slot = class_new(vm, table[i].name, c->object, table[i].layout,
                          table[i].size, table[i].module);
        if (!*slot)
            return -1;
    }
    /* bool is a subclass of int for isinstance, but values carry their own
     * kind: only the class link matters. */
    obj_decref(c->bool_->base);
    c->bool_->base = c->int_;
    obj_incref(c->int_);
    exc_init_classes(vm);
    return 0;
}

static void intern_names(VM *vm)
{
#define INTERN_NAME(field, text) vm->n.field = str_intern_cstr(vm, text);
    VM_NAMES(INTERN_NAME)
#undef INTERN_NAME
}

static void host_describe(void *data, rt_value v, rt_describe how, char *buf,
                          size_t size);
static rt_exc_class host_classify(void *data, rt_value exc);
static rt_value host_make_exception(void *data, rt_exc_make what,
                                    rt_value msg, const char *text);
void aio_exception_handler(void *data, rt_loop *loop,
                           const rt_exc_context *ctx);

static const rt_host vm_host = {
    .classify = host_classify,
    .make_exception = host_make_exception,
    .describe = host_describe,
    .exception_handler = aio_exception_handler,
};

VM *vm_new(const VMConfig *cfg)
{
    VM *vm = rt_calloc(1, sizeof *vm);
    if (!vm)
        return NULL;
    vm->out = cfg->out;
    vm->err = cfg->err;
    vm->running_loop = VAL_NONE;
    vm->event_loop = VAL_NONE;
    vm->asyncio = VAL_NONE;
    vm->memory_error = VAL_NONE;
    vm->last_exc = VAL_NONE;
    vm->main = vmthread_new(vm, NULL, -1);
    if (!vm->main || vm_heap_init(vm) < 0 || bootstrap(vm) < 0)
        goto fail;
    vm->interned = dict_new(vm);
    if (!vm->interned)
        goto fail;
    if (make_classes(vm) < 0)
        goto fail;
    intern_names(vm);
    vm->empty_str = str_new(vm, "", 0);
    vm->empty_tuple = tuple_new(vm, 0);
    for (int ch = 0; ch < 128; ch++) {
        char s = (char)ch;
        vm->char_strs[ch] = str_new(vm, &s, 1);
    }
    vm->builtins = dict_new(vm);
    vm->modules = dict_new(vm);
    if (!vm->empty_str || !vm->empty_tuple || !vm->builtins || !vm->modules)
        goto fail;
    vm->memory_error = exc_new(vm, vm->c.MemoryError, NULL);
    str_init_methods(vm);
    bytes_init_methods(vm);
    list_init_methods(vm);
    tuple_init_methods(vm);
    dict_init_methods(vm);
    set_init_methods(vm);
    builtins_init(vm);
    mod_time_init(vm);
    mod_random_init(vm);
    rt_world_config wc = {0};
    wc.clock = cfg->real_time ? RT_CLOCK_REAL : RT_CLOCK_VIRTUAL;
    wc.host = &vm_host;
    wc.host_data = vm;
    wc.hook = cfg->hook;
    wc.hook_data = cfg->hook_data;
    if (rt_world_new(&wc, &vm->world) < 0)
        goto fail;
    vm->tracing = cfg->hook != NULL;
    return vm;
fail:
    vm_free(vm);
    return NULL;
}

void vm_free(VM *vm)
{
    if (!vm)
        return;
    aio_shutdown(vm);
    if (vm->main) {
        decref(vm->main->exc);
        vm->main->exc = VAL_NONE;
        decref(vm->main->handled);
        vm->main->handled = VAL_NONE;
        decref(vm->main->yielded);
        vm->main->yielded = VAL_NONE;
    }
    vm_heap_teardown(vm);
    rt_free(vm->agens);
    vm->agens = NULL;
    vm->nagens = 0;
    if (vm->world)
        rt_world_free(vm->world);
    vmthread_free(vm->main);
    rt_free(vm->argspecs);
    rt_free(vm);
}

/* ------------------------------------------------------------------------ */
/* Host callbacks for the runtime core                                      */
/* ------------------------------------------------------------------------ */

static rt_exc_class host_classify(void *data, rt_value exc)
{
    VM *vm = data;
    if (is_instance(vm, exc, vm->c.CancelledError))
        return RT_EXC_CANCELLED;
    if (is_instance(vm, exc, vm->c.KeyboardInterrupt) ||
        is_instance(vm, exc, vm->c.SystemExit))
        return RT_EXC_FATAL;
    return RT_EXC_ERROR;
}

static rt_value host_make_exception(void *data, rt_exc_make what,
                                    rt_value msg, const char *text)
{
    VM *vm = data;
    Class *cls = what == RT_MAKE_CANCELLED       ? vm->c.CancelledError
                 : what == RT_MAKE_INVALID_STATE ? vm->c.InvalidStateError
                                                 : vm->c.RuntimeError;
    Tuple *args = NULL;
    if (!IS_NONE(msg)) {
        args = tuple_pack(vm, 1, msg);
    } else if (text) {
        Str *s = str_from_cstr(vm, text);
        if (s) {
            args = tuple_pack(vm, 1, val_obj(s));
            obj_decref(s);
        }
    }
    Value e = exc_new(vm, cls, args);
    obj_decref(args);
    if (IS_ERR(e)) {
        decref(vm_take_exc(vm));
        return RT_NONE;
    }
    return e;
}

static void host_describe(void *data, rt_value v, rt_describe how, char *buf,
                          size_t size)
{
    VM *vm = data;
    if (!size)
        return;
    buf[0] = 0;
    Str *s = NULL;
    if (how == RT_DESCRIBE_TYPE) {
        Class *c = class_of(vm, v);
        snprintf(buf, size, "%s", c->name ? c->name->data : "?");
        return;
    }
    if (how == RT_DESCRIBE_NAME) {
        const char *name = NULL;
        char nb[RT_TASK_NAME_SIZE];
        if (IS_LAYOUT(v, FUTURE)) {
            Str *l = ((FutureObj *)AS_OBJ(v))->label;
            name = l ? l->data : NULL;
        } else if (IS_LAYOUT(v, TASK)) {
            name = rt_task_name((rt_task *)AS_OBJ(v), nb);
        } else if (IS_LAYOUT(v, FUNCTION)) {
            name = ((Function *)AS_OBJ(v))->qualname->data;
        } else if (IS_LAYOUT(v, NATIVE)) {
            name = ((Native *)AS_OBJ(v))->name;
        } else if (IS_LAYOUT(v, BOUND)) {
            Value f = ((Bound *)AS_OBJ(v))->func;
            if (IS_LAYOUT(f, FUNCTION))
                name = ((Function *)AS_OBJ(f))->qualname->data;
            else if (IS_LAYOUT(f, NATIVE))
                name = ((Native *)AS_OBJ(f))->name;
        } else if (IS_TUPLE(v) && AS_TUPLE(v)->len > 0) {
            /* A call_soon argument tuple: (callable, *args). */
            host_describe(data, AS_TUPLE(v)->items[0], how, buf, size);
            return;
        }
        snprintf(buf, size, "%s", name ? name : "");
        return;
    }
    s = how == RT_DESCRIBE_STR ? val_str(vm, v) : val_repr(vm, v);
    if (!s) {
        decref(vm_take_exc(vm));
        snprintf(buf, size, "?");
        return;
    }
    snprintf(buf, size, "%s", s->data);
    obj_decref(s);
}

/* ------------------------------------------------------------------------ */
/* Running a scenario                                                       */
/* ------------------------------------------------------------------------ */

static char *read_file(const char *path, size_t *len, char *why, size_t n)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(why, n, "%s", strerror(errno));
        return NULL;
    }
    size_t cap = 4096, used = 0;
    char *buf = rt_malloc(cap);
    int read_errno = 0;
    while (buf) {
        errno = 0;
        size_t got = fread(buf + used, 1, cap - used - 1, f);
        if (got == 0 && ferror(f))
            read_errno = errno;
        used += got;
        if (got == 0)
            break;
        if (used + 1 >= cap) {
            if (cap > (64u << 20)) {
                snprintf(why, n, "file too large");
                rt_free(buf);
                buf = NULL;
                break;
            }
            char *nb = rt_realloc(buf, cap * 2);
            if (!nb) {
                rt_free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    bool err = ferror(f);
    fclose(f);
    if (buf && err) {
        snprintf(why, n, "%s", read_errno ? strerror(read_errno) : "read error");
        rt_free(buf);
        return NULL;
    }
    if (!buf) {
        if (!why[0])
            snprintf(why, n, "out of memory");
        return NULL;
    }
    buf[used] = 0;
    *len = used;
    return buf;
}

/* Source text problems Python itself rejects before parsing. */
static bool check_encoding(const char *src, size_t len, rt_diags *d)
{
    int line = 1, col = 1;
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)src[i];
        size_t n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0
                                                                  ? 2
                                                                  : 0;
        bool ok = n > 0 && i + n <= len;
        for (size_t k = 1; ok && k < n; k++)
            ok = ((unsigned char)src[i + k] & 0xC0) == 0x80;
        if (!ok || c == 0) {
            rt_diags_add(d, line, col,
                         c == 0 ? "source code cannot contain null bytes"
                                : "invalid UTF-8 in the source (byte 0x%02x)",
                         c);
            return false;
        }
        if (c == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
        i += n;
    }
    return true;
}

/* sys.argv: the scenario's path as given, as `python3 FILE.py` sets it. */
static void set_argv(VM *vm, const char *path)
{
    Value sys = dict_get_cstr(vm, vm->modules, "sys");
    Str *p = str_from_cstr(vm, path);
    List *argv = list_new(vm, 0);
    if (IS_LAYOUT(sys, MODULE) && p && argv &&
        list_append(vm, argv, val_obj(p)) == 0)
        dict_set_cstr(vm, ((Module *)AS_OBJ(sys))->dict, "argv",
                      val_obj(argv));
    obj_decref(p);
    obj_decref(argv);
}

/* At the end of a run the objects only __main__ holds are released, in
 * the order of its names, running their __del__ (what CPython shows when
 * the module's dict goes). Only the instances and coroutines are let go,
 * the classes and functions stay for their __del__ to use; and only when
 * some class defines __del__. */
static void clear_main(VM *vm, Module *m)
{
    vm->finalizing = true;
    int64_t pos = 0;
    Value k, v;
    while (dict_next(m->dict, &pos, &k, &v)) {
        if (!IS_STR(k) || !(IS_LAYOUT(v, OBJECT) || IS_LAYOUT(v, CORO)))
            continue;
        incref(k);
        dict_set(vm, m->dict, k, VAL_NONE);
        decref(k);
        if (vm_has_exc(vm))
            decref(vm_take_exc(vm));
    }
    vm->finalizing = false;
}

int rt_scenario_run(const rt_scenario_options *opt)
{
    FILE *out = opt->out ? opt->out : stdout;
    FILE *err = opt->err ? opt->err : stderr;
    char why[256] = "";
    size_t len = 0;
    char *src = read_file(opt->path, &len, why, sizeof why);
    if (!src) {
        fprintf(err, "loopscope: cannot read '%s': %s\n", opt->path, why);
        return 2;
    }
    rt_diags diags;
    rt_diags_init(&diags, opt->path, src, len);
    int status = 0;
    ast_arena *arena = NULL;
    VM *vm = NULL;
    if (!check_encoding(src, len, &diags)) {
        rt_diags_print(&diags, err);
        status = 2;
        goto done;
    }
    arena = ast_arena_new();
    ast_node *mod = arena ? ast_parse(src, len, arena, &diags) : NULL;
    if (!mod) {
        if (diags.len)
            rt_diags_print(&diags, err);
        else
            fprintf(err, "loopscope: out of memory\n");
        status = 2;
        goto done;
    }
    VMConfig cfg = {0};
    cfg.filename = opt->path;
    cfg.real_time = opt->real_time;
    cfg.hook = opt->hook;
    cfg.hook_data = opt->hook_data;
    cfg.out = out;
    cfg.err = err;
    vm = vm_new(&cfg);
    if (!vm) {
        fprintf(err, "loopscope: out of memory\n");
        status = 2;
        goto done;
    }
    char abspath[PATH_MAX];
    vm->display_filename = realpath(opt->path, abspath) ? abspath : opt->path;
    vm->probe = opt->probe;
    vm->filename = opt->path;
    set_argv(vm, opt->path);
    vm->source = src;
    vm->source_len = len;
    Code *code = compile_module(vm, mod, vm->display_filename, &diags, false);
    ast_arena_free(arena);
    arena = NULL;
    if (!code) {
        if (diags.len)
            rt_diags_print(&diags, err);
        else
            fprintf(err, "loopscope: out of memory while compiling\n");
        status = 2;
        goto done;
    }
    if (getenv("LOOPSCOPE_DIS"))
        code_disassemble(code, err);
    if (opt->check_only) {
        obj_decref(code);
        goto done;
    }
    Module *m = module_new(vm, "__main__");
    if (!m) {
        obj_decref(code);
        status = 2;
        goto done;
    }
    vm->main_module = m;
    Str *file = str_from_cstr(vm, vm->display_filename);
    if (file) {
        dict_set_str(vm, m->dict, vm->n.__file__, val_obj(file));
        obj_decref(file);
    }
    dict_set_str(vm, m->dict, vm->n.__doc__, code->doc);
    dict_set_str(vm, m->dict, vm->n.__builtins__, val_obj(vm->builtins));
    Value r = vm_run_module(vm, code, m);
    obj_decref(code);
    if (IS_ERR(r)) {
        Value exc = vm_take_exc(vm);
        status = aio_report_uncaught(vm, exc);
        vm->last_exc = exc; /* released with the heap at the very end */
    } else {
        decref(r);
        status = vm->exit_status;
    }
    /* Executors still running jobs are waited for, as Python's exit does,
     * then the run ends. */
    aio_at_exit(vm);
    if (vm->has_del && status != 3 && !vm->aborting)
        clear_main(vm, m);
    if (status == 0 && vm->exit_status)
        status = vm->exit_status;
    if (vm->tracing) {
        rt_event ev = {0};
        ev.kind = RT_EV_RUN_END;
        ev.worker = -1;
        ev.n = status;
        ev.text = status == 0   ? "ok"
                  : status == 3 ? "deadlock"
                                : "exception";
        vm_emit(vm, &ev);
        /* run.end is the last event: tearing the heap down (freeing the
         * tasks a deadlock left pending) reports nothing more. */
        vm->tracing = false;
        rt_world_set_hook(vm->world, NULL, NULL);
    }
done:
    if (vm) {
        fflush(out);
        vm->source = src;
        vm_free(vm);
    }
    fflush(out);
    fflush(err);
    ast_arena_free(arena);
    rt_diags_deinit(&diags);
    rt_free(src);
    return status;
}
