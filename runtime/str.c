/*
 * str.c - Python's str (immutable UTF-8 text) and bytes, the string
 * builder SBuf, interning, and the everyday str methods.
 *
 * A Str stores UTF-8 bytes plus its length in code points; an `ascii` flag
 * lets indexing use byte offsets directly, which covers almost every
 * scenario string. Non-ASCII strings index by walking the bytes: O(n), and
 * fine for the short strings scenarios print. Case mapping covers ASCII
 * only (non-ASCII letters are left as they are).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "lang.h"
#include "textfmt.h"

/* ------------------------------------------------------------------------ */
/* SBuf                                                                     */
/* ------------------------------------------------------------------------ */

void sb_init(SBuf *b)
{
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = false;
}

void sb_free(SBuf *b)
{
    rt_free(b->data);
    sb_init(b);
}

static bool sb_reserve(SBuf *b, size_t extra)
{
    if (b->failed)
        return false;
    if (b->len + extra + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap * 2 : 64;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *d = rt_realloc(b->data, cap);
    if (!d) {
        b->failed = true;
        return false;
    }
    b->data = d;
    b->cap = cap;
    return true;
}

void sb_add(SBuf *b, const char *s, size_t n)
{
    if (!sb_reserve(b, n))
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = 0;
}

void sb_addc(SBuf *b, char c) { sb_add(b, &c, 1); }
void sb_adds(SBuf *b, const char *s) { sb_add(b, s, strlen(s)); }
void sb_addstr(SBuf *b, const Str *s) { sb_add(b, s->data, (size_t)s->len); }

void sb_addf(SBuf *b, const char *fmt, ...)
{
    va_list ap;
    char small[256];
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        sb_add(b, small, (size_t)n);
        return;
    }
    if (!sb_reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

Str *sb_finish(VM *vm, SBuf *b)
{
    if (b->failed) {
        sb_free(b);
        vm_raise_nomem(vm);
        return NULL;
    }
    Str *s = str_new(vm, b->data ? b->data : "", b->len);
    sb_free(b);
    return s;
}

/* ------------------------------------------------------------------------ */
/* Construction                                                             */
/* ------------------------------------------------------------------------ */

static int64_t utf8_count(const char *s, size_t len, bool *ascii)
{
    int64_t n = 0;
    bool a = true;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80)
            a = false;
        if ((c & 0xC0) != 0x80)
            n++;
    }
    *ascii = a;
    return n;
}

Str *str_new(VM *vm, const char *s, size_t len)
{
    if (len == 1 && (unsigned char)s[0] < 128 && vm->char_strs[(int)s[0]]) {
        Str *c = vm->char_strs[(int)s[0]];
        obj_incref(c);
        return c;
    }
    if (len == 0 && vm->empty_str) {
        obj_incref(vm->empty_str);
        return vm->empty_str;
    }
    Str *o = obj_alloc(vm, vm->c.str, sizeof(Str) + len + 1);
    if (!o)
        return NULL;
    memcpy(o->data, s, len);
    o->data[len] = 0;
    o->len = (int64_t)len;
    o->cplen = utf8_count(s, len, &o->ascii);
    return o;
}

Str *str_from_cstr(VM *vm, const char *s) { return str_new(vm, s, strlen(s)); }

int int_to_text(int64_t v, char buf[24])
{
    char tmp[24];
    int n = 0;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    int k = 0;
    if (v < 0)
        buf[k++] = '-';
    while (n)
        buf[k++] = tmp[--n];
    buf[k] = 0;
    return k;
}

Str *str_from_int(VM *vm, int64_t v)
{
    char buf[24];
    int n = int_to_text(v, buf);
    return str_new(vm, buf, (size_t)n);
}

