/*
 * textfmt.h - numbers and strings printed and parsed exactly as CPython 3.11
 * does: repr() of floats (shortest round-trip), the format-spec
 * mini-language of format() and f-strings, round(), int(str, base),
 * float(str), repr() of str and bytes, and Python's rules for //, % and **.
 *
 * The module is pure C with no knowledge of the interpreter: plain C values
 * go in, UTF-8 bytes come out into an rt_strbuf. A scenario prints the same
 * text under the simulator as under python3 only if every digit, sign,
 * exponent and error message matches, so each routine follows CPython's
 * algorithm (Objects/floatobject.c, Python/pystrtod.c,
 * Python/formatter_unicode.c, Objects/longobject.c) and the tests compare
 * its output with text produced by CPython itself.
 *
 * Results. Every fallible call returns 0 (RT_OK), RT_ENOMEM, or one of the
 * RT_FMT_E* codes below, each naming the Python exception the interpreter
 * must raise; the message (CPython's exact text) is written into the
 * caller's `err` buffer (NUL-terminated, truncated to `errlen`) or, for the
 * arithmetic helpers whose messages never vary, handed back as a static
 * string through `msg`. On failure the output buffer holds what it held
 * before the call, and *out is left alone.
 *
 * Text is UTF-8. Lengths and widths count code points, as Python does.
 * Bytes that are not valid UTF-8 are read as the surrogate escapes
 * U+DC80..U+DCFF (so repr shows '\udcff'), and surrogate code points
 * encoded as three bytes are accepted, which is how the interpreter
 * stores the lone surrogates Python strings may hold.
 *
 * The module assumes the C library's LC_NUMERIC locale is "C" (nothing in
 * loopscope calls setlocale for it): the float routines use the correctly
 * rounded snprintf/strtod of glibc, which read the decimal point from it.
 */
#ifndef LOOPSCOPE_TEXTFMT_H
#define LOOPSCOPE_TEXTFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rt.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Result codes                                                             */
/* ------------------------------------------------------------------------ */

/* The Python exception each code stands for. They extend rt.h's codes (which
 * stay above -100) and are named by rt_fmt_exc_name. */
#define RT_FMT_ERRORS(X)                                                     \
    X(EVALUE, -100, "ValueError")                                            \
    X(EOVERFLOW, -101, "OverflowError")                                      \
    X(EZERODIV, -102, "ZeroDivisionError")

enum {
#define RT_FMT_ERROR_ENUM(name, value, exc) RT_FMT_##name = (value),
    RT_FMT_ERRORS(RT_FMT_ERROR_ENUM)
#undef RT_FMT_ERROR_ENUM
};

/* The Python exception class to raise for a result code: "ValueError",
 * "OverflowError", "ZeroDivisionError", "MemoryError" for RT_ENOMEM, and
 * "SystemError" for anything else (a caller's bug). Never NULL. */
const char *rt_fmt_exc_name(int code);

/* The message of the OverflowError raised when a result exists in Python
 * but not in the simulator's 64-bit integers (int('9' * 30), 2 ** 64,
 * round(1e300)). CPython has no such error, so the text says why. */
#define RT_FMT_INT_OVERFLOW_TEXT                                             \
    "integer too large (scenario integers are limited to 64 bits)"

/* ------------------------------------------------------------------------ */
/* A growable byte buffer                                                   */
/* ------------------------------------------------------------------------ */

/* Invariants: data is NULL exactly when cap is 0 (a fresh buffer allocates
 * nothing); otherwise len < cap and data[len] == '\0', so the text can be
 * used as a C string (it may also hold NUL bytes of its own). A buffer
 * never grows beyond RT_STRBUF_MAX bytes: asking for more fails with
 * RT_ENOMEM (MemoryError), as a huge format width would in Python. */
typedef struct rt_strbuf {
    char *data; /* the bytes, owned; NULL until the first append */
    size_t len; /* bytes used, not counting the terminating NUL */
    size_t cap; /* bytes allocated, including room for the NUL */
} rt_strbuf;

#define RT_STRBUF_MAX ((size_t)1 << 30)

/* Makes an empty buffer; allocates nothing and cannot fail. */
void rt_strbuf_init(rt_strbuf *b);

