/*
 * bytes.c - the everyday methods of Python's bytes: searching (find,
 * index, count, startswith, endswith), splitting and joining (split,
 * partition, splitlines, join), stripping, case (upper, lower), replace
 * and hex, with CPython 3.11's results and error messages.
 *
 * Streams hand scenarios bytes (reader.readline() returns b'hello\n'), and
 * a server typically answers with data.upper() or line.strip(); these
 * methods make such code run unchanged. bytes objects are immutable byte
 * arrays (struct Bytes, lang.h); every method returns a new object. Only
 * ASCII letters change case and only ASCII whitespace strips, as in
 * CPython, where bytes know no encoding.
 */
#include <ctype.h>
#include <string.h>

#include "lang.h"

#define SELF ((Bytes *)AS_OBJ(args[0]))

/* A new bytes object, or VAL_ERR with MemoryError set. */
static Value make(VM *vm, const void *data, size_t len)
{
    Bytes *b = bytes_new(vm, data, len);
    return b ? val_obj(b) : VAL_ERR;
}

static bool is_bytes(Value v) { return IS_LAYOUT(v, BYTES); }

static bool ascii_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
           c == '\f';
}

/* Finds needle in hay[from, to); the offset or -1. */
static int64_t find_in(const Bytes *hay, const unsigned char *needle,
                       int64_t nlen, int64_t from, int64_t to, bool last)
{
    if (from > to || to - from < nlen)
        return nlen == 0 && from <= to ? (last ? to : from) : -1;
    if (nlen == 0)
        return last ? to : from;
    if (last) {
        for (int64_t i = to - nlen; i >= from; i--)
            if (memcmp(hay->data + i, needle, (size_t)nlen) == 0)
                return i;
        return -1;
    }
    const unsigned char *p = memmem(hay->data + from, (size_t)(to - from),
                                    needle, (size_t)nlen);
    return p ? p - hay->data : -1;
}

/* Python's slice-style clamping of the optional start and end arguments. */
static int clamp_range(VM *vm, int64_t len, Value vstart, Value vend,
                       int64_t *from, int64_t *to)
{
    int64_t a = 0, b = len;
    Value v[2] = {vstart, vend};
    int64_t *out[2] = {&a, &b};
    for (int i = 0; i < 2; i++) {
        if (IS_ERR(v[i]) || IS_NONE(v[i]))
            continue;
        if (!IS_INT(v[i]) && !IS_BOOL(v[i])) {
            vm_raise_new(vm, vm->c.TypeError,
                         "slice indices must be integers or None or have an "
                         "__index__ method");
            return -1;
        }
        int64_t x = AS_INT(v[i]);
        if (x < 0)
            x = x + len < 0 ? 0 : x + len;
        if (x > len)
            x = len;
        *out[i] = x;
    }
    if (!IS_ERR(vstart) && !IS_NONE(vstart) && AS_INT(vstart) > len) {
        a = len + 1; /* beyond the end: nothing is found, not even b'' */
    }
    *from = a;
    *to = b;
    return 0;
}

/* The needle of find/index/count: bytes, or an int for a single byte. */
static int needle_of(VM *vm, Value v, unsigned char *one,
                     const unsigned char **p, int64_t *n)
{
    if (is_bytes(v)) {
        *p = ((Bytes *)AS_OBJ(v))->data;
        *n = ((Bytes *)AS_OBJ(v))->len;
        return 0;
    }
    if (IS_INT(v) || IS_BOOL(v)) {
        if (AS_INT(v) < 0 || AS_INT(v) > 255) {
            vm_raise_new(vm, vm->c.ValueError,
                         "byte must be in range(0, 256)");
            return -1;
        }
        *one = (unsigned char)AS_INT(v);
        *p = one;
        *n = 1;
        return 0;
    }
    vm_raise_new(vm, vm->c.TypeError,
                 "argument should be integer or bytes-like object, not '%s'",
                 type_name(vm, v));
    return -1;
}