Str *str_vfmt(VM *vm, const char *fmt, va_list ap)
{
    char small[512];
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(small, sizeof small, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        n = 0;
    if ((size_t)n < sizeof small)
        return str_new(vm, small, (size_t)n);
    char *big = rt_malloc((size_t)n + 1);
    if (!big) {
        vm_raise_nomem(vm);
        return NULL;
    }
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    Str *s = str_new(vm, big, (size_t)n);
    rt_free(big);
    return s;
}

Str *str_fmt(VM *vm, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    Str *s = str_vfmt(vm, fmt, ap);
    va_end(ap);
    return s;
}

uint32_t str_hash(Str *s)
{
    if (s->hash)
        return s->hash;
    /* FNV-1a: deterministic across runs and machines, unlike CPython's
     * randomised string hash, which scenarios must not depend on anyway. */
    uint32_t h = 2166136261u;
    for (int64_t i = 0; i < s->len; i++) {
        h ^= (unsigned char)s->data[i];
        h *= 16777619u;
    }
    if (h == 0)
        h = 1;
    s->hash = h;
    return h;
}

bool str_eq(const Str *a, const Str *b)
{
    if (a == b)
        return true;
    if (a->len != b->len)
        return false;
    if (a->hash && b->hash && a->hash != b->hash)
        return false;
    return memcmp(a->data, b->data, (size_t)a->len) == 0;
}

bool str_eq_cstr(const Str *a, const char *s)
{
    size_t n = strlen(s);
    return (size_t)a->len == n && memcmp(a->data, s, n) == 0;
}

Str *str_intern(VM *vm, Str *s)
{
    if (!s)
        return NULL;
    if (s->hdr.flags & OF_INTERNED)
        return s;
    Value v = dict_get(vm, vm->interned, val_obj(s));
    if (!IS_ERR(v)) {
        Str *t = AS_STR(v);
        obj_incref(t);
        obj_decref(s);
        return t;
    }
    if (dict_set(vm, vm->interned, val_obj(s), val_obj(s)) < 0) {
        obj_decref(s);
        return NULL;
    }
    s->hdr.flags |= OF_INTERNED;
    return s;
}

Str *str_intern_cstr(VM *vm, const char *s)
{
    Str *t = str_intern(vm, str_from_cstr(vm, s));
    if (t)
        obj_decref(t); /* the intern table keeps it alive */
    return t;
}

Str *str_concat(VM *vm, Str *a, Str *b)
{
    if (a->len == 0) {
        obj_incref(b);
        return b;
    }
    if (b->len == 0) {
        obj_incref(a);
        return a;
    }
    size_t n = (size_t)(a->len + b->len);
    Str *o = obj_alloc(vm, vm->c.str, sizeof(Str) + n + 1);
    if (!o)
        return NULL;
    memcpy(o->data, a->data, (size_t)a->len);
    memcpy(o->data + a->len, b->data, (size_t)b->len);
    o->data[n] = 0;
    o->len = (int64_t)n;
    o->cplen = a->cplen + b->cplen;
    o->ascii = a->ascii && b->ascii;
    return o;
}

int64_t str_offset(const Str *s, int64_t i)
{
    if (s->ascii)
        return i;
    int64_t cp = 0;
    for (int64_t b = 0; b < s->len; b++) {
        if (((unsigned char)s->data[b] & 0xC0) != 0x80) {
            if (cp == i)
                return b;
            cp++;
        }
    }
    return s->len;
}

Bytes *bytes_new(VM *vm, const void *data, size_t len)
{
    Bytes *b = obj_alloc(vm, vm->c.bytes, sizeof(Bytes) + len + 1);
    if (!b)
        return NULL;
    if (len && data)
        memcpy(b->data, data, len);
    b->data[len] = 0;
    b->len = (int64_t)len;
    return b;
}

/* A substring by code point range [i, j). */
Str *str_substr(VM *vm, Str *s, int64_t i, int64_t j)
{
    if (i <= 0 && j >= s->cplen) {
        obj_incref(s);
        return s;
    }
    int64_t a = str_offset(s, i), b = str_offset(s, j);
    return str_new(vm, s->data + a, (size_t)(b - a));
}

Value str_getitem(VM *vm, Str *s, Value index)
{
    if (IS_INT(index) || IS_BOOL(index)) {
        int64_t i;
        if (seq_index(vm, index, s->cplen, &i, "string") < 0)
            return VAL_ERR;
        int64_t a = str_offset(s, i);
        int64_t b = a + 1;
        while (b < s->len && ((unsigned char)s->data[b] & 0xC0) == 0x80)
            b++;
        Str *r = str_new(vm, s->data + a, (size_t)(b - a));
        return r ? val_obj(r) : VAL_ERR;
    }
    if (IS_LAYOUT(index, SLICE)) {
        int64_t start, stop, step, count;
        if (slice_indices(vm, (Slice *)AS_OBJ(index), s->cplen, &start, &stop,
                          &step, &count) < 0)
            return VAL_ERR;
        if (step == 1) {
            Str *r = str_substr(vm, s, start, start + count);
            return r ? val_obj(r) : VAL_ERR;
        }
        SBuf b;
        sb_init(&b);
        for (int64_t k = 0, i = start; k < count; k++, i += step) {
            int64_t a = str_offset(s, i), e = a + 1;
            while (e < s->len && ((unsigned char)s->data[e] & 0xC0) == 0x80)
                e++;
            sb_add(&b, s->data + a, (size_t)(e - a));
        }
        Str *r = sb_finish(vm, &b);
        return r ? val_obj(r) : VAL_ERR;
    }
    return vm_raise_new(vm, vm->c.TypeError,
                        "string indices must be integers, not '%s'",
                        type_name(vm, index));
}

/* ------------------------------------------------------------------------ */
/* Methods                                                                  */
/* ------------------------------------------------------------------------ */

#define SELF AS_STR(args[0])
#define RET_STR(expr)                                                        \
    do {                                                                     \
        Str *r_ = (expr);                                                    \
        return r_ ? val_obj(r_) : VAL_ERR;                                   \
    } while (0)

static Value need_str(VM *vm, Value v, const char *fn, const char *what)
{
    if (!IS_STR(v))
        return vm_raise_new(vm, vm->c.TypeError, "%s %s, not %s", fn, what,
                            type_name(vm, v));
    return v;
}

/* Case mapping. ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic
 * letters map as Unicode says; other characters are left alone (a
 * documented limitation: scenarios rarely change the case of other
 * scripts). */
static uint32_t cp_upper(uint32_t c)
{
    if (c < 128)
        return (uint32_t)toupper((int)c);
    if ((c >= 0xE0 && c <= 0xFE && c != 0xF7))
        return c - 0x20;
    if (c == 0xFF)
        return 0x178;
    if (c >= 0x100 && c <= 0x17F && c != 0x130 && c != 0x131 && c != 0x138 &&
        c != 0x149 && c != 0x17F) {
        bool odd_lower = (c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E);
        if (odd_lower ? (c % 2 == 0) : (c % 2 == 1))
            return c - 1;
        return c;
    }
    if (c >= 0x3B1 && c <= 0x3C9 && c != 0x3C2)
        return c - 0x20;
    if (c == 0x3C2)
        return 0x3A3;
    if (c >= 0x430 && c <= 0x44F)
        return c - 0x20;
    if (c >= 0x450 && c <= 0x45F)
        return c - 0x50;
    return c;
}

static uint32_t cp_lower(uint32_t c)
{
    if (c < 128)
        return (uint32_t)tolower((int)c);
    if (c >= 0xC0 && c <= 0xDE && c != 0xD7)
        return c + 0x20;
    if (c == 0x178)
        return 0xFF;
    if (c >= 0x100 && c <= 0x17F && c != 0x130 && c != 0x131 && c != 0x138 &&
        c != 0x149 && c != 0x17F) {
        bool odd_lower = (c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E);
        if (odd_lower ? (c % 2 == 1) : (c % 2 == 0))
            return c + 1;
        return c;
    }
    if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2)
        return c + 0x20;
    if (c >= 0x410 && c <= 0x42F)
        return c + 0x20;
    if (c >= 0x400 && c <= 0x40F)
        return c + 0x50;
    return c;
}

static bool cp_is_upper(uint32_t c) { return cp_lower(c) != c; }
static bool cp_is_lower(uint32_t c) { return cp_upper(c) != c || c == 0xDF; }
static bool cp_is_cased(uint32_t c) { return cp_is_upper(c) || cp_is_lower(c); }

static uint32_t utf8_decode(const unsigned char *p, const unsigned char *end,
                            int *n)
{
    uint32_t c = p[0];
    int len = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    if (p + len > end)
        len = 1;
    if (len == 2)
        c = ((c & 0x1F) << 6) | (p[1] & 0x3F);
    else if (len == 3)
        c = ((c & 0x0F) << 12) | ((p[1] & 0x3F) << 6) | (p[2] & 0x3F);
    else if (len == 4)
        c = ((c & 0x07) << 18) | ((p[1] & 0x3F) << 12) | ((p[2] & 0x3F) << 6) |
            (p[3] & 0x3F);
    *n = len;
    return c;
}

