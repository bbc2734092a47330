/*
 * textfmt.c - CPython's text routines for numbers and strings: float repr,
 * the format-spec mini-language, round(), int()/float() of a str, repr of
 * str and bytes, and Python's //, % and ** (see textfmt.h for the
 * contracts).
 *
 * How it stays faithful. CPython turns a float into text in two steps:
 * David Gay's dtoa produces a digit string and a decimal-point position
 * (shortest round-trip digits for repr, or digits correctly rounded to a
 * number of places), and format_float_short (Python/pystrtod.c) lays those
 * digits out. We get the same digit strings from glibc, whose printf rounds
 * correctly (half-even on the exact binary value, like dtoa) and whose
 * strtod reads correctly, and then lay them out with the same rules. The
 * format-spec code mirrors Python/formatter_unicode.c: parse, then compute
 * the widths of <padding><sign><prefix><padding><digits><point><rest>
 * <padding>, with zero padding folded into the digit grouping exactly as
 * _PyUnicode_InsertThousandsGrouping does it.
 *
 * The file reads top to bottom: buffer, UTF-8 and Unicode lookups, digit
 * generation, float layout and repr, spec parsing, number layout, the three
 * formatters, rounding, parsing, reprs of str and bytes, arithmetic.
 */
#include "textfmt.h"

#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "textfmt_unicode.h"

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------------ */
/* Result codes and error messages                                          */
/* ------------------------------------------------------------------------ */

const char *rt_fmt_exc_name(int code)
{
    switch (code) {
#define RT_FMT_ERROR_CASE(name, value, exc)                                  \
    case RT_FMT_##name:                                                      \
        return exc;
        RT_FMT_ERRORS(RT_FMT_ERROR_CASE)
#undef RT_FMT_ERROR_CASE
    case RT_ENOMEM:
        return "MemoryError";
    default:
        return "SystemError";
    }
}

/* Writes a message into the caller's err buffer (which may be NULL or
 * empty) and returns `code`, so that error exits read as one line. */
