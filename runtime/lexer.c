/*
 * lexer.c - the tokenizer of scenario files, following Python 3.11's rules
 * (Parser/tokenizer.c), and the decoder of string literal bodies.
 *
 * lx_tokenize turns a whole file into an array of tokens in one pass. The
 * indentation of each logical line is compared with a stack of widths, as
 * CPython does: tabs advance to the next multiple of 8, and a second
 * measure that counts a tab as one column catches indentation that only
 * makes sense for one tab size ("inconsistent use of tabs and spaces").
 * Blank lines and comment-only lines produce no tokens at all; inside
 * brackets line ends are ignored; a backslash before a line end joins the
 * lines. The same code tokenizes one f-string replacement field when the
 * parser asks (options.fstring_expr), as if it were inside parentheses.
 *
 * Errors are reported with CPython's wording where it has one. The lexer
 * never stops at the first error: it emits an LX_ERROR token in place of
 * the bad text and goes on, up to max_errors, so that the parser can
 * recover and report later, independent errors too. It reports at most
 * one error per line (a second one is nearly always a consequence of the
 * first), and stops at "too many levels of indentation", after which
 * every deeper line would be wrong again.
 *
 * Numbers are converted here (64-bit integers, doubles through strtod_l in
 * the "C" locale so that a caller's setlocale cannot change the meaning of
 * "1.5"); string bodies are decoded later by lx_decode, because the parser
 * needs the raw text of f-strings.
 */
#include "lexer.h"

#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt.h"
#include "textfmt.h"

/* CPython's limits: MAXLEVEL nested brackets and MAXINDENT indentation
 * levels. Both also bound the parser's recursion. */
#define MAX_LEVEL 200
#define MAX_INDENT 100
#define TABSIZE 8

static const char *const kind_text[LX__COUNT] = {
#define LX_TEXT(name, text) text,
    LX_TOKENS(LX_TEXT)
#undef LX_TEXT
};

const char *lx_kind_text(lx_kind kind)
{
    return (unsigned)kind < LX__COUNT ? kind_text[kind] : "?";
}

lx_kind lx_keyword(const char *s, size_t len)
{
    /* Every keyword is 2 to 8 bytes long and starts with a letter; the
     * linear search over 35 entries only runs for such names. */
    if (len < 2 || len > 8)
        return LX_NAME;
    for (int k = LX_KW_FALSE; k <= LX_KW_YIELD; k++) {
        const char *t = kind_text[k];
        if (t[0] == s[0] && strlen(t) == len && memcmp(t, s, len) == 0)
            return (lx_kind)k;
    }
    return LX_NAME;
}

void lx_advance(const char *text, size_t from, size_t to, int *line,
                int *col)
{
    for (size_t i = from; i < to; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '\n') {
            (*line)++;
            *col = 1;
        } else if (lx_starts_char(c)) {
            (*col)++;
        }
    }
}

char *lx_normalize(const char *src, size_t len, size_t *out_len)
{
    char *copy = rt_malloc(len + 1);
    if (!copy)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (src[i] == '\r') {
            copy[n++] = '\n';
            if (i + 1 < len && src[i + 1] == '\n')
                i++;
        } else {
            copy[n++] = src[i];
        }
    }
    copy[n] = '\0';
    *out_len = n;
    return copy;
}

/* ------------------------------------------------------------------------ */
/* UTF-8 and identifier characters                                          */
/* ------------------------------------------------------------------------ */

/* Decodes one UTF-8 character at s[0..n); returns the code point and its
 * length in *len, or -1 (with *len 1) for an invalid sequence: a stray
 * continuation byte, a truncated sequence, an overlong form, a surrogate
 * or a value beyond U+10FFFF. */
static int32_t utf8_decode(const unsigned char *s, size_t n, int *len)
{
    *len = 1;
    unsigned char c = s[0];
    if (c < 0x80)
        return c;
    int need;
    int32_t cp, min;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 1, cp = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2, cp = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3, cp = c & 0x07, min = 0x10000;
    } else {
        return -1;
    }
    if ((size_t)need >= n)
        return -1;
    for (int i = 1; i <= need; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return -1;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return -1;
    *len = need + 1;
    return cp;
}

/* Characters that Python refuses to print (Cc, Cf, Zs other than the
 * ASCII space, Zl, Zp): CPython calls them "non-printable". */
static bool is_nonprintable(int32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0xA0) || cp == 0xAD ||
           (cp >= 0x2000 && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202F) ||
           (cp >= 0x205F && cp <= 0x206F) || cp == 0x3000 || cp == 0xFEFF ||
           (cp >= 0xFFF9 && cp <= 0xFFFB);
}

/* Non-ASCII characters that may continue an identifier. This approximates
 * Unicode's XID_Continue with a short list of blocks that hold no letters
 * (punctuation, symbols, arrows, box drawing, emoji, private use): a full
 * table would weigh more than the whole lexer, and a scenario rarely uses
 * non-ASCII names at all. Identifiers are not NFKC-normalised. */