static Value do_find(VM *vm, Value *args, int nargs, Tuple *kw,
                     const char *name, bool last, bool raise)
{
    Value a[4];
    if (args_parse(vm, name, args, nargs, kw, "self,sub|start,end", a) < 0)
        return VAL_ERR;
    unsigned char one;
    const unsigned char *p;
    int64_t n, from, to;
    if (needle_of(vm, a[1], &one, &p, &n) < 0 ||
        clamp_range(vm, SELF->len, a[2], a[3], &from, &to) < 0)
        return VAL_ERR;
    int64_t r = find_in(SELF, p, n, from, to, last);
    if (r < 0 && raise)
        return vm_raise_new(vm, vm->c.ValueError, "subsection not found");
    return val_int(r);
}

static Value b_find(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return do_find(vm, args, nargs, kw, "find", false, false);
}
static Value b_rfind(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return do_find(vm, args, nargs, kw, "rfind", true, false);
}
static Value b_index(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return do_find(vm, args, nargs, kw, "index", false, true);
}
static Value b_rindex(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return do_find(vm, args, nargs, kw, "rindex", true, true);
}

static Value b_count(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[4];
    if (args_parse(vm, "count", args, nargs, kw, "self,sub|start,end", a) < 0)
        return VAL_ERR;
    unsigned char one;
    const unsigned char *p;
    int64_t n, from, to;
    if (needle_of(vm, a[1], &one, &p, &n) < 0 ||
        clamp_range(vm, SELF->len, a[2], a[3], &from, &to) < 0)
        return VAL_ERR;
    if (from > to)
        return val_int(0);
    if (n == 0)
        return val_int(to - from + 1);
    int64_t count = 0;
    for (int64_t i = from; (i = find_in(SELF, p, n, i, to, false)) >= 0;
         i += n)
        count++;
    return val_int(count);
}

/* startswith / endswith: a bytes prefix or a tuple of them. */
static Value do_affix(VM *vm, Value *args, int nargs, Tuple *kw,
                      const char *name, bool end)
{
    Value a[4];
    if (args_parse(vm, name, args, nargs, kw, "self,prefix|start,end", a) < 0)
        return VAL_ERR;
    int64_t from, to;
    if (clamp_range(vm, SELF->len, a[2], a[3], &from, &to) < 0)
        return VAL_ERR;
    Value *items = &a[1];
    int64_t nitems = 1;
    if (IS_TUPLE(a[1])) {
        items = AS_TUPLE(a[1])->items;
        nitems = AS_TUPLE(a[1])->len;
    }
    for (int64_t i = 0; i < nitems; i++) {
        if (!is_bytes(items[i]))
            return vm_raise_new(vm, vm->c.TypeError,
                                IS_TUPLE(a[1])
                                    ? "a bytes-like object is required, not "
                                      "'%s'"
                                    : "%s first arg must be bytes or a tuple "
                                      "of bytes, not %s",
                                IS_TUPLE(a[1]) ? type_name(vm, items[i])
                                               : name,
                                type_name(vm, items[i]));
        Bytes *x = (Bytes *)AS_OBJ(items[i]);
        if (from > to || to - from < x->len)
            continue;
        int64_t at = end ? to - x->len : from;
        if (memcmp(SELF->data + at, x->data, (size_t)x->len) == 0)
            return VAL_TRUE;
    }
    return VAL_FALSE;
}

static Value b_startswith(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return do_affix(vm, args, nargs, kw, "startswith", false);
}
static Value b_endswith(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return do_affix(vm, args, nargs, kw, "endswith", true);
}

/* sep.join(iterable of bytes). */
static Value b_join(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "join", args, nargs, kw, "self,iterable_of_bytes", a) <
        0)
        return VAL_ERR;
    List *l = val_to_list(vm, a[1]);
    if (!l)
        return VAL_ERR;
    size_t total = 0;
    for (int64_t i = 0; i < l->len; i++) {
        if (!is_bytes(l->items[i])) {
            obj_decref(l);
            return vm_raise_new(vm, vm->c.TypeError,
                                "sequence item %lld: expected a bytes-like "
                                "object, %s found",
                                (long long)i, type_name(vm, l->items[i]));
        }
        total += (size_t)((Bytes *)AS_OBJ(l->items[i]))->len;
        if (i)
            total += (size_t)SELF->len;
    }
    Bytes *out = bytes_new(vm, NULL, total);
    if (!out) {
        obj_decref(l);
        return VAL_ERR;
    }
    size_t at = 0;
    for (int64_t i = 0; i < l->len; i++) {
        if (i) {
            memcpy(out->data + at, SELF->data, (size_t)SELF->len);
            at += (size_t)SELF->len;
        }
        Bytes *x = (Bytes *)AS_OBJ(l->items[i]);
        memcpy(out->data + at, x->data, (size_t)x->len);
        at += (size_t)x->len;
    }
    obj_decref(l);
    return val_obj(out);
}