static void sb_add_cp(SBuf *b, uint32_t c)
{
    char buf[4];
    sb_add(b, buf, rt_utf8_encode(c, buf));
}

enum { MAP_UPPER, MAP_LOWER, MAP_SWAP, MAP_TITLE, MAP_CAPITALIZE };

/* Applies a case mapping, copying (strings are never changed in place). */
static Value map_case(VM *vm, Str *s, int how)
{
    SBuf b;
    sb_init(&b);
    const unsigned char *p = (const unsigned char *)s->data, *end = p + s->len;
    bool prev_cased = false, first = true;
    while (p < end) {
        int n;
        uint32_t c = utf8_decode(p, end, &n);
        uint32_t r = c;
        switch (how) {
        case MAP_UPPER:
            r = cp_upper(c);
            break;
        case MAP_LOWER:
            r = cp_lower(c);
            break;
        case MAP_SWAP:
            r = cp_is_upper(c) ? cp_lower(c) : cp_upper(c);
            break;
        case MAP_TITLE:
            r = prev_cased ? cp_lower(c) : cp_upper(c);
            break;
        case MAP_CAPITALIZE:
            r = first ? cp_upper(c) : cp_lower(c);
            break;
        }
        if (c == 0xDF && (how == MAP_UPPER || how == MAP_SWAP ||
                          (how == MAP_TITLE && !prev_cased) ||
                          (how == MAP_CAPITALIZE && first))) {
            sb_adds(&b, how == MAP_UPPER || how == MAP_SWAP ? "SS" : "Ss");
        } else if (n == 1 && c >= 0x80) {
            sb_addc(&b, (char)c); /* invalid UTF-8: kept as it is */
        } else {
            sb_add_cp(&b, r);
        }
        prev_cased = cp_is_cased(c);
        first = false;
        p += n;
    }
    RET_STR(sb_finish(vm, &b));
}

static Value m_upper2(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "upper", args, nargs, kw, "self", NULL) < 0)
        return VAL_ERR;
    return map_case(vm, SELF, MAP_UPPER);
}
static Value m_lower2(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "lower", args, nargs, kw, "self", NULL) < 0)
        return VAL_ERR;
    return map_case(vm, SELF, MAP_LOWER);
}
static Value m_swapcase(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "swapcase", args, nargs, kw, "self", NULL) < 0)
        return VAL_ERR;
    return map_case(vm, SELF, MAP_SWAP);
}
static Value m_title(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "title", args, nargs, kw, "self", NULL) < 0)
        return VAL_ERR;
    return map_case(vm, SELF, MAP_TITLE);
}
static Value m_capitalize(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "capitalize", args, nargs, kw, "self", NULL) < 0)
        return VAL_ERR;
    return map_case(vm, SELF, MAP_CAPITALIZE);
}

static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
           c == '\f' || (c >= 0x1c && c <= 0x1f);
}

static Value do_strip(VM *vm, Value *args, int nargs, Tuple *kw,
                      const char *name, bool left, bool right)
{
    Value a[2];
    if (args_parse(vm, name, args, nargs, kw, "self|chars", a) < 0)
        return VAL_ERR;
    Str *s = SELF;
    Str *chars = NULL;
    if (!IS_ERR(a[1]) && !IS_NONE(a[1])) {
        if (IS_ERR(need_str(vm, a[1], name, "arg must be None or str")))
            return VAL_ERR;
        chars = AS_STR(a[1]);
    }
    int64_t i = 0, j = s->len;
    /* chars are matched byte-wise when ASCII, which covers real use. */
    if (left)
        while (i < j && (chars ? memchr(chars->data, s->data[i],
                                        (size_t)chars->len) != NULL
                               : is_space((unsigned char)s->data[i])))
            i++;
    if (right)
        while (j > i && (chars ? memchr(chars->data, s->data[j - 1],
                                        (size_t)chars->len) != NULL
                               : is_space((unsigned char)s->data[j - 1])))
            j--;
    if (i == 0 && j == s->len) {
        obj_incref(s);
        return val_obj(s);
    }
    RET_STR(str_new(vm, s->data + i, (size_t)(j - i)));
}

static Value m_strip(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return do_strip(vm, args, nargs, kw, "strip", true, true);
}
static Value m_lstrip(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return do_strip(vm, args, nargs, kw, "lstrip", true, false);
}
static Value m_rstrip(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return do_strip(vm, args, nargs, kw, "rstrip", false, true);
}

/* Finds needle in s[from, to) (byte offsets); returns byte offset or -1. */
static int64_t find_bytes(const Str *s, const Str *needle, int64_t from,
                          int64_t to, bool last)
{
    if (needle->len == 0)
        return last ? to : from;
    if (to - from < needle->len)
        return -1;
    if (last) {
        for (int64_t i = to - needle->len; i >= from; i--)
            if (memcmp(s->data + i, needle->data, (size_t)needle->len) == 0)
                return i;
        return -1;
    }
    const char *p = memmem(s->data + from, (size_t)(to - from), needle->data,
                           (size_t)needle->len);
    return p ? p - s->data : -1;
}

/* Converts a byte offset into a code point index. */
static int64_t cp_index(const Str *s, int64_t off)
{
    if (s->ascii || off < 0)
        return off;
    int64_t n = 0;
    for (int64_t i = 0; i < off; i++)
        if (((unsigned char)s->data[i] & 0xC0) != 0x80)
            n++;
    return n;
}

