/*
 * test_parser.c - tests of the scenario parser (parser.c), the syntax tree
 * helpers (ast.c) and the diagnostics printer (diag.c).
 *
 * The dump tests compare ast_dump with S-expressions that were produced
 * from CPython 3.11's own `ast` module for the same source (by a converter
 * that writes Python's tree in our dump format), so they check our tree
 * shapes against the reference implementation, not against ourselves. The
 * error tests check message, line, column and the number of errors; their
 * wording follows CPython's where CPython has a message. Then come
 * recovery (several independent errors in one file), the printed form of
 * diagnostics, the tutorial and scenario programs of tests/parser_inputs,
 * robustness (every prefix, random byte flips, deep nesting: never a crash,
 * always either a tree or errors), allocation failure, and speed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "ast.h"
#include "lexer.h"
#include "rt.h"

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */
/* ------------------------------------------------------------------------ */

/* The result of parsing one source text. */
typedef struct parsed {
    ast_arena *arena;
    rt_diags diags;
    ast_node *tree; /* NULL when there were errors */
    char *dump;     /* ast_dump of the tree (rt_free), or NULL */
} parsed;

static void parse_n(parsed *r, const char *src, size_t len, bool positions)
{
    r->arena = ast_arena_new();
    assert_non_null(r->arena);
    rt_diags_init(&r->diags, "t.py", src, len);
    r->tree = ast_parse(src, len, r->arena, &r->diags);
    r->dump = NULL;
    if (r->tree)
        r->dump = positions ? ast__dump_positions(r->tree) : ast_dump(r->tree);
}

static void parse(parsed *r, const char *src)
{
    parse_n(r, src, strlen(src), false);
}

static void parsed_free(parsed *r)
{
    rt_free(r->dump);
    rt_diags_deinit(&r->diags);
    ast_arena_free(r->arena);
}

/* Prints the errors of a failed parse, for test failure messages. */
static void print_diags(const parsed *r)
{
    for (int i = 0; i < r->diags.len; i++)
        print_message("    %d:%d: %s\n", r->diags.items[i].line,
                      r->diags.items[i].col, r->diags.items[i].message);
}

/* Parses src and checks its dump; returns false (after printing why). */
static bool dump_is(const char *src, const char *want)
{
    parsed r;
    parse(&r, src);
    bool ok = r.dump && strcmp(r.dump, want) == 0;
    if (!ok) {
        print_message("source:\n%s\nwant: %s\ngot:  %s\n", src, want,
                      r.dump ? r.dump : "(errors)");
        print_diags(&r);
    }
    parsed_free(&r);
    return ok;
}

/* Reads a file of tests/parser_inputs (next to this source file) into an
 * rt_malloc'd buffer; NULL when missing. */
static char *read_input(const char *name, size_t *len)
{
    char path[1024];
    const char *here = __FILE__;
    const char *slash = strrchr(here, '/');
    int dir = slash ? (int)(slash - here) : 1;
    snprintf(path, sizeof path, "%.*s/parser_inputs/%s", dir,
             slash ? here : ".", name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = rt_malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        rt_free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) {
        buf[n] = '\0';
        *len = (size_t)n;
    }
    return buf;
}

/* ------------------------------------------------------------------------ */
/* Trees compared with CPython's                                            */
/* ------------------------------------------------------------------------ */

typedef struct dump_case {
    const char *src;
    const char *want;
} dump_case;

/* precedence */
static const dump_case precedence_cases[] = {
    {"x = 1 + 2 * 3",
     "(module (assign (name x) (bin_op + (constant 1) (bin_op * (constant 2) (constant 3)))))"},
    {"x = (1 + 2) * 3",
     "(module (assign (name x) (bin_op * (bin_op + (constant 1) (constant 2)) (constant 3))))"},
    {"x = 1 - 2 - 3",
     "(module (assign (name x) (bin_op - (bin_op - (constant 1) (constant 2)) (constant 3))))"},
    {"x = 2 ** 3 ** 2",
     "(module (assign (name x) (bin_op ** (constant 2) (bin_op ** (constant 3) (constant 2)))))"},
    {"x = -2 ** 2",
     "(module (assign (name x) (unary_op - (bin_op ** (constant 2) (constant 2)))))"},
    {"x = 2 ** -1",
     "(module (assign (name x) (bin_op ** (constant 2) (unary_op - (constant 1)))))"},
    {"x = -x ** -y",
     "(module (assign (name x) (unary_op - (bin_op ** (name x) (unary_op - (name y))))))"},
    {"x = ~a + +b - -c",
     "(module (assign (name x) (bin_op - (bin_op + (unary_op ~ (name a)) (unary_op + (name b))) (unary_op - (name c)))))"},
    {"x = a | b ^ c & d << e >> f + g - h * i / j // k % l @ m",
     "(module (assign (name x) (bin_op | (name a) (bin_op ^ (name b) (bin_op & (name c) (bin_op >> (bin_op << (name d) (name e)) (bin_op - (bin_op + (name f) (name g)) (bin_op @ (bin_op % (bin_op // (bin_op / (bin_op * (name h) (name i)) (name j)) (name k)) (name l)) (name m)))))))))"},
    {"x = a or b and not c",
     "(module (assign (name x) (bool_op or (name a) (bool_op and (name b) (unary_op not (name c))))))"},
    {"x = not a == b",
     "(module (assign (name x) (unary_op not (compare (name a) == (name b)))))"},
    {"x = not not a",
     "(module (assign (name x) (unary_op not (unary_op not (name a)))))"},
    {"x = a and b and c or d or e",
     "(module (assign (name x) (bool_op or (bool_op and (name a) (name b) (name c)) (name d) (name e))))"},
    {"x = a if b else c if d else e",
     "(module (assign (name x) (if_exp (name b) (name a) (if_exp (name d) (name c) (name e)))))"},
    {"x = (a if b else c) if d else e",
     "(module (assign (name x) (if_exp (name d) (if_exp (name b) (name a) (name c)) (name e))))"},
    {"x = lambda: a if b else c",
     "(module (assign (name x) (lambda (params) (if_exp (name b) (name a) (name c)))))"},
    {"x = a + b if c else d",
     "(module (assign (name x) (if_exp (name c) (bin_op + (name a) (name b)) (name d))))"},
    {"x = await_ + 1",
     "(module (assign (name x) (bin_op + (name await_) (constant 1))))"},
    {"x = a.b.c(d)[e].f",
     "(module (assign (name x) (attribute (subscript (call (attribute (attribute (name a) b) c) (name d)) (name e)) f)))"},
    {"x = f(a)(b)(c)",
     "(module (assign (name x) (call (call (call (name f) (name a)) (name b)) (name c))))"},
    {"x = -a.b",
     "(module (assign (name x) (unary_op - (attribute (name a) b))))"},
    {"x = 7 // 2 % 3",
     "(module (assign (name x) (bin_op % (bin_op // (constant 7) (constant 2)) (constant 3))))"},
    {"x = a < b",
     "(module (assign (name x) (compare (name a) < (name b))))"},
};

/* comparisons */
static const dump_case comparisons_cases[] = {
    {"x = a < b < c",
     "(module (assign (name x) (compare (name a) < (name b) < (name c))))"},
    {"x = a == b != c <= d >= e > f < g",
     "(module (assign (name x) (compare (name a) == (name b) != (name c) <= (name d) >= (name e) > (name f) < (name g))))"},
    {"x = a in b not in c",
     "(module (assign (name x) (compare (name a) in (name b) not in (name c))))"},
    {"x = a is b is not c",
     "(module (assign (name x) (compare (name a) is (name b) is not (name c))))"},
    {"x = not a in b",
     "(module (assign (name x) (unary_op not (compare (name a) in (name b)))))"},
    {"x = a < b == c is not None",
     "(module (assign (name x) (compare (name a) < (name b) == (name c) is not (constant None))))"},
};

/* literals */
static const dump_case literals_cases[] = {
    {"x = None, True, False, ...",
     "(module (assign (name x) (tuple (constant None) (constant True) (constant False) (constant ...))))"},
    {"x = 0, 1, 123, 1_000_000, 0x1F, 0XfF, 0o17, 0b1010, 0b_1",
     "(module (assign (name x) (tuple (constant 0) (constant 1) (constant 123) (constant 1000000) (constant 31) (constant 255) (constant 15) (constant 10) (constant 1))))"},
    {"x = 1.5, .5, 5., 1e10, 1.5E-3, 1_0.0_1, 0.1, 1e-7, 2.5e+300",
     "(module (assign (name x) (tuple (constant 1.5) (constant 0.5) (constant 5.0) (constant 1e+10) (constant 0.0015) (constant 10.01) (constant 0.1) (constant 1e-07) (constant 2.5e+300))))"},
    {"x = 9223372036854775807",
     "(module (assign (name x) (constant 9223372036854775807)))"},
    {"x = 'a' \"b\" '''c''' \"\"\"d\"\"\"",
     "(module (assign (name x) (constant \"abcd\")))"},
    {"x = 'a\\nb\\tc\\rd\\\\e\\'f\\\"g\\0h\\ai\\bj\\fk\\vl'",
     "(module (assign (name x) (constant \"a\\nb\\tc\\rd\\\\e'f\\\"g\\x00h\\x07i\\x08j\\x0ck\\x0bl\")))"},
    {"x = '\\x41\\101\\u00e9\\U0001F600\\7'",
     "(module (assign (name x) (constant \"AAé😀\\x07\")))"},
    {"x = 'line \\\ncontinued'",
     "(module (assign (name x) (constant \"line continued\")))"},
    {"x = '\\d\\w'",
     "(module (assign (name x) (constant \"\\\\d\\\\w\")))"},
    {"x = r'\\n\\d' R'\\t'",
     "(module (assign (name x) (constant \"\\\\n\\\\d\\\\t\")))"},
    {"x = b'abc\\x00\\xff' B'\\n' rb'\\d' Rb'x' bR'y' BR'z' br'w'",
     "(module (assign (name x) (constant b\"abc\\x00\\xff\\n\\\\dxyzw\")))"},
    {"x = u'abc' U'def'",
     "(module (assign (name x) (constant \"abcdef\")))"},
    {"x = 'é€😀'",
     "(module (assign (name x) (constant \"é€😀\")))"},
    {"x = '''multi\nline'''",
     "(module (assign (name x) (constant \"multi\\nline\")))"},
    {"x = ''",
     "(module (assign (name x) (constant \"\")))"},
    {"x = b''",
     "(module (assign (name x) (constant b\"\")))"},
};

/* displays */
static const dump_case displays_cases[] = {
    {"x = []",
     "(module (assign (name x) (list)))"},
    {"x = [1]",
     "(module (assign (name x) (list (constant 1))))"},
    {"x = [1, 2, 3,]",
     "(module (assign (name x) (list (constant 1) (constant 2) (constant 3))))"},
    {"x = [*a, *b, c]",
     "(module (assign (name x) (list (starred (name a)) (starred (name b)) (name c))))"},
    {"x = ()",
     "(module (assign (name x) (tuple)))"},
    {"x = (1,)",
     "(module (assign (name x) (tuple (constant 1))))"},
    {"x = (1)",
     "(module (assign (name x) (constant 1)))"},
    {"x = 1,",
     "(module (assign (name x) (tuple (constant 1))))"},
    {"x = 1, 2",
     "(module (assign (name x) (tuple (constant 1) (constant 2))))"},
    {"x = (1, 2, *c)",
     "(module (assign (name x) (tuple (constant 1) (constant 2) (starred (name c)))))"},
    {"x = {}",
     "(module (assign (name x) (dict)))"},
    {"x = {1: 2, 'a': b, **c, d: e,}",
     "(module (assign (name x) (dict (constant 1) (constant 2) (constant \"a\") (name b) ** (name c) (name d) (name e))))"},
    {"x = {**a}",
     "(module (assign (name x) (dict ** (name a))))"},
    {"x = {1}",
     "(module (assign (name x) (set (constant 1))))"},
    {"x = {1, 2, *a,}",
     "(module (assign (name x) (set (constant 1) (constant 2) (starred (name a)))))"},
    {"x = [[1, 2], [3, [4]]]",
     "(module (assign (name x) (list (list (constant 1) (constant 2)) (list (constant 3) (list (constant 4))))))"},
    {"x = ((1, 2), (3,))",
     "(module (assign (name x) (tuple (tuple (constant 1) (constant 2)) (tuple (constant 3)))))"},
};