/* strip / lstrip / rstrip: ASCII whitespace, or the bytes in `chars`. */
static Value do_strip(VM *vm, Value *args, int nargs, Tuple *kw,
                      const char *name, bool left, bool right)
{
    Value a[2];
    if (args_parse(vm, name, args, nargs, kw, "self|bytes", a) < 0)
        return VAL_ERR;
    const Bytes *chars = NULL;
    if (!IS_ERR(a[1]) && !IS_NONE(a[1])) {
        if (!is_bytes(a[1]))
            return vm_raise_new(vm, vm->c.TypeError,
                                "a bytes-like object is required, not '%s'",
                                type_name(vm, a[1]));
        chars = (Bytes *)AS_OBJ(a[1]);
    }
    const unsigned char *d = SELF->data;
    int64_t i = 0, j = SELF->len;
#define STRIPPED(c)                                                          \
    (chars ? memchr(chars->data, (c), (size_t)chars->len) != NULL            \
           : ascii_space(c))
    while (left && i < j && STRIPPED(d[i]))
        i++;
    while (right && j > i && STRIPPED(d[j - 1]))
        j--;
#undef STRIPPED
    return make(vm, d + i, (size_t)(j - i));
}

static Value b_strip(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return do_strip(vm, args, nargs, kw, "strip", true, true);
}
static Value b_lstrip(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return do_strip(vm, args, nargs, kw, "lstrip", true, false);
}
static Value b_rstrip(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return do_strip(vm, args, nargs, kw, "rstrip", false, true);
}

/* upper / lower: ASCII letters only. */
static Value do_case(VM *vm, Value *args, int nargs, Tuple *kw,
                     const char *name, bool upper)
{
    if (args_parse(vm, name, args, nargs, kw, "self", NULL) < 0)
        return VAL_ERR;
    Bytes *out = bytes_new(vm, SELF->data, (size_t)SELF->len);
    if (!out)
        return VAL_ERR;
    for (int64_t i = 0; i < out->len; i++) {
        unsigned char c = out->data[i];
        if (upper && c >= 'a' && c <= 'z')
            out->data[i] = (unsigned char)(c - 32);
        else if (!upper && c >= 'A' && c <= 'Z')
            out->data[i] = (unsigned char)(c + 32);
    }
    return val_obj(out);
}

static Value b_upper(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return do_case(vm, args, nargs, kw, "upper", true);
}
static Value b_lower(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return do_case(vm, args, nargs, kw, "lower", false);
}

/* A list of new bytes objects from pieces of SELF; NULL on error. */
static int append_piece(VM *vm, List *l, const unsigned char *p, int64_t n)
{
    Value x = make(vm, p, (size_t)n);
    return IS_ERR(x) ? -1 : list_append_steal(vm, l, x);
}

/* split(sep=None, maxsplit=-1): runs of ASCII whitespace when sep is None,
 * else every occurrence of sep. */
