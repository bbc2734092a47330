/*
 * test_lexer.c - tests of the scenario tokenizer (lexer.c): token streams
 * for tricky layouts (indentation, tabs, continuation lines, brackets),
 * numbers and their values, string prefixes and every escape, f-string
 * replacement fields tokenized in place, and the errors with their lines
 * and 1-based, character-counted columns.
 *
 * Token streams are compared in a compact text form: names, numbers and
 * strings as written, operators and keywords by their spelling, and NL,
 * IN, DE, EOF and ERR for NEWLINE, INDENT, DEDENT, ENDMARKER and ERROR.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>

#include <cmocka.h>

#include "ast.h"
#include "lexer.h"
#include "rt.h"

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */
/* ------------------------------------------------------------------------ */

/* The result of tokenizing one source text. */
typedef struct lexed {
    char *text; /* the normalised text (rt_malloc'd) */
    size_t len;
    lx_tokens toks;
    rt_diags diags;
    char stream[8192]; /* the compact form of the tokens */
} lexed;

/* Tokenizes src (as a file, or as an f-string field with fexpr, starting
 * at line:col) into r. */
static void lex_opts(lexed *r, const char *src, size_t n, bool fexpr,
                     int line, int col)
{
    r->text = lx_normalize(src, n, &r->len);
    assert_non_null(r->text);
    rt_diags_init(&r->diags, "t.py", src, n);
    lx_options opt;
    memset(&opt, 0, sizeof opt);
    opt.start = 0;
    opt.end = r->len;
    opt.line = line;
    opt.col = col;
    opt.fstring_expr = fexpr;
    assert_int_equal(lx_tokenize(r->text, &opt, &r->diags, &r->toks), 0);
    char *p = r->stream;
    size_t room = sizeof r->stream;
    r->stream[0] = '\0';
    for (int i = 0; i < r->toks.len; i++) {
        const lx_token *t = &r->toks.items[i];
        const char *s;
        int len = -1;
        switch (t->kind) {
        case LX_NEWLINE: s = "NL"; break;
        case LX_INDENT: s = "IN"; break;
        case LX_DEDENT: s = "DE"; break;
        case LX_ENDMARKER: s = "EOF"; break;
        case LX_ERROR: s = "ERR"; break;
        case LX_NAME:
        case LX_NUMBER:
        case LX_STRING:
            s = r->text + t->start;
            len = (int)(t->end - t->start);
            break;
        default: s = lx_kind_text(t->kind); break;
        }
        int w = len >= 0 ? snprintf(p, room, "%s%.*s", i ? " " : "", len, s)
                         : snprintf(p, room, "%s%s", i ? " " : "", s);
        assert_true(w > 0 && (size_t)w < room);
        p += w;
        room -= (size_t)w;
    }
}

static void lex(lexed *r, const char *src)
{
    lex_opts(r, src, strlen(src), false, 1, 1);
}

static void lexed_free(lexed *r)
{
    lx_tokens_free(&r->toks);
    rt_diags_deinit(&r->diags);
    rt_free(r->text);
}

/* Tokenizes src and checks the stream and that there was no error. */
static void expect_stream(const char *src, const char *want)
{
    lexed r;
    lex(&r, src);
    if (strcmp(r.stream, want) != 0 || r.diags.len != 0) {
        print_message("source: %s\nwant: %s\ngot:  %s\n", src, want,
                      r.stream);
        for (int i = 0; i < r.diags.len; i++)
            print_message("error %d:%d: %s\n", r.diags.items[i].line,
                          r.diags.items[i].col, r.diags.items[i].message);
        fail();
    }
    lexed_free(&r);
}

/* Tokenizes src and checks its first error (and the number of errors). */
static void expect_error(const char *src, int count, int line, int col,
                         const char *message)
{
    lexed r;
    lex(&r, src);
    bool ok = r.diags.len == count && count > 0 &&
              r.diags.items[0].line == line && r.diags.items[0].col == col &&
              strcmp(r.diags.items[0].message, message) == 0;
    if (!ok) {
        print_message("source: %s\nwant %d error(s), first %d:%d: %s\ngot:\n",
                      src, count, line, col, message);
        for (int i = 0; i < r.diags.len; i++)
            print_message("    %d:%d: %s\n", r.diags.items[i].line,
                          r.diags.items[i].col, r.diags.items[i].message);
        fail();
    }
    assert_int_equal(r.toks.errors, count);
    lexed_free(&r);
}