/* comprehensions */
static const dump_case comprehensions_cases[] = {
    {"x = [i for i in range(10)]",
     "(module (assign (name x) (list_comp (name i) (comprehension (name i) (call (name range) (constant 10))))))"},
    {"x = [i * j for i in a if i for j in b if j if i != j]",
     "(module (assign (name x) (list_comp (bin_op * (name i) (name j)) (comprehension (name i) (name a) (name i)) (comprehension (name j) (name b) (name j) (compare (name i) != (name j))))))"},
    {"x = {i for i in a}",
     "(module (assign (name x) (set_comp (name i) (comprehension (name i) (name a)))))"},
    {"x = {k: v for k, v in d.items() if v}",
     "(module (assign (name x) (dict_comp (name k) (name v) (comprehension (tuple (name k) (name v)) (call (attribute (name d) items)) (name v)))))"},
    {"x = (i for i in a)",
     "(module (assign (name x) (generator_exp (name i) (comprehension (name i) (name a)))))"},
    {"x = [(a, b) for a, b in pairs]",
     "(module (assign (name x) (list_comp (tuple (name a) (name b)) (comprehension (tuple (name a) (name b)) (name pairs)))))"},
    {"x = [y for (a, b) in c for y in (a, b)]",
     "(module (assign (name x) (list_comp (name y) (comprehension (tuple (name a) (name b)) (name c)) (comprehension (name y) (tuple (name a) (name b))))))"},
    {"x = [a for a in b if (c := a)]",
     "(module (assign (name x) (list_comp (name a) (comprehension (name a) (name b) (named_expr (name c) (name a))))))"},
    {"x = [lambda: i for i in range(3)]",
     "(module (assign (name x) (list_comp (lambda (params) (name i)) (comprehension (name i) (call (name range) (constant 3))))))"},
    {"x = [i for i in (a if b else c)]",
     "(module (assign (name x) (list_comp (name i) (comprehension (name i) (if_exp (name b) (name a) (name c))))))"},
    {"sum(x for x in y)",
     "(module (expr_stmt (call (name sum) (generator_exp (name x) (comprehension (name x) (name y))))))"},
    {"f(x for x in y)",
     "(module (expr_stmt (call (name f) (generator_exp (name x) (comprehension (name x) (name y))))))"},
    {"f((x for x in y), 1)",
     "(module (expr_stmt (call (name f) (generator_exp (name x) (comprehension (name x) (name y))) (constant 1))))"},
    {"x = [[j for j in i] for i in m]",
     "(module (assign (name x) (list_comp (list_comp (name j) (comprehension (name j) (name i))) (comprehension (name i) (name m)))))"},
};

/* calls_and_subscripts */
static const dump_case calls_and_subscripts_cases[] = {
    {"print(*xs, sep='')",
     "(module (expr_stmt (call (name print) (starred (name xs)) (keyword sep (constant \"\")))))"},
    {"f(a, b=1, *c, d=2, **e)",
     "(module (expr_stmt (call (name f) (name a) (starred (name c)) (keyword b (constant 1)) (keyword d (constant 2)) (keyword ** (name e)))))"},
    {"f(*a, *b, **c, **d)",
     "(module (expr_stmt (call (name f) (starred (name a)) (starred (name b)) (keyword ** (name c)) (keyword ** (name d)))))"},
    {"f(a)(b=c)",
     "(module (expr_stmt (call (call (name f) (name a)) (keyword b (name c)))))"},
    {"f()",
     "(module (expr_stmt (call (name f))))"},
    {"f(a,)",
     "(module (expr_stmt (call (name f) (name a))))"},
    {"f(x := 1)",
     "(module (expr_stmt (call (name f) (named_expr (name x) (constant 1)))))"},
    {"f(lambda x: x, key=lambda y: -y)",
     "(module (expr_stmt (call (name f) (lambda (params (param x)) (name x)) (keyword key (lambda (params (param y)) (unary_op - (name y)))))))"},
    {"x = a[1]",
     "(module (assign (name x) (subscript (name a) (constant 1))))"},
    {"x = a[1:2]",
     "(module (assign (name x) (subscript (name a) (slice (constant 1) (constant 2) nil))))"},
    {"x = a[1:2:3]",
     "(module (assign (name x) (subscript (name a) (slice (constant 1) (constant 2) (constant 3)))))"},
    {"x = a[::2]",
     "(module (assign (name x) (subscript (name a) (slice nil nil (constant 2)))))"},
    {"x = a[:]",
     "(module (assign (name x) (subscript (name a) (slice nil nil nil))))"},
    {"x = a[::]",
     "(module (assign (name x) (subscript (name a) (slice nil nil nil))))"},
    {"x = a[:-1]",
     "(module (assign (name x) (subscript (name a) (slice nil (unary_op - (constant 1)) nil))))"},
    {"x = a[1:]",
     "(module (assign (name x) (subscript (name a) (slice (constant 1) nil nil))))"},
    {"x = a[1,]",
     "(module (assign (name x) (subscript (name a) (tuple (constant 1)))))"},
    {"x = a[1, 2]",
     "(module (assign (name x) (subscript (name a) (tuple (constant 1) (constant 2)))))"},
    {"x = a[1:2, ::3, ...]",
     "(module (assign (name x) (subscript (name a) (tuple (slice (constant 1) (constant 2) nil) (slice nil nil (constant 3)) (constant ...)))))"},
    {"x = a[b][c:d][e, f]",
     "(module (assign (name x) (subscript (subscript (subscript (name a) (name b)) (slice (name c) (name d) nil)) (tuple (name e) (name f)))))"},
    {"x = a[-1]",
     "(module (assign (name x) (subscript (name a) (unary_op - (constant 1)))))"},
    {"x = a[(b := 1)]",
     "(module (assign (name x) (subscript (name a) (named_expr (name b) (constant 1)))))"},
    {"a.b.c = d",
     "(module (assign (attribute (attribute (name a) b) c) (name d)))"},
    {"a[0][1] = b",
     "(module (assign (subscript (subscript (name a) (constant 0)) (constant 1)) (name b)))"},
};

/* lambdas */
static const dump_case lambdas_cases[] = {
    {"f = lambda: 0",
     "(module (assign (name f) (lambda (params) (constant 0))))"},
    {"f = lambda x: x + 1",
     "(module (assign (name f) (lambda (params (param x)) (bin_op + (name x) (constant 1)))))"},
    {"f = lambda x, y=2, *a, z, w=3, **k: (x, y, a, z, w, k)",
     "(module (assign (name f) (lambda (params (param x) (param y (constant 2)) (param *a) (param kwonly z) (param kwonly w (constant 3)) (param **k)) (tuple (name x) (name y) (name a) (name z) (name w) (name k)))))"},
    {"f = lambda *, a: a",
     "(module (assign (name f) (lambda (params (param kwonly a)) (name a))))"},
    {"f = lambda *args: args",
     "(module (assign (name f) (lambda (params (param *args)) (name args))))"},
    {"f = lambda x: lambda y: x + y",
     "(module (assign (name f) (lambda (params (param x)) (lambda (params (param y)) (bin_op + (name x) (name y))))))"},
    {"f = lambda x=lambda: 1: x",
     "(module (assign (name f) (lambda (params (param x (lambda (params) (constant 1)))) (name x))))"},
};

/* fstrings */
static const dump_case fstrings_cases[] = {
    {"x = f'hello'",
     "(module (assign (name x) (joined_str (constant \"hello\"))))"},
    {"x = f''",
     "(module (assign (name x) (joined_str)))"},
    {"x = f'{x}'",
     "(module (assign (name x) (joined_str (formatted_value (name x)))))"},
    {"x = f'a{x}b{y}c'",
     "(module (assign (name x) (joined_str (constant \"a\") (formatted_value (name x)) (constant \"b\") (formatted_value (name y)) (constant \"c\"))))"},
    {"x = f'{x!r}'",
     "(module (assign (name x) (joined_str (formatted_value (name x) !r))))"},
    {"x = f'{x!s} {x!a}'",
     "(module (assign (name x) (joined_str (formatted_value (name x) !s) (constant \" \") (formatted_value (name x) !a))))"},
    {"x = f'{x:>10}'",
     "(module (assign (name x) (joined_str (formatted_value (name x) (joined_str (constant \">10\"))))))"},
    {"x = f'{x:.2f}'",
     "(module (assign (name x) (joined_str (formatted_value (name x) (joined_str (constant \".2f\"))))))"},
    {"x = f'{x:{width}}'",
     "(module (assign (name x) (joined_str (formatted_value (name x) (joined_str (formatted_value (name width)))))))"},
    {"x = f'{x:{width}.{precision}f}'",
     "(module (assign (name x) (joined_str (formatted_value (name x) (joined_str (formatted_value (name width)) (constant \".\") (formatted_value (name precision)) (constant \"f\"))))))"},
    {"x = f'{x!r:^{w}}'",
     "(module (assign (name x) (joined_str (formatted_value (name x) !r (joined_str (constant \"^\") (formatted_value (name w)))))))"},
    {"x = f'{{literal}}'",
     "(module (assign (name x) (joined_str (constant \"{literal}\"))))"},
    {"x = f'{{{x}}}'",
     "(module (assign (name x) (joined_str (constant \"{\") (formatted_value (name x)) (constant \"}\"))))"},
    {"x = f'{x=}'",
     "(module (assign (name x) (joined_str (constant \"x=\") (formatted_value (name x) !r))))"},
    {"x = f'{x = }'",
     "(module (assign (name x) (joined_str (constant \"x = \") (formatted_value (name x) !r))))"},
    {"x = f'{x=!s}'",
     "(module (assign (name x) (joined_str (constant \"x=\") (formatted_value (name x) !s))))"},
    {"x = f'{x=:>8}'",
     "(module (assign (name x) (joined_str (constant \"x=\") (formatted_value (name x) (joined_str (constant \">8\"))))))"},
    {"x = f'{x=!r:>8}'",
     "(module (assign (name x) (joined_str (constant \"x=\") (formatted_value (name x) !r (joined_str (constant \">8\"))))))"},
    {"x = f'a{x=}b'",
     "(module (assign (name x) (joined_str (constant \"ax=\") (formatted_value (name x) !r) (constant \"b\"))))"},
    {"x = f'{a + b * 2}'",
     "(module (assign (name x) (joined_str (formatted_value (bin_op + (name a) (bin_op * (name b) (constant 2)))))))"},
    {"x = f'{a, b}'",
     "(module (assign (name x) (joined_str (formatted_value (tuple (name a) (name b))))))"},
    {"x = f'{d[\"k\"]}'",
     "(module (assign (name x) (joined_str (formatted_value (subscript (name d) (constant \"k\"))))))"},
    {"x = f\"{d['k']}\"",
     "(module (assign (name x) (joined_str (formatted_value (subscript (name d) (constant \"k\"))))))"},
    {"x = f'{a!=b}'",
     "(module (assign (name x) (joined_str (formatted_value (compare (name a) != (name b))))))"},
    {"x = f'{a==b}'",
     "(module (assign (name x) (joined_str (formatted_value (compare (name a) == (name b))))))"},
    {"x = f'{a>=b}'",
     "(module (assign (name x) (joined_str (formatted_value (compare (name a) >= (name b))))))"},
    {"x = f'{(a:=1)}'",
     "(module (assign (name x) (joined_str (formatted_value (named_expr (name a) (constant 1))))))"},
    {"x = f'{x:}'",
     "(module (assign (name x) (joined_str (formatted_value (name x) (joined_str)))))"},
    {"x = f'{3.14159:.2f}'",
     "(module (assign (name x) (joined_str (formatted_value (constant 3.14159) (joined_str (constant \".2f\"))))))"},
    {"x = f'{f\"{x}\"}'",
     "(module (assign (name x) (joined_str (formatted_value (joined_str (formatted_value (name x)))))))"},
    {"x = f'{\"{\"}'",
     "(module (assign (name x) (joined_str (formatted_value (constant \"{\")))))"},
    {"x = f'{x}' 'y' f'{z}'",
     "(module (assign (name x) (joined_str (formatted_value (name x)) (constant \"y\") (formatted_value (name z)))))"},
    {"x = 'a' 'b' f'{c}' 'd'",
     "(module (assign (name x) (joined_str (constant \"ab\") (formatted_value (name c)) (constant \"d\"))))"},
    {"x = f'{x}\\n\\t'",
     "(module (assign (name x) (joined_str (formatted_value (name x)) (constant \"\\n\\t\"))))"},
    {"x = rf'\\d{x}' Rf'\\n' fR'{y}\\n' FR'z'",
     "(module (assign (name x) (joined_str (constant \"\\\\d\") (formatted_value (name x)) (constant \"\\\\n\") (formatted_value (name y)) (constant \"\\\\nz\"))))"},
    {"x = f'\\{x}'",
     "(module (assign (name x) (joined_str (constant \"\\\\\") (formatted_value (name x)))))"},
    {"x = f'{ x }'",
     "(module (assign (name x) (joined_str (formatted_value (name x)))))"},
    {"x = f'''{\nx\n}'''",
     "(module (assign (name x) (joined_str (formatted_value (name x)))))"},
    {"x = f'{(lambda: 1)}'",
     "(module (assign (name x) (joined_str (formatted_value (lambda (params) (constant 1))))))"},
    {"x = f'{x:%H:%M}'",
     "(module (assign (name x) (joined_str (formatted_value (name x) (joined_str (constant \"%H:%M\"))))))"},
    {"x = f'{x:{\"<\"}10}'",
     "(module (assign (name x) (joined_str (formatted_value (name x) (joined_str (formatted_value (constant \"<\")) (constant \"10\"))))))"},
    {"x = f'{[i for i in a]}'",
     "(module (assign (name x) (joined_str (formatted_value (list_comp (name i) (comprehension (name i) (name a)))))))"},
    {"x = f'{a if b else c}'",
     "(module (assign (name x) (joined_str (formatted_value (if_exp (name b) (name a) (name c))))))"},
    {"x = f'{x!r}' f'{y!r}'",
     "(module (assign (name x) (joined_str (formatted_value (name x) !r) (formatted_value (name y) !r))))"},
};