static Value b_split(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[3];
    if (args_parse(vm, "split", args, nargs, kw, "self|sep,maxsplit", a) < 0)
        return VAL_ERR;
    int64_t max = -1;
    if (!IS_ERR(a[2])) {
        if (!IS_INT(a[2]) && !IS_BOOL(a[2]))
            return vm_raise_new(vm, vm->c.TypeError,
                                "'%s' object cannot be interpreted as an "
                                "integer",
                                type_name(vm, a[2]));
        max = AS_INT(a[2]);
    }
    const Bytes *sep = NULL;
    if (!IS_ERR(a[1]) && !IS_NONE(a[1])) {
        if (!is_bytes(a[1]))
            return vm_raise_new(vm, vm->c.TypeError,
                                "a bytes-like object is required, not '%s'",
                                type_name(vm, a[1]));
        sep = (Bytes *)AS_OBJ(a[1]);
        if (sep->len == 0)
            return vm_raise_new(vm, vm->c.ValueError, "empty separator");
    }
    List *l = list_new(vm, 0);
    if (!l)
        return VAL_ERR;
    const unsigned char *d = SELF->data;
    int64_t n = SELF->len, i = 0, splits = 0;
    if (sep) {
        for (;;) {
            int64_t j = max >= 0 && splits >= max
                            ? -1
                            : find_in(SELF, sep->data, sep->len, i, n, false);
            if (j < 0)
                break;
            if (append_piece(vm, l, d + i, j - i) < 0)
                goto fail;
            i = j + sep->len;
            splits++;
        }
        if (append_piece(vm, l, d + i, n - i) < 0)
            goto fail;
        return val_obj(l);
    }
    for (;;) {
        while (i < n && ascii_space(d[i]))
            i++;
        if (i >= n)
            break;
        if (max >= 0 && splits >= max) {
            int64_t j = n;
            while (j > i && ascii_space(d[j - 1]))
                j--;
            if (append_piece(vm, l, d + i, j - i) < 0)
                goto fail;
            break;
        }
        int64_t j = i;
        while (j < n && !ascii_space(d[j]))
            j++;
        if (append_piece(vm, l, d + i, j - i) < 0)
            goto fail;
        splits++;
        i = j;
    }
    return val_obj(l);
fail:
    obj_decref(l);
    return VAL_ERR;
}

/* splitlines(keepends=False): \n, \r and \r\n end lines. */
static Value b_splitlines(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "splitlines", args, nargs, kw, "self|keepends", a) < 0)
        return VAL_ERR;
    bool keep = !IS_ERR(a[1]) && val_truthy(vm, a[1]) == 1;
    List *l = list_new(vm, 0);
    if (!l)
        return VAL_ERR;
    const unsigned char *d = SELF->data;
    int64_t n = SELF->len, i = 0;
    while (i < n) {
        int64_t j = i;
        while (j < n && d[j] != '\n' && d[j] != '\r')
            j++;
        int64_t eol = j;
        if (j < n)
            j += d[j] == '\r' && j + 1 < n && d[j + 1] == '\n' ? 2 : 1;
        if (append_piece(vm, l, d + i, (keep ? j : eol) - i) < 0) {
            obj_decref(l);
            return VAL_ERR;
        }
        i = j;
    }
    return val_obj(l);
}

/* partition(sep): (head, sep, tail), or (self, b'', b''). */
static Value b_partition(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[2];
    if (args_parse(vm, "partition", args, nargs, kw, "self,sep", a) < 0)
        return VAL_ERR;
    if (!is_bytes(a[1]))
        return vm_raise_new(vm, vm->c.TypeError,
                            "a bytes-like object is required, not '%s'",
                            type_name(vm, a[1]));
    Bytes *sep = (Bytes *)AS_OBJ(a[1]);
    if (sep->len == 0)
        return vm_raise_new(vm, vm->c.ValueError, "empty separator");
    int64_t n = SELF->len;
    int64_t j = find_in(SELF, sep->data, sep->len, 0, n, false);
    Value parts[3];
    if (j < 0) {
        parts[0] = make(vm, SELF->data, (size_t)n);
        parts[1] = make(vm, "", 0);
        parts[2] = make(vm, "", 0);
    } else {
        parts[0] = make(vm, SELF->data, (size_t)j);
        parts[1] = make(vm, sep->data, (size_t)sep->len);
        parts[2] = make(vm, SELF->data + j + sep->len,
                        (size_t)(n - j - sep->len));
    }
    Tuple *t = NULL;
    if (!IS_ERR(parts[0]) && !IS_ERR(parts[1]) && !IS_ERR(parts[2]))
        t = tuple_pack(vm, 3, parts[0], parts[1], parts[2]);
    for (int i = 0; i < 3; i++)
        if (!IS_ERR(parts[i]))
            decref(parts[i]);
    return t ? val_obj(t) : VAL_ERR;
}