static bool is_id_continue_u(int32_t cp)
{
    if (is_nonprintable(cp))
        return false;
    if (cp < 0x100)
        return cp == 0xAA || cp == 0xB5 || cp == 0xB7 || cp == 0xBA ||
               (cp >= 0xC0 && cp != 0xD7 && cp != 0xF7);
    if (cp == 0x203F || cp == 0x2040 || cp == 0x2054) /* connectors */
        return true;
    if ((cp >= 0x2010 && cp <= 0x205E) ||  /* general punctuation */
        (cp >= 0x20A0 && cp <= 0x20CF) ||  /* currency */
        (cp >= 0x2190 && cp <= 0x2BFF) ||  /* arrows ... symbols */
        (cp >= 0x2E00 && cp <= 0x2E7F) ||  /* supplemental punctuation */
        (cp >= 0x3001 && cp <= 0x3004) || (cp >= 0x3008 && cp <= 0x3020) ||
        cp == 0x3030 || (cp >= 0xE000 && cp <= 0xF8FF) ||
        (cp >= 0xFE10 && cp <= 0xFE19) || (cp >= 0xFE30 && cp <= 0xFE32) ||
        (cp >= 0xFE35 && cp <= 0xFE4C) || (cp >= 0xFE50 && cp <= 0xFE6F) ||
        (cp >= 0xFF01 && cp <= 0xFF0F) || (cp >= 0xFF1A && cp <= 0xFF20) ||
        (cp >= 0xFF3B && cp <= 0xFF3E) || cp == 0xFF40 ||
        (cp >= 0xFF5B && cp <= 0xFF65) || (cp >= 0xFFF0 && cp <= 0xFFFF) ||
        (cp >= 0x1F000 && cp <= 0x1FAFF))
        return false;
    return true;
}

/* Characters that may start an identifier: those that may continue one,
 * minus combining marks and digits of other scripts (again by block). */
static bool is_id_start_u(int32_t cp)
{
    if (!is_id_continue_u(cp))
        return false;
    return !(cp == 0xB7 || (cp >= 0x300 && cp <= 0x36F) ||
             (cp >= 0x483 && cp <= 0x489) || (cp >= 0x591 && cp <= 0x5C7) ||
             (cp >= 0x610 && cp <= 0x61A) || (cp >= 0x64B && cp <= 0x669) ||
             (cp >= 0x6F0 && cp <= 0x6F9) || (cp >= 0x966 && cp <= 0x96F) ||
             (cp >= 0x1DC0 && cp <= 0x1DFF) ||
             (cp >= 0x20D0 && cp <= 0x20FF) || cp == 0x203F ||
             cp == 0x2040 || cp == 0x2054 || (cp >= 0xFE20 && cp <= 0xFE2F) ||
             (cp >= 0xFF10 && cp <= 0xFF19));
}