/* Parses optional start/end arguments (code points) into byte offsets. */
static int range_args(VM *vm, Str *s, Value vstart, Value vend, int64_t *from,
                      int64_t *to)
{
    int64_t a = 0, b = s->cplen;
    if (!IS_ERR(vstart) && !IS_NONE(vstart)) {
        if (!IS_INT(vstart) && !IS_BOOL(vstart)) {
            vm_raise_new(vm, vm->c.TypeError,
                         "slice indices must be integers or None or have an "
                         "__index__ method");
            return -1;
        }
        a = AS_INT(vstart);
        if (a < 0)
            a = a + s->cplen < 0 ? 0 : a + s->cplen;
    }
    if (!IS_ERR(vend) && !IS_NONE(vend)) {
        if (!IS_INT(vend) && !IS_BOOL(vend)) {
            vm_raise_new(vm, vm->c.TypeError,
                         "slice indices must be integers or None or have an "
                         "__index__ method");
            return -1;
        }
        b = AS_INT(vend);
        if (b < 0)
            b = b + s->cplen < 0 ? 0 : b + s->cplen;
    }
    if (a > s->cplen)
        a = s->cplen + 1; /* empty and beyond: nothing is found */
    if (b > s->cplen)
        b = s->cplen;
    if (a > s->cplen) {
        *from = s->len + 1;
        *to = s->len;
        return 0;
    }
    *from = str_offset(s, a);
    *to = b < a ? *from : str_offset(s, b);
    return 0;
}

static Value do_find(VM *vm, Value *args, int nargs, Tuple *kw,
                     const char *name, bool last, bool raise)
{
    Value a[4];
    if (args_parse(vm, name, args, nargs, kw, "self,sub|start,end", a) < 0)
        return VAL_ERR;
    if (!IS_STR(a[1]))
        return vm_raise_new(vm, vm->c.TypeError,
                            "must be str, not %s", type_name(vm, a[1]));
    Str *s = SELF;
    int64_t from, to;
    if (range_args(vm, s, a[2], a[3], &from, &to) < 0)
        return VAL_ERR;
    int64_t r = from > to ? -1 : find_bytes(s, AS_STR(a[1]), from, to, last);
    if (r < 0 && raise)
        return vm_raise_new(vm, vm->c.ValueError, "substring not found");
    return val_int(cp_index(s, r));
}

static Value m_find(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return do_find(vm, args, nargs, kw, "find", false, false);
}
static Value m_rfind(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return do_find(vm, args, nargs, kw, "rfind", true, false);
}
static Value m_index(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return do_find(vm, args, nargs, kw, "index", false, true);
}
static Value m_rindex(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return do_find(vm, args, nargs, kw, "rindex", true, true);
}

static Value m_count(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[4];
    if (args_parse(vm, "count", args, nargs, kw, "self,sub|start,end", a) < 0)
        return VAL_ERR;
    if (!IS_STR(a[1]))
        return vm_raise_new(vm, vm->c.TypeError, "must be str, not %s",
                            type_name(vm, a[1]));
    Str *s = SELF, *sub = AS_STR(a[1]);
    int64_t from, to;
    if (range_args(vm, s, a[2], a[3], &from, &to) < 0)
        return VAL_ERR;
    if (from > to)
        return val_int(0);
    if (sub->len == 0)
        return val_int(cp_index(s, to) - cp_index(s, from) + 1);
    int64_t n = 0;
    for (int64_t i = from; (i = find_bytes(s, sub, i, to, false)) >= 0;
         i += sub->len)
        n++;
    return val_int(n);
}

static Value m_replace(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[4];
    if (args_parse(vm, "replace", args, nargs, kw, "self,old,new|count", a) < 0)
        return VAL_ERR;
    if (!IS_STR(a[1]) || !IS_STR(a[2]))
        return vm_raise_new(vm, vm->c.TypeError,
                            "replace() argument %d must be str, not %s",
                            IS_STR(a[1]) ? 2 : 1,
                            type_name(vm, IS_STR(a[1]) ? a[2] : a[1]));
    int64_t max = -1;
    if (!IS_ERR(a[3])) {
        if (!IS_INT(a[3]))
            return vm_raise_new(vm, vm->c.TypeError,
                                "'%s' object cannot be interpreted as an "
                                "integer", type_name(vm, a[3]));
        max = AS_INT(a[3]);
    }
    Str *s = SELF, *old = AS_STR(a[1]), *new = AS_STR(a[2]);
    SBuf b;
    sb_init(&b);
    if (old->len == 0) {
        /* Insert `new` between every character (and at both ends). */
        int64_t done = 0;
        for (int64_t i = 0; i <= s->len; i++) {
            bool boundary = i == s->len ||
                            ((unsigned char)s->data[i] & 0xC0) != 0x80;
            if (boundary && (max < 0 || done < max)) {
                sb_addstr(&b, new);
                done++;
            }
            if (i < s->len)
                sb_addc(&b, s->data[i]);
        }
        RET_STR(sb_finish(vm, &b));
    }
    int64_t i = 0, done = 0;
    while (max < 0 || done < max) {
        int64_t j = find_bytes(s, old, i, s->len, false);
        if (j < 0)
            break;
        sb_add(&b, s->data + i, (size_t)(j - i));
        sb_addstr(&b, new);
        i = j + old->len;
        done++;
    }
    sb_add(&b, s->data + i, (size_t)(s->len - i));
    RET_STR(sb_finish(vm, &b));
}