/* The first token of src, which must be a NUMBER. */
static lx_token first_number(const char *src)
{
    lexed r;
    lex(&r, src);
    assert_int_equal(r.diags.len, 0);
    assert_int_equal(r.toks.items[0].kind, LX_NUMBER);
    lx_token t = r.toks.items[0];
    lexed_free(&r);
    return t;
}

/* ------------------------------------------------------------------------ */
/* Layout                                                                   */
/* ------------------------------------------------------------------------ */

static void test_simple_statement(void **state)
{
    (void)state;
    expect_stream("x = 1 + foo(2, 'a')\n",
                  "x = 1 + foo ( 2 , 'a' ) NL EOF");
    expect_stream("print(*xs, sep=\"\")",
                  "print ( * xs , sep = \"\" ) NL EOF");
    expect_stream("", "EOF");
    expect_stream("\n\n   \n# comment\n", "EOF");
    expect_stream("x;y;", "x ; y ; NL EOF");
}

static void test_indentation(void **state)
{
    (void)state;
    expect_stream("if a:\n"
                  "    b\n"
                  "    if c:\n"
                  "        d\n"
                  "\n"
                  "  # a comment at another depth\n"
                  "        \n"
                  "e\n",
                  "if a : NL IN b NL if c : NL IN d NL DE DE e NL EOF");
    /* DEDENTs at the end of a file without a final newline. */
    expect_stream("if a:\n  if b:\n    c", "if a : NL IN if b : NL IN c NL "
                                          "DE DE EOF");
    /* Several dedents at once, then a new indent. */
    expect_stream("def f():\n  if x:\n    y\nz\n  w\n",
                  "def f ( ) : NL IN if x : NL IN y NL DE DE z NL IN w NL DE "
                  "EOF");
    /* Tabs: a tab goes to the next multiple of 8, consistently. */
    expect_stream("if a:\n\tb\n\tif c:\n\t\td\n",
                  "if a : NL IN b NL if c : NL IN d NL DE DE EOF");
    /* A form feed resets the column, as in CPython. */
    expect_stream("if a:\n    b\n\f    c\n", "if a : NL IN b NL c NL DE EOF");
}

static void test_indentation_errors(void **state)
{
    (void)state;
    expect_error("if a:\n    b\n  c\n", 1, 3, 3,
                 "unindent does not match any outer indentation level");
    /* 8 spaces and a tab reach the same column, but only for tab size
     * 8: CPython calls that inconsistent. */
    expect_error("if a:\n\tb\n        c\n", 1, 3, 9,
                 "inconsistent use of tabs and spaces in indentation");
    expect_error("if a:\n        b\n\tc\n", 1, 3, 2,
                 "inconsistent use of tabs and spaces in indentation");
    /* Two spaces and a tab equal one tab only for tab size 8. */
    expect_error("if a:\n  \tb\n\tc\n", 1, 3, 2,
                 "inconsistent use of tabs and spaces in indentation");
    /* The bad line yields an ERROR token after its DEDENTs. */
    lexed r;
    lex(&r, "if a:\n    b\n  c\n");
    assert_string_equal(r.stream, "if a : NL IN b NL DE ERR c NL EOF");
    lexed_free(&r);
}

static void test_line_joining(void **state)
{
    (void)state;
    /* Inside brackets line ends, indentation and comments mean nothing. */
    expect_stream("x = (1,  # one\n"
                  "          2)\n"
                  "y = [\n"
                  "]\n"
                  "z = {\n"
                  "  'a':\n"
                  "      1}\n",
                  "x = ( 1 , 2 ) NL y = [ ] NL z = { 'a' : 1 } NL EOF");
    /* Backslash continuation joins lines, also in a block. */
    expect_stream("x = 1 + \\\n    2\n", "x = 1 + 2 NL EOF");
    expect_stream("if a and \\\n   b:\n    c\n",
                  "if a and b : NL IN c NL DE EOF");
    expect_error("x = 1 \\ 2\n", 1, 1, 8,
                 "unexpected character after line continuation character");
    expect_error("x = 1 + \\", 1, 1, 10, "unexpected EOF while parsing");
}