/* statements */
static const dump_case statements_cases[] = {
    {"pass",
     "(module (pass))"},
    {"x = 1",
     "(module (assign (name x) (constant 1)))"},
    {"a = b = c = 0",
     "(module (assign (name a) (name b) (name c) (constant 0)))"},
    {"a, b = b, a",
     "(module (assign (tuple (name a) (name b)) (tuple (name b) (name a))))"},
    {"(a, b) = [c, d] = e",
     "(module (assign (tuple (name a) (name b)) (list (name c) (name d)) (name e)))"},
    {"[a, (b, c)] = x",
     "(module (assign (list (name a) (tuple (name b) (name c))) (name x)))"},
    {"x += 1",
     "(module (aug_assign (name x) + (constant 1)))"},
    {"x -= 1; x *= 2; x /= 3; x //= 4; x %= 5; x **= 6",
     "(module (aug_assign (name x) - (constant 1)) (aug_assign (name x) * (constant 2)) (aug_assign (name x) / (constant 3)) (aug_assign (name x) // (constant 4)) (aug_assign (name x) % (constant 5)) (aug_assign (name x) ** (constant 6)))"},
    {"x <<= 1; x >>= 2; x |= 3; x ^= 4; x &= 5; x @= 6",
     "(module (aug_assign (name x) << (constant 1)) (aug_assign (name x) >> (constant 2)) (aug_assign (name x) | (constant 3)) (aug_assign (name x) ^ (constant 4)) (aug_assign (name x) & (constant 5)) (aug_assign (name x) @ (constant 6)))"},
    {"a.b += 1",
     "(module (aug_assign (attribute (name a) b) + (constant 1)))"},
    {"a[0] -= 1",
     "(module (aug_assign (subscript (name a) (constant 0)) - (constant 1)))"},
    {"x = y = (z := 3)",
     "(module (assign (name x) (name y) (named_expr (name z) (constant 3))))"},
    {"x: int",
     "(module (ann_assign (name x) (name int)))"},
    {"x: int = 1",
     "(module (ann_assign (name x) (name int) (constant 1)))"},
    {"a.b: str = 'x'",
     "(module (ann_assign (attribute (name a) b) (name str) (constant \"x\")))"},
    {"a[0]: int = 1",
     "(module (ann_assign (subscript (name a) (constant 0)) (name int) (constant 1)))"},
    {"x: list[int] = []",
     "(module (ann_assign (name x) (subscript (name list) (name int)) (list)))"},
    {"del a",
     "(module (delete (name a)))"},
    {"del a, b.c, d[0]",
     "(module (delete (name a) (attribute (name b) c) (subscript (name d) (constant 0))))"},
    {"del (a, b), [c]",
     "(module (delete (tuple (name a) (name b)) (list (name c))))"},
    {"del (a)",
     "(module (delete (name a)))"},
    {"assert x",
     "(module (assert (name x)))"},
    {"assert x, 'message'",
     "(module (assert (name x) (constant \"message\")))"},
    {"raise",
     "(module (raise))"},
    {"raise X",
     "(module (raise (name X)))"},
    {"raise X('m') from e",
     "(module (raise (call (name X) (constant \"m\")) (from (name e))))"},
    {"raise X from None",
     "(module (raise (name X) (from (constant None))))"},
    {"import asyncio",
     "(module (import (alias asyncio)))"},
    {"import a.b.c",
     "(module (import (alias a.b.c)))"},
    {"import a.b as c, d",
     "(module (import (alias a.b c) (alias d)))"},
    {"from x import a",
     "(module (import_from x (alias a)))"},
    {"from x import a, b as c",
     "(module (import_from x (alias a) (alias b c)))"},
    {"from x import (a, b as c,)",
     "(module (import_from x (alias a) (alias b c)))"},
    {"from x.y import z",
     "(module (import_from x.y (alias z)))"},
    {"from . import x",
     "(module (import_from . (alias x)))"},
    {"from .. import x",
     "(module (import_from .. (alias x)))"},
    {"from ...a.b import c",
     "(module (import_from ...a.b (alias c)))"},
    {"from .a import b",
     "(module (import_from .a (alias b)))"},
    {"from asyncio import *",
     "(module (import_from asyncio (alias *)))"},
    {"if a:\n    pass",
     "(module (if (name a) (body (pass))))"},
    {"if a: pass",
     "(module (if (name a) (body (pass))))"},
    {"if a:\n    b\nelse:\n    c",
     "(module (if (name a) (body (expr_stmt (name b))) (orelse (expr_stmt (name c)))))"},
    {"if a:\n    b\nelif c:\n    d\nelif e:\n    f\nelse:\n    g",
     "(module (if (name a) (body (expr_stmt (name b))) (orelse (if (name c) (body (expr_stmt (name d))) (orelse (if (name e) (body (expr_stmt (name f))) (orelse (expr_stmt (name g)))))))))"},
    {"if (n := len(a)) > 10:\n    print(n)",
     "(module (if (compare (named_expr (name n) (call (name len) (name a))) > (constant 10)) (body (expr_stmt (call (name print) (name n))))))"},
    {"while x:\n    x -= 1",
     "(module (while (name x) (body (aug_assign (name x) - (constant 1)))))"},
    {"while True:\n    break\nelse:\n    pass",
     "(module (while (constant True) (body (break)) (orelse (pass))))"},
    {"while (line := f()):\n    continue",
     "(module (while (named_expr (name line) (call (name f))) (body (continue))))"},
    {"for i in range(10):\n    print(i)",
     "(module (for (name i) (call (name range) (constant 10)) (body (expr_stmt (call (name print) (name i))))))"},
    {"for i, j in pairs:\n    pass\nelse:\n    done()",
     "(module (for (tuple (name i) (name j)) (name pairs) (body (pass)) (orelse (expr_stmt (call (name done))))))"},
    {"for (a, b), c in x: pass",
     "(module (for (tuple (tuple (name a) (name b)) (name c)) (name x) (body (pass))))"},
    {"for [a, b] in x: pass",
     "(module (for (list (name a) (name b)) (name x) (body (pass))))"},
    {"for x in 1, 2, 3: pass",
     "(module (for (name x) (tuple (constant 1) (constant 2) (constant 3)) (body (pass))))"},
    {"for x, in y: pass",
     "(module (for (tuple (name x)) (name y) (body (pass))))"},
    {"with a: pass",
     "(module (with (with_item (name a)) (body (pass))))"},
    {"with a as b: pass",
     "(module (with (with_item (name a) (name b)) (body (pass))))"},
    {"with a as b, c as d: pass",
     "(module (with (with_item (name a) (name b)) (with_item (name c) (name d)) (body (pass))))"},
    {"with a as (b, c): pass",
     "(module (with (with_item (name a) (tuple (name b) (name c))) (body (pass))))"},
    {"with a as b.c: pass",
     "(module (with (with_item (name a) (attribute (name b) c)) (body (pass))))"},
    {"with (a as b, c as d): pass",
     "(module (with (with_item (name a) (name b)) (with_item (name c) (name d)) (body (pass))))"},
    {"with (a as b, c as d,): pass",
     "(module (with (with_item (name a) (name b)) (with_item (name c) (name d)) (body (pass))))"},
    {"with (a, b): pass",
     "(module (with (with_item (name a)) (with_item (name b)) (body (pass))))"},
    {"with (a, b) as c: pass",
     "(module (with (with_item (tuple (name a) (name b)) (name c)) (body (pass))))"},
    {"with (a) as b: pass",
     "(module (with (with_item (name a) (name b)) (body (pass))))"},
    {"with (yield_): pass",
     "(module (with (with_item (name yield_)) (body (pass))))"},
    {"yield x",
     "(module (expr_stmt (yield (name x))))"},
    {"x = yield",
     "(module (assign (name x) (yield)))"},
    {"x = (yield a, b)",
     "(module (assign (name x) (yield (tuple (name a) (name b)))))"},
    {"yield from g()",
     "(module (expr_stmt (yield_from (call (name g)))))"},
    {"with open(f) as fh, ThreadPoolExecutor(max_workers=2) as pool:\n    pass",
     "(module (with (with_item (call (name open) (name f)) (name fh)) (with_item (call (name ThreadPoolExecutor) (keyword max_workers (constant 2))) (name pool)) (body (pass))))"},
    {"x = 1; y = 2;",
     "(module (assign (name x) (constant 1)) (assign (name y) (constant 2)))"},
    {"if x: a; b",
     "(module (if (name x) (body (expr_stmt (name a)) (expr_stmt (name b)))))"},
    {"global a",
     "(module (global a))"},
    {"global a, b",
     "(module (global a b))"},
    {"def f():\n    nonlocal_ = 1",
     "(module (function_def f (params) (body (assign (name nonlocal_) (constant 1)))))"},
    {"print('hello')",
     "(module (expr_stmt (call (name print) (constant \"hello\"))))"},
    {"'just a string'",
     "(module (expr_stmt (constant \"just a string\")))"},
    {"...",
     "(module (expr_stmt (constant ...)))"},
};