static Value do_split(VM *vm, Value *args, int nargs, Tuple *kw,
                      const char *name, bool right)
{
    Value a[3];
    if (args_parse(vm, name, args, nargs, kw, "self|sep,maxsplit", a) < 0)
        return VAL_ERR;
    Str *s = SELF;
    Str *sep = NULL;
    int64_t max = -1;
    if (!IS_ERR(a[1]) && !IS_NONE(a[1])) {
        if (!IS_STR(a[1]))
            return vm_raise_new(vm, vm->c.TypeError,
                                "must be str or None, not %s",
                                type_name(vm, a[1]));
        sep = AS_STR(a[1]);
        if (sep->len == 0)
            return vm_raise_new(vm, vm->c.ValueError, "empty separator");
    }
    if (!IS_ERR(a[2])) {
        if (!IS_INT(a[2]))
            return vm_raise_new(vm, vm->c.TypeError,
                                "'%s' object cannot be interpreted as an "
                                "integer", type_name(vm, a[2]));
        max = AS_INT(a[2]);
    }
    List *out = list_new(vm, 0);
    if (!out)
        return VAL_ERR;
    /* Pieces are collected as (start, end) byte pairs, then reversed for
     * rsplit, so both directions share the scanning code. */
    int64_t n = 0, cap = 16;
    int64_t *pc = rt_malloc((size_t)cap * 2 * sizeof *pc);
    if (!pc)
        goto nomem;
#define PUSH(a_, b_)                                                         \
    do {                                                                     \
        if (n == cap) {                                                      \
            int64_t *np_ = rt_realloc(pc, (size_t)cap * 4 * sizeof *pc);     \
            if (!np_)                                                        \
                goto nomem;                                                  \
            pc = np_;                                                        \
            cap *= 2;                                                        \
        }                                                                    \
        pc[2 * n] = (a_);                                                    \
        pc[2 * n + 1] = (b_);                                                \
        n++;                                                                 \
    } while (0)
    if (!sep) {
        if (!right) {
            int64_t i = 0;
            while (true) {
                while (i < s->len && is_space((unsigned char)s->data[i]))
                    i++;
                if (i >= s->len)
                    break;
                if (max >= 0 && n == max) {
                    int64_t e = s->len;
                    while (e > i && is_space((unsigned char)s->data[e - 1]))
                        e--;
                    PUSH(i, e);
                    break;
                }
                int64_t j = i;
                while (j < s->len && !is_space((unsigned char)s->data[j]))
                    j++;
                PUSH(i, j);
                i = j;
            }
        } else {
            int64_t j = s->len;
            while (true) {
                while (j > 0 && is_space((unsigned char)s->data[j - 1]))
                    j--;
                if (j <= 0)
                    break;
                if (max >= 0 && n == max) {
                    int64_t b = 0;
                    while (b < j && is_space((unsigned char)s->data[b]))
                        b++;
                    PUSH(b, j);
                    break;
                }
                int64_t i = j;
                while (i > 0 && !is_space((unsigned char)s->data[i - 1]))
                    i--;
                PUSH(i, j);
                j = i;
            }
        }
    } else if (!right) {
        int64_t i = 0;
        while (max < 0 || n < max) {
            int64_t j = find_bytes(s, sep, i, s->len, false);
            if (j < 0)
                break;
            PUSH(i, j);
            i = j + sep->len;
        }
        PUSH(i, s->len);
    } else {
        int64_t j = s->len;
        while (max < 0 || n < max) {
            int64_t i = find_bytes(s, sep, 0, j, true);
            if (i < 0)
                break;
            PUSH(i + sep->len, j);
            j = i;
        }
        PUSH(0, j);
    }
#undef PUSH
    for (int64_t k = 0; k < n; k++) {
        int64_t idx = right ? n - 1 - k : k;
        Str *piece = str_new(vm, s->data + pc[2 * idx],
                             (size_t)(pc[2 * idx + 1] - pc[2 * idx]));
        if (!piece || list_append_steal(vm, out, val_obj(piece)) < 0)
            goto fail;
    }
    rt_free(pc);
    return val_obj(out);
nomem:
    vm_raise_nomem(vm);
fail:
    rt_free(pc);
    obj_decref(out);
    return VAL_ERR;
}

static Value m_split(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return do_split(vm, args, nargs, kw, "split", false);
}
static Value m_rsplit(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return do_split(vm, args, nargs, kw, "rsplit", true);
}

static Value m_splitlines(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "splitlines", args, nargs, kw, "self|keepends", a) < 0)
        return VAL_ERR;
    bool keep = !IS_ERR(a[1]) && val_truthy(vm, a[1]) == 1;
    Str *s = SELF;
    List *out = list_new(vm, 0);
    if (!out)
        return VAL_ERR;
    int64_t i = 0;
    while (i < s->len) {
        int64_t j = i;
        while (j < s->len && s->data[j] != '\n' && s->data[j] != '\r')
            j++;
        int64_t e = j;
        if (j < s->len) {
            if (s->data[j] == '\r' && j + 1 < s->len && s->data[j + 1] == '\n')
                e = j + 2;
            else
                e = j + 1;
        }
        Str *piece = str_new(vm, s->data + i, (size_t)((keep ? e : j) - i));
        if (!piece || list_append_steal(vm, out, val_obj(piece)) < 0) {
            obj_decref(out);
            return VAL_ERR;
        }
        i = e;
    }
    return val_obj(out);
}

static Value m_join(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "join", args, nargs, kw, "self,iterable", a) < 0)
        return VAL_ERR;
    Str *sep = SELF;
    List *items = val_to_list(vm, a[1]);
    if (!items)
        return VAL_ERR;
    SBuf b;
    sb_init(&b);
    for (int64_t i = 0; i < items->len; i++) {
        Value v = items->items[i];
        if (!IS_STR(v)) {
            sb_free(&b);
            obj_decref(items);
            return vm_raise_new(vm, vm->c.TypeError,
                                "sequence item %lld: expected str instance, "
                                "%s found", (long long)i, type_name(vm, v));
        }
        if (i)
            sb_addstr(&b, sep);
        sb_addstr(&b, AS_STR(v));
    }
    obj_decref(items);
    RET_STR(sb_finish(vm, &b));
}

/* startswith/endswith accept a str or a tuple of str. */
static Value do_affix(VM *vm, Value *args, int nargs, Tuple *kw,
                      const char *name, bool end)
{
    Value a[4];
    if (args_parse(vm, name, args, nargs, kw, "self,prefix|start,end", a) < 0)
        return VAL_ERR;
    Str *s = SELF;
    int64_t from, to;
    if (range_args(vm, s, a[2], a[3], &from, &to) < 0)
        return VAL_ERR;
    Value *cands = &a[1];
    int64_t ncands = 1;
    if (IS_TUPLE(a[1])) {
        cands = AS_TUPLE(a[1])->items;
        ncands = AS_TUPLE(a[1])->len;
    }
    for (int64_t k = 0; k < ncands; k++) {
        if (!IS_STR(cands[k]))
            return vm_raise_new(vm, vm->c.TypeError,
                                "%s first arg must be str or a tuple of str, "
                                "not %s", name, type_name(vm, cands[k]));
        Str *p = AS_STR(cands[k]);
        if (from > to || to - from < p->len)
            continue;
        int64_t at = end ? to - p->len : from;
        if (memcmp(s->data + at, p->data, (size_t)p->len) == 0)
            return VAL_TRUE;
    }
    return VAL_FALSE;
}

static Value m_startswith(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return do_affix(vm, args, nargs, kw, "startswith", false);
}
static Value m_endswith(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return do_affix(vm, args, nargs, kw, "endswith", true);
}

