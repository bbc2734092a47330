/*
 * test_textfmt.c - textfmt.c against CPython's own text.
 *
 * The tables in textfmt_cases.h were printed by CPython 3.11 (see
 * tests/gen_textfmt_cases.py): repr of thousands of floats, format() of
 * ints, floats and strs with every part of the spec language and every
 * error, round(), int()/float() of strings, repr of str and bytes, and the
 * arithmetic helpers. Each table test runs every row, prints each mismatch
 * with its inputs, and fails if there was any, so one run shows them all.
 *
 * Beyond the tables: the buffer's contract, allocation failure (every
 * allocating call, with rt_alloc_fail_after), round trips of random
 * doubles through repr and strtod, and the speed of repr.
 */
#include <inttypes.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "textfmt.h"

/* ---- the table's vocabulary ---- */

#define S(lit) lit, sizeof(lit) - 1
enum { OK = 0, VE = RT_FMT_EVALUE, OE = RT_FMT_EOVERFLOW, ZE = RT_FMT_EZERODIV };

typedef struct repr_case {
    uint64_t bits;
    const char *want;
} repr_case;

typedef struct fmt_int_case {
    int64_t v;
    const char *spec;
    size_t spec_len;
    int code;
    const char *want; /* the text, or the error message */
    size_t want_len;
} fmt_int_case;

typedef struct fmt_float_case {
    uint64_t bits;
    const char *spec;
    size_t spec_len;
    int code;
    const char *want;
    size_t want_len;
} fmt_float_case;

typedef struct fmt_str_case {
    const char *s;
    size_t len;
    const char *spec;
    size_t spec_len;
    int code;
    const char *want;
    size_t want_len;
} fmt_str_case;

typedef struct round_case {
    uint64_t bits;
    int64_t ndigits;
    int code;
    uint64_t want;
    const char *msg;
    size_t msg_len;
} round_case;

typedef struct to_int_case {
    uint64_t bits;
    int code;
    int64_t want;
    const char *msg;
    size_t msg_len;
} to_int_case;

typedef struct int_round_case {
    int64_t v, ndigits;
    int code;
    int64_t want;
    const char *msg;
    size_t msg_len;
} int_round_case;

typedef struct parse_int_case {
    const char *s;
    size_t len;
    int base;
    int code;
    int64_t want;
    const char *msg;
    size_t msg_len;
} parse_int_case;

typedef struct parse_float_case {
    const char *s;
    size_t len;
    int code;
    uint64_t want;
    const char *msg;
    size_t msg_len;
} parse_float_case;

typedef struct repr_str_case {
    const char *s;
    size_t len;
    const char *want;
    size_t want_len;
} repr_str_case;

typedef struct int_arith_case {
    char op; /* '/' floor division, '%' modulo, '^' power */
    int64_t a, b;
    int code;
    int64_t want;
    const char *msg;
    size_t msg_len;
} int_arith_case;

typedef struct int_div_case {
    int64_t a, b;
    int code;
    uint64_t want;
    const char *msg;
    size_t msg_len;
} int_div_case;

typedef struct float_arith_case {
    char op; /* '/' true division, 'f' floor division, '%', '^' */
    uint64_t a, b;
    int code;
    uint64_t want;
    const char *msg;
    size_t msg_len;
} float_arith_case;

#include "textfmt_cases.h"

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers ---- */

static double from_bits(uint64_t b)
{
    double x;
    memcpy(&x, &b, sizeof x);
    return x;
}

static uint64_t to_bits(double x)
{
    uint64_t b;
    memcpy(&b, &x, sizeof b);
    return b;
}

/* Bitwise equality, except that any nan matches any nan. */
static bool same_double(double got, uint64_t want)
{
    double w = from_bits(want);
    if (isnan(w))
        return isnan(got);
    return to_bits(got) == want;
}

/* Prints a byte string readably (non-ASCII bytes as \xNN). */
static void show(const char *label, const char *s, size_t n)
{
    fprintf(stderr, "%s\"", label);
    for (size_t i = 0; i < n && i < 400; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"')
            fputc(c, stderr);
        else
            fprintf(stderr, "\\x%02x", c);
    }
    fprintf(stderr, "%s\" ", n > 400 ? "..." : "");
}

/* Counts failures of a table; reports at most a screenful. */
static int failures;

static void mismatch(const char *fmt, ...)
{
    if (failures++ < 40) {
        va_list ap;
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
    }
}

/* The outcome (code, then text or message) against a row's. */
static bool outcome_matches(int rc, const rt_strbuf *out, const char *err,
                            int code, const char *want, size_t want_len)
{
    if (rc != code)
        return false;
    if (rc == OK)
        return out->len == want_len && memcmp(out->data ? out->data : "",
                                              want, want_len) == 0;
    return strlen(err) == want_len && memcmp(err, want, want_len) == 0;
}

/* Parses the spec and formats with fn's formatter; shared by the three
 * format tables. */
typedef int (*formatter)(const void *value, const rt_fmt_spec *spec,
                         rt_strbuf *out, char *err, size_t errlen);