/* try */
static const dump_case try_cases[] = {
    {"try:\n    a\nexcept:\n    b",
     "(module (try (body (expr_stmt (name a))) (except_handler (body (expr_stmt (name b))))))"},
    {"try:\n    a\nexcept E:\n    b",
     "(module (try (body (expr_stmt (name a))) (except_handler (name E) (body (expr_stmt (name b))))))"},
    {"try:\n    a\nexcept E as e:\n    b",
     "(module (try (body (expr_stmt (name a))) (except_handler (name E) as e (body (expr_stmt (name b))))))"},
    {"try:\n    a\nexcept (A, B) as e:\n    b",
     "(module (try (body (expr_stmt (name a))) (except_handler (tuple (name A) (name B)) as e (body (expr_stmt (name b))))))"},
    {"try:\n    a\nfinally:\n    c",
     "(module (try (body (expr_stmt (name a))) (finalbody (expr_stmt (name c)))))"},
    {"try:\n    a\nexcept E:\n    b\nelse:\n    c\nfinally:\n    d",
     "(module (try (body (expr_stmt (name a))) (except_handler (name E) (body (expr_stmt (name b)))) (orelse (expr_stmt (name c))) (finalbody (expr_stmt (name d)))))"},
    {"try:\n    a\nexcept A:\n    b\nexcept B as e:\n    c\nexcept:\n    d\nelse:\n    e\nfinally:\n    f",
     "(module (try (body (expr_stmt (name a))) (except_handler (name A) (body (expr_stmt (name b)))) (except_handler (name B) as e (body (expr_stmt (name c)))) (except_handler (body (expr_stmt (name d)))) (orelse (expr_stmt (name e))) (finalbody (expr_stmt (name f)))))"},
    {"try:\n    try:\n        a\n    finally:\n        b\nexcept E:\n    pass",
     "(module (try (body (try (body (expr_stmt (name a))) (finalbody (expr_stmt (name b))))) (except_handler (name E) (body (pass)))))"},
    {"try: a\nexcept E: b\nelse: c\nfinally: d",
     "(module (try (body (expr_stmt (name a))) (except_handler (name E) (body (expr_stmt (name b)))) (orelse (expr_stmt (name c))) (finalbody (expr_stmt (name d)))))"},
};

/* functions */
static const dump_case functions_cases[] = {
    {"def f(): pass",
     "(module (function_def f (params) (body (pass))))"},
    {"def f():\n    return",
     "(module (function_def f (params) (body (return))))"},
    {"def f():\n    return 1",
     "(module (function_def f (params) (body (return (constant 1)))))"},
    {"def f():\n    return 1, 2",
     "(module (function_def f (params) (body (return (tuple (constant 1) (constant 2))))))"},
    {"def f():\n    return *a, b",
     "(module (function_def f (params) (body (return (tuple (starred (name a)) (name b))))))"},
    {"def f(a, b=1, *args, c, d=2, **kwargs): pass",
     "(module (function_def f (params (param a) (param b (constant 1)) (param *args) (param kwonly c) (param kwonly d (constant 2)) (param **kwargs)) (body (pass))))"},
    {"def f(*, a, b=1): pass",
     "(module (function_def f (params (param kwonly a) (param kwonly b (constant 1))) (body (pass))))"},
    {"def f(a, b=(1, 2)): pass",
     "(module (function_def f (params (param a) (param b (tuple (constant 1) (constant 2)))) (body (pass))))"},
    {"def f(a: int, b: str = 'x', *args: int, c: float, **kw: dict) -> None: pass",
     "(module (function_def f (params (param a) (param b (constant \"x\")) (param *args) (param kwonly c) (param **kw)) (body (pass))))"},
    {"def f(a,): pass",
     "(module (function_def f (params (param a)) (body (pass))))"},
    {"def f(*args,): pass",
     "(module (function_def f (params (param *args)) (body (pass))))"},
    {"def f(**kw,): pass",
     "(module (function_def f (params (param **kw)) (body (pass))))"},
    {"def f():\n    '''Docstring.'''\n    return 1",
     "(module (function_def f (params) (body (expr_stmt (constant \"Docstring.\")) (return (constant 1))) (docstring \"Docstring.\")))"},
    {"def f():\n    'not a docstring' + 'x'",
     "(module (function_def f (params) (body (expr_stmt (bin_op + (constant \"not a docstring\") (constant \"x\"))))))"},
    {"def f():\n    f'not {a} docstring'",
     "(module (function_def f (params) (body (expr_stmt (joined_str (constant \"not \") (formatted_value (name a)) (constant \" docstring\"))))))"},
    {"def f():\n    x = 1\n    'not first'",
     "(module (function_def f (params) (body (assign (name x) (constant 1)) (expr_stmt (constant \"not first\")))))"},
    {"async def f():\n    await g()",
     "(module (function_def async f (params) (body (expr_stmt (await (call (name g)))))))"},
    {"async def f():\n    return await g(await h())",
     "(module (function_def async f (params) (body (return (await (call (name g) (await (call (name h)))))))))"},
    {"async def f():\n    x = [await a for a in b]",
     "(module (function_def async f (params) (body (assign (name x) (list_comp (await (name a)) (comprehension (name a) (name b)))))))"},
    {"async def f():\n    x = [a async for a in b]",
     "(module (function_def async f (params) (body (assign (name x) (list_comp (name a) (comprehension async (name a) (name b)))))))"},
    {"async def f():\n    x = {k: v async for k, v in b if await c(k)}",
     "(module (function_def async f (params) (body (assign (name x) (dict_comp (name k) (name v) (comprehension async (tuple (name k) (name v)) (name b) (await (call (name c) (name k)))))))))"},
    {"async def f():\n    async with a as b, c:\n        pass",
     "(module (function_def async f (params) (body (with async (with_item (name a) (name b)) (with_item (name c)) (body (pass))))))"},
    {"async def f():\n    async for x in y:\n        pass\n    else:\n        pass",
     "(module (function_def async f (params) (body (for async (name x) (name y) (body (pass)) (orelse (pass))))))"},
    {"async def f():\n    x = await a ** 2",
     "(module (function_def async f (params) (body (assign (name x) (bin_op ** (await (name a)) (constant 2))))))"},
    {"async def f():\n    x = -await a",
     "(module (function_def async f (params) (body (assign (name x) (unary_op - (await (name a)))))))"},
    {"async def f():\n    x = await a.b(c)[d]",
     "(module (function_def async f (params) (body (assign (name x) (await (subscript (call (attribute (name a) b) (name c)) (name d)))))))"},
    {"async def f():\n    async with (a as b, c as d):\n        pass",
     "(module (function_def async f (params) (body (with async (with_item (name a) (name b)) (with_item (name c) (name d)) (body (pass))))))"},
    {"@dec\ndef f(): pass",
     "(module (function_def f (params) (body (pass)) (decorators (name dec))))"},
    {"@a\n@b.c(1)\n@d[0]\nasync def f(): pass",
     "(module (function_def async f (params) (body (pass)) (decorators (name a) (call (attribute (name b) c) (constant 1)) (subscript (name d) (constant 0)))))"},
    {"@(lambda f: f)\ndef g(): pass",
     "(module (function_def g (params) (body (pass)) (decorators (lambda (params (param f)) (name f)))))"},
    {"def outer():\n    x = 1\n    def inner():\n        nonlocal x\n        x += 1\n    return inner",
     "(module (function_def outer (params) (body (assign (name x) (constant 1)) (function_def inner (params) (body (nonlocal x) (aug_assign (name x) + (constant 1)))) (return (name inner)))))"},
    {"def f():\n    global g\n    g = 1",
     "(module (function_def f (params) (body (global g) (assign (name g) (constant 1)))))"},
    {"def f():\n    for i in x:\n        def g():\n            pass\n        break",
     "(module (function_def f (params) (body (for (name i) (name x) (body (function_def g (params) (body (pass))) (break))))))"},
    {"def f(x):\n    if x:\n        return 1\n    else:\n        return 2",
     "(module (function_def f (params (param x)) (body (if (name x) (body (return (constant 1))) (orelse (return (constant 2)))))))"},
};

/* classes */
static const dump_case classes_cases[] = {
    {"class A: pass",
     "(module (class_def A (bases) (body (pass))))"},
    {"class A(): pass",
     "(module (class_def A (bases) (body (pass))))"},
    {"class A(B): pass",
     "(module (class_def A (bases (name B)) (body (pass))))"},
    {"class A(B, C.D): pass",
     "(module (class_def A (bases (name B) (attribute (name C) D)) (body (pass))))"},
    {"class E(Exception):\n    '''An error.'''",
     "(module (class_def E (bases (name Exception)) (body (expr_stmt (constant \"An error.\"))) (docstring \"An error.\")))"},
    {"class E(Exception):\n    pass",
     "(module (class_def E (bases (name Exception)) (body (pass))))"},
    {"class A:\n    x = 1\n    def __init__(self, a):\n        self.a = a\n    async def __aenter__(self):\n        return self",
     "(module (class_def A (bases) (body (assign (name x) (constant 1)) (function_def __init__ (params (param self) (param a)) (body (assign (attribute (name self) a) (name a)))) (function_def async __aenter__ (params (param self)) (body (return (name self)))))))"},
    {"@dataclass\nclass A:\n    x: int = 0",
     "(module (class_def A (bases) (body (ann_assign (name x) (name int) (constant 0))) (decorators (name dataclass))))"},
    {"class A:\n    class B:\n        pass",
     "(module (class_def A (bases) (body (class_def B (bases) (body (pass))))))"},
};

static void run_dump_cases(const dump_case *cases, size_t n)
{
    int failures = 0;
    for (size_t i = 0; i < n; i++)
        if (!dump_is(cases[i].src, cases[i].want))
            failures++;
    assert_int_equal(failures, 0);
}