/* Frees the bytes and leaves an empty buffer that may be used again. */
void rt_strbuf_deinit(rt_strbuf *b);

/* Forgets the contents but keeps the allocation. */
void rt_strbuf_clear(rt_strbuf *b);

/* Encodes the code point cp (at most U+10FFFF) as UTF-8 into out; returns
 * the byte count, 1 to 4. */
size_t rt_utf8_encode(uint32_t cp, char out[4]);

/* Makes room for `extra` more bytes (plus the NUL). RT_ENOMEM leaves the
 * buffer unchanged. */
int rt_strbuf_reserve(rt_strbuf *b, size_t extra);

/* Appends n bytes (which may include NULs), or the C string s, or one
 * byte, or `count` copies of the `unit_len`-byte sequence unit. RT_ENOMEM
 * leaves the buffer unchanged. */
int rt_strbuf_append(rt_strbuf *b, const char *s, size_t n);
int rt_strbuf_append_str(rt_strbuf *b, const char *s);
int rt_strbuf_append_char(rt_strbuf *b, char c);
int rt_strbuf_append_repeat(rt_strbuf *b, const char *unit, size_t unit_len,
                            size_t count);

/* printf into the buffer. RT_ENOMEM leaves it unchanged; RT_EINVAL when
 * the format itself is bad. */