static Value do_is(VM *vm, Value *args, int nargs, Tuple *kw,
                   const char *name, int (*pred)(int), bool cased)
{
    if (args_parse(vm, name, args, nargs, kw, "self", NULL) < 0)
        return VAL_ERR;
    Str *s = SELF;
    if (s->len == 0)
        return VAL_FALSE;
    bool any_cased = false;
    for (int64_t i = 0; i < s->len; i++) {
        unsigned char c = (unsigned char)s->data[i];
        if (c >= 128)
            return VAL_FALSE;
        if (cased) {
            if (isalpha(c)) {
                any_cased = true;
                if (!pred(c))
                    return VAL_FALSE;
            }
        } else if (!pred(c)) {
            return VAL_FALSE;
        }
    }
    return val_bool(!cased || any_cased);
}

static Value m_isdigit(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return do_is(vm, args, nargs, kw, "isdigit", isdigit, false);
}
static Value m_isalpha(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return do_is(vm, args, nargs, kw, "isalpha", isalpha, false);
}
static Value m_isalnum(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return do_is(vm, args, nargs, kw, "isalnum", isalnum, false);
}
static Value m_isspace(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return do_is(vm, args, nargs, kw, "isspace", isspace, false);
}
static Value m_isupper(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return do_is(vm, args, nargs, kw, "isupper", isupper, true);
}
static Value m_islower(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return do_is(vm, args, nargs, kw, "islower", islower, true);
}

static Value do_pad(VM *vm, Value *args, int nargs, Tuple *kw,
                    const char *name, int where)
{
    Value a[3];
    if (args_parse(vm, name, args, nargs, kw, "self,width|fillchar", a) < 0)
        return VAL_ERR;
    if (!IS_INT(a[1]))
        return vm_raise_new(vm, vm->c.TypeError,
                            "'%s' object cannot be interpreted as an integer",
                            type_name(vm, a[1]));
    Str *s = SELF;
    const char *fill = " ";
    size_t fill_len = 1;
    if (!IS_ERR(a[2])) {
        if (!IS_STR(a[2]) || AS_STR(a[2])->cplen != 1)
            return vm_raise_new(vm, vm->c.TypeError,
                                "The fill character must be exactly one "
                                "character long");
        fill = AS_STR(a[2])->data;
        fill_len = (size_t)AS_STR(a[2])->len;
    }
    int64_t width = AS_INT(a[1]), pad = width - s->cplen;
    if (pad <= 0) {
        obj_incref(s);
        return val_obj(s);
    }
    int64_t left = where < 0 ? 0 : where > 0 ? pad : pad / 2;
    /* str.center puts the extra space on the right when the string length
     * is even and the padding odd, as CPython's formula does. */
    if (where == 0)
        left = pad / 2 + (pad & width & 1);
    SBuf b;
    sb_init(&b);
    for (int64_t i = 0; i < left; i++)
        sb_add(&b, fill, fill_len);
    sb_addstr(&b, s);
    for (int64_t i = 0; i < pad - left; i++)
        sb_add(&b, fill, fill_len);
    RET_STR(sb_finish(vm, &b));
}

static Value m_ljust(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return do_pad(vm, args, nargs, kw, "ljust", -1);
}
static Value m_rjust(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return do_pad(vm, args, nargs, kw, "rjust", 1);
}
static Value m_center(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return do_pad(vm, args, nargs, kw, "center", 0);
}

static Value m_zfill(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "zfill", args, nargs, kw, "self,width", a) < 0)
        return VAL_ERR;
    if (!IS_INT(a[1]))
        return vm_raise_new(vm, vm->c.TypeError,
                            "'%s' object cannot be interpreted as an integer",
                            type_name(vm, a[1]));
    Str *s = SELF;
    int64_t pad = AS_INT(a[1]) - s->cplen;
    if (pad <= 0) {
        obj_incref(s);
        return val_obj(s);
    }
    SBuf b;
    sb_init(&b);
    int64_t i = 0;
    if (s->len && (s->data[0] == '+' || s->data[0] == '-')) {
        sb_addc(&b, s->data[0]);
        i = 1;
    }
    for (int64_t k = 0; k < pad; k++)
        sb_addc(&b, '0');
    sb_add(&b, s->data + i, (size_t)(s->len - i));
    RET_STR(sb_finish(vm, &b));
}

static Value do_partition(VM *vm, Value *args, int nargs, Tuple *kw,
                          const char *name, bool last)
{
    Value a[2];
    if (args_parse(vm, name, args, nargs, kw, "self,sep", a) < 0)
        return VAL_ERR;
    if (!IS_STR(a[1]))
        return vm_raise_new(vm, vm->c.TypeError, "must be str, not %s",
                            type_name(vm, a[1]));
    Str *s = SELF, *sep = AS_STR(a[1]);
    if (sep->len == 0)
        return vm_raise_new(vm, vm->c.ValueError, "empty separator");
    int64_t at = find_bytes(s, sep, 0, s->len, last);
    Str *p[3];
    if (at < 0) {
        p[0] = last ? vm->empty_str : s;
        p[1] = vm->empty_str;
        p[2] = last ? s : vm->empty_str;
        for (int i = 0; i < 3; i++)
            obj_incref(p[i]);
    } else {
        p[0] = str_new(vm, s->data, (size_t)at);
        p[1] = sep;
        obj_incref(sep);
        p[2] = str_new(vm, s->data + at + sep->len,
                       (size_t)(s->len - at - sep->len));
    }
    Tuple *t = tuple_new(vm, 3);
    if (!t || !p[0] || !p[2]) {
        for (int i = 0; i < 3; i++)
            obj_decref(p[i]);
        obj_decref(t);
        return VAL_ERR;
    }
    for (int i = 0; i < 3; i++)
        t->items[i] = val_obj(p[i]);
    return val_obj(t);
}

static Value m_partition(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return do_partition(vm, args, nargs, kw, "partition", false);
}
static Value m_rpartition(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return do_partition(vm, args, nargs, kw, "rpartition", true);
}