#define DUMP_TEST(group)                                                     \
    static void test_dump_##group(void **state)                              \
    {                                                                        \
        (void)state;                                                         \
        run_dump_cases(group##_cases,                                        \
                       sizeof group##_cases / sizeof group##_cases[0]);      \
    }

DUMP_TEST(precedence)
DUMP_TEST(comparisons)
DUMP_TEST(literals)
DUMP_TEST(displays)
DUMP_TEST(comprehensions)
DUMP_TEST(calls_and_subscripts)
DUMP_TEST(lambdas)
DUMP_TEST(fstrings)
DUMP_TEST(statements)
DUMP_TEST(try)
DUMP_TEST(functions)
DUMP_TEST(classes)

/* Where the tree deliberately differs from CPython's: -2**63 is folded
 * into one constant (the only way to write INT64_MIN as a literal), and
 * docstrings are recorded on the definition (and kept in the body). */
static void test_dump_scenario_specifics(void **state)
{
    (void)state;
    assert_true(dump_is("x = -9223372036854775808",
                        "(module (assign (name x) (constant "
                        "-9223372036854775808)))"));
    assert_true(dump_is("x = - 9223372036854775808",
                        "(module (assign (name x) (constant "
                        "-9223372036854775808)))"));
    assert_true(dump_is("x = -9223372036854775807",
                        "(module (assign (name x) (unary_op - (constant "
                        "9223372036854775807))))"));
    assert_true(dump_is("x = --9223372036854775808",
                        "(module (assign (name x) (unary_op - (constant "
                        "-9223372036854775808))))"));
    assert_true(dump_is("def f():\n    \"\"\"Doc\n    more.\"\"\"\n",
                        "(module (function_def f (params) (body (expr_stmt "
                        "(constant \"Doc\\n    more.\"))) (docstring "
                        "\"Doc\\n    more.\")))"));
    assert_true(dump_is("class E(Exception):\n    'E.'\n    x = 1\n",
                        "(module (class_def E (bases (name Exception)) "
                        "(body (expr_stmt (constant \"E.\")) (assign (name x) "
                        "(constant 1))) (docstring \"E.\")))"));
    /* A module docstring is only the first statement. */
    assert_true(dump_is("'''Title.\n\nWhat to notice.'''\nimport asyncio\n",
                        "(module (expr_stmt (constant \"Title.\\n\\nWhat to "
                        "notice.\")) (import (alias asyncio)))"));
    /* CRLF and lone CR line ends are line ends. */
    assert_true(dump_is("if x:\r\n    y = 1\r\nz = 2\r",
                        "(module (if (name x) (body (assign (name y) "
                        "(constant 1)))) (assign (name z) (constant 2)))"));
    /* No final newline; a byte order mark; an empty file. */
    assert_true(dump_is("\xEF\xBB\xBFpass", "(module (pass))"));
    assert_true(dump_is("", "(module)"));
    assert_true(dump_is("\n\n# only a comment\n   \n", "(module)"));
    /* match, case and _ are ordinary names outside a match statement. */
    assert_true(dump_is("match = case = _ = 1\nmatch(x)\nprint(match.y)",
                        "(module (assign (name match) (name case) (name _) "
                        "(constant 1)) (expr_stmt (call (name match) (name "
                        "x))) (expr_stmt (call (name print) (attribute "
                        "(name match) y))))"));
    /* Control characters (a NUL too) are kept; the dump shows \xNN. */
    assert_true(dump_is("x = '\\x00\\x1f\\x7f'",
                        "(module (assign (name x) (constant "
                        "\"\\x00\\x1f\\x7f\")))"));
}

/* Positions: line:col-end_line:end_col of every node (1-based columns,
 * counted in characters), as CPython reports them. */
static void test_positions(void **state)
{
    (void)state;
    static const struct {
        const char *src, *want;
    } cases[] = {
        {"x = (1 + 2) * f(a, b=c)[0].d\n",
         "(module@1:1-1:29 (assign@1:1-1:29 (name@1:1-1:2 x) "
         "(bin_op@1:5-1:29 * (bin_op@1:6-1:11 + (constant@1:6-1:7 1) "
         "(constant@1:10-1:11 2)) (attribute@1:15-1:29 (subscript@1:15-1:27 "
         "(call@1:15-1:24 (name@1:15-1:16 f) (name@1:17-1:18 a) "
         "(keyword@1:20-1:23 b (name@1:22-1:23 c))) (constant@1:25-1:26 0)) "
         "d))))"},
        {"if a:\n    b = 1\nelif c:\n    pass\n",
         "(module@1:1-4:9 (if@1:1-4:9 (name@1:4-1:5 a) (body "
         "(assign@2:5-2:10 (name@2:5-2:6 b) (constant@2:9-2:10 1))) (orelse "
         "(if@3:1-4:9 (name@3:6-3:7 c) (body (pass@4:5-4:9))))))"},
        /* Columns count characters, not bytes. */
        {"s = 'é€😀' + x\n",
         "(module@1:1-1:14 (assign@1:1-1:14 (name@1:1-1:2 s) "
         "(bin_op@1:5-1:14 + (constant@1:5-1:10 \"é€😀\") "
         "(name@1:13-1:14 x))))"},
        /* F-string replacement fields at their true place in the file. */
        {"x = f'a{b + 1}'\ny = f'''\n{c!r:>{w}}'''\n",
         "(module@1:1-3:14 (assign@1:1-1:16 (name@1:1-1:2 x) "
         "(joined_str@1:5-1:16 (constant@1:7-1:8 \"a\") "
         "(formatted_value@1:8-1:15 (bin_op@1:9-1:14 + (name@1:9-1:10 b) "
         "(constant@1:13-1:14 1))))) (assign@2:1-3:14 (name@2:1-2:2 y) "
         "(joined_str@2:5-3:14 (constant@2:9-3:1 \"\\n\") "
         "(formatted_value@3:1-3:11 (name@3:2-3:3 c) !r "
         "(joined_str@3:6-3:10 (constant@3:6-3:7 \">\") "
         "(formatted_value@3:7-3:10 (name@3:8-3:9 w)))))))"},
        {"@d\nasync def f():\n    await g()\n",
         "(module@1:1-3:14 (function_def@2:1-3:14 async f (params) (body "
         "(expr_stmt@3:5-3:14 (await@3:5-3:14 (call@3:11-3:14 "
         "(name@3:11-3:12 g))))) (decorators (name@1:2-1:3 d))))"},
    };
    int failures = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        parsed r;
        parse_n(&r, cases[i].src, strlen(cases[i].src), true);
        if (!r.dump || strcmp(r.dump, cases[i].want) != 0) {
            print_message("source: %s\nwant: %s\ngot:  %s\n", cases[i].src,
                          cases[i].want, r.dump ? r.dump : "(errors)");
            print_diags(&r);
            failures++;
        }
        parsed_free(&r);
    }
    assert_int_equal(failures, 0);
}

/* ------------------------------------------------------------------------ */
/* Errors                                                                   */
/* ------------------------------------------------------------------------ */

typedef struct error_case {
    const char *src;
    int line, col; /* of the first error */
    int count;     /* errors reported in all */
    const char *message;
} error_case;