static int fail(int code, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(int code, char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}

/* The static-message form used by the arithmetic helpers. */
static int fail_msg(int code, const char **msg, const char *text)
{
    if (msg)
        *msg = text;
    return code;
}

/* ------------------------------------------------------------------------ */
/* rt_strbuf                                                                */
/* ------------------------------------------------------------------------ */

/* The buffer's functions keep its invariant (data[len] == '\0' once
 * allocated) and leave it untouched when they fail. */
void rt_strbuf_init(rt_strbuf *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void rt_strbuf_deinit(rt_strbuf *b)
{
    rt_free(b->data);
    rt_strbuf_init(b);
}

void rt_strbuf_clear(rt_strbuf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

/* Grows by doubling, so appending n bytes one at a time costs O(n). */
int rt_strbuf_reserve(rt_strbuf *b, size_t extra)
{
    /* len never exceeds RT_STRBUF_MAX, so this cannot wrap. */
    if (extra > RT_STRBUF_MAX - b->len)
        return RT_ENOMEM;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return RT_OK;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    char *p = rt_realloc(b->data, cap);
    if (!p)
        return RT_ENOMEM;
    if (!b->data)
        p[0] = '\0';
    b->data = p;
    b->cap = cap;
    return RT_OK;
}

int rt_strbuf_append(rt_strbuf *b, const char *s, size_t n)
{
    if (rt_strbuf_reserve(b, n) != RT_OK)
        return RT_ENOMEM;
    if (n)
        memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return RT_OK;
}

int rt_strbuf_append_str(rt_strbuf *b, const char *s)
{
    return rt_strbuf_append(b, s, strlen(s));
}

int rt_strbuf_append_char(rt_strbuf *b, char c)
{
    return rt_strbuf_append(b, &c, 1);
}

int rt_strbuf_append_repeat(rt_strbuf *b, const char *unit, size_t unit_len,
                            size_t count)
{
    if (unit_len && count > RT_STRBUF_MAX / unit_len)
        return RT_ENOMEM;
    if (rt_strbuf_reserve(b, unit_len * count) != RT_OK)
        return RT_ENOMEM;
    char *p = b->data + b->len;
    if (unit_len == 1) {
        memset(p, unit[0], count);
    } else {
        for (size_t i = 0; i < count; i++, p += unit_len)
            memcpy(p, unit, unit_len);
    }
    b->len += unit_len * count;
    b->data[b->len] = '\0';
    return RT_OK;
}

int rt_strbuf_appendf(rt_strbuf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return RT_EINVAL;
    if ((size_t)n < sizeof small)
        return rt_strbuf_append(b, small, (size_t)n);
    /* Too long for the stack: format again straight into the buffer. */
    if (rt_strbuf_reserve(b, (size_t)n) != RT_OK)
        return RT_ENOMEM;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return RT_OK;
}

const char *rt_strbuf_cstr(const rt_strbuf *b)
{
    return b->data ? b->data : "";
}

char *rt_strbuf_detach(rt_strbuf *b, size_t *len)
{
    char *p = b->data;
    if (len)
        *len = b->len;
    rt_strbuf_init(b);
    return p;
}

/* Drops what a failed call appended, restoring the caller's contents. */
static void strbuf_truncate(rt_strbuf *b, size_t len)
{
    if (b->data && len <= b->len) {
        b->len = len;
        b->data[len] = '\0';
    }
}

/* ------------------------------------------------------------------------ */
/* UTF-8 and the Unicode database                                           */
/* ------------------------------------------------------------------------ */

/* Decodes the code point starting at s[*i] (with *i < len) and moves *i
 * past it. Surrogates encoded in three bytes are accepted (the interpreter
 * stores lone surrogates that way); any other invalid byte decodes alone
 * to the surrogate escape U+DC80..U+DCFF, as Python's surrogateescape
 * error handler would. */
static uint32_t utf8_decode(const unsigned char *s, size_t len, size_t *i)
{
    unsigned c = s[*i];
    size_t need;
    uint32_t cp, min;
    if (c < 0x80) {
        (*i)++;
        return c;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        need = 1, cp = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2, cp = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3, cp = c & 0x07, min = 0x10000;
    } else {
        goto bad;
    }
    if (len - *i - 1 < need)
        goto bad;
    for (size_t k = 1; k <= need; k++) {
        unsigned d = s[*i + k];
        if ((d & 0xC0) != 0x80)
            goto bad;
        cp = (cp << 6) | (d & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF)
        goto bad;
    *i += need + 1;
    return cp;
bad:
    (*i)++;
    return 0xDC00 + c;
}

size_t rt_utf8_encode(uint32_t cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* The number of code points in s[0..len). */
static size_t utf8_count(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t n = 0;
    for (size_t i = 0; i < len; n++) {
        if (u[i] < 0x80)
            i++;
        else
            utf8_decode(u, len, &i);
    }
    return n;
}

/* The byte offset just past the first n code points of s[0..len). */
static size_t utf8_skip(const char *s, size_t len, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (n-- > 0 && i < len)
        utf8_decode(u, len, &i);
    return i;
}

/* str.isprintable() for one code point. */
static bool uni_printable(uint32_t cp)
{
    if (cp < 0x80)
        return cp >= 0x20 && cp < 0x7F;
    size_t lo = 0, hi = COUNT_OF(textfmt_nonprintable);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cp < textfmt_nonprintable[mid][0])
            hi = mid;
        else if (cp > textfmt_nonprintable[mid][1])
            lo = mid + 1;
        else
            return false;
    }
    return true;
}

/* unicodedata.decimal(cp): 0..9, or -1 when cp is no decimal digit. */
static int uni_decimal(uint32_t cp)
{
    if (cp < 0x80)
        return cp >= '0' && cp <= '9' ? (int)(cp - '0') : -1;
    /* Find the last zero at or below cp. */
    size_t lo = 0, hi = COUNT_OF(textfmt_decimal_zeros);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (textfmt_decimal_zeros[mid] <= cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return -1;
    uint32_t d = cp - textfmt_decimal_zeros[lo - 1];
    return d < 10 ? (int)d : -1;
}

/* str.isspace() for a code point above ASCII. */
static bool uni_space_above_ascii(uint32_t cp)
{
    for (size_t i = 0; i < COUNT_OF(textfmt_spaces); i++)
        if (textfmt_spaces[i] == cp)
            return true;
    return false;
}

/* Py_ISSPACE: the ASCII whitespace int() and float() skip. */
static bool ascii_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
           c == '\r';
}

/* ------------------------------------------------------------------------ */
/* Digit strings                                                            */
/* ------------------------------------------------------------------------ */

/*
 * A digit string in dtoa's form: the magnitude is 0.D x 10**decpt where D
 * is digits[0..len), with no trailing zeros; zero is "0" with decpt 1.
 * The three producers below correspond to dtoa's modes 0 (shortest), 2
 * (n significant digits) and 3 (n digits after the point). Each writes
 * into a caller's buffer of DIGITS_BUF bytes.
 */
#define DIGITS_BUF 1600

/* A double has at most 767 significant decimal digits and its fraction at
 * most 1074 digits, so asking printf for more than these only appends
 * zeros, which the layout code adds itself. */
#define MAX_SIG_DIGITS 770
#define MAX_FRAC_DIGITS 1080

/* Removes trailing zeros; an all-zero string becomes "0" with decpt 1. */
static int trim_digits(char *d, int len, int *decpt)
{
    while (len > 0 && d[len - 1] == '0')
        len--;
    if (len == 0) {
        d[0] = '0';
        *decpt = 1;
        return 1;
    }
    return len;
}

/* Reads printf's "%e" output for a finite value ("d.ddde+XX") into digits
 * in place. Anything between the digits and the 'e' other than digits is
 * the locale's decimal point and is skipped. */
static int parse_e_output(char *buf, int *decpt)
{
    int len = 0;
    char *p = buf;
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9')
            buf[len++] = *p;
    int exp10 = (*p == 'e') ? (int)strtol(p + 1, NULL, 10) : 0;
    *decpt = exp10 + 1;
    return trim_digits(buf, len, decpt);
}

/* dtoa mode 2: ax (finite, >= 0) correctly rounded to nsig >= 1
 * significant digits. */
static int sig_digits(double ax, int nsig, char *buf, int *decpt)
{
    if (nsig > MAX_SIG_DIGITS)
        nsig = MAX_SIG_DIGITS;
    snprintf(buf, DIGITS_BUF, "%.*e", nsig - 1, ax);
    return parse_e_output(buf, decpt);
}

/* dtoa mode 3: ax (finite, >= 0) correctly rounded to nfrac >= 0 digits
 * after the point. */
static int frac_digits(double ax, int nfrac, char *buf, int *decpt)
{
    if (nfrac > MAX_FRAC_DIGITS)
        nfrac = MAX_FRAC_DIGITS;
    int n = snprintf(buf, DIGITS_BUF, "%.*f", nfrac, ax);
    int len = 0, intlen = 0;
    bool in_int = true;
    for (int i = 0; i < n; i++) {
        if (buf[i] >= '0' && buf[i] <= '9') {
            buf[len++] = buf[i];
            intlen += in_int;
        } else {
            in_int = false;
        }
    }
    /* Leading zeros move the point left. */
    int lead = 0;
    while (lead < len && buf[lead] == '0')
        lead++;
    *decpt = intlen - lead;
    memmove(buf, buf + lead, (size_t)(len - lead));
    return trim_digits(buf, len - lead, decpt);
}

/* Whether the decimal d[0].d[1..n) x 10**exp10 reads back as ax. */
static bool reads_back(const char *d, int n, int exp10, double ax)
{
    char s[48];
    int k = 0;
    s[k++] = d[0];
    s[k++] = '.';
    memcpy(s + k, d + 1, (size_t)(n - 1));
    k += n - 1;
    s[k++] = 'e';
    if (exp10 < 0) {
        s[k++] = '-';
        exp10 = -exp10;
    }
    if (exp10 >= 100)
        s[k++] = (char)('0' + exp10 / 100);
    s[k++] = (char)('0' + exp10 / 10 % 10);
    s[k++] = (char)('0' + exp10 % 10);
    s[k] = '\0';
    return strtod(s, NULL) == ax;
}

/* Adds one unit in the last place of d[0..n); returns true when the carry
 * ran off the front (the digits then read "100...0" one decade up). */
static bool increment_digits(char *d, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        if (d[i] != '9') {
            d[i]++;
            return false;
        }
        d[i] = '0';
    }
    d[0] = '1';
    return true;
}

/*
 * Rounds the 17 correctly rounded digits m (of a value whose exact
 * expansion we do not have) to n < 17 digits. That equals the correct
 * rounding of the exact value unless the dropped digits are exactly a
 * half ("5", "50"): the 17-digit string itself was rounded, so the exact
 * value may lie on either side. Returns false in that case.
 */
static bool round17(const char *m, int n, char *out, int *exp10)
{
    const char *drop = m + n;
    int ndrop = 17 - n;
    bool up;
    if (drop[0] != '5') {
        up = drop[0] > '5';
    } else {
        bool rest_zero = true;
        for (int i = 1; i < ndrop; i++)
            rest_zero &= drop[i] == '0';
        if (rest_zero)
            return false;
        up = true;
    }
    memcpy(out, m, (size_t)n);
    if (up && increment_digits(out, n))
        (*exp10)++;
    return true;
}

/* 10**0 .. 10**19, every power of ten that fits in 64 bits. */
static const uint64_t pow10_u64[20] = {
    UINT64_C(1), UINT64_C(10), UINT64_C(100), UINT64_C(1000),
    UINT64_C(10000), UINT64_C(100000), UINT64_C(1000000),
    UINT64_C(10000000), UINT64_C(100000000), UINT64_C(1000000000),
    UINT64_C(10000000000), UINT64_C(100000000000),
    UINT64_C(1000000000000), UINT64_C(10000000000000),
    UINT64_C(100000000000000), UINT64_C(1000000000000000),
    UINT64_C(10000000000000000), UINT64_C(100000000000000000),
    UINT64_C(1000000000000000000), UINT64_C(10000000000000000000),
};

typedef unsigned __int128 u128;

/* 10**k for 0 <= k <= 38, exact in 128 bits. */
static u128 pow10_u128(int k)
{
    return k <= 19 ? (u128)pow10_u64[k]
                   : (u128)pow10_u64[19] * pow10_u128(k - 19);
}

/*
 * dtoa mode 0 by exact integer arithmetic, for the values most scenarios
 * print: normal doubles in [1e-5, 2**52) (the callers take whole numbers
 * below 1e16 elsewhere). Returns -1 for any other value.
 *
 * Write ax = m * 2**-s. Scaled by 10**k so that it has 17 digits before
 * the point, ax and the two midpoints to its neighbours (the lower one is
 * nearer at a power of two) are exact fractions over 2**(s+2) whose
 * numerators fit in 128 bits. The integers between the midpoints are the
 * 17-digit decimals that read back as ax (a decimal exactly on a midpoint
 * reads back as the neighbour with the even significand). The shortest
 * are the multiples of the largest power of ten p found between them;
 * among those we take the one nearest ax, the even one on a tie, which
 * is the choice dtoa makes.
 */
static int shortest_digits_exact(double ax, char *d, int *decpt)
{
    uint64_t bits;
    memcpy(&bits, &ax, sizeof bits);
    int biased = (int)(bits >> 52);
    uint64_t frac = bits & ((UINT64_C(1) << 52) - 1);
    if (biased == 0 || biased >= 1075)
        return -1; /* subnormal, or no fraction bits left */
    uint64_t m = frac | (UINT64_C(1) << 52);
    int s = 1075 - biased; /* ax = m / 2**s */

    /* k = 16 - floor(log10(ax)); the estimate from the binary exponent
     * is low by at most one, which the loop corrects. */
    int k = 16 - (((biased - 1023) * 78913) >> 18);
    u128 x, ten_k;
    uint64_t xs;
    for (;;) {
        if (k < 0 || k > 21)
            return -1;
        ten_k = pow10_u128(k);
        x = (u128)m * ten_k;
        xs = (uint64_t)(x >> s);
        if (xs >= pow10_u64[17])
            k--;
        else if (xs < pow10_u64[16])
            k++;
        else
            break;
    }
    u128 fmask = ((u128)1 << s) - 1;
    u128 fnum = x & fmask; /* ax * 10**k = xs + fnum / 2**s */

    bool power_of_two = frac == 0 && biased > 1;
    u128 hi_num = (u128)(4 * m + 2) * ten_k;
    u128 lo_num = (u128)(4 * m - (power_of_two ? 1 : 2)) * ten_k;
    u128 mask2 = ((u128)1 << (s + 2)) - 1;
    uint64_t hi = (uint64_t)(hi_num >> (s + 2));
    uint64_t lo = (uint64_t)(lo_num >> (s + 2));
    bool even = (m & 1) == 0;
    if ((hi_num & mask2) == 0 && !even)
        hi--;                   /* the midpoint itself reads back odd */
    if (!((lo_num & mask2) == 0 && even))
        lo++;                   /* round the lower bound up to an integer */

    /* The largest j such that a multiple of 10**j lies in [lo, hi]:
     * where hi and lo - 1 stop differing after dropping j digits. */
    uint64_t a = hi, b = lo - 1;
    int j = 0;
    while (a / 10 != b / 10) {
        a /= 10;
        b /= 10;
        j++;
    }
    uint64_t p = pow10_u64[j], c_hi = a, c_lo = b + 1;

    /* The multiple of p nearest ax * 10**k: compare its remainder with
     * p / 2 exactly. */
    uint64_t c0 = xs / p, r0 = xs % p;
    int cmp;
    if (p == 1) {
        u128 half = (u128)1 << (s - 1);
        cmp = fnum > half ? 1 : fnum == half ? 0 : -1;
    } else {
        cmp = 2 * r0 > p ? 1 : 2 * r0 < p ? -1 : fnum ? 1 : 0;
    }
    uint64_t c = cmp < 0 ? c0 : cmp > 0 ? c0 + 1 : c0 + (c0 & 1);
    if (c < c_lo)
        c = c_lo;
    if (c > c_hi)
        c = c_hi;

    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + c % 10);
        c /= 10;
    } while (c);
    for (int i = 0; i < n; i++)
        d[i] = tmp[n - 1 - i];
    *decpt = n + j - k;
    return trim_digits(d, n, decpt);
}

/*
 * dtoa mode 0 for any finite ax > 0: the shortest digit string that reads
 * back as ax, the nearest to ax among the shortest.
 *
 * Outside shortest_digits_exact's range we let printf and strtod decide.
 * For a normal double, any decimal of at most 15 significant digits
 * survives a round trip through a double (DBL_DIG), so if some string of
 * k <= 15 digits reads back as ax, the 15-digit correct rounding of ax is
 * that string padded with zeros: trying 15 digits and trimming finds
 * every short answer. Otherwise the answer has 16 digits (the correctly
 * rounded ones, or at a power of two, where the gap below is half the gap
 * above, possibly the next 16-digit string up) or 17. Subnormals have
 * fewer bits, so for them every length from 1 up is tried; their gaps are
 * even, so the correctly rounded string of a length is the one to try.
 */