static bool is_ascii_id_start(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

static bool is_hex(unsigned char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int hex_value(unsigned char c)
{
    if (is_digit(c))
        return c - '0';
    return (c | 0x20) - 'a' + 10;
}

/* ------------------------------------------------------------------------ */
/* The lexer state                                                          */
/* ------------------------------------------------------------------------ */

typedef struct bracket {
    char ch;        /* '(', '[' or '{' */
    int tok;        /* its token index */
    int line, col;  /* its position */
} bracket;

typedef struct lexer {
    const char *text;   /* the normalised source */
    size_t pos, end;    /* the cursor and the end of the range */
    int line, col;      /* the cursor's position */
    int last_nl_col;    /* the column of the last line end passed */
    int error_line;     /* the line of the last error reported, or 0 */
    bool too_deep;      /* "too many nested parentheses" was reported */
    const lx_options *opt;
    rt_diags *diags;
    lx_tokens *out;
    bool fexpr;          /* tokenizing an f-string replacement field */
    bool at_line_start;  /* the next character starts a physical line */
    bool stop;           /* too many errors, or out of memory */
    int max_errors;
    /* The indentation stack: widths with tabs to multiples of 8, and the
     * same with a tab counted as one column (CPython's "altcol"). The
     * bottom entry is the module's 0. */
    int indents[MAX_INDENT + 1];
    int altindents[MAX_INDENT + 1];
    int nindents; /* entries above the bottom one */
    /* The open brackets, innermost last. */
    bracket brackets[MAX_LEVEL];
    int level;
    locale_t c_locale; /* for strtod_l; created at the first float */
} lexer;

/* Reports an error at (line, col) and counts it, unless an error was
 * reported on that line already; the lexer stops once max_errors have
 * been reported. */
static void lex_error(lexer *lx, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void lex_error(lexer *lx, int line, int col, const char *fmt, ...)
{
    /* One error per line: a second one on the same line is usually a
     * consequence of the first (CPython stops at the first). */
    if (line == lx->error_line)
        return;
    lx->error_line = line;
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (lx->fexpr)
        rt_diags_add(lx->diags, line, col, "f-string: %s", msg);
    else
        rt_diags_add(lx->diags, line, col, "%s", msg);
    lx->out->errors++;
    if (lx->out->errors >= lx->max_errors)
        lx->stop = true;
}

static unsigned char peek(const lexer *lx, size_t ahead)
{
    size_t i = lx->pos + ahead;
    return i < lx->end ? (unsigned char)lx->text[i] : '\0';
}

static bool at_end(const lexer *lx) { return lx->pos >= lx->end; }

/* Moves the cursor one byte forward, keeping line and column. */
static void adv(lexer *lx)
{
    unsigned char c = (unsigned char)lx->text[lx->pos++];
    if (c == '\n') {
        lx->last_nl_col = lx->col;
        lx->line++;
        lx->col = 1;
    } else if (lx_starts_char(c)) {
        lx->col++;
    }
}

static void adv_n(lexer *lx, size_t n)
{
    while (n-- > 0 && !at_end(lx))
        adv(lx);
}

/* Appends a token that starts at `start` (byte offset, line, col) and ends
 * at the cursor. Returns its index, or -1 when out of memory. */
static int emit(lexer *lx, lx_kind kind, size_t start, int line, int col)
{
    lx_tokens *out = lx->out;
    if (out->len == out->cap) {
        int cap = out->cap ? out->cap * 2 : 256;
        lx_token *items = rt_realloc(out->items, (size_t)cap * sizeof *items);
        if (!items) {
            out->out_of_memory = true;
            lx->diags->out_of_memory = true;
            lx->stop = true;
            return -1;
        }
        out->items = items;
        out->cap = cap;
    }
    lx_token *t = &out->items[out->len];
    memset(t, 0, sizeof *t);
    t->kind = kind;
    t->line = line;
    t->col = col;
    t->end_line = lx->line;
    t->end_col = lx->col;
    t->start = (uint32_t)start;
    t->end = (uint32_t)lx->pos;
    return out->len++;
}

/* The kind of the last token emitted, or ENDMARKER when there is none. */
static lx_kind last_kind(const lexer *lx)
{
    return lx->out->len ? lx->out->items[lx->out->len - 1].kind
                        : LX_ENDMARKER;
}

/* ------------------------------------------------------------------------ */
/* Indentation                                                              */
/* ------------------------------------------------------------------------ */

/* At the start of a physical line outside brackets: measures the
 * indentation and emits INDENT or DEDENTs. Blank and comment-only lines
 * are left alone (the main loop skips them without a NEWLINE). */
static void indentation(lexer *lx)
{
    int col = 0, altcol = 0;
    size_t start = lx->pos;
    int sline = lx->line, scol = lx->col;
    for (;;) {
        unsigned char c = peek(lx, 0);
        if (c == ' ') {
            col++, altcol++;
        } else if (c == '\t') {
            col = (col / TABSIZE + 1) * TABSIZE;
            altcol++;
        } else if (c == '\f') {
            col = altcol = 0;
        } else {
            break;
        }
        adv(lx);
    }
    unsigned char c = peek(lx, 0);
    if (at_end(lx) || c == '#' || c == '\n' ||
        (c == '\\' && peek(lx, 1) == '\n'))
        return; /* a blank line: no indentation meaning */

    int top = lx->indents[lx->nindents];
    int alttop = lx->altindents[lx->nindents];
    if (col == top) {
        if (altcol != alttop) {
            lex_error(lx, lx->line, lx->col,
                      "inconsistent use of tabs and spaces in indentation");
            emit(lx, LX_ERROR, lx->pos, lx->line, lx->col);
        }
    } else if (col > top) {
        if (lx->nindents + 1 > MAX_INDENT) {
            /* Fatal, as in CPython: going on would report every deeper
             * line again. */
            lex_error(lx, lx->line, lx->col,
                      "too many levels of indentation");
            emit(lx, LX_ERROR, lx->pos, lx->line, lx->col);
            lx->stop = true;
            return;
        }
        if (altcol <= alttop) {
            lex_error(lx, lx->line, lx->col,
                      "inconsistent use of tabs and spaces in indentation");
            emit(lx, LX_ERROR, lx->pos, lx->line, lx->col);
            return;
        }
        lx->nindents++;
        lx->indents[lx->nindents] = col;
        lx->altindents[lx->nindents] = altcol;
        emit(lx, LX_INDENT, start, sline, scol);
    } else {
        while (lx->nindents > 0 && col < lx->indents[lx->nindents]) {
            lx->nindents--;
            emit(lx, LX_DEDENT, lx->pos, lx->line, lx->col);
        }
        if (col != lx->indents[lx->nindents]) {
            lex_error(lx, lx->line, lx->col,
                      "unindent does not match any outer indentation level");
            emit(lx, LX_ERROR, lx->pos, lx->line, lx->col);
        } else if (altcol != lx->altindents[lx->nindents]) {
            lex_error(lx, lx->line, lx->col,
                      "inconsistent use of tabs and spaces in indentation");
            emit(lx, LX_ERROR, lx->pos, lx->line, lx->col);
        }
    }
}

/* ------------------------------------------------------------------------ */
/* Numbers                                                                  */
/* ------------------------------------------------------------------------ */

/* Scans decimal digits with single underscores between them, from the
 * cursor (which is at a digit). Returns false after reporting an error
 * ("invalid decimal literal") for a misplaced underscore. */
static bool decimal_tail(lexer *lx)
{
    for (;;) {
        while (is_digit(peek(lx, 0)))
            adv(lx);
        if (peek(lx, 0) != '_')
            return true;
        int ucol = lx->col; /* CPython points at the underscore */
        adv(lx);
        if (!is_digit(peek(lx, 0))) {
            lex_error(lx, lx->line, ucol, "invalid decimal literal");
            return false;
        }
    }
}

/* After a number: Python 3.11 accepts "1if x else 2" (a keyword right
 * after a number) with a warning; any other name character makes the
 * number invalid. Returns false after reporting. */
static bool end_of_number(lexer *lx, const char *what, int line, int col)
{
    unsigned char c = peek(lx, 0);
    if (!(is_ascii_id_start(c) || is_digit(c) || c >= 0x80))
        return true;
    static const char *const ok[] = {"and", "else", "for", "if", "in",
                                     "is", "not", "or"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        size_t n = strlen(ok[i]);
        if (lx->pos + n <= lx->end &&
            memcmp(lx->text + lx->pos, ok[i], n) == 0) {
            unsigned char after = peek(lx, n);
            if (!(is_ascii_id_start(after) || is_digit(after) || after >= 0x80))
                return true;
        }
    }
    lex_error(lx, line, col, "invalid %s literal", what);
    return false;
}

/* Skips the rest of a malformed number so that one error is reported. */
static void skip_number_rest(lexer *lx)
{
    while (is_ascii_id_start(peek(lx, 0)) || is_digit(peek(lx, 0)) ||
           peek(lx, 0) == '.')
        adv(lx);
}

/* Converts the digits of text[start, end) (underscores skipped) in `base`
 * into *u; sets *too_large when the value passes INT64_MAX. */
static void int_value(const char *text, size_t start, size_t end, int base,
                      uint64_t *u, bool *too_large)
{
    uint64_t v = 0;
    bool overflow = false;
    for (size_t i = start; i < end; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '_')
            continue;
        unsigned d = (unsigned)hex_value(c);
        if (v > (UINT64_MAX - d) / (uint64_t)base)
            overflow = true;
        v = v * (uint64_t)base + d;
    }
    *u = overflow ? UINT64_MAX : v;
    *too_large = overflow || v > (uint64_t)INT64_MAX;
}

/* Scans a number literal starting at the cursor (a digit, or a '.' before
 * a digit) and emits a NUMBER or an ERROR token. */
static void number(lexer *lx)
{
    size_t start = lx->pos;
    int line = lx->line, col = lx->col;
    bool is_float = false;
    bool ok = true;
    int base = 10;
    size_t digits = start; /* where the digits (after a prefix) begin */

    if (peek(lx, 0) == '0' && (peek(lx, 1) | 0x20) == 'x') {
        base = 16;
    } else if (peek(lx, 0) == '0' && (peek(lx, 1) | 0x20) == 'o') {
        base = 8;
    } else if (peek(lx, 0) == '0' && (peek(lx, 1) | 0x20) == 'b') {
        base = 2;
    }

    if (base != 10) {
        const char *what = base == 16 ? "hexadecimal"
                           : base == 8 ? "octal" : "binary";
        adv_n(lx, 2);
        digits = lx->pos;
        bool any = false;
        for (;;) {
            if (peek(lx, 0) == '_')
                adv(lx);
            unsigned char c = peek(lx, 0);
            bool good = base == 16 ? is_hex(c) : (c >= '0' && c < '0' + base);
            if (!good) {
                if (base != 16 && is_digit(c)) {
                    lex_error(lx, lx->line, lx->col,
                              "invalid digit '%c' in %s literal", c, what);
                    ok = false;
                } else if (!any || lx->text[lx->pos - 1] == '_') {
                    /* At the last character taken: the prefix letter or
                     * the stray underscore, as CPython reports it. */
                    lex_error(lx, lx->line, lx->col - 1, "invalid %s literal",
                              what);
                    ok = false;
                }
                break;
            }
            any = true;
            while (base == 16 ? is_hex(peek(lx, 0))
                              : (peek(lx, 0) >= '0' &&
                                 peek(lx, 0) < '0' + base))
                adv(lx);
        }
        if (ok && is_digit(peek(lx, 0))) {
            lex_error(lx, lx->line, lx->col, "invalid digit '%c' in %s literal",
                      peek(lx, 0), what);
            ok = false;
        }
        if (ok)
            ok = end_of_number(lx, what, line, col);
    } else {
        /* Decimal: an integer part (maybe absent: ".5"), a fraction, an
         * exponent, and then no 'j'. A leading zero makes "012" an error
         * unless the literal turns out to be a float ("012.5", "00e1"). */
        bool leading_zero = peek(lx, 0) == '0';
        bool nonzero_after = false;
        if (is_digit(peek(lx, 0))) {
            if (leading_zero) {
                while (peek(lx, 0) == '0' || (peek(lx, 0) == '_' &&
                                              peek(lx, 1) == '0'))
                    adv(lx);
                if (peek(lx, 0) == '_') {
                    lex_error(lx, lx->line, lx->col, "invalid decimal literal");
                    adv(lx);
                    ok = false;
                } else if (is_digit(peek(lx, 0))) {
                    nonzero_after = true;
                    ok = decimal_tail(lx);
                }
            } else {
                ok = decimal_tail(lx);
            }
        }
        if (ok && peek(lx, 0) == '.') {
            is_float = true;
            adv(lx);
            if (is_digit(peek(lx, 0)))
                ok = decimal_tail(lx);
        }
        if (ok && (peek(lx, 0) | 0x20) == 'e') {
            /* "1else" is "1" followed by "else"; "1e" alone is an error. */
            size_t k = 1;
            if (peek(lx, 1) == '+' || peek(lx, 1) == '-')
                k = 2;
            if (is_digit(peek(lx, k))) {
                is_float = true;
                adv_n(lx, k);
                ok = decimal_tail(lx);
            } else if (!(k == 1 && lx->pos + 4 <= lx->end &&
                         memcmp(lx->text + lx->pos, "else", 4) == 0)) {
                adv_n(lx, k);
                lex_error(lx, line, col, "invalid decimal literal");
                ok = false;
            }
        }
        if (ok && (peek(lx, 0) | 0x20) == 'j') {
            lex_error(lx, line, col,
                      "complex numbers are not supported in scenarios");
            adv(lx);
            ok = false;
        }
        if (ok && leading_zero && nonzero_after && !is_float) {
            lex_error(lx, line, col,
                      "leading zeros in decimal integer literals are not "
                      "permitted; use an 0o prefix for octal integers");
            ok = false;
        }
        if (ok)
            ok = end_of_number(lx, "decimal", line, col);
    }

    if (!ok) {
        skip_number_rest(lx);
        emit(lx, LX_ERROR, start, line, col);
        return;
    }
    int idx = emit(lx, LX_NUMBER, start, line, col);
    if (idx < 0)
        return;
    lx_token *t = &lx->out->items[idx];
    t->is_float = is_float;
    if (!is_float) {
        int_value(lx->text, digits, lx->pos, base, &t->num.u, &t->too_large);
        return;
    }
    /* strtod_l on a copy without underscores. */
    char small[128];
    size_t n = lx->pos - start;
    char *buf = n < sizeof small ? small : rt_malloc(n + 1);
    if (!buf) {
        lx->out->out_of_memory = lx->diags->out_of_memory = true;
        lx->stop = true;
        return;
    }
    size_t m = 0;
    for (size_t i = start; i < lx->pos; i++)
        if (lx->text[i] != '_')
            buf[m++] = lx->text[i];
    buf[m] = '\0';
    if (!lx->c_locale)
        lx->c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    t->num.f = lx->c_locale ? strtod_l(buf, NULL, lx->c_locale)
                            : strtod(buf, NULL);
    if (buf != small)
        rt_free(buf);
}

/* ------------------------------------------------------------------------ */
/* Strings                                                                  */
/* ------------------------------------------------------------------------ */

/* Parses a string prefix s[0..n): returns its LX_STR_* flags, or -1 when
 * it is no valid prefix. Valid: r u b f br rb fr rf, in any case. */
static int string_prefix(const char *s, size_t n)
{
    int flags = 0;
    bool u = false;
    if (n == 0 || n > 2)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int f;
        switch (s[i] | 0x20) {
        case 'r': f = LX_STR_RAW; break;
        case 'b': f = LX_STR_BYTES; break;
        case 'f': f = LX_STR_F; break;
        case 'u': f = 0, u = true; break;
        default: return -1;
        }
        if (flags & f)
            return -1;
        flags |= f;
    }
    if (u && n != 1)
        return -1;
    if ((flags & LX_STR_BYTES) && (flags & LX_STR_F))
        return -1;
    return flags;
}

/* Scans a string literal whose prefix (prefix_len bytes, already checked)
 * starts at `start`; the cursor is at the opening quote. */
static void string(lexer *lx, size_t start, int line, int col, int flags,
                   size_t prefix_len)
{
    unsigned char q = peek(lx, 0);
    int quote_len = 1;
    if (peek(lx, 1) == q && peek(lx, 2) == q)
        quote_len = 3;
    adv_n(lx, (size_t)quote_len);
    for (;;) {
        if (at_end(lx)) {
            if (quote_len == 3)
                lex_error(lx, line, col,
                          "unterminated triple-quoted string literal "
                          "(detected at line %d)",
                          lx->line - (lx->col == 1 && lx->line > line));
            else
                lex_error(lx, line, col,
                          "unterminated string literal (detected at line %d)",
                          lx->line);
            emit(lx, LX_ERROR, start, line, col);
            return;
        }
        unsigned char c = peek(lx, 0);
        if (c == '\\') {
            adv(lx);
            if (!at_end(lx))
                adv(lx);
            continue;
        }
        if (c == '\n' && quote_len == 1) {
            lex_error(lx, line, col,
                      "unterminated string literal (detected at line %d)",
                      lx->line);
            emit(lx, LX_ERROR, start, line, col);
            return;
        }
        if (c == q && (quote_len == 1 || (peek(lx, 1) == q && peek(lx, 2) == q))) {
            adv_n(lx, (size_t)quote_len);
            break;
        }
        adv(lx);
    }
    int idx = emit(lx, LX_STRING, start, line, col);
    if (idx < 0)
        return;
    lx->out->items[idx].str_flags = (uint8_t)flags;
    lx->out->items[idx].prefix_len = (uint8_t)prefix_len;
    lx->out->items[idx].quote_len = (uint8_t)quote_len;
}

/* ------------------------------------------------------------------------ */
/* Names, operators, the main loop                                          */
/* ------------------------------------------------------------------------ */

/* Reports an invalid character at the cursor and skips it. */
static void invalid_char(lexer *lx)
{
    int line = lx->line, col = lx->col;
    size_t start = lx->pos;
    int len;
    int32_t cp = utf8_decode((const unsigned char *)lx->text + lx->pos,
                             lx->end - lx->pos, &len);
    if (cp < 0) {
        /* The whole-file UTF-8 check has reported it already. */
        adv(lx);
        while (!at_end(lx) && !lx_starts_char(peek(lx, 0)))
            adv(lx);
        if (lx->fexpr)
            lex_error(lx, line, col, "invalid UTF-8 byte");
    } else {
        if (cp == 0)
            lex_error(lx, line, col, "source code cannot contain null bytes");
        else if (is_nonprintable(cp))
            lex_error(lx, line, col, "invalid non-printable character U+%04X",
                      (unsigned)cp);
        else
            lex_error(lx, line, col, "invalid character '%.*s' (U+%04X)", len,
                      lx->text + lx->pos, (unsigned)cp);
        adv_n(lx, (size_t)len);
    }
    emit(lx, LX_ERROR, start, line, col);
}

/* Scans a name (or keyword, or string prefix followed by a string). */
static void name(lexer *lx)
{
    size_t start = lx->pos;
    int line = lx->line, col = lx->col;
    for (;;) {
        unsigned char c = peek(lx, 0);
        if (is_ascii_id_start(c) || is_digit(c)) {
            adv(lx);
            continue;
        }
        if (c < 0x80)
            break;
        int len;
        int32_t cp = utf8_decode((const unsigned char *)lx->text + lx->pos,
                                 lx->end - lx->pos, &len);
        if (cp < 0 || !(lx->pos == start ? is_id_start_u(cp)
                                         : is_id_continue_u(cp)))
            break;
        adv_n(lx, (size_t)len);
    }
    size_t n = lx->pos - start;
    if (n == 0) {
        invalid_char(lx);
        return;
    }
    unsigned char c = peek(lx, 0);
    if (c == '"' || c == '\'') {
        int flags = string_prefix(lx->text + start, n);
        if (flags >= 0) {
            string(lx, start, line, col, flags, n);
            return;
        }
    }
    emit(lx, lx_keyword(lx->text + start, n), start, line, col);
}

/* The operators, longest first so that the first match is the longest. */
static const struct {
    const char *s;
    lx_kind kind;
} operators[] = {
    {"**=", LX_DOUBLESTAREQUAL}, {"//=", LX_DOUBLESLASHEQUAL},
    {"<<=", LX_LSHIFTEQUAL}, {">>=", LX_RSHIFTEQUAL}, {"...", LX_ELLIPSIS},
    {"->", LX_ARROW}, {":=", LX_COLONEQUAL}, {"**", LX_DOUBLESTAR},
    {"//", LX_DOUBLESLASH}, {"<<", LX_LSHIFT}, {">>", LX_RSHIFT},
    {"==", LX_EQEQUAL}, {"!=", LX_NOTEQUAL}, {"<=", LX_LESSEQUAL},
    {">=", LX_GREATEREQUAL}, {"+=", LX_PLUSEQUAL}, {"-=", LX_MINEQUAL},
    {"*=", LX_STAREQUAL}, {"/=", LX_SLASHEQUAL}, {"%=", LX_PERCENTEQUAL},
    {"|=", LX_VBAREQUAL}, {"^=", LX_CIRCUMFLEXEQUAL}, {"&=", LX_AMPEREQUAL},
    {"@=", LX_ATEQUAL}, {"(", LX_LPAR}, {")", LX_RPAR}, {"[", LX_LSQB},
    {"]", LX_RSQB}, {"{", LX_LBRACE}, {"}", LX_RBRACE}, {":", LX_COLON},
    {",", LX_COMMA}, {";", LX_SEMI}, {".", LX_DOT}, {"@", LX_AT},
    {"=", LX_EQUAL}, {"!", LX_EXCLAMATION}, {"+", LX_PLUS}, {"-", LX_MINUS},
    {"*", LX_STAR}, {"/", LX_SLASH}, {"%", LX_PERCENT}, {"|", LX_VBAR},
    {"^", LX_CIRCUMFLEX}, {"&", LX_AMPER}, {"~", LX_TILDE}, {"<", LX_LESS},
    {">", LX_GREATER},
};

static char closer_of(char open)
{
    return open == '(' ? ')' : open == '[' ? ']' : '}';
}

/* Scans an operator or delimiter at the cursor, keeping the bracket
 * stack. Returns false when the character is none. */
static bool op(lexer *lx)
{
    size_t start = lx->pos;
    int line = lx->line, col = lx->col;
    for (size_t i = 0; i < sizeof operators / sizeof operators[0]; i++) {
        const char *s = operators[i].s;
        size_t n = strlen(s);
        if (lx->pos + n > lx->end || memcmp(lx->text + lx->pos, s, n) != 0)
            continue;
        lx_kind kind = operators[i].kind;
        adv_n(lx, n);
        if (kind == LX_LPAR || kind == LX_LSQB || kind == LX_LBRACE) {
            if (lx->level >= MAX_LEVEL) {
                lex_error(lx, line, col, "too many nested parentheses");
                lx->too_deep = true;
                emit(lx, LX_ERROR, start, line, col);
                return true;
            }
            int idx = emit(lx, kind, start, line, col);
            bracket *b = &lx->brackets[lx->level++];
            b->ch = s[0];
            b->tok = idx;
            b->line = line;
            b->col = col;
            return true;
        }
        if (kind == LX_RPAR || kind == LX_RSQB || kind == LX_RBRACE) {
            if (lx->level == 0) {
                lex_error(lx, line, col, "unmatched '%c'", s[0]);
                emit(lx, LX_ERROR, start, line, col);
                return true;
            }
            bracket *b = &lx->brackets[--lx->level];
            if (closer_of(b->ch) != s[0]) {
                if (b->line != line)
                    lex_error(lx, line, col,
                              "closing parenthesis '%c' does not match "
                              "opening parenthesis '%c' on line %d",
                              s[0], b->ch, b->line);
                else
                    lex_error(lx, line, col,
                              "closing parenthesis '%c' does not match "
                              "opening parenthesis '%c'",
                              s[0], b->ch);
                emit(lx, LX_ERROR, start, line, col);
                return true;
            }
        }
        emit(lx, kind, start, line, col);
        return true;
    }
    return false;
}

/* Reports the first invalid UTF-8 sequence of the range, if any, the way
 * CPython refuses a file that is not UTF-8. */
static void check_utf8(lexer *lx)
{
    const unsigned char *s = (const unsigned char *)lx->text;
    int line = lx->line, col = lx->col;
    size_t i = lx->pos;
    while (i < lx->end) {
        if (s[i] < 0x80) {
            if (s[i] == '\n')
                line++, col = 1;
            else
                col++;
            i++;
            continue;
        }
        int len;
        if (utf8_decode(s + i, lx->end - i, &len) < 0) {
            lex_error(lx, line, col,
                      "Non-UTF-8 code starting with '\\x%02x' (scenario "
                      "files must be UTF-8)",
                      s[i]);
            return;
        }
        i += (size_t)len;
        col++;
    }
}

int lx_tokenize(const char *text, const lx_options *opt, rt_diags *diags,
                lx_tokens *out)
{
    memset(out, 0, sizeof *out);
    out->unclosed = -1;
    lexer lx;
    memset(&lx, 0, sizeof lx);
    lx.text = text;
    lx.pos = opt->start;
    lx.end = opt->end;
    lx.line = opt->line > 0 ? opt->line : 1;
    lx.col = opt->col > 0 ? opt->col : 1;
    lx.last_nl_col = lx.col;
    lx.opt = opt;
    lx.diags = diags;
    lx.out = out;
    lx.fexpr = opt->fstring_expr;
    lx.max_errors = opt->max_errors > 0 ? opt->max_errors : 20;
    lx.at_line_start = !lx.fexpr;

    if (!lx.fexpr) {
        check_utf8(&lx);
        /* A UTF-8 byte order mark is allowed at the start of a file. */
        if (lx.end - lx.pos >= 3 &&
            memcmp(lx.text + lx.pos, "\xEF\xBB\xBF", 3) == 0)
            lx.pos += 3;
    }

    while (!lx.stop) {
        if (lx.at_line_start) {
            lx.at_line_start = false;
            if (lx.level == 0)
                indentation(&lx);
            if (lx.stop)
                break;
        }
        unsigned char c = peek(&lx, 0);
        while (c == ' ' || c == '\t' || c == '\f') {
            adv(&lx);
            c = peek(&lx, 0);
        }
        if (at_end(&lx))
            break;
        if (c == '#') {
            while (!at_end(&lx) && peek(&lx, 0) != '\n')
                adv(&lx);
            continue;
        }
        if (c == '\n') {
            size_t start = lx.pos;
            int line = lx.line, col = lx.col;
            adv(&lx);
            if (lx.level > 0 || lx.fexpr)
                continue;
            lx.at_line_start = true;
            lx_kind last = last_kind(&lx);
            if (lx.out->len > 0 && last != LX_NEWLINE && last != LX_INDENT &&
                last != LX_DEDENT) {
                /* The NEWLINE token covers the line end itself. */
                int idx = emit(&lx, LX_NEWLINE, start, line, col);
                if (idx >= 0) {
                    lx.out->items[idx].end_line = line;
                    lx.out->items[idx].end_col = col + 1;
                }
            }
            continue;
        }
        if (c == '\\') {
            int line = lx.line, col = lx.col;
            if (peek(&lx, 1) == '\n') {
                adv_n(&lx, 2);
                if (at_end(&lx)) {
                    lex_error(&lx, line, col + 1,
                              "unexpected EOF while parsing");
                    emit(&lx, LX_ERROR, lx.pos - 2, line, col);
                }
                continue;
            }
            adv(&lx);
            if (at_end(&lx)) {
                lex_error(&lx, line, col + 1, "unexpected EOF while parsing");
            } else {
                lex_error(&lx, line, col + 1,
                          "unexpected character after line continuation "
                          "character");
            }
            emit(&lx, LX_ERROR, lx.pos - 1, line, col);
            continue;
        }
        if (is_digit(c) || (c == '.' && is_digit(peek(&lx, 1)))) {
            number(&lx);
            continue;
        }
        if (is_ascii_id_start(c) || c >= 0x80) {
            name(&lx);
            continue;
        }
        if (c == '"' || c == '\'') {
            string(&lx, lx.pos, lx.line, lx.col, 0, 0);
            continue;
        }
        if (!op(&lx))
            invalid_char(&lx);
    }

    /* The end: the innermost unclosed bracket, a final NEWLINE, DEDENTs and
     * ENDMARKER, all placed at the last line end (or the end of the text)
     * so that a caret under them stays on a real line. */
    bool reached_end = at_end(&lx);
    if (!out->out_of_memory) {
        if (lx.level > 0 && reached_end && !lx.too_deep) {
            bracket *b = &lx.brackets[lx.level - 1];
            /* Reported even past max_errors: it explains the others. */
            rt_diags_add(diags, b->line, b->col, "%s'%c' was never closed",
                         lx.fexpr ? "f-string: " : "", b->ch);
            out->errors++;
            out->unclosed = b->tok;
        }
        size_t epos = lx.pos;
        int eline = lx.line, ecol = lx.col;
        if (lx.pos > opt->start && lx.text[lx.pos - 1] == '\n' &&
            lx.line > 1) {
            epos = lx.pos - 1;
            eline = lx.line - 1;
            ecol = lx.last_nl_col;
        }
        lx.stop = false;
        lx.pos = epos, lx.line = eline, lx.col = ecol;
        if (!lx.fexpr) {
            lx_kind last = last_kind(&lx);
            if (out->len > 0 && last != LX_NEWLINE && last != LX_INDENT &&
                last != LX_DEDENT)
                emit(&lx, LX_NEWLINE, epos, eline, ecol);
            while (lx.nindents > 0) {
                lx.nindents--;
                emit(&lx, LX_DEDENT, epos, eline, ecol);
            }
        }
        emit(&lx, LX_ENDMARKER, epos, eline, ecol);
    }
    if (lx.c_locale)
        freelocale(lx.c_locale);
    return out->out_of_memory ? RT_ENOMEM : RT_OK;
}

void lx_tokens_free(lx_tokens *toks)
{
    rt_free(toks->items);
    toks->items = NULL;
    toks->len = toks->cap = 0;
}

/* ------------------------------------------------------------------------ */
/* Decoding literal bodies                                                  */
/* ------------------------------------------------------------------------ */

bool lx_buf_put(lx_buf *b, const void *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *data = rt_realloc(b->data, cap);
        if (!data)
            return false;
        b->data = data;
        b->cap = cap;
    }
    if (n)
        memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return true;
}