/* replace(old, new, count=-1). */
static Value b_replace(VM *vm, Value *args, int nargs, Tuple *kw)
{
    Value a[4];
    if (args_parse(vm, "replace", args, nargs, kw, "self,old,new|count", a) <
        0)
        return VAL_ERR;
    for (int i = 1; i <= 2; i++)
        if (!is_bytes(a[i]))
            return vm_raise_new(vm, vm->c.TypeError,
                                "a bytes-like object is required, not '%s'",
                                type_name(vm, a[i]));
    int64_t max = -1;
    if (!IS_ERR(a[3])) {
        if (!IS_INT(a[3]) && !IS_BOOL(a[3]))
            return vm_raise_new(vm, vm->c.TypeError,
                                "'%s' object cannot be interpreted as an "
                                "integer",
                                type_name(vm, a[3]));
        max = AS_INT(a[3]);
    }
    Bytes *old = (Bytes *)AS_OBJ(a[1]), *rep = (Bytes *)AS_OBJ(a[2]);
    SBuf b;
    sb_init(&b);
    const unsigned char *d = SELF->data;
    int64_t n = SELF->len, i = 0, done = 0;
    if (old->len == 0) {
        /* Python inserts `new` before every byte and at the end. */
        for (; i <= n; i++) {
            if (max < 0 || done < max) {
                sb_add(&b, (const char *)rep->data, (size_t)rep->len);
                done++;
            }
            if (i < n)
                sb_addc(&b, (char)d[i]);
        }
    } else {
        for (;;) {
            int64_t j = max >= 0 && done >= max
                            ? -1
                            : find_in(SELF, old->data, old->len, i, n, false);
            if (j < 0)
                break;
            sb_add(&b, (const char *)d + i, (size_t)(j - i));
            sb_add(&b, (const char *)rep->data, (size_t)rep->len);
            i = j + old->len;
            done++;
        }
        sb_add(&b, (const char *)d + i, (size_t)(n - i));
    }
    if (b.failed) {
        sb_free(&b);
        return vm_raise_nomem(vm);
    }
    Value r = make(vm, b.data ? b.data : "", b.len);
    sb_free(&b);
    return r;
}

/* hex(): two lowercase hex digits per byte. */
static Value b_hex(VM *vm, Value *args, int nargs, Tuple *kw)
{
    if (args_parse(vm, "hex", args, nargs, kw, "self", NULL) < 0)
        return VAL_ERR;
    static const char digits[] = "0123456789abcdef";
    SBuf b;
    sb_init(&b);
    for (int64_t i = 0; i < SELF->len; i++) {
        sb_addc(&b, digits[SELF->data[i] >> 4]);
        sb_addc(&b, digits[SELF->data[i] & 15]);
    }
    Str *s = sb_finish(vm, &b);
    return s ? val_obj(s) : VAL_ERR;
}

/* isdigit / isalpha / isspace: every byte (at least one) is such an ASCII
 * character. */
static Value do_is(VM *vm, Value *args, int nargs, Tuple *kw,
                   const char *name, int (*pred)(int))
{
    if (args_parse(vm, name, args, nargs, kw, "self", NULL) < 0)
        return VAL_ERR;
    if (SELF->len == 0)
        return VAL_FALSE;
    for (int64_t i = 0; i < SELF->len; i++)
        if (SELF->data[i] >= 0x80 || !pred(SELF->data[i]))
            return VAL_FALSE;
    return VAL_TRUE;
}

static Value b_isdigit(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return do_is(vm, args, nargs, kw, "isdigit", isdigit);
}
static Value b_isalpha(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return do_is(vm, args, nargs, kw, "isalpha", isalpha);
}
static Value b_isspace(VM *vm, Value *args, int nargs, Tuple *kw)
{
    return do_is(vm, args, nargs, kw, "isspace", isspace);
}

/* Adds the methods above to the bytes class (decode lives in str.c). */
void bytes_init_methods(VM *vm)
{
    static const struct {
        const char *name;
        NativeFn fn;
    } methods[] = {
        {"find", b_find}, {"rfind", b_rfind}, {"index", b_index},
        {"rindex", b_rindex}, {"count", b_count},
        {"startswith", b_startswith}, {"endswith", b_endswith},
        {"join", b_join}, {"strip", b_strip}, {"lstrip", b_lstrip},
        {"rstrip", b_rstrip}, {"upper", b_upper}, {"lower", b_lower},
        {"split", b_split}, {"splitlines", b_splitlines},
        {"partition", b_partition}, {"replace", b_replace}, {"hex", b_hex},
        {"isdigit", b_isdigit}, {"isalpha", b_isalpha},
        {"isspace", b_isspace},
    };
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        class_add_method(vm, vm->c.bytes, methods[i].name, methods[i].fn);
}