static int shortest_digits(double ax, char *d, int *decpt)
{
    int n = shortest_digits_exact(ax, d, decpt);
    if (n > 0)
        return n;

    char buf[40];
    const char *p;
    if (ax < DBL_MIN) {
        for (n = 1; n <= 17; n++) {
            snprintf(buf, sizeof buf, "%.*e", n - 1, ax);
            int k = 0;
            for (p = buf; *p && *p != 'e'; p++)
                if (*p >= '0' && *p <= '9')
                    d[k++] = *p;
            int exp10 = (int)strtol(p + 1, NULL, 10);
            if (n == 17 || reads_back(d, n, exp10, ax)) {
                *decpt = exp10 + 1;
                return trim_digits(d, n, decpt);
            }
        }
    }

    snprintf(buf, sizeof buf, "%.16e", ax);
    char m[17];
    int k = 0;
    for (p = buf; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9' && k < 17)
            m[k++] = *p;
    int exp17 = (int)strtol(p + 1, NULL, 10);

    for (n = 15; n <= 16; n++) {
        int exp10 = exp17;
        if (!round17(m, n, d, &exp10)) {
            /* A half after 17 digits: ask printf for n digits directly. */
            snprintf(buf, sizeof buf, "%.*e", n - 1, ax);
            k = 0;
            for (p = buf; *p && *p != 'e'; p++)
                if (*p >= '0' && *p <= '9')
                    d[k++] = *p;
            exp10 = (int)strtol(p + 1, NULL, 10);
        }
        if (reads_back(d, n, exp10, ax)) {
            *decpt = exp10 + 1;
            return trim_digits(d, n, decpt);
        }
        if (n == 16) {
            uint64_t bits;
            memcpy(&bits, &ax, sizeof bits);
            if ((bits & ((UINT64_C(1) << 52) - 1)) == 0) {
                if (increment_digits(d, n))
                    exp10++;
                if (reads_back(d, n, exp10, ax)) {
                    *decpt = exp10 + 1;
                    return trim_digits(d, n, decpt);
                }
            }
        }
    }
    memcpy(d, m, 17);
    *decpt = exp17 + 1;
    return trim_digits(d, 17, decpt);
}

/* ------------------------------------------------------------------------ */
/* Laying out float digits (CPython's format_float_short)                   */
/* ------------------------------------------------------------------------ */

/* How to lay a float out: the code is 'e', 'f', 'g' or 'r' (repr). */
typedef struct float_style {
    char code;
    int precision;   /* 'e': digits after the point; 'f': the same; 'g':
                        significant digits; unused for 'r' */
    bool add_dot_0;  /* keep a ".0" on integers (repr, format with no type) */
    bool alt;        /* '#': keep the point and trailing zeros */
    bool no_neg_0;   /* 'z': a zero result loses its minus sign */
    bool upper;      /* 'E', 'F', 'G': INF, NAN, E */
} float_style;

/* The digits of |x| for the style (x finite). */
static int style_digits(double ax, const float_style *st, char *d, int *decpt)
{
    if (ax == 0.0) {
        d[0] = '0';
        *decpt = 1;
        return 1;
    }
    switch (st->code) {
    case 'e': /* precision + 1 digits, without overflowing at INT_MAX */
        return sig_digits(ax, st->precision < MAX_SIG_DIGITS
                                  ? st->precision + 1 : MAX_SIG_DIGITS,
                          d, decpt);
    case 'g':
        return sig_digits(ax, st->precision, d, decpt);
    case 'f':
        return frac_digits(ax, st->precision, d, decpt);
    default:
        return shortest_digits(ax, d, decpt);
    }
}

/* The positions CPython computes before writing: the digits form a slice
 * [vstart, vend) of an infinite string of zeros around them, with the
 * point after position decpt. */
typedef struct float_plan {
    int64_t decpt, vstart, vend;
    int exp;
    bool use_exp;
} float_plan;

static float_plan plan_float(int len, int decpt, const float_style *st)
{
    float_plan pl = {decpt, 0, len, 0, false};
    switch (st->code) {
    case 'e':
        pl.use_exp = true;
        pl.vend = (int64_t)st->precision + 1;
        break;
    case 'f':
        pl.vend = (int64_t)decpt + st->precision;
        break;
    case 'g':
        if (decpt <= -4 ||
            decpt > (st->add_dot_0 ? st->precision - 1 : st->precision))
            pl.use_exp = true;
        if (st->alt)
            pl.vend = st->precision;
        break;
    default: /* 'r': exponent from 1e16 on, as repr does */
        if (decpt <= -4 || decpt > 16)
            pl.use_exp = true;
        break;
    }
    if (pl.use_exp) {
        pl.exp = decpt - 1;
        pl.decpt = 1;
    }
    pl.vstart = pl.decpt <= 0 ? pl.decpt - 1 : 0;
    int64_t lo = (!pl.use_exp && st->add_dot_0) ? pl.decpt + 1 : pl.decpt;
    if (pl.vend < lo)
        pl.vend = lo;
    return pl;
}

/* An upper bound of the bytes write_float writes for the plan: sign, the
 * slice, the point, an exponent such as "e-308", a '%' and a NUL. */
static size_t float_size(const float_plan *pl)
{
    return (size_t)(pl->vend - pl->vstart) + 12;
}

/* Writes the number into p (which has float_size bytes) and returns the
 * length. The "exactly one point" logic follows CPython's. */
static size_t write_float(char *p, bool neg, const char *d, int len,
                          const float_plan *pl, const float_style *st)
{
    char *start = p;
    int64_t decpt = pl->decpt;
    if (neg)
        *p++ = '-';
    if (decpt <= 0) {
        memset(p, '0', (size_t)(decpt - pl->vstart));
        p += decpt - pl->vstart;
        *p++ = '.';
        memset(p, '0', (size_t)-decpt);
        p += -decpt;
    } else {
        memset(p, '0', (size_t)-pl->vstart);
        p += -pl->vstart;
    }
    if (decpt > 0 && decpt <= len) {
        memcpy(p, d, (size_t)decpt);
        p += decpt;
        *p++ = '.';
        memcpy(p, d + decpt, (size_t)(len - decpt));
        p += len - decpt;
    } else {
        memcpy(p, d, (size_t)len);
        p += len;
    }
    if (len < decpt) {
        memset(p, '0', (size_t)(decpt - len));
        p += decpt - len;
        *p++ = '.';
        memset(p, '0', (size_t)(pl->vend - decpt));
        p += pl->vend - decpt;
    } else {
        memset(p, '0', (size_t)(pl->vend - len));
        p += pl->vend - len;
    }
    if (p[-1] == '.' && !st->alt)
        p--;
    if (pl->use_exp) {
        *p++ = st->upper ? 'E' : 'e';
        int e = pl->exp;
        *p++ = e < 0 ? '-' : '+';
        if (e < 0)
            e = -e;
        if (e >= 100)
            *p++ = (char)('0' + e / 100);
        *p++ = (char)('0' + e / 10 % 10);
        *p++ = (char)('0' + e % 10);
    }
    return (size_t)(p - start);
}

/* Writes inf/nan (no sign for nan) into p; returns the length. */
static size_t write_nonfinite(char *p, double x, const float_style *st)
{
    size_t n = 0;
    if (isnan(x)) {
        memcpy(p, st->upper ? "NAN" : "nan", 3);
        return 3;
    }
    if (x < 0)
        p[n++] = '-';
    memcpy(p + n, st->upper ? "INF" : "inf", 3);
    return n + 3;
}

/*
 * PyOS_double_to_string without the sign option: x laid out by the style,
 * written into scratch storage (*heap is set when it had to be allocated,
 * and the caller frees it). Returns the text or NULL when out of memory.
 */
static char *float_text(double x, const float_style *st, char *local,
                        size_t local_size, char **heap, size_t *len)
{
    *heap = NULL;
    if (!isfinite(x)) {
        *len = write_nonfinite(local, x, st);
        return local;
    }
    char d[DIGITS_BUF];
    int decpt;
    int n = style_digits(fabs(x), st, d, &decpt);
    bool neg = signbit(x) != 0;
    if (st->no_neg_0 && n == 1 && d[0] == '0')
        neg = false;
    float_plan pl = plan_float(n, decpt, st);
    size_t need = float_size(&pl);
    char *p = local;
    if (need > local_size) {
        if (need > RT_STRBUF_MAX)
            return NULL;
        p = *heap = rt_malloc(need);
        if (!p)
            return NULL;
    }
    *len = write_float(p, neg, d, n, &pl, st);
    return p;
}

/* Appends the decimal digits of an integer-valued |x| < 2**63 with ".0":
 * the repr fast path for whole numbers below 1e16, which repr prints in
 * positional form with all their digits. */
static int repr_whole(double x, rt_strbuf *out)
{
    char buf[32];
    char *p = buf + sizeof buf;
    *--p = '0';
    *--p = '.';
    uint64_t v = (uint64_t)fabs(x);
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    if (signbit(x))
        *--p = '-';
    return rt_strbuf_append(out, p, (size_t)(buf + sizeof buf - p));
}

/* repr(x): whole numbers below 1e16 directly, everything else through the
 * shortest digits and format_float_short's 'r' layout. */
int rt_float_repr(double x, rt_strbuf *out)
{
    if (x == trunc(x) && fabs(x) < 1e16 && x != 0.0)
        return repr_whole(x, out);
    float_style st = {'r', 0, true, false, false, false};
    char local[64];
    char *heap;
    size_t len;
    const char *s = float_text(x, &st, local, sizeof local, &heap, &len);
    /* repr's text is at most 24 bytes, so it never needs the heap. */
    if (!s)
        return RT_ENOMEM;
    return rt_strbuf_append(out, s, len);
}

/* str(v); the magnitude is taken as unsigned so INT64_MIN works. */
int rt_int_to_str(int64_t v, rt_strbuf *out)
{
    char buf[24];
    char *p = buf + sizeof buf;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    return rt_strbuf_append(out, p, (size_t)(buf + sizeof buf - p));
}

/* ------------------------------------------------------------------------ */
/* Parsing a format spec                                                    */
/* ------------------------------------------------------------------------ */

static bool is_align(uint32_t c)
{
    return c == '<' || c == '>' || c == '=' || c == '^';
}

/* A cursor over the spec's code points. */
typedef struct spec_reader {
    const unsigned char *s;
    size_t len, pos;
} spec_reader;

/* The code point at the cursor (without moving), or -1 at the end; *next
 * receives the offset after it. */
static int64_t peek_cp(const spec_reader *r, size_t at, size_t *next)
{
    if (at >= r->len)
        return -1;
    size_t i = at;
    uint32_t cp = utf8_decode(r->s, r->len, &i);
    if (next)
        *next = i;
    return cp;
}

/* CPython's get_integer: reads decimal digits (any script) into *out.
 * Returns the number of digits, or -1 on overflow past INT64_MAX. */
static int get_integer(spec_reader *r, int64_t *out)
{
    int64_t acc = 0;
    int n = 0;
    for (;;) {
        size_t next;
        int64_t cp = peek_cp(r, r->pos, &next);
        int d = cp < 0 ? -1 : uni_decimal((uint32_t)cp);
        if (d < 0)
            break;
        if (acc > (INT64_MAX - d) / 10)
            return -1;
        acc = acc * 10 + d;
        n++;
        r->pos = next;
    }
    *out = acc;
    return n;
}

/* parse_internal_render_format_spec without the object: the fields in
 * CPython's order, each at most once, the checks that need no type. */
int rt_fmt_spec_parse(const char *spec, size_t len, rt_fmt_spec *out,
                      char *err, size_t errlen)
{
    rt_fmt_spec f = {0};
    f.fill = ' ';
    f.width = -1;
    f.precision = -1;
    f.text = spec;
    f.text_len = len;
    spec_reader r = {(const unsigned char *)spec, len, 0};
    size_t n1, n2;
    int64_t c0 = peek_cp(&r, 0, &n1);
    int64_t c1 = c0 < 0 ? -1 : peek_cp(&r, n1, &n2);

    /* [[fill]align] */
    if (c1 >= 0 && is_align((uint32_t)c1)) {
        f.fill = (uint32_t)c0;
        f.fill_given = true;
        f.align = (char)c1;
        r.pos = n2;
    } else if (c0 >= 0 && is_align((uint32_t)c0)) {
        f.align = (char)c0;
        r.pos = n1;
    }
    /* [sign][z][#][0] */
    if (r.pos < len && (spec[r.pos] == '+' || spec[r.pos] == '-' ||
                        spec[r.pos] == ' '))
        f.sign = spec[r.pos++];
    if (r.pos < len && spec[r.pos] == 'z') {
        f.no_neg_zero = true;
        r.pos++;
    }
    if (r.pos < len && spec[r.pos] == '#') {
        f.alternate = true;
        r.pos++;
    }
    if (!f.fill_given && r.pos < len && spec[r.pos] == '0') {
        f.zero = true;
        r.pos++;
    }
    /* [width] */
    int64_t v;
    int nd = get_integer(&r, &v);
    if (nd < 0)
        return fail(RT_FMT_EVALUE, err, errlen,
                    "Too many decimal digits in format string");
    if (nd > 0)
        f.width = v;
    /* [grouping]: ',' then '_' are each allowed once, but not both. */
    if (r.pos < len && spec[r.pos] == ',') {
        f.grouping = ',';
        r.pos++;
    }
    if (r.pos < len && spec[r.pos] == '_') {
        if (f.grouping)
            return fail(RT_FMT_EVALUE, err, errlen,
                        "Cannot specify both ',' and '_'.");
        f.grouping = '_';
        r.pos++;
    }
    if (r.pos < len && spec[r.pos] == ',' && f.grouping == '_')
        return fail(RT_FMT_EVALUE, err, errlen,
                    "Cannot specify both ',' and '_'.");
    /* [.precision] */
    if (r.pos < len && spec[r.pos] == '.') {
        r.pos++;
        nd = get_integer(&r, &v);
        if (nd < 0)
            return fail(RT_FMT_EVALUE, err, errlen,
                        "Too many decimal digits in format string");
        if (nd == 0)
            return fail(RT_FMT_EVALUE, err, errlen,
                        "Format specifier missing precision");
        f.precision = v;
    }
    /* [type]: one code point; more is reported when formatting, because
     * the message names the object's type. */
    if (r.pos < len) {
        size_t next;
        int64_t t = peek_cp(&r, r.pos, &next);
        if (next < len) {
            f.invalid = true;
        } else {
            f.type = (uint32_t)t;
            f.type_given = true;
        }
    }
    *out = f;
    return RT_OK;
}

/* The checks CPython makes at the end of parsing, which need the type's
 * default presentation type; also resolves the grouping (3 digits, or 4
 * for '_' with b, o, x, X). */
static int check_spec(const rt_fmt_spec *spec, uint32_t default_type,
                      const char *tname, uint32_t *type, int *group,
                      char *err, size_t errlen)
{
    if (spec->invalid)
        return fail(RT_FMT_EVALUE, err, errlen,
                    "Invalid format specifier '%.*s' for object of type "
                    "'%.200s'",
                    (int)spec->text_len, spec->text, tname);
    uint32_t t = spec->type_given ? spec->type : default_type;
    *type = t;
    *group = 0;
    if (!spec->grouping)
        return RT_OK;
    switch (t) {
    case 'd': case 'e': case 'f': case 'g': case 'E': case 'G': case '%':
    case 'F': case 0:
        *group = 3;
        return RT_OK;
    case 'b': case 'o': case 'x': case 'X':
        if (spec->grouping == '_') {
            *group = 4;
            return RT_OK;
        }
        break;
    default:
        break;
    }
    if (t > 32 && t < 128)
        return fail(RT_FMT_EVALUE, err, errlen, "Cannot specify '%c' with '%c'.",
                    spec->grouping, (char)t);
    return fail(RT_FMT_EVALUE, err, errlen, "Cannot specify '%c' with '\\x%x'.",
                spec->grouping, (unsigned)t);
}

static int unknown_type(uint32_t t, const char *tname, char *err,
                        size_t errlen)
{
    if (t > 32 && t < 128)
        return fail(RT_FMT_EVALUE, err, errlen,
                    "Unknown format code '%c' for object of type '%.200s'",
                    (char)t, tname);
    return fail(RT_FMT_EVALUE, err, errlen,
                "Unknown format code '\\x%x' for object of type '%.200s'",
                (unsigned)t, tname);
}

/* ------------------------------------------------------------------------ */
/* Laying out a number: padding, sign, prefix, grouped digits, the rest     */
/* ------------------------------------------------------------------------ */

/* The spec with the type's defaults applied. */
typedef struct layout {
    char fill[4];
    size_t fill_len;
    char align;     /* '<', '>', '^' or '=' */
    char sign;      /* the sign option: '+', '-', ' ' or 0 */
    int64_t width;  /* -1 when absent */
    int group;      /* digits per group, 0 for none */
    char sep;       /* the group separator */
} layout;

/* Applies the defaults: without an explicit fill the '0' flag fills with
 * zeros, and for numbers (default alignment '>') also aligns with '='. */
static layout make_layout(const rt_fmt_spec *spec, char default_align,
                          int group)
{
    layout lay;
    uint32_t fill = spec->fill_given ? spec->fill : spec->zero ? '0' : ' ';
    lay.fill_len = rt_utf8_encode(fill, lay.fill);
    if (spec->align)
        lay.align = spec->align;
    else if (spec->zero && default_align == '>')
        lay.align = '=';
    else
        lay.align = default_align;
    lay.sign = spec->sign;
    lay.width = spec->width;
    lay.group = group;
    lay.sep = spec->grouping == '_' ? '_' : ',';
    return lay;
}

/*
 * _PyUnicode_InsertThousandsGrouping: the digits d[0..n) grouped from the
 * right, padded on the left with zeros (and separators between them) to
 * at least min_width characters. With end NULL only counts; otherwise
 * writes the counted characters backwards, ending just before `end`.
 * Returns the character count.
 *
 * Each round takes one group (or, without grouping, everything at once):
 * as many real digits as remain, topped up with zeros while min_width
 * asks for more. A separator goes before every group but the last one
 * written, which is why "09," pads 1234 to "0,001,234".
 */
static size_t group_digits(char *end, const char *d, size_t n,
                           int64_t min_width, int group, char sep)
{
    if (min_width < 0)
        min_width = 0;
    int64_t remaining = (int64_t)n;
    size_t count = 0;
    bool use_sep = false;
    for (;;) {
        int64_t want = remaining > min_width ? remaining : min_width;
        if (want < 1)
            want = 1;
        int64_t len = group && group < want ? group : want;
        int64_t zeros = len > remaining ? len - remaining : 0;
        int64_t chars = remaining < len ? remaining : len;
        if (chars < 0)
            chars = 0;
        count += (use_sep ? 1 : 0) + (size_t)zeros + (size_t)chars;
        if (end) {
            /* From the right: separator, digits, then zeros. */
            if (use_sep)
                *--end = sep;
            for (int64_t i = 0; i < chars; i++)
                *--end = d[remaining - 1 - i];
            for (int64_t i = 0; i < zeros; i++)
                *--end = '0';
        }
        use_sep = true;
        remaining -= chars;
        min_width -= len;
        if (!group || (remaining <= 0 && min_width <= 0))
            break;
        min_width -= 1; /* the separator takes one of the width */
    }
    return count;
}

/* A number ready for layout: every part but the padding. The digits are
 * the ones grouping applies to; the remainder (fraction, exponent, '%',
 * or the character of type 'c') is copied as it is. */
typedef struct number_parts {
    char sign_char;         /* '-' when negative, else 0 */
    const char *prefix;     /* "0x" and the like, or NULL */
    size_t n_prefix;
    const char *digits;
    size_t n_digits;
    bool has_decimal;       /* a '.' follows the digits */
    const char *rest;
    size_t rest_bytes;      /* bytes of rest */
    size_t rest_chars;      /* code points of rest */
    bool upper;             /* type 'X': prefix and digits upper-cased */
} number_parts;

/* CPython's calc_number_widths and fill_number in one: appends the laid
 * out number to out. */
static int emit_number(rt_strbuf *out, const layout *lay,
                       const number_parts *np)
{
    char sign = 0;
    if (lay->sign == '+')
        sign = np->sign_char == '-' ? '-' : '+';
    else if (lay->sign == ' ')
        sign = np->sign_char == '-' ? '-' : ' ';
    else if (np->sign_char == '-')
        sign = '-';
    if (lay->width > (int64_t)RT_STRBUF_MAX)
        return RT_ENOMEM;

    int64_t non_digit = (sign ? 1 : 0) + (int64_t)np->n_prefix +
                        (np->has_decimal ? 1 : 0) + (int64_t)np->rest_chars;
    int64_t min_width = 0;
    if (lay->fill_len == 1 && lay->fill[0] == '0' && lay->align == '=')
        min_width = lay->width - non_digit;
    size_t n_grouped = 0;
    if (np->n_digits)
        n_grouped = group_digits(NULL, np->digits, np->n_digits, min_width,
                                 lay->group, lay->sep);
    int64_t padding = lay->width - (non_digit + (int64_t)n_grouped);
    int64_t lpad = 0, spad = 0, rpad = 0;
    if (padding > 0) {
        switch (lay->align) {
        case '<': rpad = padding; break;
        case '^': lpad = padding / 2; rpad = padding - lpad; break;
        case '=': spad = padding; break;
        default: lpad = padding; break;
        }
    }

    size_t bytes = (size_t)(lpad + spad + rpad) * lay->fill_len +
                   (sign ? 1 : 0) + np->n_prefix + n_grouped +
                   (np->has_decimal ? 1 : 0) + np->rest_bytes;
    if (rt_strbuf_reserve(out, bytes) != RT_OK)
        return RT_ENOMEM;
    rt_strbuf_append_repeat(out, lay->fill, lay->fill_len, (size_t)lpad);
    if (sign)
        rt_strbuf_append_char(out, sign);
    size_t at = out->len;
    if (np->n_prefix)
        rt_strbuf_append(out, np->prefix, np->n_prefix);
    rt_strbuf_append_repeat(out, lay->fill, lay->fill_len, (size_t)spad);
    if (np->n_digits) {
        char *dst = out->data + out->len;
        group_digits(dst + n_grouped, np->digits, np->n_digits, min_width,
                     lay->group, lay->sep);
        out->len += n_grouped;
        out->data[out->len] = '\0';
    }
    if (np->upper) {
        /* The prefix, fill between, and digits: only ASCII letters there
         * change (a fill character is never affected in CPython either,
         * because its toupper pass covers the prefix and digits only). */
        for (size_t i = 0; i < np->n_prefix; i++)
            if (out->data[at + i] >= 'a' && out->data[at + i] <= 'z')
                out->data[at + i] -= 32;
        char *g = out->data + out->len - n_grouped;
        for (size_t i = 0; i < n_grouped; i++)
            if (g[i] >= 'a' && g[i] <= 'z')
                g[i] -= 32;
    }
    if (np->has_decimal)
        rt_strbuf_append_char(out, '.');
    if (np->rest_bytes)
        rt_strbuf_append(out, np->rest, np->rest_bytes);
    rt_strbuf_append_repeat(out, lay->fill, lay->fill_len, (size_t)rpad);
    return RT_OK;
}

/* ------------------------------------------------------------------------ */
/* The three formatters                                                     */
/* ------------------------------------------------------------------------ */

/* CPython's format_float_internal for an already checked spec and type. */
static int format_float_internal(double x, const rt_fmt_spec *spec,
                                 uint32_t type, int group, rt_strbuf *out,
                                 char *err, size_t errlen)
{
    if (spec->precision > INT_MAX)
        return fail(RT_FMT_EVALUE, err, errlen, "precision too big");
    float_style st = {0};
    st.alt = spec->alternate;
    st.no_neg_0 = spec->no_neg_zero;
    int precision = (int)spec->precision;
    int default_precision = 6;
    bool add_pct = false;
    char code = (char)type;
    if (type == 0) {
        /* No type: repr without a precision, else 'g' keeping a ".0". */
        st.add_dot_0 = true;
        code = 'r';
        default_precision = 0;
    } else if (type == 'n') {
        code = 'g'; /* C locale: no grouping, '.' */
    } else if (type == '%') {
        code = 'f';
        x *= 100;
        add_pct = true;
    }
    if (precision < 0)
        precision = default_precision;
    else if (code == 'r')
        code = 'g';
    if (code == 'E' || code == 'F' || code == 'G') {
        st.upper = true;
        code = (char)(code + 32);
    }
    if (code == 'g' && precision == 0)
        precision = 1;
    st.code = code;
    st.precision = precision;

    char local[512];
    char *heap;
    size_t len;
    char *text = float_text(x, &st, local, sizeof local - 1, &heap, &len);
    if (!text)
        return RT_ENOMEM;
    if (add_pct)
        text[len++] = '%'; /* float_size left room for it */

    /* Split "-1234.5e+06" into sign, digits, point and the rest. */
    number_parts np = {0};
    size_t i = 0;
    if (text[0] == '-') {
        np.sign_char = '-';
        i = 1;
    }
    np.digits = text + i;
    while (i < len && text[i] >= '0' && text[i] <= '9')
        i++;
    np.n_digits = (size_t)(text + i - np.digits);
    if (i < len && text[i] == '.') {
        np.has_decimal = true;
        i++;
    }
    np.rest = text + i;
    np.rest_bytes = np.rest_chars = len - i;

    layout lay = make_layout(spec, '>', type == 'n' ? 0 : group);
    int rc = emit_number(out, &lay, &np);
    rt_free(heap);
    return rc;
}

/* format(x, spec) for a float: the spec checks, the type switch of
 * CPython's float __format__, then format_float_internal. */
int rt_fmt_float(double x, const rt_fmt_spec *spec, rt_strbuf *out,
                 char *err, size_t errlen)
{
    const char *tname = spec->type_name ? spec->type_name : "float";
    uint32_t type = 0;
    int group = 0;
    size_t mark = out->len;
    int rc = check_spec(spec, 0, tname, &type, &group, err, errlen);
    if (rc != RT_OK)
        return rc;
    switch (type) {
    case 0: case 'e': case 'E': case 'f': case 'F': case 'g': case 'G':
    case 'n': case '%':
        break;
    default:
        return unknown_type(type, tname, err, errlen);
    }
    rc = format_float_internal(x, spec, type, group, out, err, errlen);
    if (rc != RT_OK)
        strbuf_truncate(out, mark);
    return rc;
}

/* format(v, spec) for an int: CPython's format_long_internal, with the
 * float types handed to format_float_internal after float(v). */
int rt_fmt_int(int64_t v, const rt_fmt_spec *spec, rt_strbuf *out, char *err,
               size_t errlen)
{
    const char *tname = spec->type_name ? spec->type_name : "int";
    uint32_t type = 0;
    int group = 0;
    size_t mark = out->len;
    int rc = check_spec(spec, 'd', tname, &type, &group, err, errlen);
    if (rc != RT_OK)
        return rc;
    switch (type) {
    case 'b': case 'c': case 'd': case 'o': case 'x': case 'X': case 'n':
        break;
    case 'e': case 'E': case 'f': case 'F': case 'g': case 'G': case '%':
        /* float(v): the conversion rounds half-even, like PyLong's. */
        rc = format_float_internal((double)v, spec, type, group, out, err,
                                   errlen);
        if (rc != RT_OK)
            strbuf_truncate(out, mark);
        return rc;
    default:
        return unknown_type(type, tname, err, errlen);
    }
    if (spec->precision != -1)
        return fail(RT_FMT_EVALUE, err, errlen,
                    "Precision not allowed in integer format specifier");
    if (spec->no_neg_zero)
        return fail(RT_FMT_EVALUE, err, errlen,
                    "Negative zero coercion (z) not allowed in integer "
                    "format specifier");

    number_parts np = {0};
    char buf[72];
    char ch[4];
    if (type == 'c') {
        if (spec->sign)
            return fail(RT_FMT_EVALUE, err, errlen,
                        "Sign not allowed with integer format specifier 'c'");
        if (spec->alternate)
            return fail(RT_FMT_EVALUE, err, errlen,
                        "Alternate form (#) not allowed with integer format "
                        "specifier 'c'");
        if (v < 0 || v > 0x10FFFF)
            return fail(RT_FMT_EOVERFLOW, err, errlen,
                        "%%c arg not in range(0x110000)");
        /* The character is "rest": copied, never grouped. */
        np.rest = ch;
        np.rest_bytes = rt_utf8_encode((uint32_t)v, ch);
        np.rest_chars = 1;
    } else {
        unsigned base = 10;
        const char *prefix = NULL;
        switch (type) {
        case 'b': base = 2, prefix = "0b"; break;
        case 'o': base = 8, prefix = "0o"; break;
        case 'x': case 'X': base = 16, prefix = "0x"; break;
        default: break;
        }
        uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
        char *p = buf + sizeof buf;
        do {
            *--p = "0123456789abcdef"[u % base];
            u /= base;
        } while (u);
        np.sign_char = v < 0 ? '-' : 0;
        if (spec->alternate && prefix) {
            np.prefix = prefix;
            np.n_prefix = 2;
        }
        np.digits = p;
        np.n_digits = (size_t)(buf + sizeof buf - p);
        np.upper = type == 'X';
        if (type == 'n')
            group = 0;
    }
    layout lay = make_layout(spec, '>', group);
    rc = emit_number(out, &lay, &np);
    if (rc != RT_OK)
        strbuf_truncate(out, mark);
    return rc;
}

/* format(s, spec) for a str: format_string_internal, counting code points
 * for the precision and the padding. */
int rt_fmt_str(const char *s, size_t len, const rt_fmt_spec *spec,
               rt_strbuf *out, char *err, size_t errlen)
{
    const char *tname = spec->type_name ? spec->type_name : "str";
    uint32_t type = 0;
    int group = 0;
    size_t mark = out->len;
    int rc = check_spec(spec, 's', tname, &type, &group, err, errlen);
    if (rc != RT_OK)
        return rc;
    if (type != 's')
        return unknown_type(type, tname, err, errlen);
    if (spec->sign == ' ')
        return fail(RT_FMT_EVALUE, err, errlen,
                    "Space not allowed in string format specifier");
    if (spec->sign)
        return fail(RT_FMT_EVALUE, err, errlen,
                    "Sign not allowed in string format specifier");
    if (spec->no_neg_zero)
        return fail(RT_FMT_EVALUE, err, errlen,
                    "Negative zero coercion (z) not allowed in string format "
                    "specifier");
    if (spec->alternate)
        return fail(RT_FMT_EVALUE, err, errlen,
                    "Alternate form (#) not allowed in string format "
                    "specifier");
    layout lay = make_layout(spec, '<', 0);
    if (lay.align == '=')
        return fail(RT_FMT_EVALUE, err, errlen,
                    "'=' alignment not allowed in string format specifier");

    size_t nchars = utf8_count(s, len);
    if (spec->precision >= 0 && (uint64_t)spec->precision < nchars) {
        len = utf8_skip(s, len, (size_t)spec->precision);
        nchars = (size_t)spec->precision;
    }
    if (spec->width > (int64_t)RT_STRBUF_MAX)
        return RT_ENOMEM;
    size_t total = spec->width > (int64_t)nchars ? (size_t)spec->width : nchars;
    size_t lpad = 0;
    if (lay.align == '>')
        lpad = total - nchars;
    else if (lay.align == '^')
        lpad = (total - nchars) / 2;
    size_t rpad = total - nchars - lpad;
    if ((lpad + rpad) > RT_STRBUF_MAX / lay.fill_len ||
        rt_strbuf_reserve(out, (lpad + rpad) * lay.fill_len + len) != RT_OK) {
        strbuf_truncate(out, mark);
        return RT_ENOMEM;
    }
    rt_strbuf_append_repeat(out, lay.fill, lay.fill_len, lpad);
    rt_strbuf_append(out, s, len);
    rt_strbuf_append_repeat(out, lay.fill, lay.fill_len, rpad);
    return RT_OK;
}

/* ------------------------------------------------------------------------ */
/* round()                                                                  */
/* ------------------------------------------------------------------------ */

/* round(x, ndigits): CPython's double_round rounds through dtoa mode 3
 * and reads the decimal back; we do the same through printf and strtod,
 * and by hand for negative ndigits, which printf cannot express. */
int rt_float_round(double x, int64_t ndigits, double *out, const char **msg)
{
    /* CPython's bounds: beyond them the answer is x or a signed zero. */
    enum { NDIGITS_MAX = 323, NDIGITS_MIN = -308 };
    if (!isfinite(x) || ndigits > NDIGITS_MAX) {
        *out = x;
        return RT_OK;
    }
    if (ndigits < NDIGITS_MIN) {
        *out = 0.0 * x;
        return RT_OK;
    }
    char buf[DIGITS_BUF];
    if (ndigits >= 0) {
        /* printf's %.Nf is the correctly rounded decimal (half-even on the
         * exact value), which is what dtoa's mode 3 gives CPython. */
        snprintf(buf, sizeof buf, "%.*f", (int)ndigits, x);
        *out = strtod(buf, NULL);
        return RT_OK;
    }
    /* Rounding to a multiple of 10**k: do it on the exact digits of the
     * integer part, remembering whether a fraction was dropped too. */
    int k = (int)-ndigits;
    double ax = fabs(x), ip = trunc(ax);
    bool frac = ax != ip;
    char digits[DIGITS_BUF];
    int n = snprintf(digits + k + 1, sizeof digits - (size_t)k - 1, "%.0f", ip);
    /* Pad with zeros on the left so that at least one digit is kept. */
    memset(digits, '0', (size_t)k + 1);
    char *d = digits;
    n += k + 1;
    int keep = n - k;
    bool up;
    if (d[keep] != '5') {
        up = d[keep] > '5';
    } else {
        bool rest = frac;
        for (int i = keep + 1; i < n; i++)
            rest |= d[i] != '0';
        up = rest || ((d[keep - 1] - '0') & 1);
    }
    if (up)
        increment_digits(d, keep); /* the zero padding absorbs a carry */
    snprintf(buf, sizeof buf, "%s%.*se%d", signbit(x) ? "-" : "", keep, d, k);
    double r = strtod(buf, NULL);
    if (isinf(r))
        return fail_msg(RT_FMT_EOVERFLOW, msg,
                        "rounded value too large to represent");
    *out = r;
    return RT_OK;
}

/* PyLong_FromDouble's errors, and our 64-bit limit. */
static int float_int_result(double r, int64_t *out, const char **msg)
{
    if (isnan(r))
        return fail_msg(RT_FMT_EVALUE, msg,
                        "cannot convert float NaN to integer");
    if (isinf(r))
        return fail_msg(RT_FMT_EOVERFLOW, msg,
                        "cannot convert float infinity to integer");
    if (!(r >= -9223372036854775808.0 && r < 9223372036854775808.0))
        return fail_msg(RT_FMT_EOVERFLOW, msg, RT_FMT_INT_OVERFLOW_TEXT);
    *out = (int64_t)r;
    return RT_OK;
}

/* round(x): C's round() goes half away from zero; a half is then sent to
 * the even neighbour, exactly as float.__round__ does. */
int rt_float_round_to_int(double x, int64_t *out, const char **msg)
{
    double r = round(x);
    if (fabs(x - r) == 0.5)
        r = 2.0 * round(x / 2.0); /* a half: to even */
    return float_int_result(r, out, msg);
}

/* int(x): truncation, with the same errors as round(). */
int rt_float_to_int(double x, int64_t *out, const char **msg)
{
    return float_int_result(trunc(x), out, msg);
}

/* round(v, ndigits) for an int: CPython computes v - divmod_near(v, p)[1]
 * with p = 10**-ndigits; 128-bit arithmetic holds every case that can
 * still fit in 64 bits. */
int rt_int_round(int64_t v, int64_t ndigits, int64_t *out, const char **msg)
{
    if (ndigits >= 0) {
        *out = v;
        return RT_OK;
    }
    /* |v| < 9.3e18 < 10**20 / 2: from 20 digits on everything rounds to 0. */
    if (ndigits <= -20) {
        *out = 0;
        return RT_OK;
    }
    __int128 p = 1;
    for (int64_t i = 0; i < -ndigits; i++)
        p *= 10;
    /* Floor division, then the nearest multiple, halves to even. */
    __int128 q = v / p, r = v % p;
    if (r < 0) {
        r += p;
        q -= 1;
    }
    if (2 * r > p || (2 * r == p && (q & 1)))
        q += 1;
    __int128 res = q * p;
    if (res > INT64_MAX || res < INT64_MIN)
        return fail_msg(RT_FMT_EOVERFLOW, msg, RT_FMT_INT_OVERFLOW_TEXT);
    *out = (int64_t)res;
    return RT_OK;
}

/* ------------------------------------------------------------------------ */
/* repr of str and bytes                                                    */
/* ------------------------------------------------------------------------ */

/* Appends the escape of one character (ASCII only); returns its length. */
static size_t escape_hex(char *p, char kind, uint32_t cp)
{
    static const char hex[] = "0123456789abcdef";
    int ndig = kind == 'x' ? 2 : kind == 'u' ? 4 : 8;
    p[0] = '\\';
    p[1] = kind;
    for (int i = 0; i < ndig; i++)
        p[2 + i] = hex[(cp >> (4 * (ndig - 1 - i))) & 0xF];
    return (size_t)ndig + 2;
}

/*
 * unicode_repr: appends the quoted, escaped form of s[0..len), stopping
 * after max_chars output characters (SIZE_MAX: no limit; CPython's %.200R
 * cuts the repr, escapes included, at 200 characters).
 */
static int str_repr_limited(const char *s, size_t len, size_t max_chars,
                            rt_strbuf *out)
{
    const unsigned char *u = (const unsigned char *)s;
    bool squote = memchr(s, '\'', len) != NULL;
    bool dquote = memchr(s, '"', len) != NULL;
    char quote = squote && !dquote ? '"' : '\'';
    size_t mark = out->len, chars = 0;
    char piece[12];

#define EMIT(ptr, n, nchars)                                                 \
    do {                                                                     \
        size_t take_ = (n);                                                  \
        if (chars + (nchars) > max_chars)                                    \
            take_ = max_chars - chars; /* ASCII pieces only */               \
        if (rt_strbuf_append(out, (ptr), take_) != RT_OK)                    \
            goto nomem;                                                      \
        chars += (nchars);                                                   \
        if (chars >= max_chars)                                              \
            return RT_OK;                                                    \
    } while (0)

    if (max_chars == 0)
        return RT_OK;
    EMIT(&quote, 1, 1);
    for (size_t i = 0; i < len;) {
        size_t at = i;
        uint32_t cp = utf8_decode(u, len, &i);
        size_t n;
        if (cp == (uint32_t)quote || cp == '\\') {
            piece[0] = '\\', piece[1] = (char)cp, n = 2;
        } else if (cp == '\t') {
            piece[0] = '\\', piece[1] = 't', n = 2;
        } else if (cp == '\n') {
            piece[0] = '\\', piece[1] = 'n', n = 2;
        } else if (cp == '\r') {
            piece[0] = '\\', piece[1] = 'r', n = 2;
        } else if (cp < ' ' || cp == 0x7F) {
            n = escape_hex(piece, 'x', cp);
        } else if (cp < 0x7F) {
            piece[0] = (char)cp, n = 1;
        } else if (uni_printable(cp)) {
            EMIT(s + at, i - at, 1); /* one character, kept as is */
            continue;
        } else if (cp < 0x100) {
            n = escape_hex(piece, 'x', cp);
        } else if (cp < 0x10000) {
            n = escape_hex(piece, 'u', cp);
        } else {
            n = escape_hex(piece, 'U', cp);
        }
        EMIT(piece, n, n);
    }
    EMIT(&quote, 1, 1);
    return RT_OK;
#undef EMIT
nomem:
    strbuf_truncate(out, mark);
    return RT_ENOMEM;
}

/* repr(s) without a length limit. */
int rt_str_repr(const char *s, size_t len, rt_strbuf *out)
{
    return str_repr_limited(s, len, SIZE_MAX, out);
}

/* PyBytes_Repr with smart quotes: one pass, after reserving the worst
 * case of four characters per byte. */
int rt_bytes_repr(const uint8_t *s, size_t len, rt_strbuf *out)
{
    bool squote = memchr(s, '\'', len) != NULL;
    bool dquote = memchr(s, '"', len) != NULL;
    char quote = squote && !dquote ? '"' : '\'';
    /* Every byte becomes at most 4 characters. */
    if (len > (RT_STRBUF_MAX - 3) / 4 || rt_strbuf_reserve(out, 4 * len + 3))
        return RT_ENOMEM;
    char *p = out->data + out->len;
    *p++ = 'b';
    *p++ = quote;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = s[i];
        if (c == (uint8_t)quote || c == '\\') {
            *p++ = '\\', *p++ = (char)c;
        } else if (c == '\t') {
            *p++ = '\\', *p++ = 't';
        } else if (c == '\n') {
            *p++ = '\\', *p++ = 'n';
        } else if (c == '\r') {
            *p++ = '\\', *p++ = 'r';
        } else if (c < ' ' || c >= 0x7F) {
            p += escape_hex(p, 'x', c);
        } else {
            *p++ = (char)c;
        }
    }
    *p++ = quote;
    out->len = (size_t)(p - out->data);
    out->data[out->len] = '\0';
    return RT_OK;
}

