/*
 * syntax.c - syntax colours for the source panel: a small Python
 * tokenizer that splits one line into coloured spans.
 *
 * It only has to colour what scenarios contain, and never fail: keywords
 * (with `async` and `await` in a colour of their own, since that is where
 * tasks leave the loop), builtins, strings (with prefixes and triple
 * quotes spanning lines), numbers, comments, decorators and the names that
 * `def` and `class` define. Anything it does not recognise is plain text.
 */
#include <ctype.h>
#include <string.h>

#include "model.h"

static const char *const keywords[] = {
    "False", "None", "True", "and", "as", "assert", "break", "class", "continue", "def",
    "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try",
    "while", "with", "yield", NULL};

static const char *const builtins[] = {
    "print", "len", "range", "str", "int", "float", "bool", "list", "dict", "tuple", "set",
    "sum", "min", "max", "abs", "round", "isinstance", "enumerate", "zip", "sorted", "any",
    "all", "type", "super", "repr", "hasattr", "getattr", "Exception", "BaseException",
    "ValueError", "TypeError", "RuntimeError", "KeyError", "IndexError", "TimeoutError",
    "ZeroDivisionError", "KeyboardInterrupt", "asyncio", "time", "self", NULL};

static bool in_list(const char *const *list, const char *s, size_t n)
{
    for (; *list; list++)
        if (strlen(*list) == n && memcmp(*list, s, n) == 0)
            return true;
    return false;
}

static bool ident_start(unsigned char c) { return isalpha(c) || c == '_' || c >= 0x80; }
static bool ident_char(unsigned char c) { return isalnum(c) || c == '_' || c >= 0x80; }

/* Adds a span, merging with the previous one of the same colour. */
static void add(sim_span *out, int max, int *n, size_t start, size_t len, sim_tok tok)
{
    if (!len)
        return;
    if (*n > 0 && out[*n - 1].tok == tok && out[*n - 1].start + out[*n - 1].len == start) {
        out[*n - 1].len += (uint32_t)len;
        return;
    }
    if (*n < max)
        out[(*n)++] = (sim_span){(uint32_t)start, (uint32_t)len, (uint8_t)tok};
}

/* Scans a string body from i (after the opening quotes) up to its end on
 * this line. Returns the index after the closing quotes, or len when the
 * string continues (triple) or is unterminated; *open is then set. */
static size_t scan_string(const char *s, size_t len, size_t i, char q, bool triple, bool *open)
{
    *open = false;
    while (i < len) {
        if (s[i] == '\\') {
            i += 2;
            continue;
        }
        if (s[i] == q) {
            if (!triple)
                return i + 1;
            if (i + 2 < len && s[i + 1] == q && s[i + 2] == q)
                return i + 3;
        }
        i++;
    }
    *open = triple;
    return len;
}

int sim_syntax_line(const char *s, size_t len, int *state, sim_span *out, int max)
{
    int n = 0;
    size_t i = 0;
    if (*state) {
        /* Inside a triple-quoted string from an earlier line. */
        char q = *state == 1 ? '\'' : '"';
        bool open;
        size_t end = scan_string(s, len, 0, q, true, &open);
        add(out, max, &n, 0, end, SIM_TOK_STRING);
        if (open)
            return n;
        *state = 0;
        i = end;
    }
    bool after_def = false;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        if (c == '#') {
            add(out, max, &n, i, len - i, SIM_TOK_COMMENT);
            break;
        }
        if (c == '@' && (i == 0 || !ident_char((unsigned char)s[i - 1]))) {
            size_t j = i + 1;
            while (j < len && (ident_char((unsigned char)s[j]) || s[j] == '.'))
                j++;
            add(out, max, &n, i, j - i, SIM_TOK_DECORATOR);
            i = j;
            continue;
        }
        if (ident_start(c)) {
            size_t j = i;
            while (j < len && ident_char((unsigned char)s[j]))
                j++;
            /* A string prefix (f, r, b, rb, fr, u...) right before a quote. */
            if (j < len && (s[j] == '\'' || s[j] == '"') && j - i <= 2) {
                bool prefix = true;
                for (size_t k = i; k < j; k++)
                    prefix &= strchr("rRbBfFuU", s[k]) != NULL;
                if (prefix) {
                    char q = s[j];
                    bool triple = j + 2 < len && s[j + 1] == q && s[j + 2] == q;
                    bool open;
                    size_t end = scan_string(s, len, j + (triple ? 3 : 1), q, triple, &open);
                    add(out, max, &n, i, end - i, SIM_TOK_STRING);
                    if (open)
                        *state = q == '\'' ? 1 : 2;
                    i = end;
                    continue;
                }
            }
            sim_tok tok = SIM_TOK_TEXT;
            if (after_def)
                tok = SIM_TOK_DEFNAME;
            else if ((j - i == 5 && memcmp(s + i, "await", 5) == 0) ||
                     (j - i == 5 && memcmp(s + i, "async", 5) == 0))
                tok = SIM_TOK_AWAIT;
            else if (in_list(keywords, s + i, j - i))
                tok = SIM_TOK_KEYWORD;
            else if (in_list(builtins, s + i, j - i) && (i == 0 || s[i - 1] != '.'))
                tok = SIM_TOK_BUILTIN;
            after_def = (j - i == 3 && memcmp(s + i, "def", 3) == 0) ||
                        (j - i == 5 && memcmp(s + i, "class", 5) == 0);
            add(out, max, &n, i, j - i, tok);
            i = j;
            continue;
        }
        if (isdigit(c) || (c == '.' && i + 1 < len && isdigit((unsigned char)s[i + 1]))) {
            size_t j = i;
            while (j < len && (isalnum((unsigned char)s[j]) || s[j] == '.' || s[j] == '_' ||
                               ((s[j] == '+' || s[j] == '-') && (s[j - 1] == 'e' || s[j - 1] == 'E'))))
                j++;
            add(out, max, &n, i, j - i, SIM_TOK_NUMBER);
            i = j;
            continue;
        }
        if (c == '\'' || c == '"') {
            bool triple = i + 2 < len && s[i + 1] == (char)c && s[i + 2] == (char)c;
            bool open;
            size_t end = scan_string(s, len, i + (triple ? 3 : 1), (char)c, triple, &open);
            add(out, max, &n, i, end - i, SIM_TOK_STRING);
            if (open)
                *state = c == '\'' ? 1 : 2;
            i = end;
            continue;
        }
        if (c != ' ' && c != '\t')
            after_def = false;
        add(out, max, &n, i, 1, SIM_TOK_TEXT);
        i++;
    }
    return n;
}