static const error_case error_cases[] = {
    {"f() = 1",
     1, 1, 1, "cannot assign to function call here. Maybe you meant '==' instead of '='?"},
    {"1 = x",
     1, 1, 1, "cannot assign to literal here. Maybe you meant '==' instead of '='?"},
    {"a + b = c",
     1, 1, 1, "cannot assign to expression here. Maybe you meant '==' instead of '='?"},
    {"None = 1",
     1, 1, 1, "cannot assign to None"},
    {"x = 1 = 2",
     1, 5, 1, "cannot assign to literal"},
    {"a, f() = 1",
     1, 4, 1, "cannot assign to function call here. Maybe you meant '==' instead of '='?"},
    {"[x for x in y] = 1",
     1, 1, 1, "cannot assign to list comprehension here. Maybe you meant '==' instead of '='?"},
    {"f() += 1",
     1, 1, 1, "'function call' is an illegal expression for augmented assignment"},
    {"(a, b) += 1",
     1, 1, 1, "'tuple' is an illegal expression for augmented assignment"},
    {"del f()",
     1, 5, 1, "cannot delete function call"},
    {"del *a",
     1, 5, 1, "cannot delete starred"},
    {"for f() in x: pass",
     1, 5, 1, "cannot assign to function call"},
    {"with a as f(): pass",
     1, 11, 1, "cannot assign to function call"},
    {"a, b: int",
     1, 1, 1, "only single target (not tuple) can be annotated"},
    {"f(): int",
     1, 1, 1, "illegal target for annotation"},
    {"*a = b",
     1, 1, 1, "starred assignment target must be in a list or tuple"},
    {"x = *a",
     1, 5, 1, "can't use starred expression here"},
    {"a, *(b + 1) = c",
     1, 6, 1, "cannot assign to expression"},
    {"for a, *f() in c: pass",
     1, 9, 1, "cannot assign to function call"},
    {"if x = 1:\n    pass",
     1, 4, 1, "invalid syntax. Maybe you meant '==' or ':=' instead of '='?"},
    {"while x = 1: pass",
     1, 7, 1, "invalid syntax. Maybe you meant '==' or ':=' instead of '='?"},
    {"print(\"a\" \"b\" x)",
     1, 7, 1, "invalid syntax. Perhaps you forgot a comma?"},
    {"x = [1 2]",
     1, 6, 1, "invalid syntax. Perhaps you forgot a comma?"},
    {"f(a b)",
     1, 3, 1, "invalid syntax. Perhaps you forgot a comma?"},
    {"print \"hello\"",
     1, 1, 1, "Missing parentheses in call to 'print'. Did you mean print(...)?"},
    {"if x\n    pass",
     1, 5, 1, "expected ':'"},
    {"def f()\n    pass",
     1, 8, 1, "expected ':'"},
    {"class A\n    pass",
     1, 8, 1, "expected ':'"},
    {"for x in y\n    pass",
     1, 11, 1, "expected ':'"},
    {"for x y:\n    pass",
     1, 7, 1, "invalid syntax"},
    {"try\n    pass",
     1, 4, 1, "expected ':'"},
    {"if x:\n    pass\nelse y:\n    pass",
     3, 6, 1, "expected ':'"},
    {"try:\n    pass",
     2, 9, 1, "expected 'except' or 'finally' block"},
    {"try:\n    pass\nx = 1",
     3, 1, 1, "expected 'except' or 'finally' block"},
    {"if x:\npass",
     2, 1, 1, "expected an indented block after 'if' statement on line 1"},
    {"def f():\nreturn 1",
     2, 1, 1, "expected an indented block after function definition on line 1"},
    {"for x in y:\n    pass\nelse:\npass",
     4, 1, 1, "expected an indented block after 'else' statement on line 3"},
    {"while x:\npass",
     2, 1, 1, "expected an indented block after 'while' statement on line 1"},
    {"class A:\npass",
     2, 1, 1, "expected an indented block after class definition on line 1"},
    {"try:\npass\nexcept E:\n    pass",
     2, 1, 1, "expected an indented block after 'try' statement on line 1"},
    {"try:\n    pass\nexcept E:\npass",
     4, 1, 1, "expected an indented block after 'except' statement on line 3"},
    {"try:\n    pass\nfinally:\npass",
     4, 1, 1, "expected an indented block after 'finally' statement on line 3"},
    {"with a:\npass",
     2, 1, 1, "expected an indented block after 'with' statement on line 1"},
    {"if x:\n    pass\nelif y:\npass",
     4, 1, 1, "expected an indented block after 'elif' statement on line 3"},
    {"if x:",
     1, 6, 1, "expected an indented block after 'if' statement on line 1"},
    {"def f():\n    x = 1\n        y = 2",
     3, 9, 1, "unexpected indent"},
    {"  x = 1",
     1, 3, 1, "unexpected indent"},
    {"if x:\n    a\n  b",
     3, 3, 1, "unindent does not match any outer indentation level"},
    {"x = (1,",
     1, 5, 1, "'(' was never closed"},
    {"x = [1, 2\ny = 3",
     1, 5, 1, "'[' was never closed"},
    {"foo(a,\n    b",
     1, 4, 1, "'(' was never closed"},
    {"x = 1)",
     1, 6, 1, "unmatched ')'"},
    {"x = (1, 2]",
     1, 10, 1, "closing parenthesis ']' does not match opening parenthesis '('"},
    {"x = (1,\n     2]",
     2, 7, 1, "closing parenthesis ']' does not match opening parenthesis '(' on line 1"},
    {"x = $",
     1, 5, 1, "invalid character '$' (U+0024)"},
    {"x = a ? b",
     1, 7, 1, "invalid character '?' (U+003F)"},
    {"x = 'abc",
     1, 5, 1, "unterminated string literal (detected at line 1)"},
    {"x = \"\"\"abc\ndef f(): pass",
     1, 5, 1, "unterminated triple-quoted string literal (detected at line 2)"},
    {"x = 1 +",
     1, 8, 1, "invalid syntax"},
    {"x = 1 if 2",
     1, 5, 1, "expected 'else' after 'if' expression"},
    {"x = 1 +* 2",
     1, 8, 1, "invalid syntax"},
    {"x = [1, 2,,]",
     1, 11, 1, "invalid syntax"},
    {"x = a[]",
     1, 7, 1, "invalid syntax"},
    {"x = a.1",
     1, 6, 1, "invalid syntax"},
    {"x = not",
     1, 8, 1, "invalid syntax"},
    {"x = {1: 2, 3}",
     1, 12, 1, "':' expected after dictionary key"},
    {"f(a=1, b)",
     1, 8, 1, "positional argument follows keyword argument"},
    {"f(**a, b)",
     1, 8, 1, "positional argument follows keyword argument unpacking"},
    {"f(**x, *y)",
     1, 8, 1, "iterable argument unpacking follows keyword argument unpacking"},
    {"f(a=1, a=2)",
     1, 8, 1, "keyword argument repeated: a"},
    {"f(x for x in y, 1)",
     1, 3, 1, "Generator expression must be parenthesized"},
    {"f(1, x for x in y)",
     1, 6, 1, "Generator expression must be parenthesized"},
    {"f(a.b=1)",
     1, 3, 1, "expression cannot contain assignment, perhaps you meant \"==\"?"},
    {"f(x=1 for y in z)",
     1, 3, 1, "invalid syntax. Maybe you meant '==' or ':=' instead of '='?"},
    {"x := 1",
     1, 3, 1, "invalid syntax"},
    {"(a.b := 1)",
     1, 2, 1, "cannot use assignment expressions with attribute"},
    {"def f(a=1, b): pass",
     1, 12, 1, "non-default argument follows default argument"},
    {"def f(*): pass",
     1, 7, 1, "named arguments must follow bare *"},
    {"def f(*, **k): pass",
     1, 7, 1, "named arguments must follow bare *"},
    {"def f(a, a): pass",
     1, 10, 1, "duplicate argument 'a' in function definition"},
    {"def f(**k, a): pass",
     1, 12, 1, "arguments cannot follow var-keyword argument"},
    {"def f(*a, *b): pass",
     1, 11, 1, "* argument may appear only once"},
    {"def f(a, /, b): pass",
     1, 10, 1, "positional-only parameters ('/') are not supported in scenarios"},
    {"lambda x=1, y: 1",
     1, 13, 1, "non-default argument follows default argument"},
    {"class A(metaclass=M): pass",
     1, 9, 1, "class keyword arguments (such as metaclass=) are not supported in scenarios"},
    {"class A(*bases): pass",
     1, 9, 1, "this form of class bases is not supported in scenarios"},
    {"try:\n    pass\nexcept A, B:\n    pass",
     3, 8, 1, "multiple exception types must be parenthesized"},
    {"try:\n    pass\nexcept:\n    pass\nexcept A:\n    pass",
     3, 1, 1, "default 'except:' must be last"},
    {"await x",
     1, 1, 1, "'await' outside function"},
    {"def f():\n    await x",
     2, 5, 1, "'await' outside async function"},
    {"async def f():\n    class A:\n        await x",
     3, 9, 1, "'await' outside function"},
    {"def f():\n    x = lambda: await y",
     2, 17, 1, "'await' outside async function"},
    {"x = [i async for i in y]",
     1, 5, 1, "asynchronous comprehension outside of an asynchronous function"},
    {"def f():\n    return [i async for i in y]",
     2, 12, 1, "asynchronous comprehension outside of an asynchronous function"},
    {"return 1",
     1, 1, 1, "'return' outside function"},
    {"class A:\n    return 1",
     2, 5, 1, "'return' outside function"},
    {"break",
     1, 1, 1, "'break' outside loop"},
    {"continue",
     1, 1, 1, "'continue' not properly in loop"},
    {"for x in y:\n    pass\nelse:\n    break",
     4, 5, 1, "'break' outside loop"},
    {"while True:\n    def g():\n        continue",
     3, 9, 1, "'continue' not properly in loop"},
    {"nonlocal x",
     1, 1, 1, "nonlocal declaration not allowed at module level"},
    {"async with x: pass",
     1, 1, 1, "'async with' outside async function"},
    {"async for x in y: pass",
     1, 1, 1, "'async for' outside async function"},
    {"def f():\n    async with x: pass",
     2, 5, 1, "'async with' outside async function"},
    {"def f():\n    from x import *",
     2, 19, 1, "import * only allowed at module level"},
    {"yield from",
     1, 11, 1, "invalid syntax"},
    {"x = yield = 1",
     1, 5, 1, "cannot assign to yield expression"},
    {"match command:\n    case \"go\":\n        pass",
     1, 1, 1, "'match' statements are not supported in scenarios"},
    {"match(x):\n    case 1:\n        pass",
     1, 1, 1, "'match' statements are not supported in scenarios"},
    {"try:\n    pass\nexcept*:\n    pass",
     3, 8, 1, "expected one or more exception types"},
    {"try:\n    pass\nexcept ValueError:\n    pass\nexcept* TypeError:\n"
     "    pass",
     5, 1, 1, "cannot have both 'except' and 'except*' on the same 'try'"},
    {"x = 12j",
     1, 5, 1, "complex numbers are not supported in scenarios"},
    {"x = 1.5J",
     1, 5, 1, "complex numbers are not supported in scenarios"},
    {"x = 99999999999999999999",
     1, 5, 1, "integer literal too large (scenarios use 64-bit integers)"},
    {"x = 9223372036854775808",
     1, 5, 1, "integer literal too large (scenarios use 64-bit integers)"},
    {"x = -9223372036854775809",
     1, 6, 1, "integer literal too large (scenarios use 64-bit integers)"},
    {"x = 0777",
     1, 5, 1, "leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers"},
    {"x = 1__0",
     1, 6, 1, "invalid decimal literal"},
    {"x = 0x",
     1, 6, 1, "invalid hexadecimal literal"},
    {"x = 0b102",
     1, 9, 1, "invalid digit '2' in binary literal"},
    {"x = 0o8",
     1, 7, 1, "invalid digit '8' in octal literal"},
    {"x = 1e",
     1, 5, 1, "invalid decimal literal"},
    {"x = 1_",
     1, 6, 1, "invalid decimal literal"},
    {"x = 5a",
     1, 5, 1, "invalid decimal literal"},
    {"x = '\\N{BULLET}'",
     1, 6, 1, "\\N{...} escapes are not supported in scenarios"},
    {"x = '\\x4'",
     1, 6, 1, "truncated \\xXX escape"},
    {"x = '\\u12'",
     1, 6, 1, "truncated \\uXXXX escape"},
    {"x = b'é'",
     1, 7, 1, "bytes can only contain ASCII literal characters"},
    {"x = u'x' b'y'",
     1, 10, 1, "cannot mix bytes and nonbytes literals"},
    {"x = f\"{x!z}\"",
     1, 10, 1, "f-string: invalid conversion character: expected 's', 'r', or 'a'"},
    {"x = f\"{}\"",
     1, 8, 1, "f-string: empty expression not allowed"},
    {"x = f\"{ }\"",
     1, 9, 1, "f-string: empty expression not allowed"},
    {"x = f\"}\"",
     1, 7, 1, "f-string: single '}' is not allowed"},
    {"x = f\"{x\"",
     1, 9, 1, "f-string: expecting '}'"},
    {"x = f\"{x!r\"",
     1, 11, 1, "f-string: expecting '}'"},
    {"x = f\"{x:{y}\"",
     1, 13, 1, "f-string: expecting '}'"},
    {"x = f\"{x:{y:{z}}}\"",
     1, 13, 1, "f-string: expressions nested too deeply"},
    {"x = f\"{a#}\"",
     1, 9, 1, "f-string expression part cannot include '#'"},
    {"x = f\"{'\\n'}\"",
     1, 9, 1, "f-string expression part cannot include a backslash"},
    {"x = f\"{a b}\"",
     1, 8, 1, "f-string: invalid syntax. Perhaps you forgot a comma?"},
    {"x = f\"{*a}\"",
     1, 8, 1, "f-string: can't use starred expression here"},
    {"x = f\"{yield}\"",
     1, 8, 1, "f-string: 'yield' is not supported in scenarios"},
    {"x = f\"{a)}\"",
     1, 9, 1, "f-string: unmatched ')'"},
    {"x = f\"{x!}\"",
     1, 10, 1, "f-string: invalid conversion character: expected 's', 'r', or 'a'"},
    {"x = f\"\"\"\n{a +}\"\"\"",
     2, 5, 1, "f-string: invalid syntax"},
    {"x = f\"{$}\"",
     1, 8, 1, "f-string: invalid character '$' (U+0024)"},
    {"@dec\nx = 1",
     2, 1, 1, "invalid syntax"},
    {"else:\n    pass",
     1, 1, 1, "invalid syntax"},
    {"x = 1;; y = 2",
     1, 7, 1, "invalid syntax"},
    {"import a as b.c",
     1, 14, 1, "invalid syntax"},
    {"from x import a,",
     1, 17, 1, "trailing comma not allowed without surrounding parentheses"},
    {"import *",
     1, 8, 1, "invalid syntax"},
    {"from x import (a, b",
     1, 15, 1, "'(' was never closed"},
    {"raise from Y",
     1, 7, 1, "invalid syntax"},
    {"async = 1",
     1, 7, 1, "invalid syntax"},
    {"if x: for y in z: pass",
     1, 7, 1, "invalid syntax"},
    {"def f[T](): pass",
     1, 6, 1, "expected '('"},
    {"x = (yield_ for yield_ in a) = 1",
     1, 5, 1, "cannot assign to generator expression"},
    {"x = `a`",
     1, 5, 1, "invalid character '`' (U+0060)"},
    {"x = 1 2",
     1, 7, 1, "invalid syntax"},
    {"f(**a, *b)",
     1, 8, 1, "iterable argument unpacking follows keyword argument unpacking"},
    {"del a, *b",
     1, 8, 1, "cannot delete starred"},
    {"x = [*a for a in b]",
     1, 6, 1, "iterable unpacking cannot be used in comprehension"},
    {"x = 'a' if 1else 2 if x else y = 3\n",
     1, 5, 1, "cannot assign to conditional expression"},
};

static void test_errors(void **state)
{
    (void)state;
    int failures = 0;
    for (size_t i = 0; i < sizeof error_cases / sizeof error_cases[0]; i++) {
        const error_case *c = &error_cases[i];
        parsed r;
        parse(&r, c->src);
        bool ok = r.tree == NULL && r.diags.len == c->count &&
                  r.diags.items[0].line == c->line &&
                  r.diags.items[0].col == c->col &&
                  strcmp(r.diags.items[0].message, c->message) == 0;
        if (!ok) {
            print_message("source:\n%s\nwant %d error(s), the first at "
                          "%d:%d: %s\ngot %d:\n",
                          c->src, c->count, c->line, c->col, c->message,
                          r.diags.len);
            print_diags(&r);
            failures++;
        }
        parsed_free(&r);
    }
    assert_int_equal(failures, 0);
}

/* Checks that parsing src gives exactly the errors listed (line, col,
 * message), in this order. */
static void expect_errors(const char *src, int n, const int *lines,
                          const int *cols, const char *const *messages)
{
    parsed r;
    parse(&r, src);
    bool ok = r.tree == NULL && r.diags.len == n;
    for (int i = 0; ok && i < n; i++)
        ok = r.diags.items[i].line == lines[i] &&
             r.diags.items[i].col == cols[i] &&
             strcmp(r.diags.items[i].message, messages[i]) == 0;
    if (!ok) {
        print_message("source:\n%s\nwant:\n", src);
        for (int i = 0; i < n; i++)
            print_message("    %d:%d: %s\n", lines[i], cols[i], messages[i]);
        print_message("got:\n");
        print_diags(&r);
    }
    parsed_free(&r);
    assert_true(ok);
}

/* Panic-mode recovery: independent mistakes in one file are all
 * reported, each once, in source order (lexer and parser errors mixed). */