/* ------------------------------------------------------------------------ */
/* int(str) and float(str)                                                  */
/* ------------------------------------------------------------------------ */

/*
 * _PyUnicode_TransformDecimalAndSpaceToASCII: a pure-ASCII string is used
 * as it is; otherwise decimal digits of any script become ASCII digits,
 * whitespace becomes ' ', and the first other non-ASCII character becomes
 * '?' and ends the string (it can no longer parse). dst has len bytes.
 * Returns the new length.
 */
static size_t to_ascii(const char *s, size_t len, char *dst)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t n = 0;
    bool ascii = true;
    for (size_t i = 0; i < len; i++)
        ascii &= u[i] < 0x80;
    if (ascii) {
        memcpy(dst, s, len);
        return len;
    }
    for (size_t i = 0; i < len;) {
        uint32_t cp = utf8_decode(u, len, &i);
        int d;
        if (cp < 127)
            dst[n++] = (char)cp;
        else if (uni_space_above_ascii(cp))
            dst[n++] = ' ';
        else if ((d = uni_decimal(cp)) >= 0)
            dst[n++] = (char)('0' + d);
        else {
            dst[n++] = '?';
            break;
        }
    }
    return n;
}

/* A scratch copy of the input: on the stack when short. */
typedef struct scratch {
    char *p;
    char local[128];
} scratch;

