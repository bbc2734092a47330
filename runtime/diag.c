/*
 * diag.c - the errors found in one scenario file, collected while it is
 * tokenized, parsed and compiled, and printed together at the end.
 *
 * Each error is printed the way the scenario author needs to see it:
 *
 *     file.py:12:5: 'yield' is not supported in scenarios
 *         yield x
 *         ^
 *
 * The source line is printed without its indentation (as CPython's
 * tracebacks do), with tabs expanded to multiples of 8, after four spaces;
 * the caret sits under the reported column. Columns count characters, not
 * bytes (the rule of lexer.h), so the caret is right under non-ASCII text.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ast.h"
#include "lexer.h"
#include "rt.h"

void rt_diags_init(rt_diags *d, const char *filename, const char *source,
                   size_t len)
{
    memset(d, 0, sizeof *d);
    d->filename = filename;
    d->source = source;
    d->source_len = len;
}

void rt_diags_deinit(rt_diags *d)
{
    for (int i = 0; i < d->len; i++)
        rt_free(d->items[i].message);
    rt_free(d->items);
    d->items = NULL;
    d->len = d->cap = 0;
}

void rt_diags_add(rt_diags *d, int line, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    char *msg = rt_malloc((size_t)n + 1);
    if (!msg) {
        d->out_of_memory = true;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(msg, (size_t)n + 1, fmt, ap);
    va_end(ap);
    if (d->len == d->cap) {
        int cap = d->cap ? d->cap * 2 : 8;
        rt_diag *items = rt_realloc(d->items, (size_t)cap * sizeof *items);
        if (!items) {
            rt_free(msg);
            d->out_of_memory = true;
            return;
        }
        d->items = items;
        d->cap = cap;
    }
    d->items[d->len].line = line;
    d->items[d->len].col = col;
    d->items[d->len].message = msg;
    d->len++;
}

/* Finds line `line` (1-based) of the source: sets *start and *end (the
 * line end excluded, a "\r" before it too) and returns true, or false when
 * the source has fewer lines. A lone "\r" ends a line, as in the lexer. */
static bool find_line(const rt_diags *d, int line, size_t *start, size_t *end)
{
    const char *s = d->source;
    size_t n = d->source_len, i = 0;
    if (!s || line < 1)
        return false;
    for (int l = 1; l < line; l++) {
        while (i < n && s[i] != '\n' && s[i] != '\r')
            i++;
        if (i >= n)
            return false;
        if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n')
            i++;
        i++;
    }
    if (i >= n && line > 1 && i > 0 && (s[i - 1] == '\n' || s[i - 1] == '\r'))
        return false; /* just past the final line end: no such line */
    *start = i;
    while (i < n && s[i] != '\n' && s[i] != '\r')
        i++;
    *end = i;
    return true;
}

/* The length of the valid UTF-8 sequence at p (a lead byte >= 0x80), or
 * 0 when it is not one. */
static size_t utf8_sequence(const char *p, size_t avail)
{
    unsigned char c = (unsigned char)p[0];
    size_t n = c >= 0xC2 && c <= 0xDF   ? 2
               : c >= 0xE0 && c <= 0xEF ? 3
               : c >= 0xF0 && c <= 0xF4 ? 4
                                        : 0;
    if (!n || n > avail)
        return 0;
    for (size_t k = 1; k < n; k++)
        if (((unsigned char)p[k] & 0xC0) != 0x80)
            return 0;
    return n;
}

/* Prints one error: the location line, then the source line and caret
 * when the line exists. */
static void print_one(const rt_diags *d, const rt_diag *e, FILE *out)
{
    fprintf(out, "%s:%d:%d: %s\n", d->filename ? d->filename : "<scenario>",
            e->line, e->col, e->message);
    size_t start, end;
    if (!find_line(d, e->line, &start, &end))
        return;
    const char *s = d->source;
    /* Strip the indentation and the trailing blanks; count the characters
     * the stripped indentation held, so that the caret still lines up. */
    int col = 1;
    while (start < end && (s[start] == ' ' || s[start] == '\t' ||
                           s[start] == '\f')) {
        start++;
        col++;
    }
    while (end > start && (s[end - 1] == ' ' || s[end - 1] == '\t' ||
                           s[end - 1] == '\f'))
        end--;
    if (start == end)
        return;
    /* Print with tabs expanded, noting the display width before the
     * reported column (the caret goes after the last character when the
     * column is past the end of the line). */
    fputs("    ", out);
    int width = 0, caret = -1;
    for (size_t i = start; i < end; i++) {
        unsigned char c = (unsigned char)s[i];
        if (lx_starts_char(c)) {
            if (col == e->col)
                caret = width;
            col++;
        }
        if (c == '\t') {
            int next = (width / 8 + 1) * 8;
            while (width < next) {
                fputc(' ', out);
                width++;
            }
        } else if (c < 0x20 || c == 0x7f) {
            /* A control character (a NUL byte...) would garble the
             * terminal: show it as '?', in its column. */
            fputc('?', out);
            width++;
        } else if (c >= 0x80) {
            size_t n = utf8_sequence(s + i, end - i);
            if (n) {
                fwrite(s + i, 1, n, out);
                width++;
                /* The continuation bytes start no character. */
                i += n - 1;
            } else if (lx_starts_char(c)) {
                fputc('?', out); /* not UTF-8: one mark per byte */
                width++;
            }
        } else {
            fputc(c, out);
            width++;
        }
    }
    fputc('\n', out);
    if (caret < 0)
        caret = e->col < col ? 0 : width;
    fprintf(out, "    %*s^\n", caret, "");
}

void rt_diags_print(const rt_diags *d, void *out)
{
    FILE *f = out;
    for (int i = 0; i < d->len; i++)
        print_one(d, &d->items[i], f);
    if (d->out_of_memory)
        fprintf(f, "%s: out of memory while reading the scenario\n",
                d->filename ? d->filename : "<scenario>");
}