static void test_recovery(void **state)
{
    (void)state;
    const char *src =
        "import asyncio\n"
        "\n"
        "async def main():\n"
        "    x = = 1\n"
        "    print('still parsed')\n"
        "    y = = x\n"
        "\n"
        "def helper(a, a):\n"
        "    return a\n"
        "\n"
        "if x y:\n"
        "    z = 1\n"
        "else:\n"
        "    z = 2\n"
        "w = 3 $ 4\n"
        "asyncio.run(main()\n";
    static const int lines[] = {4, 6, 8, 11, 15, 16};
    static const int cols[] = {9, 9, 15, 6, 7, 12};
    static const char *const messages[] = {
        "invalid syntax",
        "invalid syntax",
        "duplicate argument 'a' in function definition",
        "invalid syntax",
        "invalid character '$' (U+0024)",
        "'(' was never closed",
    };
    expect_errors(src, 6, lines, cols, messages);

    /* Three independent errors: a bad statement in a block does not end
     * the block, and the statements after it are checked. */
    const char *three =
        "def f():\n"
        "    return 1 +\n"
        "    return 2\n"
        "for i in range(3):\n"
        "    continue\n"
        "continue\n"
        "class A:\n"
        "    def g(self):\n"
        "        await self.h()\n";
    static const int l3[] = {2, 6, 9};
    static const int c3[] = {15, 1, 9};
    static const char *const m3[] = {
        "invalid syntax",
        "'continue' not properly in loop",
        "'await' outside async function",
    };
    expect_errors(three, 3, l3, c3, m3);

    /* A failed compound header skips its block and its else clause, so
     * no error is reported for them; the next statement is checked. */
    const char *header =
        "while x y:\n"
        "    return 1\n"
        "else:\n"
        "    return 2\n"
        "return 3\n";
    static const int lh[] = {1, 5};
    static const int ch[] = {9, 1};
    static const char *const mh[] = {"invalid syntax",
                                     "'return' outside function"};
    expect_errors(header, 2, lh, ch, mh);

    /* A context error ("'return' outside function") is dropped when its
     * statement then fails with a syntax error, which is the one shown;
     * it is kept for statements that parse, also inside a compound
     * statement that fails later. */
    const char *ctx =
        "return x = = 1\n"
        "await f() +\n"
        "if x:\n"
        "    return 1\n"
        "else y:\n"
        "    pass\n"
        "async for x in y\n"
        "    pass\n";
    static const int lc[] = {1, 2, 4, 5, 7};
    static const int cc[] = {10, 12, 5, 6, 17};
    static const char *const mc[] = {
        "invalid syntax", "invalid syntax", "'return' outside function",
        "expected ':'", "expected ':'",
    };
    expect_errors(ctx, 5, lc, cc, mc);

    /* An unexpected indent skips the over-indented block only. */
    const char *indent = "x = 1\n    y = 2\n    z = = 3\nbreak\n";
    static const int li[] = {2, 4};
    static const int ci[] = {5, 1};
    static const char *const mi[] = {"unexpected indent",
                                     "'break' outside loop"};
    expect_errors(indent, 2, li, ci, mi);
}

/* At most 20 errors are kept: the first ones by position. */
static void test_error_cap(void **state)
{
    (void)state;
    char src[2048] = "";
    for (int i = 0; i < 50; i++)
        strcat(src, i % 2 ? "x = = 1\n" : "y = $\n");
    parsed r;
    parse(&r, src);
    assert_null(r.tree);
    assert_int_equal(r.diags.len, 20);
    for (int i = 0; i < 20; i++) {
        assert_int_equal(r.diags.items[i].line, i + 1);
        assert_string_equal(r.diags.items[i].message,
                            i % 2 ? "invalid syntax"
                                  : "invalid character '$' (U+0024)");
    }
    parsed_free(&r);
}

/* Context checks follow scopes: lambdas and classes inside async
 * functions, loops inside functions, f-strings inside async code. */
static void test_context_scopes(void **state)
{
    (void)state;
    assert_true(dump_is(
        "async def f():\n"
        "    print(f'{await g()}')\n"
        "    for x in y:\n"
        "        if x:\n"
        "            break\n"
        "        def h():\n"
        "            return lambda: 1\n"
        "    else:\n"
        "        return [await a async for a in b]\n",
        "(module (function_def async f (params) (body (expr_stmt (call (name "
        "print) (joined_str (formatted_value (await (call (name g))))))) "
        "(for (name x) (name y) (body (if (name x) (body (break))) "
        "(function_def h (params) (body (return (lambda (params) (constant "
        "1)))))) (orelse (return (list_comp (await (name a)) (comprehension "
        "async (name a) (name b)))))))))"));
    static const int l1[] = {3, 5};
    static const int c1[] = {19, 18};
    static const char *const m1[] = {"'await' outside async function",
                                     "'break' outside loop"};
    expect_errors("async def f():\n"
                  "    def g():\n"
                  "        return f'{await x}'\n"
                  "    while True:\n"
                  "        def h(): break\n",
                  2, l1, c1, m1);
}

/* ------------------------------------------------------------------------ */
/* Printing diagnostics                                                     */
/* ------------------------------------------------------------------------ */

/* rt_diags_print's output for src with the given errors added. */
static char *printed(const char *src, int n, const int *lines,
                     const int *cols)
{
    rt_diags d;
    rt_diags_init(&d, "scenario.py", src, strlen(src));
    for (int i = 0; i < n; i++)
        rt_diags_add(&d, lines[i], cols[i], "message %d", i + 1);
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    assert_non_null(f);
    rt_diags_print(&d, f);
    fclose(f);
    rt_diags_deinit(&d);
    return buf; /* malloc'd by open_memstream */
}

static void test_diag_print(void **state)
{
    (void)state;
    /* The brief's example: the source line without its indentation, four
     * spaces in, a caret under the column. */
    {
        static const int l[] = {2}, c[] = {5};
        char *out = printed("def f():\n    yield x\n", 1, l, c);
        assert_string_equal(out, "scenario.py:2:5: message 1\n"
                                 "    yield x\n"
                                 "    ^\n");
        free(out);
    }
    /* Tabs are expanded to multiples of 8; the caret follows. */
    {
        static const int l[] = {1}, c[] = {7};
        char *out = printed("\tif\ta\tb:\n", 1, l, c);
        assert_string_equal(out, "scenario.py:1:7: message 1\n"
                                 "    if      a       b:\n"
                                 "                    ^\n");
        free(out);
    }
    /* Columns count characters: the caret sits under x after UTF-8. */
    {
        static const int l[] = {1}, c[] = {12};
        char *out = printed("s = 'é€' + x\n", 1, l, c);
        assert_string_equal(out, "scenario.py:1:12: message 1\n"
                                 "    s = 'é€' + x\n"
                                 "               ^\n");
        free(out);
    }
    /* A column just past the end of the line (a missing ':'), CRLF line
     * ends, a line that does not exist, several errors in order. */
    {
        static const int l[] = {1, 2, 9}, c[] = {5, 3, 1};
        char *out = printed("if x\r\n  y\r\n", 3, l, c);
        assert_string_equal(out, "scenario.py:1:5: message 1\n"
                                 "    if x\n"
                                 "        ^\n"
                                 "scenario.py:2:3: message 2\n"
                                 "    y\n"
                                 "    ^\n"
                                 "scenario.py:9:1: message 3\n");
        free(out);
    }
    /* Straight from the parser. */
    {
        const char *src = "async def main():\n\tx = (1 +\t)\n";
        parsed r;
        parse(&r, src);
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);
        rt_diags_print(&r.diags, f);
        fclose(f);
        assert_string_equal(buf, "t.py:2:11: invalid syntax\n"
                                 "    x = (1 +        )\n"
                                 "                    ^\n");
        free(buf);
        parsed_free(&r);
    }
}

/* ------------------------------------------------------------------------ */
/* Real programs                                                            */
/* ------------------------------------------------------------------------ */

static const char *const input_files[] = {
    "tutorial_1.py", "tutorial_2.py", "tutorial_3.py", "tutorial_4.py",
    "tutorial_5.py", "tutorial_6.py", "tutorial_7.py",
    "scenario_gather.py", "scenario_queue.py", "scenario_executor.py",
};

/* Every example of the asyncio tutorial (with its indentation restored)
 * and the scenario programs parse without errors. */
static void test_input_files(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof input_files / sizeof input_files[0]; i++) {
        size_t len;
        char *src = read_input(input_files[i], &len);
        if (!src)
            fail_msg("cannot read tests/parser_inputs/%s", input_files[i]);
        parsed r;
        parse_n(&r, src, len, false);
        if (!r.tree) {
            print_message("%s:\n", input_files[i]);
            print_diags(&r);
        }
        assert_non_null(r.tree);
        assert_int_equal(r.diags.len, 0);
        parsed_free(&r);
        rt_free(src);
    }
}

/* The tutorial's examples, tree for tree (from CPython's ast). */
static void test_tutorial_trees(void **state)
{
    (void)state;
    static const struct {
        const char *file, *want;
    } cases[] = {
        {"tutorial_1.py",
         "(module (import (alias asyncio)) (function_def async main (params) "
         "(body (expr_stmt (call (name print) (constant \"Hello\"))) "
         "(expr_stmt (await (call (attribute (name asyncio) sleep) (constant "
         "1)))) (expr_stmt (call (name print) (constant \"World\"))))) "
         "(expr_stmt (call (attribute (name asyncio) run) (call (name "
         "main)))))"},
        {"tutorial_6.py",
         "(module (import (alias time)) (function_def blocking_operation "
         "(params) (body (expr_stmt (call (attribute (name time) sleep) "
         "(constant 1))) (return (constant \"Blocking operation is "
         "complete\")))) (function_def async main (params) (body (assign "
         "(name loop) (call (attribute (name asyncio) get_event_loop))) "
         "(assign (name result) (await (call (attribute (name loop) "
         "run_in_executor) (constant None) (name blocking_operation)))) "
         "(expr_stmt (call (name print) (name result))))) (expr_stmt (call "
         "(attribute (name asyncio) run) (call (name main)))))"},
        {"tutorial_7.py",
         "(module (function_def async raise_exception (params) (body (raise "
         "(call (name Exception) (constant \"This is an exception\"))))) "
         "(function_def async main (params) (body (try (body (expr_stmt "
         "(await (call (name raise_exception))))) (except_handler (name "
         "Exception) as e (body (expr_stmt (call (name print) (joined_str "
         "(constant \"Caught exception: \") (formatted_value (name "
         "e)))))))))) (expr_stmt (call (attribute (name asyncio) run) (call "
         "(name main)))))"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len;
        char *src = read_input(cases[i].file, &len);
        assert_non_null(src);
        assert_true(dump_is(src, cases[i].want));
        rt_free(src);
    }
}

/* ------------------------------------------------------------------------ */
/* Robustness                                                               */
/* ------------------------------------------------------------------------ */

/* Parses any bytes: there must be a tree (and no errors) or errors (and
 * no tree), a dump for a tree, and a printable report for errors. */
static void survive(const char *src, size_t len)
{
    parsed r;
    parse_n(&r, src, len, false);
    if (r.tree) {
        assert_int_equal(r.diags.len, 0);
        assert_non_null(r.dump);
    } else {
        assert_true(r.diags.len > 0 || r.diags.out_of_memory);
        assert_true(r.diags.len <= 20);
        FILE *f = fopen("/dev/null", "w");
        assert_non_null(f);
        rt_diags_print(&r.diags, f);
        fclose(f);
    }
    parsed_free(&r);
}

/* A small deterministic generator (xorshift), so failures reproduce. */
static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void test_fuzz_prefixes(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof input_files / sizeof input_files[0]; i++) {
        size_t len;
        char *src = read_input(input_files[i], &len);
        assert_non_null(src);
        for (size_t n = 0; n <= len; n++)
            survive(src, n);
        rt_free(src);
    }
}