static char *scratch_get(scratch *sc, size_t n)
{
    sc->p = n <= sizeof sc->local ? sc->local : rt_malloc(n);
    return sc->p;
}

static void scratch_free(scratch *sc)
{
    if (sc->p != sc->local)
        rt_free(sc->p);
}

/* The value of an ASCII digit or letter, 99 for anything else. */
static unsigned digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return (unsigned)(c - '0');
    if (c >= 'a' && c <= 'z')
        return (unsigned)(c - 'a' + 10);
    if (c >= 'A' && c <= 'Z')
        return (unsigned)(c - 'A' + 10);
    return 99;
}

/* Writes "<what>: <repr(s) cut to max_chars>" into err. */
static int fail_with_repr(int code, char *err, size_t errlen,
                          const char *what, const char *s, size_t len,
                          size_t max_chars)
{
    rt_strbuf r;
    rt_strbuf_init(&r);
    /* The message can show at most errlen characters of the repr. */
    if (max_chars > errlen)
        max_chars = errlen;
    if (str_repr_limited(s, len, max_chars, &r) != RT_OK) {
        rt_strbuf_deinit(&r);
        return RT_ENOMEM;
    }
    fail(code, err, errlen, "%s: %s", what, rt_strbuf_cstr(&r));
    rt_strbuf_deinit(&r);
    return code;
}