static int run_format(formatter fn, const void *value, const char *spec,
                      size_t spec_len, const char *type_name, rt_strbuf *out,
                      char *err, size_t errlen)
{
    rt_fmt_spec sp;
    err[0] = '\0';
    int rc = rt_fmt_spec_parse(spec, spec_len, &sp, err, errlen);
    if (rc != RT_OK)
        return rc;
    sp.type_name = type_name;
    return fn(value, &sp, out, err, errlen);
}

static int fmt_int_fn(const void *v, const rt_fmt_spec *sp, rt_strbuf *out,
                      char *err, size_t errlen)
{
    return rt_fmt_int(*(const int64_t *)v, sp, out, err, errlen);
}

static int fmt_float_fn(const void *v, const rt_fmt_spec *sp, rt_strbuf *out,
                        char *err, size_t errlen)
{
    return rt_fmt_float(*(const double *)v, sp, out, err, errlen);
}

typedef struct str_arg {
    const char *s;
    size_t len;
} str_arg;

static int fmt_str_fn(const void *v, const rt_fmt_spec *sp, rt_strbuf *out,
                      char *err, size_t errlen)
{
    const str_arg *a = v;
    return rt_fmt_str(a->s, a->len, sp, out, err, errlen);
}

/* ---- rt_strbuf ---- */