static Value do_remove_affix(VM *vm, Value *args, int nargs, Tuple *kw,
                             const char *name, bool suffix)
{
    Value a[2];
    if (args_parse(vm, name, args, nargs, kw, "self,affix", a) < 0)
        return VAL_ERR;
    if (!IS_STR(a[1]))
        return vm_raise_new(vm, vm->c.TypeError,
                            "%s() argument must be str, not %s", name,
                            type_name(vm, a[1]));
    Str *s = SELF, *p = AS_STR(a[1]);
    if (p->len && p->len <= s->len &&
        memcmp(s->data + (suffix ? s->len - p->len : 0), p->data,
               (size_t)p->len) == 0)
        RET_STR(str_new(vm, s->data + (suffix ? 0 : p->len),
                        (size_t)(s->len - p->len)));
    obj_incref(s);
    return val_obj(s);
}

static Value m_removeprefix(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return do_remove_affix(vm, args, nargs, kw, "removeprefix", false);
}
static Value m_removesuffix(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return do_remove_affix(vm, args, nargs, kw, "removesuffix", true);
}

static Value m_encode(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[3];
    if (args_parse(vm, "encode", args, nargs, kw, "self|encoding,errors", a) < 0)
        return VAL_ERR;
    if (!IS_ERR(a[1])) {
        if (!IS_STR(a[1]))
            return vm_raise_new(vm, vm->c.TypeError,
                                "encode() argument 'encoding' must be str, "
                                "not %s", type_name(vm, a[1]));
        Str *e = AS_STR(a[1]);
        if (!str_eq_cstr(e, "utf-8") && !str_eq_cstr(e, "utf8") &&
            !str_eq_cstr(e, "UTF-8") && !str_eq_cstr(e, "ascii"))
            return vm_raise_new(vm, vm->c.ValueError,
                                "only utf-8 and ascii encodings are "
                                "supported in scenarios, not '%s'", e->data);
        if (str_eq_cstr(e, "ascii") && !SELF->ascii)
            return vm_raise_new(vm, vm->c.UnicodeEncodeError,
                                "'ascii' codec can't encode character");
    }
    Bytes *b = bytes_new(vm, SELF->data, (size_t)SELF->len);
    return b ? val_obj(b) : VAL_ERR;
}

/* str.format: {} {0} {name} {x.attr} {x[0]} with !r/!s and :spec. */
static Value m_format(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Str *fmt = SELF;
    int npos = nargs - 1 - (kw ? (int)kw->len : 0);
    Value *pos = args + 1;
    Value *kwv = args + 1 + npos;
    int auto_idx = 0;
    bool used_auto = false, used_manual = false;
    SBuf b;
    sb_init(&b);
    const char *p = fmt->data, *end = fmt->data + fmt->len;
    while (p < end) {
        if (*p == '{' && p + 1 < end && p[1] == '{') {
            sb_addc(&b, '{');
            p += 2;
            continue;
        }
        if (*p == '}' && p + 1 < end && p[1] == '}') {
            sb_addc(&b, '}');
            p += 2;
            continue;
        }
        if (*p == '}') {
            sb_free(&b);
            return vm_raise_new(vm, vm->c.ValueError,
                                "Single '}' encountered in format string");
        }
        if (*p != '{') {
            sb_addc(&b, *p++);
            continue;
        }
        /* A replacement field: find its end, honouring nested braces. */
        const char *q = p + 1;
        int depth = 1;
        while (q < end && depth) {
            if (*q == '{')
                depth++;
            else if (*q == '}')
                depth--;
            if (depth)
                q++;
        }
        if (q >= end) {
            sb_free(&b);
            return vm_raise_new(vm, vm->c.ValueError,
                                "Single '{' encountered in format string");
        }
        const char *f = p + 1, *fend = q;
        const char *conv = NULL, *spec = NULL;
        for (const char *r = f; r < fend; r++) {
            if (*r == '!' && !conv && !spec)
                conv = r;
            else if (*r == ':' && !spec) {
                spec = r;
                break;
            }
        }
        const char *name_end = conv ? conv : spec ? spec : fend;
        /* The field name: an index, a keyword, then .attr / [key] parts. */
        const char *r = f;
        while (r < name_end && *r != '.' && *r != '[')
            r++;
        Value v;
        if (r == f) {
            if (used_manual) {
                sb_free(&b);
                return vm_raise_new(vm, vm->c.ValueError,
                                    "cannot switch from manual field "
                                    "specification to automatic field "
                                    "numbering");
            }
            used_auto = true;
            if (auto_idx >= npos) {
                sb_free(&b);
                return vm_raise_new(vm, vm->c.IndexError,
                                    "Replacement index %d out of range for "
                                    "positional args tuple", auto_idx);
            }
            v = pos[auto_idx++];
        } else if (isdigit((unsigned char)*f)) {
            if (used_auto) {
                sb_free(&b);
                return vm_raise_new(vm, vm->c.ValueError,
                                    "cannot switch from automatic field "
                                    "numbering to manual field "
                                    "specification");
            }
            used_manual = true;
            long idx = strtol(f, NULL, 10);
            if (idx >= npos) {
                sb_free(&b);
                return vm_raise_new(vm, vm->c.IndexError,
                                    "Replacement index %ld out of range for "
                                    "positional args tuple", idx);
            }
            v = pos[idx];
        } else {
            v = VAL_ERR;
            for (int k = 0; kw && k < kw->len; k++) {
                Str *kn = AS_STR(kw->items[k]);
                if ((size_t)kn->len == (size_t)(r - f) &&
                    memcmp(kn->data, f, (size_t)(r - f)) == 0)
                    v = kwv[k];
            }
            if (IS_ERR(v)) {
                Str *key = str_new(vm, f, (size_t)(r - f));
                sb_free(&b);
                if (!key)
                    return VAL_ERR;
                vm_raise_key(vm, val_obj(key));
                obj_decref(key);
                return VAL_ERR;
            }
        }
        incref(v);
        while (r < name_end) {
            Value nv;
            if (*r == '.') {
                const char *s = ++r;
                while (r < name_end && *r != '.' && *r != '[')
                    r++;
                Str *attr = str_new(vm, s, (size_t)(r - s));
                nv = attr ? val_getattr(vm, v, attr) : VAL_ERR;
                obj_decref(attr);
            } else {
                const char *s = ++r;
                while (r < name_end && *r != ']')
                    r++;
                Value key;
                if (s < r && isdigit((unsigned char)*s)) {
                    key = val_int(strtoll(s, NULL, 10));
                } else {
                    Str *ks = str_new(vm, s, (size_t)(r - s));
                    key = ks ? val_obj(ks) : VAL_ERR;
                }
                nv = IS_ERR(key) ? VAL_ERR : val_getitem(vm, v, key);
                decref(key);
                if (r < name_end)
                    r++;
            }
            decref(v);
            if (IS_ERR(nv)) {
                sb_free(&b);
                return VAL_ERR;
            }
            v = nv;
        }
        if (conv) {
            char c = conv + 1 < fend ? conv[1] : 0;
            Str *cs = c == 'r' || c == 'a' ? val_repr(vm, v)
                      : c == 's'           ? val_str(vm, v)
                                           : NULL;
            decref(v);
            if (!cs) {
                sb_free(&b);
                if (c != 'r' && c != 's' && c != 'a')
                    return vm_raise_new(vm, vm->c.ValueError,
                                        "Unknown conversion specifier %c",
                                        c ? c : '?');
                return VAL_ERR;
            }
            v = val_obj(cs);
        }
        Str *specs = NULL;
        if (spec) {
            /* The spec may itself hold replacement fields: format it. */
            Str *raw = str_new(vm, spec + 1, (size_t)(fend - spec - 1));
            if (raw && memchr(raw->data, '{', (size_t)raw->len)) {
                Value sub_args[64];
                int n = nargs < 64 ? nargs : 64;
                memcpy(sub_args, args, (size_t)n * sizeof *args);
                sub_args[0] = val_obj(raw);
                Value fv = m_format(vm, sub_args, n, kw);
                obj_decref(raw);
                raw = IS_ERR(fv) ? NULL : AS_STR(fv);
            }
            specs = raw;
            if (!specs) {
                decref(v);
                sb_free(&b);
                return VAL_ERR;
            }
        }
        Value out = val_format(vm, v, specs ? specs : vm->empty_str);
        decref(v);
        obj_decref(specs);
        if (IS_ERR(out)) {
            sb_free(&b);
            return VAL_ERR;
        }
        sb_addstr(&b, AS_STR(out));
        decref(out);
        p = q + 1;
    }
    RET_STR(sb_finish(vm, &b));
}