/* The outcome of parsing the ASCII form of an int literal. */
enum { PI_OK, PI_INVALID, PI_OVERFLOW, PI_LIMIT };

/* PyLong_FromString on a[0..n) for a base in 0, 2..36. On PI_LIMIT,
 * *ndigits receives the digit count for the message. */
static int parse_int_ascii(const char *a, size_t n, int base, int64_t *out,
                           size_t *ndigits)
{
    size_t i = 0;
#define AT(k) ((k) < n ? a[k] : '\0')
    while (i < n && ascii_space(a[i]))
        i++;
    bool neg = false;
    if (AT(i) == '+') {
        i++;
    } else if (AT(i) == '-') {
        neg = true;
        i++;
    }
    bool error_if_nonzero = false;
    if (base == 0) {
        char c1 = AT(i + 1);
        if (AT(i) != '0')
            base = 10;
        else if (c1 == 'x' || c1 == 'X')
            base = 16;
        else if (c1 == 'o' || c1 == 'O')
            base = 8;
        else if (c1 == 'b' || c1 == 'B')
            base = 2;
        else {
            /* "0777": an old octal literal, only valid if it is zero. */
            error_if_nonzero = true;
            base = 10;
        }
    }
    if (AT(i) == '0') {
        char c1 = AT(i + 1);
        if ((base == 16 && (c1 == 'x' || c1 == 'X')) ||
            (base == 8 && (c1 == 'o' || c1 == 'O')) ||
            (base == 2 && (c1 == 'b' || c1 == 'B'))) {
            i += 2;
            if (AT(i) == '_') /* one underscore may follow the prefix */
                i++;
        }
    }
    if (AT(i) == '_')
        return PI_INVALID;
    size_t start = i, digits = 0;
    uint64_t mag = 0;
    bool overflow = false;
    char prev = 0;
    while (i < n && (digit_value(a[i]) < (unsigned)base || a[i] == '_')) {
        if (a[i] == '_') {
            if (prev == '_')
                return PI_INVALID;
        } else {
            unsigned d = digit_value(a[i]);
            digits++;
            if (mag > (UINT64_MAX - d) / (unsigned)base)
                overflow = true;
            else
                mag = mag * (unsigned)base + d;
        }
        prev = a[i];
        i++;
    }
    if (prev == '_')
        return PI_INVALID;
    /* CPython refuses more than 4300 digits in bases other than powers of
     * two, before it looks at what follows them. */
    if ((base & (base - 1)) != 0 && digits > 4300) {
        *ndigits = digits;
        return PI_LIMIT;
    }
    if (error_if_nonzero && (mag != 0 || overflow))
        return PI_INVALID;
    if (i == start)
        return PI_INVALID;
    while (i < n && ascii_space(a[i]))
        i++;
    if (i != n)
        return PI_INVALID;
#undef AT
    if (overflow || mag > (uint64_t)INT64_MAX + (neg ? 1 : 0))
        return PI_OVERFLOW;
    *out = neg ? (int64_t)(0 - mag) : (int64_t)mag;
    return PI_OK;
}