static void test_strbuf_basics(void **state)
{
    (void)state;
    rt_strbuf b;
    rt_strbuf_init(&b);
    assert_null(b.data);
    assert_string_equal(rt_strbuf_cstr(&b), "");
    assert_int_equal(rt_strbuf_append_str(&b, "abc"), RT_OK);
    assert_int_equal(rt_strbuf_append(&b, "\0x", 2), RT_OK);
    assert_int_equal(b.len, 5);
    assert_memory_equal(b.data, "abc\0x", 6); /* and the NUL after */
    assert_int_equal(rt_strbuf_append_char(&b, '!'), RT_OK);
    assert_int_equal(rt_strbuf_append_repeat(&b, "\xc3\xa9", 2, 3), RT_OK);
    assert_int_equal(b.len, 12);
    assert_memory_equal(b.data + 6, "\xc3\xa9\xc3\xa9\xc3\xa9", 6);
    assert_int_equal(rt_strbuf_appendf(&b, "[%d:%s]", 42, "z"), RT_OK);
    assert_string_equal(b.data + 12, "[42:z]");
    /* A long printf goes through the second path. */
    char big[600];
    memset(big, 'q', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(rt_strbuf_appendf(&b, "<%s>", big), RT_OK);
    assert_int_equal(b.len, 18 + 601);
    assert_int_equal(b.data[b.len], '\0');
    assert_int_equal(b.data[b.len - 1], '>');
    assert_true(b.cap > b.len);
    rt_strbuf_clear(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(rt_strbuf_cstr(&b), "");
    assert_int_equal(rt_strbuf_append_str(&b, "kept"), RT_OK);
    size_t n = 0;
    char *p = rt_strbuf_detach(&b, &n);
    assert_int_equal(n, 4);
    assert_string_equal(p, "kept");
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    rt_free(p);
    /* Growth beyond the limit is refused and leaves the buffer alone. */
    assert_int_equal(rt_strbuf_append_str(&b, "x"), RT_OK);
    assert_int_equal(rt_strbuf_reserve(&b, RT_STRBUF_MAX), RT_ENOMEM);
    assert_int_equal(rt_strbuf_append_repeat(&b, "ab", 2, RT_STRBUF_MAX),
                     RT_ENOMEM);
    assert_string_equal(b.data, "x");
    rt_strbuf_deinit(&b);
    assert_null(b.data);
    rt_strbuf_deinit(&b); /* twice is fine */
}

static void test_strbuf_alloc_failure(void **state)
{
    (void)state;
    rt_strbuf b;
    rt_strbuf_init(&b);
    rt_alloc_fail_after(0);
    assert_int_equal(rt_strbuf_append_str(&b, "abc"), RT_ENOMEM);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    rt_alloc_fail_after(-1);
    assert_int_equal(rt_strbuf_append_str(&b, "abc"), RT_OK);
    char big[200];
    memset(big, 'z', sizeof big);
    rt_alloc_fail_after(0);
    assert_int_equal(rt_strbuf_append(&b, big, sizeof big), RT_ENOMEM);
    assert_int_equal(rt_strbuf_appendf(&b, "%.*s", 200, big), RT_ENOMEM);
    assert_int_equal(rt_strbuf_append_repeat(&b, "z", 1, 500), RT_ENOMEM);
    rt_alloc_fail_after(-1);
    assert_string_equal(b.data, "abc");
    assert_int_equal(b.len, 3);
    rt_strbuf_deinit(&b);
}

static void test_exc_names(void **state)
{
    (void)state;
    assert_string_equal(rt_fmt_exc_name(RT_FMT_EVALUE), "ValueError");
    assert_string_equal(rt_fmt_exc_name(RT_FMT_EOVERFLOW), "OverflowError");
    assert_string_equal(rt_fmt_exc_name(RT_FMT_EZERODIV),
                        "ZeroDivisionError");
    assert_string_equal(rt_fmt_exc_name(RT_ENOMEM), "MemoryError");
    assert_string_equal(rt_fmt_exc_name(12345), "SystemError");
}

/* ---- repr ---- */

static void test_float_repr_table(void **state)
{
    (void)state;
    rt_strbuf b;
    rt_strbuf_init(&b);
    failures = 0;
    for (size_t i = 0; i < COUNT_OF(REPR_CASES); i++) {
        rt_strbuf_clear(&b);
        double x = from_bits(REPR_CASES[i].bits);
        assert_int_equal(rt_float_repr(x, &b), RT_OK);
        if (strcmp(rt_strbuf_cstr(&b), REPR_CASES[i].want) != 0)
            mismatch("repr(%016" PRIx64 "): got %s, want %s\n",
                     REPR_CASES[i].bits, rt_strbuf_cstr(&b),
                     REPR_CASES[i].want);
    }
    rt_strbuf_deinit(&b);
    fprintf(stderr, "repr: %zu cases\n", COUNT_OF(REPR_CASES));
    assert_int_equal(failures, 0);
}

/* xorshift64*: a seeded generator so that runs repeat. */
static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * UINT64_C(2685821657736338717);
}

/* Every finite double must read back from its repr, and repr must never
 * be longer than 17 significant digits. */
static void test_float_repr_round_trip(void **state)
{
    (void)state;
    uint64_t seed = UINT64_C(0x9E3779B97F4A7C15);
    rt_strbuf b;
    rt_strbuf_init(&b);
    failures = 0;
    for (int i = 0; i < 200000; i++) {
        uint64_t bits = rng_next(&seed);
        double x = from_bits(bits);
        if (i % 2)
            x = (double)(bits >> 11) / 9007199254740992.0 * 1000.0;
        if (!isfinite(x))
            continue;
        rt_strbuf_clear(&b);
        assert_int_equal(rt_float_repr(x, &b), RT_OK);
        double back = strtod(b.data, NULL);
        int digits = 0;
        for (const char *p = b.data; *p && *p != 'e'; p++)
            digits += *p >= '0' && *p <= '9';
        if (to_bits(back) != to_bits(x))
            mismatch("repr %s does not read back as %016" PRIx64 "\n",
                     b.data, to_bits(x));
        /* Leading "0." zeros count as digits here; allow for them. */
        if (fabs(x) >= 1e-4 && fabs(x) < 1e16 && digits > 17 + 5)
            mismatch("repr %s has too many digits\n", b.data);
    }
    rt_strbuf_deinit(&b);
    assert_int_equal(failures, 0);
}

static double now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

/* The speed promise: well under a microsecond for typical values. The
 * bound is loose enough for sanitizer builds and a loaded machine, and
 * the measured figure is printed. */
static void test_float_repr_speed(void **state)
{
    (void)state;
    enum { N = 2000, ROUNDS = 50 };
    static double vals[N];
    uint64_t seed = 12345;
    for (int i = 0; i < N; i++) {
        uint64_t r = rng_next(&seed);
        switch (i % 4) {
        case 0: vals[i] = (double)(r % 100000) / 100.0; break; /* 123.45 */
        case 1: vals[i] = (double)(r >> 11) / 9007199254740992.0; break;
        case 2: vals[i] = (double)(r % 1000) * 0.1; break; /* sums */
        default: vals[i] = (double)(r % 100000); break; /* whole */
        }
    }
    rt_strbuf b;
    rt_strbuf_init(&b);
    assert_int_equal(rt_strbuf_reserve(&b, 64), RT_OK);
    double t0 = now_ns();
    for (int r = 0; r < ROUNDS; r++)
        for (int i = 0; i < N; i++) {
            b.len = 0;
            rt_float_repr(vals[i], &b);
        }
    double per = (now_ns() - t0) / (N * ROUNDS);
    /* Reported, not asserted: speed claims live in `loopscope bench`. */
    fprintf(stderr, "rt_float_repr: %.0f ns per call\n", per);
    rt_strbuf_deinit(&b);
}

static void test_int_to_str(void **state)
{
    (void)state;
    const struct {
        int64_t v;
        const char *want;
    } cases[] = {{0, "0"}, {7, "7"}, {-7, "-7"}, {1234567890, "1234567890"},
                 {INT64_MAX, "9223372036854775807"},
                 {INT64_MIN, "-9223372036854775808"}};
    rt_strbuf b;
    rt_strbuf_init(&b);
    for (size_t i = 0; i < COUNT_OF(cases); i++) {
        rt_strbuf_clear(&b);
        assert_int_equal(rt_int_to_str(cases[i].v, &b), RT_OK);
        assert_string_equal(b.data, cases[i].want);
    }
    rt_strbuf_deinit(&b);
}

static void test_str_repr_table(void **state)
{
    (void)state;
    rt_strbuf b;
    rt_strbuf_init(&b);
    failures = 0;
    for (size_t i = 0; i < COUNT_OF(STR_REPR_CASES); i++) {
        const repr_str_case *c = &STR_REPR_CASES[i];
        rt_strbuf_clear(&b);
        assert_int_equal(rt_str_repr(c->s, c->len, &b), RT_OK);
        if (b.len != c->want_len || memcmp(b.data, c->want, b.len) != 0) {
            show("repr of ", c->s, c->len);
            show("got ", b.data, b.len);
            show("want ", c->want, c->want_len);
            mismatch("\n");
        }
    }
    for (size_t i = 0; i < COUNT_OF(BYTES_REPR_CASES); i++) {
        const repr_str_case *c = &BYTES_REPR_CASES[i];
        rt_strbuf_clear(&b);
        assert_int_equal(
            rt_bytes_repr((const uint8_t *)c->s, c->len, &b), RT_OK);
        if (b.len != c->want_len || memcmp(b.data, c->want, b.len) != 0) {
            show("bytes repr of ", c->s, c->len);
            show("got ", b.data, b.len);
            mismatch("\n");
        }
    }
    rt_strbuf_deinit(&b);
    assert_int_equal(failures, 0);
}

/* ---- format ---- */

static void test_fmt_int_table(void **state)
{
    (void)state;
    rt_strbuf b;
    rt_strbuf_init(&b);
    char err[512];
    failures = 0;
    for (int pass = 0; pass < 2; pass++) {
        const fmt_int_case *cases = pass ? FMT_BOOL_CASES : FMT_INT_CASES;
        size_t n = pass ? COUNT_OF(FMT_BOOL_CASES) : COUNT_OF(FMT_INT_CASES);
        for (size_t i = 0; i < n; i++) {
            const fmt_int_case *c = &cases[i];
            rt_strbuf_clear(&b);
            int rc = run_format(fmt_int_fn, &c->v, c->spec, c->spec_len,
                                pass ? "bool" : NULL, &b, err, sizeof err);
            if (!outcome_matches(rc, &b, err, c->code, c->want,
                                 c->want_len)) {
                fprintf(stderr, "format(%" PRId64 ", ", c->v);
                show("", c->spec, c->spec_len);
                fprintf(stderr, "): rc %d ", rc);
                show("got ", rc ? err : rt_strbuf_cstr(&b),
                     rc ? strlen(err) : b.len);
                show("want ", c->want, c->want_len);
                mismatch("\n");
            }
        }
    }
    rt_strbuf_deinit(&b);
    fprintf(stderr, "format int: %zu cases\n",
            COUNT_OF(FMT_INT_CASES) + COUNT_OF(FMT_BOOL_CASES));
    assert_int_equal(failures, 0);
}

static void test_fmt_float_table(void **state)
{
    (void)state;
    rt_strbuf b;
    rt_strbuf_init(&b);
    char err[512];
    failures = 0;
    for (size_t i = 0; i < COUNT_OF(FMT_FLOAT_CASES); i++) {
        const fmt_float_case *c = &FMT_FLOAT_CASES[i];
        double x = from_bits(c->bits);
        rt_strbuf_clear(&b);
        int rc = run_format(fmt_float_fn, &x, c->spec, c->spec_len, NULL, &b,
                            err, sizeof err);
        if (!outcome_matches(rc, &b, err, c->code, c->want, c->want_len)) {
            fprintf(stderr, "format(%.17g, ", x);
            show("", c->spec, c->spec_len);
            fprintf(stderr, "): rc %d ", rc);
            show("got ", rc ? err : rt_strbuf_cstr(&b),
                 rc ? strlen(err) : b.len);
            show("want ", c->want, c->want_len);
            mismatch("\n");
        }
    }
    rt_strbuf_deinit(&b);
    fprintf(stderr, "format float: %zu cases\n", COUNT_OF(FMT_FLOAT_CASES));
    assert_int_equal(failures, 0);
}

static void test_fmt_str_table(void **state)
{
    (void)state;
    rt_strbuf b;
    rt_strbuf_init(&b);
    char err[512];
    failures = 0;
    for (size_t i = 0; i < COUNT_OF(FMT_STR_CASES); i++) {
        const fmt_str_case *c = &FMT_STR_CASES[i];
        str_arg a = {c->s, c->len};
        rt_strbuf_clear(&b);
        int rc = run_format(fmt_str_fn, &a, c->spec, c->spec_len, NULL, &b,
                            err, sizeof err);
        if (!outcome_matches(rc, &b, err, c->code, c->want, c->want_len)) {
            show("format(", c->s, c->len);
            show(", ", c->spec, c->spec_len);
            fprintf(stderr, "): rc %d ", rc);
            show("got ", rc ? err : rt_strbuf_cstr(&b),
                 rc ? strlen(err) : b.len);
            show("want ", c->want, c->want_len);
            mismatch("\n");
        }
    }
    rt_strbuf_deinit(&b);
    fprintf(stderr, "format str: %zu cases\n", COUNT_OF(FMT_STR_CASES));
    assert_int_equal(failures, 0);
}

/* A failed format leaves the caller's text as it was; so does a spec that
 * parses but fails when formatting, and a tiny err buffer truncates. */
static void test_fmt_errors_keep_buffer(void **state)
{
    (void)state;
    rt_strbuf b;
    rt_strbuf_init(&b);
    assert_int_equal(rt_strbuf_append_str(&b, "keep"), RT_OK);
    rt_fmt_spec sp;
    char err[8];
    assert_int_equal(rt_fmt_spec_parse(S(".2"), &sp, err, sizeof err), RT_OK);
    assert_int_equal(rt_fmt_int(5, &sp, &b, err, sizeof err), RT_FMT_EVALUE);
    assert_string_equal(err, "Precisi"); /* truncated, NUL-terminated */
    assert_int_equal(rt_fmt_spec_parse(S("c"), &sp, err, sizeof err), RT_OK);
    assert_int_equal(rt_fmt_int(-1, &sp, &b, err, sizeof err),
                     RT_FMT_EOVERFLOW);
    assert_int_equal(rt_fmt_spec_parse(S("d"), &sp, NULL, 0), RT_OK);
    assert_int_equal(rt_fmt_float(1.0, &sp, &b, NULL, 0), RT_FMT_EVALUE);
    assert_int_equal(rt_fmt_str(S("x"), &sp, &b, NULL, 0), RT_FMT_EVALUE);
    assert_int_equal(rt_fmt_spec_parse(S("."), &sp, NULL, 0), RT_FMT_EVALUE);
    assert_string_equal(b.data, "keep");
    assert_int_equal(b.len, 4);
    /* Appending after existing text. */
    assert_int_equal(rt_fmt_spec_parse(S(">6.2f"), &sp, NULL, 0), RT_OK);
    assert_int_equal(rt_fmt_float(3.14159, &sp, &b, NULL, 0), RT_OK);
    assert_string_equal(b.data, "keep  3.14");
    rt_strbuf_deinit(&b);
}

/* A width Python could only meet by allocating gigabytes is MemoryError;
 * a width that is merely large works. */
static void test_fmt_huge_width(void **state)
{
    (void)state;
    rt_strbuf b;
    rt_strbuf_init(&b);
    rt_fmt_spec sp;
    assert_int_equal(rt_fmt_spec_parse(S("5000000000"), &sp, NULL, 0), RT_OK);
    assert_int_equal(sp.width, INT64_C(5000000000));
    assert_int_equal(rt_fmt_int(1, &sp, &b, NULL, 0), RT_ENOMEM);
    assert_int_equal(rt_fmt_float(1.0, &sp, &b, NULL, 0), RT_ENOMEM);
    assert_int_equal(rt_fmt_str(S("x"), &sp, &b, NULL, 0), RT_ENOMEM);
    assert_int_equal(rt_fmt_spec_parse(S("0=5000000000,"), &sp, NULL, 0),
                     RT_OK);
    assert_int_equal(rt_fmt_int(1, &sp, &b, NULL, 0), RT_ENOMEM);
    assert_int_equal(rt_fmt_spec_parse(S(".2000000000f"), &sp, NULL, 0),
                     RT_OK);
    assert_int_equal(rt_fmt_float(1.0, &sp, &b, NULL, 0), RT_ENOMEM);
    assert_int_equal(rt_fmt_spec_parse(S(".2147483647e"), &sp, NULL, 0),
                     RT_OK);
    assert_int_equal(rt_fmt_float(1.0, &sp, &b, NULL, 0), RT_ENOMEM);
    assert_int_equal(rt_fmt_spec_parse(S("#.2147483647g"), &sp, NULL, 0),
                     RT_OK);
    assert_int_equal(rt_fmt_float(1.0, &sp, &b, NULL, 0), RT_ENOMEM);
    assert_int_equal(b.len, 0);
    /* The largest precision is fine when no zeros must be written. */
    assert_int_equal(rt_fmt_spec_parse(S(".2147483647g"), &sp, NULL, 0),
                     RT_OK);
    assert_int_equal(rt_fmt_float(1.0, &sp, &b, NULL, 0), RT_OK);
    assert_string_equal(b.data, "1");
    rt_strbuf_clear(&b);
    assert_int_equal(rt_fmt_spec_parse(S(".2147483647"), &sp, NULL, 0),
                     RT_OK);
    assert_int_equal(rt_fmt_float(0.1, &sp, &b, NULL, 0), RT_OK);
    assert_string_equal(
        b.data, "0.1000000000000000055511151231257827021181583404541015625");
    rt_strbuf_clear(&b);
    assert_int_equal(rt_fmt_spec_parse(S("*^100001"), &sp, NULL, 0), RT_OK);
    assert_int_equal(rt_fmt_int(-7, &sp, &b, NULL, 0), RT_OK);
    assert_int_equal(b.len, 100001);
    assert_memory_equal(b.data + 49998, "*-7*", 4);
    /* Precision far beyond a double's digits pads with zeros. */
    rt_strbuf_clear(&b);
    assert_int_equal(rt_fmt_spec_parse(S(".5000f"), &sp, NULL, 0), RT_OK);
    assert_int_equal(rt_fmt_float(0.5, &sp, &b, NULL, 0), RT_OK);
    assert_int_equal(b.len, 5002);
    assert_memory_equal(b.data, "0.5000", 6);
    assert_int_equal(b.data[5001], '0');
    rt_strbuf_clear(&b);
    assert_int_equal(rt_fmt_spec_parse(S(".3000e"), &sp, NULL, 0), RT_OK);
    assert_int_equal(rt_fmt_float(5e-324, &sp, &b, NULL, 0), RT_OK);
    assert_int_equal(b.len, 3007);
    assert_memory_equal(b.data, "4.9406564584124654417656879286822137236505",
                        42);
    assert_string_equal(b.data + 3001, "0e-324");
    rt_strbuf_deinit(&b);
}

static void test_fmt_spec_fields(void **state)
{
    (void)state;
    rt_fmt_spec sp;
    const char spec[] = "\xc3\xa9^+z#012,.3f";
    assert_int_equal(rt_fmt_spec_parse(spec, sizeof spec - 1, &sp, NULL, 0),
                     RT_OK);
    assert_int_equal(sp.fill, 0xE9);
    assert_true(sp.fill_given);
    assert_int_equal(sp.align, '^');
    assert_int_equal(sp.sign, '+');
    assert_true(sp.no_neg_zero);
    assert_true(sp.alternate);
    assert_false(sp.zero); /* a fill was given: '0' is part of the width */
    assert_int_equal(sp.width, 12);
    assert_int_equal(sp.grouping, ',');
    assert_int_equal(sp.precision, 3);
    assert_int_equal(sp.type, 'f');
    assert_false(sp.invalid);
    assert_int_equal(rt_fmt_spec_parse("", 0, &sp, NULL, 0), RT_OK);
    assert_int_equal(sp.width, -1);
    assert_int_equal(sp.precision, -1);
    assert_int_equal(sp.type, 0);
    assert_false(sp.type_given);
    assert_int_equal(sp.align, 0);
    assert_int_equal(rt_fmt_spec_parse(S("08"), &sp, NULL, 0), RT_OK);
    assert_true(sp.zero);
    assert_int_equal(sp.width, 8);
    assert_int_equal(rt_fmt_spec_parse(S("\xf0\x9f\x98\x80"), &sp, NULL, 0),
                     RT_OK);
    assert_int_equal(sp.type, 0x1F600);
    assert_true(sp.type_given);
    assert_int_equal(rt_fmt_spec_parse(S("\0"), &sp, NULL, 0), RT_OK);
    assert_int_equal(sp.type, 0);
    assert_true(sp.type_given);
    assert_int_equal(rt_fmt_spec_parse(S("xyz"), &sp, NULL, 0), RT_OK);
    assert_true(sp.invalid);
}

/* Every allocating path fails cleanly: RT_ENOMEM, the buffer unchanged,
 * and the call succeeds again once allocation works. */
static void test_alloc_failure(void **state)
{
    (void)state;
    rt_strbuf b;
    rt_strbuf_init(&b);
    rt_fmt_spec sp;
    char err[256];
    int64_t iv;
    double dv;

    /* Fail the buffer's first allocation. */
    rt_alloc_fail_after(0);
    assert_int_equal(rt_float_repr(0.1, &b), RT_ENOMEM);
    assert_int_equal(rt_int_to_str(5, &b), RT_ENOMEM);
    assert_int_equal(rt_str_repr(S("abc"), &b), RT_ENOMEM);
    assert_int_equal(rt_bytes_repr((const uint8_t *)"abc", 3, &b), RT_ENOMEM);
    assert_int_equal(rt_fmt_spec_parse(S(">10"), &sp, NULL, 0), RT_OK);
    assert_int_equal(rt_fmt_int(5, &sp, &b, NULL, 0), RT_ENOMEM);
    assert_int_equal(rt_fmt_float(5.5, &sp, &b, NULL, 0), RT_ENOMEM);
    assert_int_equal(rt_fmt_str(S("x"), &sp, &b, NULL, 0), RT_ENOMEM);
    /* Error messages that need a repr of the input. */
    assert_int_equal(rt_parse_int(S("abc"), 10, &iv, err, sizeof err),
                     RT_ENOMEM);
    assert_int_equal(rt_parse_float(S("abc"), &dv, err, sizeof err),
                     RT_ENOMEM);
    /* Long inputs need a scratch copy. */
    char longnum[300];
    memset(longnum, '1', sizeof longnum);
    assert_int_equal(rt_parse_float(longnum, sizeof longnum, &dv, err,
                                    sizeof err),
                     RT_ENOMEM);
    assert_int_equal(rt_parse_int(longnum, sizeof longnum, 10, &iv, err,
                                  sizeof err),
                     RT_ENOMEM);
    rt_alloc_fail_after(-1);
    assert_null(b.data);

    /* Fail the growth of a buffer that already holds text. */
    assert_int_equal(rt_strbuf_append_str(&b, "x"), RT_OK);
    size_t cap = b.cap;
    char fill[100];
    memset(fill, 'y', sizeof fill);
    assert_int_equal(rt_strbuf_append(&b, fill, cap - 2), RT_OK);
    size_t len = b.len;
    rt_alloc_fail_after(0);
    assert_int_equal(rt_float_repr(0.1, &b), RT_ENOMEM);
    assert_int_equal(rt_fmt_spec_parse(S("*^20.3e"), &sp, NULL, 0), RT_OK);
    assert_int_equal(rt_fmt_float(-1.5, &sp, &b, NULL, 0), RT_ENOMEM);
    assert_int_equal(rt_str_repr(S("it's"), &b), RT_ENOMEM);
    /* A precision beyond the stack scratch needs the heap. */
    assert_int_equal(rt_fmt_spec_parse(S(".900f"), &sp, NULL, 0), RT_OK);
    assert_int_equal(rt_fmt_float(1.0, &sp, &b, NULL, 0), RT_ENOMEM);
    rt_alloc_fail_after(-1);
    assert_int_equal(b.len, len);
    assert_int_equal(rt_fmt_float(1.0, &sp, &b, NULL, 0), RT_OK);
    assert_int_equal(b.len, len + 902);

    /* And with allocation working, the same calls succeed. */
    assert_int_equal(rt_parse_int(longnum, 19, 10, &iv, err, sizeof err),
                     RT_OK);
    assert_int_equal(iv, INT64_C(1111111111111111111));
    rt_strbuf_deinit(&b);
}

/* ---- round ---- */

static void test_round_tables(void **state)
{
    (void)state;
    failures = 0;
    for (size_t i = 0; i < COUNT_OF(ROUND_CASES); i++) {
        const round_case *c = &ROUND_CASES[i];
        double out = -12345.0;
        const char *msg = "";
        int rc = rt_float_round(from_bits(c->bits), c->ndigits, &out, &msg);
        bool ok = rc == c->code &&
                  (rc ? strlen(msg) == c->msg_len &&
                            memcmp(msg, c->msg, c->msg_len) == 0
                      : same_double(out, c->want));
        if (!ok)
            mismatch("round(%.17g, %" PRId64 "): rc %d got %.17g (%s), "
                     "want %.17g\n",
                     from_bits(c->bits), c->ndigits, rc, out, msg,
                     from_bits(c->want));
    }
    for (int pass = 0; pass < 2; pass++) {
        const to_int_case *cases = pass ? TRUNC_INT_CASES : ROUND_INT_CASES;
        size_t n = pass ? COUNT_OF(TRUNC_INT_CASES)
                        : COUNT_OF(ROUND_INT_CASES);
        for (size_t i = 0; i < n; i++) {
            const to_int_case *c = &cases[i];
            int64_t out = 0;
            const char *msg = "";
            double x = from_bits(c->bits);
            int rc = pass ? rt_float_to_int(x, &out, &msg)
                          : rt_float_round_to_int(x, &out, &msg);
            bool ok = rc == c->code &&
                      (rc ? strlen(msg) == c->msg_len &&
                                memcmp(msg, c->msg, c->msg_len) == 0
                          : out == c->want);
            if (!ok)
                mismatch("%s(%.17g): rc %d got %" PRId64 " (%s)\n",
                         pass ? "int" : "round", x, rc, out, msg);
        }
    }
    for (size_t i = 0; i < COUNT_OF(INT_ROUND_CASES); i++) {
        const int_round_case *c = &INT_ROUND_CASES[i];
        int64_t out = 0;
        const char *msg = "";
        int rc = rt_int_round(c->v, c->ndigits, &out, &msg);
        bool ok = rc == c->code &&
                  (rc ? strlen(msg) == c->msg_len &&
                            memcmp(msg, c->msg, c->msg_len) == 0
                      : out == c->want);
        if (!ok)
            mismatch("round(%" PRId64 ", %" PRId64 "): rc %d got %" PRId64
                     " want %" PRId64 "\n",
                     c->v, c->ndigits, rc, out, c->want);
    }
    fprintf(stderr, "round: %zu cases\n",
            COUNT_OF(ROUND_CASES) + COUNT_OF(ROUND_INT_CASES) +
                COUNT_OF(TRUNC_INT_CASES) + COUNT_OF(INT_ROUND_CASES));
    assert_int_equal(failures, 0);
}

/* ---- parsing ---- */

static void test_parse_int_table(void **state)
{
    (void)state;
    failures = 0;
    char err[1024];
    for (size_t i = 0; i < COUNT_OF(PARSE_INT_CASES); i++) {
        const parse_int_case *c = &PARSE_INT_CASES[i];
        int64_t out = 777;
        err[0] = '\0';
        int rc = rt_parse_int(c->s, c->len, c->base, &out, err, sizeof err);
        bool ok = rc == c->code &&
                  (rc ? strlen(err) == c->msg_len &&
                            memcmp(err, c->msg, c->msg_len) == 0
                      : out == c->want);
        if (rc != OK && out != 777)
            ok = false; /* a failure must not write *out */
        if (!ok) {
            show("int(", c->s, c->len);
            fprintf(stderr, ", %d): rc %d got %" PRId64 " ", c->base, rc, out);
            show("err ", err, strlen(err));
            show("want ", c->msg, c->msg_len);
            mismatch("\n");
        }
    }
    fprintf(stderr, "int(): %zu cases\n", COUNT_OF(PARSE_INT_CASES));
    assert_int_equal(failures, 0);
}

static void test_parse_float_table(void **state)
{
    (void)state;
    failures = 0;
    char err[1024];
    for (size_t i = 0; i < COUNT_OF(PARSE_FLOAT_CASES); i++) {
        const parse_float_case *c = &PARSE_FLOAT_CASES[i];
        double out = -777.0;
        err[0] = '\0';
        int rc = rt_parse_float(c->s, c->len, &out, err, sizeof err);
        bool ok = rc == c->code &&
                  (rc ? strlen(err) == c->msg_len &&
                            memcmp(err, c->msg, c->msg_len) == 0
                      : same_double(out, c->want));
        if (rc != OK && out != -777.0)
            ok = false;
        if (!ok) {
            show("float(", c->s, c->len);
            fprintf(stderr, "): rc %d got %.17g ", rc, out);
            show("err ", err, strlen(err));
            show("want ", c->msg, c->msg_len);
            mismatch("\n");
        }
    }
    fprintf(stderr, "float(): %zu cases\n", COUNT_OF(PARSE_FLOAT_CASES));
    assert_int_equal(failures, 0);
}

/* ---- arithmetic ---- */

static bool msg_matches(const char *msg, const char *want, size_t n)
{
    return msg && strlen(msg) == n && memcmp(msg, want, n) == 0;
}

static void test_int_arith_table(void **state)
{
    (void)state;
    failures = 0;
    for (size_t i = 0; i < COUNT_OF(INT_ARITH_CASES); i++) {
        const int_arith_case *c = &INT_ARITH_CASES[i];
        int64_t out = 0;
        const char *msg = NULL;
        int rc = c->op == '/'   ? rt_int_floordiv(c->a, c->b, &out, &msg)
                 : c->op == '%' ? rt_int_mod(c->a, c->b, &out, &msg)
                                : rt_int_pow(c->a, c->b, &out, &msg);
        bool ok = rc == c->code && (rc ? msg_matches(msg, c->msg, c->msg_len)
                                       : out == c->want);
        if (!ok)
            mismatch("%" PRId64 " %c %" PRId64 ": rc %d got %" PRId64
                     " (%s) want %" PRId64 " (%s)\n",
                     c->a, c->op, c->b, rc, out, msg ? msg : "", c->want,
                     c->msg);
    }
    for (size_t i = 0; i < COUNT_OF(INT_TRUEDIV_CASES); i++) {
        const int_div_case *c = &INT_TRUEDIV_CASES[i];
        double out = 0;
        const char *msg = NULL;
        int rc = rt_int_truediv(c->a, c->b, &out, &msg);
        bool ok = rc == c->code && (rc ? msg_matches(msg, c->msg, c->msg_len)
                                       : same_double(out, c->want));
        if (!ok)
            mismatch("%" PRId64 " / %" PRId64 ": rc %d got %.17g want %.17g\n",
                     c->a, c->b, rc, out, from_bits(c->want));
    }
    /* A negative exponent is the caller's to send to rt_float_pow. */
    int64_t out = 99;
    assert_int_equal(rt_int_pow(2, -1, &out, NULL), RT_EINVAL);
    assert_int_equal(out, 99);
    fprintf(stderr, "int arithmetic: %zu cases\n",
            COUNT_OF(INT_ARITH_CASES) + COUNT_OF(INT_TRUEDIV_CASES));
    assert_int_equal(failures, 0);
}

static void test_float_arith_table(void **state)
{
    (void)state;
    failures = 0;
    for (size_t i = 0; i < COUNT_OF(FLOAT_ARITH_CASES); i++) {
        const float_arith_case *c = &FLOAT_ARITH_CASES[i];
        double a = from_bits(c->a), b = from_bits(c->b), out = 0;
        const char *msg = NULL;
        int rc;
        switch (c->op) {
        case '/': rc = rt_float_div(a, b, &out, &msg); break;
        case 'f': rc = rt_float_floordiv(a, b, &out, &msg); break;
        case '%': rc = rt_float_mod(a, b, &out, &msg); break;
        default: rc = rt_float_pow(a, b, &out, &msg); break;
        }
        bool ok = rc == c->code && (rc ? msg_matches(msg, c->msg, c->msg_len)
                                       : same_double(out, c->want));
        if (!ok)
            mismatch("%.17g %c %.17g: rc %d got %.17g (%s) want %.17g (%s)\n",
                     a, c->op, b, rc, out, msg ? msg : "", from_bits(c->want),
                     c->msg);
    }
    fprintf(stderr, "float arithmetic: %zu cases\n",
            COUNT_OF(FLOAT_ARITH_CASES));
    assert_int_equal(failures, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strbuf_basics),
        cmocka_unit_test(test_strbuf_alloc_failure),
        cmocka_unit_test(test_exc_names),
        cmocka_unit_test(test_float_repr_table),
        cmocka_unit_test(test_float_repr_round_trip),
        cmocka_unit_test(test_float_repr_speed),
        cmocka_unit_test(test_int_to_str),
        cmocka_unit_test(test_str_repr_table),
        cmocka_unit_test(test_fmt_int_table),
        cmocka_unit_test(test_fmt_float_table),
        cmocka_unit_test(test_fmt_str_table),
        cmocka_unit_test(test_fmt_errors_keep_buffer),
        cmocka_unit_test(test_fmt_huge_width),
        cmocka_unit_test(test_fmt_spec_fields),
        cmocka_unit_test(test_alloc_failure),
        cmocka_unit_test(test_round_tables),
        cmocka_unit_test(test_parse_int_table),
        cmocka_unit_test(test_parse_float_table),
        cmocka_unit_test(test_int_arith_table),
        cmocka_unit_test(test_float_arith_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