static void test_operators(void **state)
{
    (void)state;
    expect_stream("+ - * / // % ** << >> & | ^ ~ @ < > <= >= == != = := -> "
                  ". ... , : ; ( ) [ ] { }",
                  "+ - * / // % ** << >> & | ^ ~ @ < > <= >= == != = := -> "
                  ". ... , : ; ( ) [ ] { } NL EOF");
    expect_stream("a += 1; a -= 1; a *= 1; a /= 1; a //= 1; a %= 1; a **= 1",
                  "a += 1 ; a -= 1 ; a *= 1 ; a /= 1 ; a //= 1 ; a %= 1 ; a "
                  "**= 1 NL EOF");
    expect_stream("a <<= 1; a >>= 1; a &= 1; a |= 1; a ^= 1; a @= 1",
                  "a <<= 1 ; a >>= 1 ; a &= 1 ; a |= 1 ; a ^= 1 ; a @= 1 NL "
                  "EOF");
    /* Longest match: "**=" is one token, "->" too, "a.b" three. */
    expect_stream("x**=-1.0;f()->a.b", "x **= - 1.0 ; f ( ) -> a . b NL EOF");
    /* "!" alone (f-string conversions) and "!=". */
    expect_stream("a!=b!r", "a != b ! r NL EOF");
}

static void test_keywords_and_names(void **state)
{
    (void)state;
    lexed r;
    lex(&r, "async await def if None True False match case _ type é名前 "
            "café print");
    static const lx_kind want[] = {
        LX_KW_ASYNC, LX_KW_AWAIT, LX_KW_DEF, LX_KW_IF, LX_KW_NONE,
        LX_KW_TRUE, LX_KW_FALSE, LX_NAME, LX_NAME, LX_NAME, LX_NAME,
        LX_NAME, LX_NAME, LX_NAME, LX_NEWLINE, LX_ENDMARKER,
    };
    assert_int_equal(r.toks.len, (int)(sizeof want / sizeof want[0]));
    for (int i = 0; i < r.toks.len; i++)
        assert_int_equal(r.toks.items[i].kind, want[i]);
    assert_int_equal(r.diags.len, 0);
    lexed_free(&r);
    assert_int_equal(lx_keyword("yield", 5), LX_KW_YIELD);
    assert_int_equal(lx_keyword("nonlocal", 8), LX_KW_NONLOCAL);
    assert_int_equal(lx_keyword("Yield", 5), LX_NAME);
    assert_int_equal(lx_keyword("match", 5), LX_NAME);
    assert_int_equal(lx_keyword("x", 1), LX_NAME);
    assert_string_equal(lx_kind_text(LX_DOUBLESTAREQUAL), "**=");
    assert_string_equal(lx_kind_text(LX_KW_LAMBDA), "lambda");
    assert_string_equal(lx_kind_text(LX_NAME), "name");
}

/* ------------------------------------------------------------------------ */
/* Numbers                                                                  */
/* ------------------------------------------------------------------------ */

static void test_integers(void **state)
{
    (void)state;
    static const struct {
        const char *src;
        uint64_t value;
    } cases[] = {
        {"0", 0}, {"7", 7}, {"123", 123}, {"1_000_000", 1000000},
        {"0x1F", 31}, {"0XfF", 255}, {"0x_ff", 255}, {"0o17", 15},
        {"0O7_7", 63}, {"0b1010", 10}, {"0B_1", 1}, {"00", 0},
        {"0_0", 0}, {"9223372036854775807", 9223372036854775807ull},
        {"0x7fffffffffffffff", 9223372036854775807ull},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        lx_token t = first_number(cases[i].src);
        assert_false(t.is_float);
        assert_false(t.too_large);
        assert_true(t.num.u == cases[i].value);
    }
    /* Past INT64_MAX: flagged, with the value kept while it fits 64
     * unsigned bits (the parser accepts -9223372036854775808). */
    lx_token t = first_number("9223372036854775808");
    assert_true(t.too_large);
    assert_true(t.num.u == 9223372036854775808ull);
    t = first_number("99999999999999999999999");
    assert_true(t.too_large);
    t = first_number("0xffffffffffffffff");
    assert_true(t.too_large);
    /* A keyword right after a number is allowed (CPython warns). */
    expect_stream("1if x else 2", "1 if x else 2 NL EOF");
    expect_stream("0x1for x in y", "0x1f or x in y NL EOF");
}