/* int(s, base) as PyLong_FromUnicodeObject does it: map to ASCII, parse,
 * and on failure name the original string (its repr cut to 200
 * characters) and the base as given. */
int rt_parse_int(const char *s, size_t len, int base, int64_t *out,
                 char *err, size_t errlen)
{
    if ((base != 0 && base < 2) || base > 36)
        return fail(RT_FMT_EVALUE, err, errlen,
                    "int() base must be >= 2 and <= 36, or 0");
    scratch sc;
    char *a = scratch_get(&sc, len);
    if (!a)
        return RT_ENOMEM;
    size_t n = to_ascii(s, len, a);
    size_t ndigits = 0;
    int64_t v = 0;
    int r = parse_int_ascii(a, n, base, &v, &ndigits);
    scratch_free(&sc);
    switch (r) {
    case PI_OK:
        *out = v;
        return RT_OK;
    case PI_OVERFLOW:
        return fail(RT_FMT_EOVERFLOW, err, errlen, "%s",
                    RT_FMT_INT_OVERFLOW_TEXT);
    case PI_LIMIT:
        return fail(RT_FMT_EVALUE, err, errlen,
                    "Exceeds the limit (4300 digits) for integer string "
                    "conversion: value has %zu digits; use "
                    "sys.set_int_max_str_digits() to increase the limit",
                    ndigits);
    default: {
        char what[64];
        snprintf(what, sizeof what, "invalid literal for int() with base %d",
                 base);
        return fail_with_repr(RT_FMT_EVALUE, err, errlen, what, s, len, 200);
    }
    }
}

/* Whether a[i..n) starts with the lowercase word w, in any case. */
static bool match_word(const char *a, size_t n, size_t i, const char *w)
{
    size_t k = strlen(w);
    if (n - i < k)
        return false;
    for (size_t j = 0; j < k; j++)
        if ((a[i + j] | 0x20) != w[j])
            return false;
    return true;
}

/* _Py_dg_strtod's grammar, or inf/nan, on the whole of a[0..n) (already
 * stripped and free of underscores); sets *out when it matches. */
static bool parse_float_ascii(char *a, size_t n, double *out)
{
    size_t i = 0;
    bool neg = false;
    if (i < n && (a[i] == '+' || a[i] == '-'))
        neg = a[i++] == '-';
    size_t mant = 0;
    while (i < n && a[i] >= '0' && a[i] <= '9')
        i++, mant++;
    if (i < n && a[i] == '.') {
        i++;
        while (i < n && a[i] >= '0' && a[i] <= '9')
            i++, mant++;
    }
    if (mant > 0) {
        if (i < n && (a[i] == 'e' || a[i] == 'E')) {
            size_t j = i + 1;
            if (j < n && (a[j] == '+' || a[j] == '-'))
                j++;
            size_t k = j;
            while (k < n && a[k] >= '0' && a[k] <= '9')
                k++;
            if (k > j)
                i = k; /* an exponent without digits is not consumed */
        }
        if (i != n)
            return false;
        a[n] = '\0';
        *out = strtod(a, NULL); /* glibc's strtod is correctly rounded */
        return true;
    }
    size_t j = neg || (n && a[0] == '+') ? 1 : 0;
    if (match_word(a, n, j, "infinity") && j + 8 == n)
        *out = neg ? -HUGE_VAL : HUGE_VAL;
    else if (match_word(a, n, j, "inf") && j + 3 == n)
        *out = neg ? -HUGE_VAL : HUGE_VAL;
    else if (match_word(a, n, j, "nan") && j + 3 == n)
        *out = neg ? -NAN : NAN;
    else
        return false;
    return true;
}