/* str.format_map(mapping): format() with the mapping's str keys as the
 * keyword arguments. */
static Value m_format_map(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "format_map", args, nargs, kw, "self,mapping", a) < 0)
        return VAL_ERR;
    Dict *d = dict_new(vm);
    if (!d)
        return VAL_ERR;
    if (dict_update_from(vm, d, a[1]) < 0) {
        obj_decref(d);
        return VAL_ERR;
    }
    int64_t n = 0, pos = 0;
    Value k, v;
    while (dict_next(d, &pos, &k, &v))
        n += IS_STR(k);
    Value *argv = rt_malloc((size_t)(n + 1) * sizeof(Value));
    Tuple *names = tuple_new(vm, n);
    Value r = VAL_ERR;
    if (argv && names) {
        argv[0] = a[0];
        int64_t i = 0;
        pos = 0;
        while (dict_next(d, &pos, &k, &v)) {
            if (!IS_STR(k))
                continue;
            Str *name = str_intern(vm, str_new(vm, AS_STR(k)->data,
                                               (size_t)AS_STR(k)->len));
            if (!name)
                break;
            names->items[i] = val_obj(name);
            argv[1 + i] = v;
            i++;
        }
        if (i == n)
            r = m_format(vm, argv, (int)n + 1, names);
    } else {
        vm_raise_nomem(vm);
    }
    rt_free(argv);
    if (names)
        obj_decref(names);
    obj_decref(d);
    return r;
}

static Value m_expandtabs(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "expandtabs", args, nargs, kw, "self|tabsize", a) < 0)
        return VAL_ERR;
    int64_t tab = IS_ERR(a[1]) ? 8 : AS_INT(a[1]);
    Str *s = SELF;
    SBuf b;
    sb_init(&b);
    int64_t col = 0;
    for (int64_t i = 0; i < s->len; i++) {
        char c = s->data[i];
        if (c == '\t') {
            int64_t n = tab > 0 ? tab - col % tab : 0;
            for (int64_t k = 0; k < n; k++)
                sb_addc(&b, ' ');
            col += n;
        } else {
            sb_addc(&b, c);
            col = c == '\n' || c == '\r' ? 0 : col + 1;
        }
    }
    RET_STR(sb_finish(vm, &b));
}

static Value b_decode(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[3];
    if (args_parse(vm, "decode", args, nargs, kw, "self|encoding,errors", a) < 0)
        return VAL_ERR;
    Bytes *b = (Bytes *)AS_OBJ(args[0]);
    RET_STR(str_new(vm, (const char *)b->data, (size_t)b->len));
}

void str_init_methods(VM *vm)
{
    static const struct {
        const char *name;
        NativeFn fn;
    } methods[] = {
        {"upper", m_upper2}, {"lower", m_lower2}, {"swapcase", m_swapcase},
        {"title", m_title}, {"capitalize", m_capitalize}, {"strip", m_strip},
        {"lstrip", m_lstrip}, {"rstrip", m_rstrip}, {"find", m_find},
        {"rfind", m_rfind}, {"index", m_index}, {"rindex", m_rindex},
        {"count", m_count}, {"replace", m_replace}, {"split", m_split},
        {"rsplit", m_rsplit}, {"splitlines", m_splitlines}, {"join", m_join},
        {"startswith", m_startswith}, {"endswith", m_endswith},
        {"isdigit", m_isdigit}, {"isnumeric", m_isdigit},
        {"isdecimal", m_isdigit}, {"isalpha", m_isalpha},
        {"isalnum", m_isalnum}, {"isspace", m_isspace},
        {"isupper", m_isupper}, {"islower", m_islower}, {"ljust", m_ljust},
        {"rjust", m_rjust}, {"center", m_center}, {"zfill", m_zfill},
        {"partition", m_partition}, {"rpartition", m_rpartition},
        {"removeprefix", m_removeprefix}, {"removesuffix", m_removesuffix},
        {"encode", m_encode}, {"format", m_format},
        {"format_map", m_format_map},
        {"expandtabs", m_expandtabs}, {"casefold", m_lower2},
    };
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        class_add_method(vm, vm->c.str, methods[i].name, methods[i].fn);
    class_add_method(vm, vm->c.bytes, "decode", b_decode);
}
