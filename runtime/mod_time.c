/*
 * mod_time.c - the time and random modules of scenarios.
 *
 * time reads the world's clock (virtual by default: it starts at 0.0 and
 * jumps), so time.time(), time.monotonic() and time.perf_counter() all
 * agree with loop.time(). time.sleep() is the one way to spend time while
 * holding a thread: on the loop's thread it blocks the whole loop, in an
 * executor job only that worker (LANGUAGE.md's time model).
 *
 * random is CPython's Mersenne Twister, seeded as CPython seeds it, with
 * the rest of the module in prelude_stdlib.py: random.seed(42) then gives
 * the numbers python3 gives.
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

/* CPython's generator, the Mersenne Twister MT19937, seeded as CPython
 * seeds it: random.seed(42) gives the numbers python3 gives. The
 * algorithms on top of it (randrange, choice, shuffle...) are the random
 * section of prelude_stdlib.py, as CPython writes them in Python. */
#define MT_N 624
#define MT_M 397

static void mt_init(VM *vm, uint32_t s)
{
    uint32_t *mt = vm->mt;
    mt[0] = s;
    for (uint32_t i = 1; i < MT_N; i++)
        mt[i] = 1812433253U * (mt[i - 1] ^ (mt[i - 1] >> 30)) + i;
    vm->mti = MT_N;
}

static void mt_init_by_array(VM *vm, const uint32_t *key, size_t len)
{
    uint32_t *mt = vm->mt;
    mt_init(vm, 19650218U);
    size_t i = 1, j = 0;
    for (size_t k = MT_N > len ? MT_N : len; k; k--) {
        mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) * 1664525U)) +
                key[j] + (uint32_t)j;
        i++;
        j++;
        if (i >= MT_N) {
            mt[0] = mt[MT_N - 1];
            i = 1;
        }
        if (j >= len)
            j = 0;
    }
    for (size_t k = MT_N - 1; k; k--) {
        mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) * 1566083941U)) -
                (uint32_t)i;
        i++;
        if (i >= MT_N) {
            mt[0] = mt[MT_N - 1];
            i = 1;
        }
    }
    mt[0] = 0x80000000U;
}

static uint32_t mt_next(VM *vm)
{
    uint32_t *mt = vm->mt;
    if (vm->mti >= MT_N) {
        for (int k = 0; k < MT_N; k++) {
            uint32_t y = (mt[k] & 0x80000000U) | (mt[(k + 1) % MT_N] & 0x7fffffffU);
            mt[k] = mt[(k + MT_M) % MT_N] ^ (y >> 1) ^ ((y & 1U) ? 0x9908b0dfU : 0U);
        }
        vm->mti = 0;
    }
    uint32_t y = mt[vm->mti++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680U;
    y ^= (y << 15) & 0xefc60000U;
    y ^= y >> 18;
    return y;
}

/* Seeds from a non-negative integer, in 32-bit words, low word first. */
static void mt_seed_u64(VM *vm, uint64_t n)
{
    uint32_t key[2] = {(uint32_t)n, (uint32_t)(n >> 32)};
    mt_init_by_array(vm, key, key[1] ? 2 : 1);
}

/* random._seed(a): an int seeds as CPython does (by its absolute value);
 * anything else by its hash (not CPython's numbers: str seeds there go
 * through SHA-512). */
static Value r_seed(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[1];
    if (args_parse(vm, "seed", args, nargs, kw, "|a", a) < 0)
        return VAL_ERR;
    uint64_t n = 0;
    if (!IS_ERR(a[0]) && !IS_NONE(a[0])) {
        if (IS_INT(a[0]) || IS_BOOL(a[0])) {
            int64_t v = AS_INT(a[0]);
            n = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
        } else {
            uint64_t h;
            if (val_hash(vm, a[0], &h) < 0)
                return VAL_ERR;
            n = h;
        }
    }
    mt_seed_u64(vm, n);
    return VAL_NONE;
}

static Value r_random(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "random", args, nargs, kw, "", NULL) < 0)
        return VAL_ERR;
    uint32_t a = mt_next(vm) >> 5, b = mt_next(vm) >> 6;
    return val_float((a * 67108864.0 + b) * (1.0 / 9007199254740992.0));
}

static Value r_getrandbits(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[1];
    if (args_parse(vm, "getrandbits", args, nargs, kw, "k", a) < 0)
        return VAL_ERR;
    if (!IS_INT(a[0]) && !IS_BOOL(a[0]))
        return vm_raise_new(vm, vm->c.TypeError,
                            "'%s' object cannot be interpreted as an integer",
                            type_name(vm, a[0]));
    int64_t k = AS_INT(a[0]);
    if (k < 0)
        return vm_raise_new(vm, vm->c.ValueError,
                            "number of bits must be non-negative");
    if (k > 63)
        return vm_raise_new(vm, vm->c.OverflowError,
                            "getrandbits(%lld) is past the 64-bit integers "
                            "of scenarios", (long long)k);
    if (k == 0)
        return val_int(0);
    if (k <= 32)
        return val_int((int64_t)(mt_next(vm) >> (32 - k)));
    /* Low word first, the last one cut to what is left. */
    uint64_t lo = mt_next(vm);
    uint64_t hi = mt_next(vm) >> (64 - k);
    return val_int((int64_t)(lo | hi << 32));
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
    mt_seed_u64(vm, 0);
    Module *m = module_new(vm, "random");
    if (!m)
        return;
    add(vm, m->dict, "_seed", r_seed);
    add(vm, m->dict, "random", r_random);
    add(vm, m->dict, "getrandbits", r_getrandbits);
    obj_decref(m);
}