static void test_floats(void **state)
{
    (void)state;
    static const struct {
        const char *src;
        double value;
    } cases[] = {
        {"1.5", 1.5}, {".5", 0.5}, {"5.", 5.0}, {"1e10", 1e10},
        {"1.5E-3", 1.5e-3}, {"1e+2", 100.0}, {"1_0.0_1", 10.01},
        {"0.1", 0.1}, {"00.5", 0.5}, {"0e0", 0.0}, {"012.5", 12.5},
        {"1_000e1_0", 1e13}, {"2.5e+300", 2.5e300}, {"1e400", HUGE_VAL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        lx_token t = first_number(cases[i].src);
        assert_true(t.is_float);
        assert_true(t.num.f == cases[i].value);
    }
    expect_stream("x.5", "x .5 NL EOF");
    expect_stream("1..real", "1. . real NL EOF");
}

static void test_number_errors(void **state)
{
    (void)state;
    expect_error("x = 12j", 1, 1, 5,
                 "complex numbers are not supported in scenarios");
    expect_error("x = 1.5J", 1, 1, 5,
                 "complex numbers are not supported in scenarios");
    expect_error("x = 1e3j", 1, 1, 5,
                 "complex numbers are not supported in scenarios");
    expect_error("x = 0777", 1, 1, 5,
                 "leading zeros in decimal integer literals are not "
                 "permitted; use an 0o prefix for octal integers");
    expect_error("x = 1__0", 1, 1, 6, "invalid decimal literal");
    expect_error("x = 1_", 1, 1, 6, "invalid decimal literal");
    expect_error("x = 1e", 1, 1, 5, "invalid decimal literal");
    expect_error("x = 5a", 1, 1, 5, "invalid decimal literal");
    expect_error("x = 0x", 1, 1, 6, "invalid hexadecimal literal");
    expect_error("x = 0xg", 1, 1, 6, "invalid hexadecimal literal");
    expect_error("x = 0b102", 1, 1, 9, "invalid digit '2' in binary literal");
    expect_error("x = 0o8", 1, 1, 7, "invalid digit '8' in octal literal");
    /* The bad literal becomes one ERROR token; the line goes on. */
    lexed r;
    lex(&r, "x = 1__0 + y");
    assert_string_equal(r.stream, "x = ERR + y NL EOF");
    lexed_free(&r);
}

/* ------------------------------------------------------------------------ */
/* Strings                                                                  */
/* ------------------------------------------------------------------------ */

static void test_string_prefixes(void **state)
{
    (void)state;
    static const struct {
        const char *src;
        int flags, prefix_len, quote_len;
    } cases[] = {
        {"'a'", 0, 0, 1},
        {"\"a\"", 0, 0, 1},
        {"'''a'''", 0, 0, 3},
        {"\"\"\"a\"\"\"", 0, 0, 3},
        {"r'a'", LX_STR_RAW, 1, 1},
        {"R'a'", LX_STR_RAW, 1, 1},
        {"u'a'", 0, 1, 1},
        {"U'a'", 0, 1, 1},
        {"b'a'", LX_STR_BYTES, 1, 1},
        {"B\"a\"", LX_STR_BYTES, 1, 1},
        {"rb'a'", LX_STR_RAW | LX_STR_BYTES, 2, 1},
        {"Rb'a'", LX_STR_RAW | LX_STR_BYTES, 2, 1},
        {"bR'a'", LX_STR_RAW | LX_STR_BYTES, 2, 1},
        {"BR'''a'''", LX_STR_RAW | LX_STR_BYTES, 2, 3},
        {"f'a'", LX_STR_F, 1, 1},
        {"F'a'", LX_STR_F, 1, 1},
        {"rf'a'", LX_STR_RAW | LX_STR_F, 2, 1},
        {"fR'a'", LX_STR_RAW | LX_STR_F, 2, 1},
        {"FR\"\"\"a\"\"\"", LX_STR_RAW | LX_STR_F, 2, 3},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        lexed r;
        lex(&r, cases[i].src);
        assert_int_equal(r.diags.len, 0);
        assert_int_equal(r.toks.items[0].kind, LX_STRING);
        assert_int_equal(r.toks.items[0].str_flags, cases[i].flags);
        assert_int_equal(r.toks.items[0].prefix_len, cases[i].prefix_len);
        assert_int_equal(r.toks.items[0].quote_len, cases[i].quote_len);
        assert_int_equal(r.toks.items[1].kind, LX_NEWLINE);
        lexed_free(&r);
    }
    /* Not prefixes: a name, then a string. */
    expect_stream("bf'x' ur'y' rr'z'", "bf 'x' ur 'y' rr 'z' NL EOF");
    /* Adjacent literals stay separate tokens (the parser joins them). */
    expect_stream("'a' \"b\" f'{c}'", "'a' \"b\" f'{c}' NL EOF");
}

static void test_string_layout(void **state)
{
    (void)state;
    /* Quotes inside other quotes, escaped quotes, and a triple-quoted
     * string over lines; the token after it is on the right line. */
    lexed r;
    lex(&r, "x = '\"' \"'\" 'it\\'s' '''a\n'b'\nc''' y\n");
    assert_string_equal(r.stream, "x = '\"' \"'\" 'it\\'s' '''a\n'b'\nc''' y "
                                  "NL EOF");
    const lx_token *y = &r.toks.items[6];
    assert_int_equal(y->kind, LX_NAME);
    assert_int_equal(y->line, 3);
    assert_int_equal(y->col, 6);
    const lx_token *s = &r.toks.items[5];
    assert_int_equal(s->line, 1);
    assert_int_equal(s->col, 21);
    assert_int_equal(s->end_line, 3);
    assert_int_equal(s->end_col, 5);
    lexed_free(&r);
    /* A backslash-newline inside a single-quoted string continues it. */
    expect_stream("x = 'a\\\nb'\n", "x = 'a\\\nb' NL EOF");
    /* An empty triple-quoted string and one ending in a quote. */
    expect_stream("'''''' '''a\\''''", "'''''' '''a\\'''' NL EOF");
}

/* Decodes a literal body with lx_decode; returns the status and puts the
 * bytes in *out (lx_buf_free it). */
static lx_decode_status decode(const char *body, int flags, lx_buf *out,
                               size_t *err_off, const char **error)
{
    memset(out, 0, sizeof *out);
    lx_buf_put(out, "", 0);
    return lx_decode(body, 0, strlen(body), flags, out, err_off, error);
}

static void expect_decoded(const char *body, int flags, const char *want,
                           size_t want_len)
{
    lx_buf b;
    size_t off = 0;
    const char *error = NULL;
    assert_int_equal(decode(body, flags, &b, &off, &error), LX_DECODE_OK);
    if (b.len != want_len || memcmp(b.data, want, want_len) != 0) {
        print_message("body: %s\n", body);
        fail();
    }
    lx_buf_free(&b);
}

static void test_escapes(void **state)
{
    (void)state;
    /* Every escape Python has. */
    expect_decoded("\\n\\t\\r\\0\\a\\b\\f\\v\\\\\\'\\\"", 0,
                   "\n\t\r\0\a\b\f\v\\'\"", 11);
    expect_decoded("\\x41\\x7a\\101\\7\\12\\1234", 0, "AzA\a\nS4", 7);
    expect_decoded("\\u00e9\\u20AC\\U0001F600", 0, "é€😀",
                   strlen("é€😀"));
    expect_decoded("\\377", 0, "\xC3\xBF", 2); /* U+00FF in UTF-8 */
    /* A backslash-newline vanishes; unknown escapes keep the backslash. */
    expect_decoded("a\\\nb", 0, "ab", 2);
    expect_decoded("\\d\\w\\ \\8", 0, "\\d\\w\\ \\8", 8);
    /* Raw: nothing is an escape. */
    expect_decoded("\\n\\x41\\\n", LX_STR_RAW, "\\n\\x41\\\n", 8);
    /* Bytes: \x and octal are bytes; \u, \U and \N are not escapes. */
    expect_decoded("\\xff\\000\\u1234\\N", LX_STR_BYTES,
                   "\xff\0\\u1234\\N", 10);
    expect_decoded("\\xff", LX_STR_BYTES | LX_STR_RAW, "\\xff", 4);
    /* UTF-8 text passes through. */
    expect_decoded("é😀", 0, "é😀", strlen("é😀"));

    static const struct {
        const char *body;
        int flags;
        size_t off;
        const char *error;
    } bad[] = {
        {"ab\\x4", 0, 2, "truncated \\xXX escape"},
        {"\\xg0", 0, 0, "truncated \\xXX escape"},
        {"\\u12", 0, 0, "truncated \\uXXXX escape"},
        {"x\\U0001F60", 0, 1, "truncated \\UXXXXXXXX escape"},
        {"\\U00110000", 0, 0, "illegal Unicode character"},
        {"\\ud800", 0, 0, "surrogate characters are not supported in "
                          "scenarios"},
        {"a\\N{BULLET}", 0, 1, "\\N{...} escapes are not supported in "
                               "scenarios"},
        {"ok\xc3\xa9", LX_STR_BYTES, 2, "bytes can only contain ASCII "
                                        "literal characters"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        lx_buf b;
        size_t off = 99;
        const char *error = NULL;
        assert_int_equal(decode(bad[i].body, bad[i].flags, &b, &off, &error),
                         LX_DECODE_ERROR);
        assert_int_equal(off, bad[i].off);
        assert_string_equal(error, bad[i].error);
        lx_buf_free(&b);
    }
}

static void test_string_errors(void **state)
{
    (void)state;
    expect_error("x = 'abc\ny = 1\n", 1, 1, 5,
                 "unterminated string literal (detected at line 1)");
    expect_error("x = \"abc", 1, 1, 5,
                 "unterminated string literal (detected at line 1)");
    expect_error("x = '''abc\n\ny\n", 1, 1, 5,
                 "unterminated triple-quoted string literal (detected at "
                 "line 3)");
    expect_error("s = f\"\"\"{x}", 1, 1, 5,
                 "unterminated triple-quoted string literal (detected at "
                 "line 1)");
    /* The rest of the line after an unterminated string is lost; the
     * next line is tokenized again. */
    lexed r;
    lex(&r, "x = 'abc\ny = 1\n");
    assert_string_equal(r.stream, "x = ERR NL y = 1 NL EOF");
    lexed_free(&r);
}

/* ------------------------------------------------------------------------ */
/* Characters, brackets, positions                                          */
/* ------------------------------------------------------------------------ */

static void test_bad_characters(void **state)
{
    (void)state;
    expect_error("x = $", 1, 1, 5, "invalid character '$' (U+0024)");
    expect_error("x = a ? b", 1, 1, 7, "invalid character '?' (U+003F)");
    expect_error("x = `a`", 1, 1, 5, "invalid character '`' (U+0060)");
    expect_error("x = 1 € 2", 1, 1, 7, "invalid character '€' (U+20AC)");
    expect_error("x = 1\x01", 1, 1, 6,
                 "invalid non-printable character U+0001");
    expect_error("x = 1 \xc2\xa0+ 2", 1, 1, 7,
                 "invalid non-printable character U+00A0");
    /* Columns count characters: é is one column. */
    expect_error("é = 'ü'; $", 1, 1, 10, "invalid character '$' (U+0024)");
    /* Invalid UTF-8 anywhere refuses the file once. */
    expect_error("x = 1\n# caf\xe9\n", 1, 2, 6,
                 "Non-UTF-8 code starting with '\\xe9' (scenario files must "
                 "be UTF-8)");
    /* NUL bytes. */
    lexed r;
    lex_opts(&r, "x = 1\0 + 2", 10, false, 1, 1);
    assert_int_equal(r.diags.len, 1);
    assert_string_equal(r.diags.items[0].message,
                        "source code cannot contain null bytes");
    assert_int_equal(r.diags.items[0].col, 6);
    lexed_free(&r);
    /* One error per line; each line reports its own. */
    lex(&r, "a = $ ? `\nb = ?\n");
    assert_int_equal(r.diags.len, 2);
    assert_int_equal(r.diags.items[0].line, 1);
    assert_int_equal(r.diags.items[1].line, 2);
    assert_string_equal(r.stream, "a = ERR ERR ERR NL b = ERR NL EOF");
    lexed_free(&r);
}

static void test_brackets(void **state)
{
    (void)state;
    expect_error("x = 1)", 1, 1, 6, "unmatched ')'");
    expect_error("x = ]", 1, 1, 5, "unmatched ']'");
    expect_error("x = (1, 2]", 1, 1, 10,
                 "closing parenthesis ']' does not match opening parenthesis "
                 "'('");
    expect_error("x = {1,\n     2)", 1, 2, 7,
                 "closing parenthesis ')' does not match opening parenthesis "
                 "'{' on line 1");
    /* Never closed: reported at the innermost open bracket, and the
     * token index tells the parser where to stop reporting. */
    lexed r;
    lex(&r, "x = 1\nfoo(a, [b,\n  c]\ny = 2\n");
    assert_int_equal(r.diags.len, 1);
    assert_string_equal(r.diags.items[0].message, "'(' was never closed");
    assert_int_equal(r.diags.items[0].line, 2);
    assert_int_equal(r.diags.items[0].col, 4);
    assert_int_equal(r.toks.unclosed, 5);
    assert_int_equal(r.toks.items[r.toks.unclosed].kind, LX_LPAR);
    lexed_free(&r);
    /* 200 nested brackets are fine; the 201st is an error (CPython's
     * limit), and no "never closed" is added. */
    char deep[1024];
    memset(deep, '(', 200);
    memset(deep + 200, ')', 200);
    deep[400] = '\0';
    lex(&r, deep);
    assert_int_equal(r.diags.len, 0);
    lexed_free(&r);
    memset(deep, '(', 201);
    deep[201] = '\0';
    expect_error(deep, 1, 1, 201, "too many nested parentheses");
}

static void test_positions(void **state)
{
    (void)state;
    lexed r;
    lex(&r, "if é:\n    s = 'ü€' + x\n");
    static const struct {
        lx_kind kind;
        int line, col, end_line, end_col;
    } want[] = {
        {LX_KW_IF, 1, 1, 1, 3},     {LX_NAME, 1, 4, 1, 5},
        {LX_COLON, 1, 5, 1, 6},     {LX_NEWLINE, 1, 6, 1, 7},
        {LX_INDENT, 2, 1, 2, 5},    {LX_NAME, 2, 5, 2, 6},
        {LX_EQUAL, 2, 7, 2, 8},     {LX_STRING, 2, 9, 2, 13},
        {LX_PLUS, 2, 14, 2, 15},    {LX_NAME, 2, 16, 2, 17},
        {LX_NEWLINE, 2, 17, 2, 18}, {LX_DEDENT, 2, 17, 2, 17},
        {LX_ENDMARKER, 2, 17, 2, 17},
    };
    assert_int_equal(r.toks.len, (int)(sizeof want / sizeof want[0]));
    for (int i = 0; i < r.toks.len; i++) {
        const lx_token *t = &r.toks.items[i];
        assert_int_equal(t->kind, want[i].kind);
        assert_int_equal(t->line, want[i].line);
        assert_int_equal(t->col, want[i].col);
        assert_int_equal(t->end_line, want[i].end_line);
        assert_int_equal(t->end_col, want[i].end_col);
    }
    lexed_free(&r);
    /* lx_advance agrees with the token positions. */
    int line = 1, col = 1;
    const char *text = "ab\nçé€x";
    lx_advance(text, 0, strlen(text), &line, &col);
    assert_int_equal(line, 2);
    assert_int_equal(col, 5);
}

static void test_line_ends_and_bom(void **state)
{
    (void)state;
    size_t n;
    char *t = lx_normalize("a\r\nb\rc\n\r\n", 9, &n);
    assert_non_null(t);
    assert_int_equal(n, 7);
    assert_string_equal(t, "a\nb\nc\n\n");
    rt_free(t);
    /* CRLF files tokenize like LF files, with the same positions. */
    lexed r;
    lex(&r, "if a:\r\n    b\r\n\r\nc\r");
    assert_string_equal(r.stream, "if a : NL IN b NL DE c NL EOF");
    assert_int_equal(r.toks.items[8].kind, LX_NAME);
    assert_int_equal(r.toks.items[8].line, 4);
    lexed_free(&r);
    expect_stream("\xEF\xBB\xBFx = 1\n", "x = 1 NL EOF");
}

/* An f-string replacement field is tokenized in place: as if inside
 * parentheses (no NEWLINE, INDENT or DEDENT), at its line and column,
 * ending with EOF, and with "f-string: " before its errors. */
static void test_fstring_fields(void **state)
{
    (void)state;
    lexed r;
    lex_opts(&r, "a +\n    b['k']", 14, true, 3, 7);
    assert_string_equal(r.stream, "a + b [ 'k' ] EOF");
    assert_int_equal(r.toks.items[0].line, 3);
    assert_int_equal(r.toks.items[0].col, 7);
    assert_int_equal(r.toks.items[2].line, 4);
    assert_int_equal(r.toks.items[2].col, 5);
    lexed_free(&r);
    lex_opts(&r, "x $", 3, true, 1, 10);
    assert_int_equal(r.diags.len, 1);
    assert_string_equal(r.diags.items[0].message,
                        "f-string: invalid character '$' (U+0024)");
    assert_int_equal(r.diags.items[0].col, 12);
    lexed_free(&r);
    lex_opts(&r, "f(x", 3, true, 1, 1);
    assert_int_equal(r.diags.len, 1);
    assert_string_equal(r.diags.items[0].message,
                        "f-string: '(' was never closed");
    lexed_free(&r);
}

static void test_error_limit(void **state)
{
    (void)state;
    char src[4096] = "";
    for (int i = 0; i < 60; i++)
        strcat(src, "x = $\n");
    lexed r;
    lexed *rp = &r;
    memset(rp, 0, sizeof r);
    r.text = lx_normalize(src, strlen(src), &r.len);
    rt_diags_init(&r.diags, "t.py", src, strlen(src));
    lx_options opt;
    memset(&opt, 0, sizeof opt);
    opt.end = r.len;
    opt.line = opt.col = 1;
    opt.max_errors = 7;
    assert_int_equal(lx_tokenize(r.text, &opt, &r.diags, &r.toks), 0);
    assert_int_equal(r.diags.len, 7);
    assert_int_equal(r.toks.errors, 7);
    /* Still a well-formed stream: it ends with EOF. */
    assert_int_equal(r.toks.items[r.toks.len - 1].kind, LX_ENDMARKER);
    lx_tokens_free(&r.toks);
    rt_diags_deinit(&r.diags);
    rt_free(r.text);
}

/* Allocation failure while tokenizing: RT_ENOMEM, flagged, no leak. */
static void test_out_of_memory(void **state)
{
    (void)state;
    char src[8192] = "";
    for (int i = 0; i < 200; i++)
        strcat(src, "x = f(1.5, 'a') + y\n");
    size_t n;
    char *text = lx_normalize(src, strlen(src), &n);
    assert_non_null(text);
    bool succeeded = false;
    for (long k = 0; k < 100 && !succeeded; k++) {
        rt_diags d;
        rt_diags_init(&d, "t.py", src, strlen(src));
        lx_options opt;
        memset(&opt, 0, sizeof opt);
        opt.end = n;
        opt.line = opt.col = 1;
        lx_tokens toks;
        rt_alloc_fail_after(k);
        int rc = lx_tokenize(text, &opt, &d, &toks);
        rt_alloc_fail_after(-1);
        if (rc == 0) {
            succeeded = true;
            assert_false(toks.out_of_memory);
            assert_int_equal(toks.items[toks.len - 1].kind, LX_ENDMARKER);
        } else {
            assert_int_equal(rc, RT_ENOMEM);
            assert_true(toks.out_of_memory);
            assert_true(d.out_of_memory);
        }
        lx_tokens_free(&toks);
        rt_diags_deinit(&d);
    }
    assert_true(succeeded);
    rt_free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple_statement),
        cmocka_unit_test(test_indentation),
        cmocka_unit_test(test_indentation_errors),
        cmocka_unit_test(test_line_joining),
        cmocka_unit_test(test_operators),
        cmocka_unit_test(test_keywords_and_names),
        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_floats),
        cmocka_unit_test(test_number_errors),
        cmocka_unit_test(test_string_prefixes),
        cmocka_unit_test(test_string_layout),
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_string_errors),
        cmocka_unit_test(test_bad_characters),
        cmocka_unit_test(test_brackets),
        cmocka_unit_test(test_positions),
        cmocka_unit_test(test_line_ends_and_bom),
        cmocka_unit_test(test_fstring_fields),
        cmocka_unit_test(test_error_limit),
        cmocka_unit_test(test_out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