int rt_strbuf_appendf(rt_strbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The contents as a C string: "" for a buffer that never allocated. The
 * pointer is valid until the next change to the buffer. */
const char *rt_strbuf_cstr(const rt_strbuf *b);

/* Hands the bytes over to the caller (who frees them with rt_free) and
 * leaves the buffer empty. Returns NULL for a buffer that never allocated;
 * *len (may be NULL) receives the length. */
char *rt_strbuf_detach(rt_strbuf *b, size_t *len);

/* ------------------------------------------------------------------------ */
/* repr() and str()                                                         */
/* ------------------------------------------------------------------------ */

/* Appends repr(x) (which is also str(x)) of a float: the shortest digit
 * string that reads back as x, in exponent form when the decimal exponent
 * is below -4 or at least 16 ('1e+16', '1e-05', '1.5e-07'), otherwise
 * positional with at least one digit after the point ('1.0', '0.1',
 * '123456789012345.0'), and 'inf', '-inf', 'nan', '-0.0'. RT_OK or
 * RT_ENOMEM. Takes well under a microsecond for typical values. */
int rt_float_repr(double x, rt_strbuf *out);

/* Appends str(v) of an int: decimal digits with a '-' when negative. */
int rt_int_to_str(int64_t v, rt_strbuf *out);

/* Appends repr(s) of the str whose UTF-8 bytes are s[0..len): in single
 * quotes, or in double quotes when it holds a ' and no "; \\ \n \r \t
 * escaped by letter, other non-printable characters as \xNN, \uNNNN or
 * \UNNNNNNNN (lowercase hex), printable non-ASCII characters as they are. */
int rt_str_repr(const char *s, size_t len, rt_strbuf *out);

/* Appends repr(b) of a bytes object: b'...' (or b"..." by the same quote
 * rule), with \\ \n \r \t, \xNN for other bytes outside 0x20..0x7e. */
int rt_bytes_repr(const uint8_t *s, size_t len, rt_strbuf *out);

/* ------------------------------------------------------------------------ */
/* The format-spec mini-language: format(x, spec), f'{x:spec}'              */
/* ------------------------------------------------------------------------ */

/* A parsed spec, [[fill]align][sign][z][#][0][width][grouping][.precision]
 * [type], before the object's type is known. The defaults that depend on
 * the type (alignment, presentation type, what the '0' flag means) are
 * applied by rt_fmt_int / rt_fmt_float / rt_fmt_str, which also make the
 * type-dependent checks that CPython makes while parsing, first of all, so
 * errors come in CPython's order. */
typedef struct rt_fmt_spec {
    uint32_t fill;      /* fill code point; meaningful when fill_given */
    bool fill_given;    /* a fill character came before the alignment */
    char align;         /* '<', '>', '^', '=' or 0 when none was given */
    char sign;          /* '+', '-', ' ' or 0 when none was given */
    bool no_neg_zero;   /* 'z': -0.0 printed as 0.0 (floats only) */
    bool alternate;     /* '#': 0x prefixes, a point that stays */
    bool zero;          /* the '0' flag before the width */
    char grouping;      /* ',' or '_' or 0 */
    int64_t width;      /* minimum width in code points, -1 when absent */
    int64_t precision;  /* -1 when absent */
    uint32_t type;      /* presentation type code point (may be U+0000) */
    bool type_given;    /* false: none was given, and type is 0 */
    bool invalid;       /* more than one character was left for the type:
                           "Invalid format specifier ..." when formatting */
    const char *text;   /* the spec as given (borrowed: it must outlive the
                           rt_fmt_* call), for that message */
    size_t text_len;
    const char *type_name; /* the object's type in error messages; NULL
                              means "int", "float" or "str" by function.
                              The interpreter sets "bool" for True/False. */
} rt_fmt_spec;

/* Parses spec[0..len) (UTF-8) into *out. Returns RT_OK, or RT_FMT_EVALUE
 * with CPython's message in err for the errors that do not depend on the
 * object's type: "Too many decimal digits in format string", "Cannot
 * specify both ',' and '_'.", "Cannot specify ',' with ','." and "Format
 * specifier missing precision". An empty spec parses to all defaults;
 * note that Python formats an int, float or str with an empty spec as
 * str(x) and bool as 'True'/'False', which is the caller's to do for bool.
 * *out keeps a pointer to spec. */
int rt_fmt_spec_parse(const char *spec, size_t len, rt_fmt_spec *out,
                      char *err, size_t errlen);

/* Appends format(v, spec) for an int: types b c d o x X n and none ('d'),
 * and e E f F g G % which format float(v). Errors as CPython raises them:
 * RT_FMT_EVALUE ("Unknown format code 'q' for object of type 'int'",
 * "Precision not allowed in integer format specifier", "Sign not allowed
 * with integer format specifier 'c'", ...) and RT_FMT_EOVERFLOW ("%c arg
 * not in range(0x110000)"). The 'n' type uses the C locale, as python3
 * does by default: no grouping, '.' as the decimal point. */
int rt_fmt_int(int64_t v, const rt_fmt_spec *spec, rt_strbuf *out, char *err,
               size_t errlen);

/* Appends format(x, spec) for a float: types e E f F g G n % and none
 * (repr(x) without a precision; with one, 'g' that keeps at least one
 * digit after the point: format(1.0, '') == '1.0', format(123.456, '.2')
 * == '1.2e+02'). Rounding is round-half-even on the exact binary value. */
int rt_fmt_float(double x, const rt_fmt_spec *spec, rt_strbuf *out,
                 char *err, size_t errlen);

/* Appends format(s, spec) for the str s[0..len) (UTF-8): types s and none;
 * the precision keeps at most that many code points, the width counts
 * code points. */
int rt_fmt_str(const char *s, size_t len, const rt_fmt_spec *spec,
               rt_strbuf *out, char *err, size_t errlen);

/* ------------------------------------------------------------------------ */
/* round()                                                                  */
/* ------------------------------------------------------------------------ */

/* round(x, ndigits) for a float: the decimal value nearest x with ndigits
 * digits after the point (half-even on the exact binary value), read back
 * as a float. nan and infinities come back unchanged; ndigits above 323
 * gives x, below -308 gives a zero with x's sign. RT_FMT_EOVERFLOW
 * ("rounded value too large to represent") when the result overflows. */
int rt_float_round(double x, int64_t ndigits, double *out, const char **msg);

/* round(x) for a float: the nearest integer, halves to even.
 * RT_FMT_EVALUE "cannot convert float NaN to integer", RT_FMT_EOVERFLOW
 * "cannot convert float infinity to integer" or RT_FMT_INT_OVERFLOW_TEXT. */
int rt_float_round_to_int(double x, int64_t *out, const char **msg);

/* int(x) for a float: truncation toward zero, with round()'s errors. */
int rt_float_to_int(double x, int64_t *out, const char **msg);

/* round(v, ndigits) for an int: v itself when ndigits >= 0, otherwise the
 * nearest multiple of 10**-ndigits, halves to even. RT_FMT_EOVERFLOW when
 * that multiple does not fit in 64 bits. */
int rt_int_round(int64_t v, int64_t ndigits, int64_t *out, const char **msg);

/* ------------------------------------------------------------------------ */
/* int(str, base) and float(str)                                            */
/* ------------------------------------------------------------------------ */

/* int(s, base) for the str s[0..len): surrounding whitespace, a sign, a
 * 0x/0o/0b prefix (base 0, or the matching base), single underscores
 * between digits, Unicode decimal digits. RT_FMT_EVALUE with "int() base
 * must be >= 2 and <= 36, or 0" or "invalid literal for int() with base
 * 10: 'abc'" (the repr cut to 200 characters, as CPython does);
 * RT_FMT_EOVERFLOW with RT_FMT_INT_OVERFLOW_TEXT for a valid literal
 * outside int64. */
int rt_parse_int(const char *s, size_t len, int base, int64_t *out,
                 char *err, size_t errlen);

/* float(s) for the str s[0..len): decimal literals with underscores
 * between digits, 'inf', 'infinity', 'nan' in any case with a sign,
 * surrounding whitespace, Unicode decimal digits; correctly rounded;
 * overflow gives inf as in Python. RT_FMT_EVALUE with "could not convert
 * string to float: 'x'". */
int rt_parse_float(const char *s, size_t len, double *out, char *err,
                   size_t errlen);

/* ------------------------------------------------------------------------ */
/* Arithmetic with Python's rules                                           */
/* ------------------------------------------------------------------------ */

/* The helpers below store the result in *out and return RT_OK, or return
 * an RT_FMT_E* code with *msg (when msg is not NULL) set to the static
 * message CPython raises. */

/* a // b and a % b for ints: the quotient rounds toward minus infinity and
 * the remainder takes the divisor's sign. Division by zero raises
 * "integer division or modulo by zero" for // and "integer modulo by zero"
 * for % (CPython 3.11's two texts); INT64_MIN // -1 overflows
 * (RT_FMT_INT_OVERFLOW_TEXT). */
int rt_int_floordiv(int64_t a, int64_t b, int64_t *out, const char **msg);
int rt_int_mod(int64_t a, int64_t b, int64_t *out, const char **msg);

/* a / b for ints: the correctly rounded float quotient, as Python computes
 * it even when a and b are too large to be exact floats. "division by
 * zero". */
int rt_int_truediv(int64_t a, int64_t b, double *out, const char **msg);

/* a ** b for ints with b >= 0 (0 ** 0 == 1), or RT_FMT_EOVERFLOW when the
 * result needs more than 64 bits. A negative b makes a float in Python:
 * RT_EINVAL then, and the caller computes rt_float_pow(a, b) instead. */
int rt_int_pow(int64_t a, int64_t b, int64_t *out, const char **msg);

/* a / b, a // b and a % b for floats: "float division by zero", "float
 * floor division by zero", "float modulo". The remainder takes the
 * divisor's sign (a zero one too: -0.0 % 5 == 0.0, 0.0 % -5 == -0.0) and
 * the quotient is snapped to the integer next to (a - a % b) / b, as
 * CPython's divmod does. */
int rt_float_div(double a, double b, double *out, const char **msg);
int rt_float_floordiv(double a, double b, double *out, const char **msg);
int rt_float_mod(double a, double b, double *out, const char **msg);

/* a ** b for floats with CPython's special cases (x ** 0 == 1, 1 ** nan ==
 * 1, (-8) ** 3.0 == -512.0, ...). RT_FMT_EZERODIV "0.0 cannot be raised
 * to a negative power"; RT_FMT_EOVERFLOW "(34, 'Numerical result out of
 * range')" (the str() of CPython's OverflowError); a negative base with a
 * fractional exponent gives a complex number in Python, reported as
 * RT_FMT_EVALUE "complex results are not supported in scenarios". */
int rt_float_pow(double a, double b, double *out, const char **msg);

#ifdef __cplusplus
}
#endif

#endif /* LOOPSCOPE_TEXTFMT_H */