static void test_fuzz_mutations(void **state)
{
    (void)state;
    static const char interesting[] = "()[]{}:'\"\\\n\t #=f{}!*@.,;";
    uint64_t seed = 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i < sizeof input_files / sizeof input_files[0]; i++) {
        size_t len;
        char *src = read_input(input_files[i], &len);
        assert_non_null(src);
        char *mut = rt_malloc(len + 16);
        assert_non_null(mut);
        for (int round = 0; round < 600; round++) {
            memcpy(mut, src, len);
            size_t n = len;
            int edits = 1 + (int)(rng_next(&seed) % 4);
            for (int e = 0; e < edits && n > 0; e++) {
                size_t at = rng_next(&seed) % n;
                switch (rng_next(&seed) % 4) {
                case 0: /* any byte, invalid UTF-8 included */
                    mut[at] = (char)rng_next(&seed);
                    break;
                case 1: /* a byte that matters to the grammar */
                    mut[at] = interesting[rng_next(&seed) %
                                          (sizeof interesting - 1)];
                    break;
                case 2: /* delete */
                    memmove(mut + at, mut + at + 1, n - at - 1);
                    n--;
                    break;
                default: /* insert */
                    if (n < len + 15) {
                        memmove(mut + at + 1, mut + at, n - at);
                        mut[at] = interesting[rng_next(&seed) %
                                              (sizeof interesting - 1)];
                        n++;
                    }
                    break;
                }
            }
            survive(mut, n);
        }
        rt_free(mut);
        rt_free(src);
    }
}

/* Builds prefix + middle * count + core + mid2 * count2 + suffix into an
 * rt_malloc'd string. */
static char *repeat(const char *prefix, const char *middle, int count,
                    const char *core, const char *mid2, int count2,
                    const char *suffix)
{
    size_t n = strlen(prefix) + strlen(middle) * (size_t)count +
               strlen(core) + strlen(mid2) * (size_t)count2 +
               strlen(suffix) + 1;
    char *s = rt_malloc(n);
    assert_non_null(s);
    strcpy(s, prefix);
    char *p = s + strlen(s);
    for (int i = 0; i < count; i++, p += strlen(middle))
        memcpy(p, middle, strlen(middle));
    memcpy(p, core, strlen(core));
    p += strlen(core);
    for (int i = 0; i < count2; i++, p += strlen(mid2))
        memcpy(p, mid2, strlen(mid2));
    strcpy(p, suffix);
    return s;
}

/* Deep input is refused with a message, never by overflowing the stack;
 * what CPython accepts at moderate depth is accepted. */
static void test_deep_nesting(void **state)
{
    (void)state;
    static const struct {
        const char *prefix, *middle;
        int count;
        const char *core, *mid2;
        int count2;
        const char *suffix;
        const char *error; /* NULL: must parse */
    } cases[] = {
        {"x = ", "(", 199, "1", ")", 199, "\n", NULL},
        {"x = ", "(", 5000, "", ")", 5000, "\n", "too many nested parentheses"},
        {"x = ", "[", 300, "", "]", 300, "\n", "too many nested parentheses"},
        {"x = ", "{", 201, "", "", 0, "\n", "too many nested parentheses"},
        {"x = ", "f(", 199, "1", ")", 199, "\n", NULL},
        {"x = a", "[b", 199, "", "]", 199, "\n", NULL},
        {"x = ", "(lambda: ", 150, "0", ")", 150, "\n", NULL},
        {"x = ", "lambda: ", 5000, "", "", 0, "1\n",
         "expression nested too deeply (more than 400 levels)"},
        {"x = ", "a if b else ", 5000, "", "", 0, "c\n",
         "expression nested too deeply (more than 400 levels)"},
        {"x = ", "2 ** ", 5000, "", "", 0, "2\n",
         "expression nested too deeply (more than 400 levels)"},
        {"x = ", "-", 900, "", "", 0, "1\n", NULL},
        {"x = ", "-", 200000, "", "", 0, "1\n",
         "expression too complex: nested more than 1000 levels deep"},
        {"x = ", "not ", 100000, "", "", 0, "1\n",
         "expression too complex: nested more than 1000 levels deep"},
        {"x = a", " + a", 900, "", "", 0, "\n", NULL},
        {"x = a", " + a", 50000, "", "", 0, "\n",
         "expression too complex: nested more than 1000 levels deep"},
        {"x = a", ".b", 50000, "", "", 0, "\n",
         "expression too complex: nested more than 1000 levels deep"},
        {"x = a", "()", 50000, "", "", 0, "\n",
         "expression too complex: nested more than 1000 levels deep"},
        {"x = a", "[0]", 50000, "", "", 0, "\n",
         "expression too complex: nested more than 1000 levels deep"},
        {"x = ", "'s' ", 50000, "", "", 0, "\n", NULL},
        {"x = [", "1, ", 100000, "", "", 0, "]\n", NULL},
        /* The inner quote ends the string, as in CPython 3.11. */
        {"", "f'{", 3, "", "}'", 3, "\n", "f-string: expecting '}'"},
        {"x = ", "f'{x:{y:{z", 1, "", "}}}'", 1, "\n",
         "f-string: expressions nested too deeply"},
        {"", "(", 100000, "", "", 0, "", "too many nested parentheses"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *src = repeat(cases[i].prefix, cases[i].middle, cases[i].count,
                           cases[i].core, cases[i].mid2, cases[i].count2,
                           cases[i].suffix);
        parsed r;
        parse(&r, src);
        if (cases[i].error) {
            if (!(r.tree == NULL && r.diags.len >= 1 &&
                  strcmp(r.diags.items[0].message, cases[i].error) == 0)) {
                print_message("case %zu (%s%s x%d): want error '%s'\n", i,
                              cases[i].prefix, cases[i].middle,
                              cases[i].count, cases[i].error);
                print_diags(&r);
                fail();
            }
        } else if (!r.tree) {
            print_message("case %zu (%s%s x%d) must parse:\n", i,
                          cases[i].prefix, cases[i].middle, cases[i].count);
            print_diags(&r);
            fail();
        }
        parsed_free(&r);
        rt_free(src);
    }

    /* Indentation: 99 nested blocks parse, 101 are refused once. */
    for (int depth = 99; depth <= 150; depth += 51) {
        char *src = rt_malloc((size_t)depth * (size_t)depth + 4096);
        assert_non_null(src);
        char *p = src;
        for (int i = 0; i < depth; i++) {
            memset(p, ' ', (size_t)i);
            p += i;
            p += sprintf(p, "if x:\n");
        }
        memset(p, ' ', (size_t)depth);
        p += depth;
        strcpy(p, "pass\n");
        parsed r;
        parse(&r, src);
        if (depth < 100) {
            assert_non_null(r.tree);
        } else {
            assert_null(r.tree);
            assert_int_equal(r.diags.len, 1);
            assert_string_equal(r.diags.items[0].message,
                                "too many levels of indentation");
        }
        parsed_free(&r);
        rt_free(src);
    }
}

/* Every allocation may fail: the parser then reports out of memory (or
 * succeeds), and frees everything it took (ASan checks for leaks). */
static void test_out_of_memory(void **state)
{
    (void)state;
    size_t len;
    char *src = read_input("scenario_gather.py", &len);
    assert_non_null(src);
    bool succeeded = false;
    for (long n = 0; n < 100000 && !succeeded; n++) {
        ast_arena *a = ast_arena_new();
        if (!a)
            continue;
        rt_diags d;
        rt_diags_init(&d, "t.py", src, len);
        rt_alloc_fail_after(n);
        ast_node *tree = ast_parse(src, len, a, &d);
        rt_alloc_fail_after(-1);
        if (tree) {
            assert_int_equal(d.len, 0);
            succeeded = true;
        } else {
            assert_true(d.out_of_memory);
        }
        rt_diags_deinit(&d);
        ast_arena_free(a);
    }
    assert_true(succeeded);
    rt_free(src);
}

/* ------------------------------------------------------------------------ */
/* Speed, names, arena                                                      */
/* ------------------------------------------------------------------------ */

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* A 1,000-line file parses well under 10 ms (checked against a looser
 * bound under the sanitizers, which slow everything down). */
static void test_speed(void **state)
{
    (void)state;
    size_t len;
    char *one = read_input("scenario_queue.py", &len);
    assert_non_null(one);
    size_t lines_each = 0;
    for (size_t i = 0; i < len; i++)
        lines_each += one[i] == '\n';
    int copies = (int)(1000 / lines_each) + 1;
    char *src = rt_malloc(len * (size_t)copies + 1);
    assert_non_null(src);
    for (int i = 0; i < copies; i++)
        memcpy(src + len * (size_t)i, one, len);
    size_t total = len * (size_t)copies;
    src[total] = '\0';
    double best = 1e9;
    for (int round = 0; round < 5; round++) {
        double t0 = now_ms();
        parsed r;
        parse_n(&r, src, total, false);
        double t = now_ms() - t0;
        assert_non_null(r.tree);
        parsed_free(&r);
        if (t < best)
            best = t;
    }
    print_message("parsed %zu lines in %.3f ms\n", lines_each * (size_t)copies,
                  best);
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    assert_true(best < 200.0);
#else
    assert_true(best < 10.0);
#endif
    rt_free(src);
    rt_free(one);
}

/* A file too big to describe with 32-bit offsets is refused up front
 * (its text is never read). */
static void test_too_large(void **state)
{
    (void)state;
    ast_arena *a = ast_arena_new();
    rt_diags d;
    rt_diags_init(&d, "t.py", "x", 1);
    assert_null(ast_parse("x", ((size_t)1 << 30) + 1, a, &d));
    assert_int_equal(d.len, 1);
    assert_string_equal(d.items[0].message,
                        "scenario file too large (more than 1 GiB)");
    rt_diags_deinit(&d);
    ast_arena_free(a);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(ast_kind_name(AST_MODULE), "module");
    assert_string_equal(ast_kind_name(AST_FUNCTION_DEF), "function_def");
    assert_string_equal(ast_kind_name(AST_ALIAS), "alias");
    assert_string_equal(ast_kind_name(AST__COUNT), "?");
    assert_string_equal(ast_op_name(AST_OP_FLOORDIV), "//");
    assert_string_equal(ast_op_name(AST_OP_IS_NOT), "is not");
    assert_string_equal(ast_op_name(AST_OP_NOT_IN), "not in");
    assert_string_equal(ast_op_name(AST_OP__COUNT), "?");
    char *nil = ast_dump(NULL);
    assert_string_equal(nil, "nil");
    rt_free(nil);
}

static void test_arena(void **state)
{
    (void)state;
    ast_arena *a = ast_arena_new();
    assert_non_null(a);
    /* Small blocks are aligned and zeroed; big ones get their own chunk
     * and the current chunk keeps filling. */
    char *prev = NULL;
    for (int i = 0; i < 10000; i++) {
        size_t size = (size_t)(i % 37) + 1;
        if (i % 1000 == 0)
            size = 100000;
        unsigned char *p = ast_arena_alloc(a, size);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 8, 0);
        for (size_t k = 0; k < size; k++)
            assert_int_equal(p[k], 0);
        memset(p, 0xAB, size);
        assert_true((char *)p != prev);
        prev = (char *)p;
    }
    ast_arena_free(a);
    ast_arena_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dump_precedence),
        cmocka_unit_test(test_dump_comparisons),
        cmocka_unit_test(test_dump_literals),
        cmocka_unit_test(test_dump_displays),
        cmocka_unit_test(test_dump_comprehensions),
        cmocka_unit_test(test_dump_calls_and_subscripts),
        cmocka_unit_test(test_dump_lambdas),
        cmocka_unit_test(test_dump_fstrings),
        cmocka_unit_test(test_dump_statements),
        cmocka_unit_test(test_dump_try),
        cmocka_unit_test(test_dump_functions),
        cmocka_unit_test(test_dump_classes),
        cmocka_unit_test(test_dump_scenario_specifics),
        cmocka_unit_test(test_positions),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_recovery),
        cmocka_unit_test(test_error_cap),
        cmocka_unit_test(test_context_scopes),
        cmocka_unit_test(test_diag_print),
        cmocka_unit_test(test_input_files),
        cmocka_unit_test(test_tutorial_trees),
        cmocka_unit_test(test_fuzz_prefixes),
        cmocka_unit_test(test_fuzz_mutations),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_out_of_memory),
        cmocka_unit_test(test_speed),
        cmocka_unit_test(test_too_large),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_arena),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
