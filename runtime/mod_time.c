/*
 * mod_time.c - the time and random modules of scenarios.
 *
 * time reads the world's clock (virtual by default: it starts at 0.0 and
 * jumps), so time.time(), time.monotonic() and time.perf_counter() all
 * agree with loop.time(). time.sleep() is the one way to spend time while
 * holding a thread: on the loop's thread it blocks the whole loop, in an
 * executor job only that worker (LANGUAGE.md's time model).
 *
 * random is a seeded xoshiro256** generator: deterministic for a given
 * seed, but not CPython's Mersenne Twister, so scenarios that compare
 * with CPython do not print its numbers.
 */
#include <math.h>
#include <string.h>
#include <time.h>

#include "lang.h"

static double now(VM *vm) { return rt_world_time(vm->world); }

static Value t_time(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "time", args, nargs, kw, "", NULL) < 0)
        return VAL_ERR;
    return val_float(now(vm));
}

static Value t_time_ns(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "time_ns", args, nargs, kw, "", NULL) < 0)
        return VAL_ERR;
    return val_int((int64_t)llround(now(vm) * 1e9));
}

static Value t_sleep(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "sleep", args, nargs, kw, "secs", NULL) < 0)
        return VAL_ERR;
    Value v = args[0];
    double d;
    if (IS_INT(v) || IS_BOOL(v))
        d = (double)AS_INT(v);
    else if (IS_FLOAT(v))
        d = AS_FLOAT(v);
    else
        return vm_raise_new(vm, vm->c.TypeError,
                            "'%s' object cannot be interpreted as an integer",
                            type_name(vm, v));
    if (isnan(d))
        return vm_raise_new(vm, vm->c.ValueError, "Invalid value NaN (not a "
                                                  "number)");
    if (d < 0)
        return vm_raise_new(vm, vm->c.ValueError,
                            "sleep length must be non-negative");
    VMThread *t = vm_thread(vm);
    if (t && t->job) {
        rt_job_sleep(t->job, d);
        return VAL_NONE;
    }
    /* On the loop's thread: the whole loop is blocked meanwhile. */
    if (vm->tracing) {
        const char *func = NULL;
        int line = vm_current_line(vm, &func);
        vm->block_line = line;
        vm->block_func = func;
    }
    int rc = rt_world_sleep(vm->world, d);
    vm->block_line = 0;
    if (rc < 0)
        return vm_raise_new(vm, vm->c.ValueError, "%s", rt_strerror(rc));
    return vm_has_exc(vm) ? VAL_ERR : VAL_NONE;
}

static Value t_strftime(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "strftime", args, nargs, kw, "format|t", a) < 0)
        return VAL_ERR;
    if (!IS_STR(a[0]))
        return vm_raise_new(vm, vm->c.TypeError,
                            "strftime() argument 1 must be str, not %s",
                            type_name(vm, a[0]));
    /* Virtual time 0.0 is midnight, 1 January 1970, UTC: deterministic. */
    time_t secs = (time_t)floor(now(vm));
    struct tm tm;
    gmtime_r(&secs, &tm);
    char buf[512];
    size_t n = strftime(buf, sizeof buf, AS_STR(a[0])->data, &tm);
    Str *s = str_new(vm, buf, n);
    return s ? val_obj(s) : VAL_ERR;
}

/* ------------------------------------------------------------------------ */
/* random                                                                   */
/* ------------------------------------------------------------------------ */

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t rng_next(VM *vm)
{
    uint64_t *s = vm->rng;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

static void rng_seed(VM *vm, uint64_t seed)
{
    /* splitmix64 expands the seed into the state. */
    for (int i = 0; i < 4; i++) {
        uint64_t z = (seed += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        vm->rng[i] = z ^ (z >> 31);
    }
}

static double rng_double(VM *vm)
{
    return (double)(rng_next(vm) >> 11) * 0x1.0p-53;
}

/* A uniform integer in [0, n) without modulo bias. */
static uint64_t rng_below(VM *vm, uint64_t n)
{
    if (n == 0)
        return 0;
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do
        x = rng_next(vm);
    while (x >= limit);
    return x % n;
}

static Value r_seed(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "seed", args, nargs, kw, "|a,version", a) < 0)
        return VAL_ERR;
    uint64_t seed = 0;
    if (!IS_ERR(a[0]) && !IS_NONE(a[0])) {
        if (IS_INT(a[0]) || IS_BOOL(a[0])) {
            seed = (uint64_t)AS_INT(a[0]);
        } else {
            uint64_t h;
            if (val_hash(vm, a[0], &h) < 0)
                return VAL_ERR;
            seed = h;
        }
    }
    rng_seed(vm, seed);
    return VAL_NONE;
}

static Value r_random(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "random", args, nargs, kw, "", NULL) < 0)
        return VAL_ERR;
    return val_float(rng_double(vm));
}

static int num_arg(VM *vm, Value v, double *out)
{
    if (IS_INT(v) || IS_BOOL(v))
        *out = (double)AS_INT(v);
    else if (IS_FLOAT(v))
        *out = AS_FLOAT(v);
    else {
        vm_raise_new(vm, vm->c.TypeError,
                     "unsupported operand type(s) for -: '%s' and 'float'",
                     type_name(vm, v));
        return -1;
    }
    return 0;
}

static Value r_uniform(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "uniform", args, nargs, kw, "a,b", a) < 0)
        return VAL_ERR;
    double x, y;
    if (num_arg(vm, a[0], &x) < 0 || num_arg(vm, a[1], &y) < 0)
        return VAL_ERR;
    return val_float(x + (y - x) * rng_double(vm));
}