/* float(s) as PyFloat_FromString does it: map to ASCII, check and drop
 * the underscores, strip whitespace, then read the literal; the error
 * names the whole original string. */
int rt_parse_float(const char *s, size_t len, double *out, char *err,
                   size_t errlen)
{
    scratch sc;
    char *a = scratch_get(&sc, len + 1);
    if (!a)
        return RT_ENOMEM;
    size_t n = to_ascii(s, len, a);
    bool ok = true;
    /* Underscores: only between digits; dropped before reading. */
    if (memchr(a, '_', n)) {
        size_t k = 0;
        char prev = 0;
        for (size_t i = 0; i < n && ok; i++) {
            char c = a[i];
            bool digit = c >= '0' && c <= '9';
            if (c == '_')
                ok = prev >= '0' && prev <= '9';
            else if (prev == '_' && !digit)
                ok = false;
            if (c != '_')
                a[k++] = c;
            prev = c;
        }
        ok = ok && prev != '_';
        n = k;
    }
    if (ok) {
        size_t b = 0, e = n;
        while (b < e && ascii_space(a[b]))
            b++;
        while (e > b && ascii_space(a[e - 1]))
            e--;
        double v;
        ok = b < e && parse_float_ascii(a + b, e - b, &v);
        if (ok)
            *out = v;
    }
    scratch_free(&sc);
    if (ok)
        return RT_OK;
    return fail_with_repr(RT_FMT_EVALUE, err, errlen,
                          "could not convert string to float", s, len,
                          SIZE_MAX);
}

/* ------------------------------------------------------------------------ */
/* Arithmetic                                                               */
/* ------------------------------------------------------------------------ */

/* C division truncates toward zero; Python's floors. They differ by one
 * when the signs differ and the division is inexact. */
int rt_int_floordiv(int64_t a, int64_t b, int64_t *out, const char **msg)
{
    if (b == 0)
        return fail_msg(RT_FMT_EZERODIV, msg,
                        "integer division or modulo by zero");
    if (a == INT64_MIN && b == -1)
        return fail_msg(RT_FMT_EOVERFLOW, msg, RT_FMT_INT_OVERFLOW_TEXT);
    int64_t q = a / b;
    if (a % b != 0 && ((a < 0) != (b < 0)))
        q--;
    *out = q;
    return RT_OK;
}

/* The remainder that goes with the floored quotient: it has b's sign. */
int rt_int_mod(int64_t a, int64_t b, int64_t *out, const char **msg)
{
    if (b == 0)
        return fail_msg(RT_FMT_EZERODIV, msg, "integer modulo by zero");
    if (b == -1) {
        *out = 0; /* and INT64_MIN % -1 is undefined in C */
        return RT_OK;
    }
    int64_t r = a % b;
    if (r != 0 && ((r < 0) != (b < 0)))
        r += b;
    *out = r;
    return RT_OK;
}

/* The bit length of a nonzero 128-bit number. */
static int bitlen128(unsigned __int128 v)
{
    uint64_t hi = (uint64_t)(v >> 64);
    if (hi)
        return 128 - __builtin_clzll(hi);
    return 64 - __builtin_clzll((uint64_t)v);
}

/* a / b correctly rounded, as long_true_divide guarantees even for
 * operands that a double cannot hold exactly. */
int rt_int_truediv(int64_t a, int64_t b, double *out, const char **msg)
{
    if (b == 0)
        return fail_msg(RT_FMT_EZERODIV, msg, "division by zero");
    uint64_t ua = a < 0 ? 0 - (uint64_t)a : (uint64_t)a;
    uint64_t ub = b < 0 ? 0 - (uint64_t)b : (uint64_t)b;
    const uint64_t exact = UINT64_C(1) << 53;
    if (ua == 0 || (ua <= exact && ub <= exact)) {
        /* Both exact as doubles: one correctly rounded division. */
        *out = (double)a / (double)b;
        return RT_OK;
    }
    /* Shift the dividend so that the quotient has at least 56 bits, keep
     * a sticky bit for the remainder, and round to 53 bits half-even. */
    int la = 64 - __builtin_clzll(ua), lb = 64 - __builtin_clzll(ub);
    int k = 56 + lb - la;
    if (k < 0)
        k = 0;
    unsigned __int128 nq = ((unsigned __int128)ua << k);
    unsigned __int128 q = nq / ub;
    bool sticky = nq % ub != 0;
    int drop = bitlen128(q) - 53;
    unsigned __int128 mask = ((unsigned __int128)1 << drop) - 1;
    unsigned __int128 rem = q & mask, half = (unsigned __int128)1 << (drop - 1);
    uint64_t m = (uint64_t)(q >> drop);
    if (rem > half || (rem == half && (sticky || (m & 1))))
        m++;
    double r = ldexp((double)m, drop - k);
    *out = ((a < 0) != (b < 0)) ? -r : r;
    return RT_OK;
}

/* a ** b by repeated squaring with overflow checks on every product. */
int rt_int_pow(int64_t a, int64_t b, int64_t *out, const char **msg)
{
    if (b < 0)
        return fail_msg(RT_EINVAL, msg, "negative exponent: use rt_float_pow");
    int64_t result = 1, base = a;
    bool overflow = false;
    /* Squaring by bits; a square is computed only when a higher bit
     * needs it, so its overflow means the result's overflow too (unless
     * |a| <= 1, whose powers never overflow). */
    while (b > 0) {
        if (b & 1) {
            if (__builtin_mul_overflow(result, base, &result)) {
                overflow = true;
                break;
            }
        }
        b >>= 1;
        if (b > 0 && __builtin_mul_overflow(base, base, &base)) {
            overflow = true;
            break;
        }
    }
    if (overflow)
        return fail_msg(RT_FMT_EOVERFLOW, msg, RT_FMT_INT_OVERFLOW_TEXT);
    *out = result;
    return RT_OK;
}

/* a / b: IEEE division, but a zero divisor raises instead of giving inf. */
int rt_float_div(double a, double b, double *out, const char **msg)
{
    if (b == 0.0)
        return fail_msg(RT_FMT_EZERODIV, msg, "float division by zero");
    *out = a / b;
    return RT_OK;
}

/* CPython's _float_div_mod (b nonzero). */
static void float_divmod(double a, double b, double *floordiv, double *mod)
{
    double m = fmod(a, b);
    /* fmod is exact, so a - m is an exact multiple of b in mathematics;
     * the division may still land a hair off an integer, snapped below. */
    double div = (a - m) / b;
    if (m != 0.0) {
        if ((b < 0) != (m < 0)) {
            m += b;
            div -= 1.0;
        }
    } else {
        m = copysign(0.0, b);
    }
    if (div != 0.0) {
        double f = floor(div);
        if (div - f > 0.5)
            f += 1.0;
        *floordiv = f;
    } else {
        *floordiv = copysign(0.0, a / b);
    }
    *mod = m;
}

/* a // b: float_floor_div, the quotient half of divmod. */
int rt_float_floordiv(double a, double b, double *out, const char **msg)
{
    if (b == 0.0)
        return fail_msg(RT_FMT_EZERODIV, msg, "float floor division by zero");
    double q, m;
    float_divmod(a, b, &q, &m);
    *out = q;
    return RT_OK;
}

/* a % b: float_rem, the remainder half of divmod. */
int rt_float_mod(double a, double b, double *out, const char **msg)
{
    if (b == 0.0)
        return fail_msg(RT_FMT_EZERODIV, msg, "float modulo");
    double m = fmod(a, b);
    if (m != 0.0) {
        if ((b < 0) != (m < 0))
            m += b;
    } else {
        m = copysign(0.0, b);
    }
    *out = m;
    return RT_OK;
}

/* Whether x is an odd integer (DOUBLE_IS_ODD_INTEGER). */
static bool odd_integer(double x)
{
    return fmod(fabs(x), 2.0) == 1.0;
}

/* a ** b: float_pow settles zeros, ones, infinities, nans and negative
 * bases itself, so that libm's pow only sees a finite positive base other
 * than 1 and a finite nonzero exponent. */
int rt_float_pow(double a, double b, double *out, const char **msg)
{
    /* The special cases float_pow sorts out before calling pow(). */
    if (b == 0.0) {
        *out = 1.0;
        return RT_OK;
    }
    if (isnan(a)) {
        *out = a;
        return RT_OK;
    }
    if (isnan(b)) {
        *out = a == 1.0 ? 1.0 : b;
        return RT_OK;
    }
    if (isinf(b)) {
        double aa = fabs(a);
        if (aa == 1.0)
            *out = 1.0;
        else if ((b > 0.0) == (aa > 1.0))
            *out = fabs(b);
        else
            *out = 0.0;
        return RT_OK;
    }
    if (isinf(a)) {
        bool odd = odd_integer(b);
        if (b > 0.0)
            *out = odd ? a : fabs(a);
        else
            *out = odd ? copysign(0.0, a) : 0.0;
        return RT_OK;
    }
    if (a == 0.0) {
        if (b < 0.0)
            return fail_msg(RT_FMT_EZERODIV, msg,
                            "0.0 cannot be raised to a negative power");
        *out = odd_integer(b) ? a : 0.0;
        return RT_OK;
    }
    bool negate = false;
    if (a < 0.0) {
        if (b != floor(b))
            return fail_msg(RT_FMT_EVALUE, msg,
                            "complex results are not supported in scenarios");
        a = -a;
        negate = odd_integer(b);
    }
    if (a == 1.0) {
        *out = negate ? -1.0 : 1.0;
        return RT_OK;
    }
    double r = pow(a, b);
    /* Finite operands: an infinite result is an overflow (ERANGE), a zero
     * one an underflow, which Python accepts. */
    if (isinf(r))
        return fail_msg(RT_FMT_EOVERFLOW, msg,
                        "(34, 'Numerical result out of range')");
    *out = negate ? -r : r;
    return RT_OK;
}