void lx_buf_free(lx_buf *b)
{
    rt_free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* Appends code point cp as UTF-8. */
static bool put_utf8(lx_buf *b, uint32_t cp)
{
    char s[4];
    return lx_buf_put(b, s, rt_utf8_encode(cp, s));
}

lx_decode_status lx_decode(const char *text, size_t start, size_t end,
                           int flags, lx_buf *out, size_t *err_off,
                           const char **error)
{
    bool raw = flags & LX_STR_RAW;
    bool bytes = flags & LX_STR_BYTES;
    size_t i = start;
    while (i < end) {
        /* Copy the run up to the next backslash (or, for bytes, the next
         * non-ASCII byte) in one go. */
        size_t run = i;
        while (run < end && (raw || text[run] != '\\') &&
               !(bytes && (unsigned char)text[run] >= 0x80))
            run++;
        if (run > i && !lx_buf_put(out, text + i, run - i))
            return LX_DECODE_NOMEM;
        i = run;
        if (i >= end)
            break;
        if (bytes && (unsigned char)text[i] >= 0x80) {
            *err_off = i;
            *error = "bytes can only contain ASCII literal characters";
            return LX_DECODE_ERROR;
        }
        /* A backslash escape. */
        size_t esc = i;
        i++;
        if (i >= end) {
            /* Cannot happen for a token the lexer accepted. */
            if (!lx_buf_put(out, "\\", 1))
                return LX_DECODE_NOMEM;
            break;
        }
        unsigned char c = (unsigned char)text[i++];
        char ch;
        switch (c) {
        case '\n': continue; /* a backslash-newline joins the lines */
        case '\\': ch = '\\'; break;
        case '\'': ch = '\''; break;
        case '"': ch = '"'; break;
        case 'a': ch = '\a'; break;
        case 'b': ch = '\b'; break;
        case 'f': ch = '\f'; break;
        case 'n': ch = '\n'; break;
        case 'r': ch = '\r'; break;
        case 't': ch = '\t'; break;
        case 'v': ch = '\v'; break;
        case '0': case '1': case '2': case '3':
        case '4': case '5': case '6': case '7': {
            uint32_t v = c - '0';
            for (int k = 0; k < 2 && i < end && text[i] >= '0' && text[i] <= '7'; k++)
                v = v * 8 + (uint32_t)(text[i++] - '0');
            if (bytes) {
                char b = (char)(v & 0xFF);
                if (!lx_buf_put(out, &b, 1))
                    return LX_DECODE_NOMEM;
            } else if (!put_utf8(out, v)) {
                return LX_DECODE_NOMEM;
            }
            continue;
        }
        case 'x':
        case 'u':
        case 'U': {
            if (bytes && c != 'x')
                goto unknown; /* \u and \U are no escapes in bytes */
            int n = c == 'x' ? 2 : c == 'u' ? 4 : 8;
            uint32_t v = 0;
            for (int k = 0; k < n; k++) {
                if (i >= end || !is_hex((unsigned char)text[i])) {
                    *err_off = esc;
                    *error = c == 'x'   ? "truncated \\xXX escape"
                             : c == 'u' ? "truncated \\uXXXX escape"
                                        : "truncated \\UXXXXXXXX escape";
                    return LX_DECODE_ERROR;
                }
                v = v * 16 + (uint32_t)hex_value((unsigned char)text[i++]);
            }
            if (bytes) {
                char b = (char)v;
                if (!lx_buf_put(out, &b, 1))
                    return LX_DECODE_NOMEM;
                continue;
            }
            if (v > 0x10FFFF) {
                *err_off = esc;
                *error = "illegal Unicode character";
                return LX_DECODE_ERROR;
            }
            if (v >= 0xD800 && v <= 0xDFFF) {
                *err_off = esc;
                *error = "surrogate characters are not supported in "
                         "scenarios";
                return LX_DECODE_ERROR;
            }
            if (!put_utf8(out, v))
                return LX_DECODE_NOMEM;
            continue;
        }
        case 'N':
            if (bytes)
                goto unknown;
            *err_off = esc;
            *error = "\\N{...} escapes are not supported in scenarios";
            return LX_DECODE_ERROR;
        default:
        unknown:
            /* An unknown escape keeps its backslash (Python warns). */
            if (!lx_buf_put(out, "\\", 1))
                return LX_DECODE_NOMEM;
            i--;
            continue;
        }
        if (!lx_buf_put(out, &ch, 1))
            return LX_DECODE_NOMEM;
    }
    return LX_DECODE_OK;
}