static int int_arg(VM *vm, Value v, int64_t *out)
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

static Value r_randrange(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[3];
    if (args_parse(vm, "randrange", args, nargs, kw, "start|stop,step", a) < 0)
        return VAL_ERR;
    int64_t start = 0, stop, step = 1;
    if (IS_ERR(a[1])) {
        if (int_arg(vm, a[0], &stop) < 0)
            return VAL_ERR;
    } else if (int_arg(vm, a[0], &start) < 0 || int_arg(vm, a[1], &stop) < 0 ||
               (!IS_ERR(a[2]) && int_arg(vm, a[2], &step) < 0)) {
        return VAL_ERR;
    }
    if (step == 0)
        return vm_raise_new(vm, vm->c.ValueError, "zero step for randrange()");
    int64_t n = step > 0 ? (stop - start + step - 1) / step
                         : (start - stop - step - 1) / (-step);
    if (n <= 0)
        return vm_raise_new(vm, vm->c.ValueError,
                            "empty range in randrange(%lld, %lld)",
                            (long long)start, (long long)stop);
    return val_int(start + step * (int64_t)rng_below(vm, (uint64_t)n));
}

static Value r_randint(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "randint", args, nargs, kw, "a,b", a) < 0)
        return VAL_ERR;
    int64_t x, y;
    if (int_arg(vm, a[0], &x) < 0 || int_arg(vm, a[1], &y) < 0)
        return VAL_ERR;
    if (y < x)
        return vm_raise_new(vm, vm->c.ValueError,
                            "empty range in randrange(%lld, %lld)",
                            (long long)x, (long long)y + 1);
    return val_int(x + (int64_t)rng_below(vm, (uint64_t)(y - x) + 1));
}

static Value r_choice(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[1];
    if (args_parse(vm, "choice", args, nargs, kw, "seq", a) < 0)
        return VAL_ERR;
    int64_t n = val_len(vm, a[0]);
    if (n < 0)
        return VAL_ERR;
    if (n == 0)
        return vm_raise_new(vm, vm->c.IndexError,
                            "Cannot choose from an empty sequence");
    return val_getitem(vm, a[0], val_int((int64_t)rng_below(vm, (uint64_t)n)));
}

static Value r_shuffle(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[1];
    if (args_parse(vm, "shuffle", args, nargs, kw, "x", a) < 0)
        return VAL_ERR;
    if (!IS_LIST(a[0]))
        return vm_raise_new(vm, vm->c.TypeError,
                            "shuffle() needs a list in scenarios");
    List *l = AS_LIST(a[0]);
    for (int64_t i = l->len - 1; i > 0; i--) {
        int64_t j = (int64_t)rng_below(vm, (uint64_t)i + 1);
        Value t = l->items[i];
        l->items[i] = l->items[j];
        l->items[j] = t;
    }
    return VAL_NONE;
}

static Value r_sample(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "sample", args, nargs, kw, "population,k", a) < 0)
        return VAL_ERR;
    int64_t k;
    if (int_arg(vm, a[1], &k) < 0)
        return VAL_ERR;
    List *pool = val_to_list(vm, a[0]);
    if (!pool)
        return VAL_ERR;
    if (k < 0 || k > pool->len) {
        obj_decref(pool);
        return vm_raise_new(vm, vm->c.ValueError,
                            "Sample larger than population or is negative");
    }
    for (int64_t i = 0; i < k; i++) {
        int64_t j = i + (int64_t)rng_below(vm, (uint64_t)(pool->len - i));
        Value t = pool->items[i];
        pool->items[i] = pool->items[j];
        pool->items[j] = t;
    }
    for (int64_t i = k; i < pool->len; i++)
        decref(pool->items[i]);
    pool->len = k;
    return val_obj(pool);
}

static void add(VM *vm, Dict *d, const char *name, NativeFn fn)
{
    Value f = native_new(vm, name, fn, VAL_NONE, NULL);
    if (!IS_ERR(f)) {
        dict_set_cstr(vm, d, name, f);
        decref(f);
    }
}

void mod_time_init(VM *vm)
{
    Module *m = module_new(vm, "time");
    if (!m)
        return;
    add(vm, m->dict, "time", t_time);
    add(vm, m->dict, "monotonic", t_time);
    add(vm, m->dict, "perf_counter", t_time);
    add(vm, m->dict, "process_time", t_time);
    add(vm, m->dict, "time_ns", t_time_ns);
    add(vm, m->dict, "monotonic_ns", t_time_ns);
    add(vm, m->dict, "perf_counter_ns", t_time_ns);
    add(vm, m->dict, "sleep", t_sleep);
    add(vm, m->dict, "strftime", t_strftime);
    obj_decref(m);
}

void mod_random_init(VM *vm)
{
    rng_seed(vm, 0);
    Module *m = module_new(vm, "random");
    if (!m)
        return;
    add(vm, m->dict, "seed", r_seed);
    add(vm, m->dict, "random", r_random);
    add(vm, m->dict, "uniform", r_uniform);
    add(vm, m->dict, "randint", r_randint);
    add(vm, m->dict, "randrange", r_randrange);
    add(vm, m->dict, "choice", r_choice);
    add(vm, m->dict, "shuffle", r_shuffle);
    add(vm, m->dict, "sample", r_sample);
    obj_decref(m);
}
