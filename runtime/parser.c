/*
 * parser.c - the recursive-descent parser of scenario files: tokens from
 * lexer.c in, the syntax tree of ast.h out.
 *
 * One function per grammar rule of Python 3.11 (Grammar/python.gram),
 * trimmed to the scenario subset; the binary operators from '|' to '*'
 * share one precedence-climbing function. The whole file is tokenized
 * first, so the parser may look ahead freely (it does so to tell a dict
 * from a set, a parenthesised with-statement from a tuple, and a 'match'
 * statement from a name called match).
 *
 * Errors. A syntax error reports CPython's message (where CPython has a
 * good one) at the offending token and sets the shared `panic` flag; every
 * rule then returns NULL up to the statement loop, which skips to the next
 * statement boundary (the NEWLINE ending the logical line, then any block
 * that belongs to the failed statement) and clears the flag. While panic is
 * set no further error is reported, so one mistake gives one message, and
 * a file with three independent mistakes gives three. Errors that leave the
 * tree well formed ("'return' outside function", a missing indented block)
 * are reported without panic and parsing simply goes on. The lexer has
 * already reported the text behind an LX_ERROR token, and everything after
 * a bracket that was never closed, so the parser stays silent there.
 *
 * Limits. Recursion is bounded by MAX_DEPTH nested expressions (the lexer
 * bounds brackets at 200 and indentation at 100), unary operator chains
 * are parsed in loops, and after parsing the finished tree's height is
 * measured without recursion and refused beyond AST_MAX_DEPTH, so that
 * neither this parser nor the compiler nor ast_dump can overflow the C
 * stack on hostile input.
 *
 * F-strings are split here: the lexer hands over the raw literal, the
 * parser cuts it into literal runs and replacement fields, tokenizes each
 * field's expression separately (lx_tokenize with fstring_expr, at the
 * field's true line and column) and parses it with a sub-parser that
 * shares the arena, the diagnostics and the panic flag.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "lexer.h"
#include "rt.h"

/* Nested expressions (parentheses, lambdas, conditional expressions,
 * powers) the parser recurses through. A bracket costs at most two levels
 * (its contents, and a lambda or conditional inside it), so the lexer's
 * limit of 200 brackets is the one users meet. A level costs about 250
 * bytes of C stack (1 KB under ASan). */
#define MAX_DEPTH 400
/* Errors kept per file. The lexer and the parser each stop after twice as
 * many, and the first ones by position are kept: the lexer's errors come
 * first in time but may lie after the parser's in the file. */
#define MAX_ERRORS 20
/* F-string replacement fields nested in format specs, as CPython allows. */
#define MAX_FSTRING_NESTING 2

/* What kind of code the parser is in, for the context checks. */
typedef enum scope {
    SCOPE_MODULE,
    SCOPE_CLASS,  /* a class body: not a function for await/return */
    SCOPE_FUNC,   /* a def */
    SCOPE_ASYNC,  /* an async def */
    SCOPE_LAMBDA  /* a lambda body: a function, never async */
} scope;

/* The state one file's parser shares with its f-string sub-parsers. */
typedef struct front {
    ast_arena *arena;
    rt_diags *diags;
    const char *text; /* the normalised source the tokens index */
    int base;         /* diags->len when parsing started */
    int lexer_errors; /* of them, those the file's lexer reported */
    bool panic;       /* an error is unwinding to the statement loop */
    bool stop;        /* too many errors or out of memory: read as EOF */
    /* The position of a bracket that was never closed (line 0: none);
     * the parser reports nothing after it. */
    int unclosed_line, unclosed_col;
    /* Indices in diags of the errors report()ed since the last commit:
     * they are dropped when their statement then fails with a syntax
     * error (as in CPython, which never gets to its later checks then). */
    int *pending;
    int npending, cappending;
} front;

/* One parser over one token array (the file, or an f-string field). */
typedef struct parser {
    front *f;
    const lx_tokens *toks;
    int pos;            /* index of the current token */
    const char *prefix; /* "" or "f-string: " before syntax errors */
    int depth;          /* nested expressions being parsed */
    scope scope;
    bool in_loop;       /* break/continue allowed */
} parser;

/* A list being built: arena memory that doubles when full (the old array
 * stays in the arena; at most half of a list's memory is wasted). */
typedef struct vec {
    ast_node **items;
    int len, cap;
} vec;

/* ------------------------------------------------------------------------ */
/* Errors                                                                   */
/* ------------------------------------------------------------------------ */

static void out_of_memory(parser *p)
{
    p->f->diags->out_of_memory = true;
    p->f->stop = true;
    p->f->panic = true;
}

/* True when an error at (line, col) lies after a bracket that was never
 * closed: CPython reports only the bracket, and so do we. */
static bool after_unclosed(const parser *p, int line, int col)
{
    const front *f = p->f;
    if (f->unclosed_line == 0)
        return false;
    return line > f->unclosed_line ||
           (line == f->unclosed_line && col > f->unclosed_col);
}

/* Adds a diagnostic unless the file already has too many (then parsing
 * stops) or it follows an unclosed bracket. */
static void vreport(parser *p, const char *prefix, int line, int col,
                    const char *fmt, va_list ap)
{
    front *f = p->f;
    if (f->stop || after_unclosed(p, line, col))
        return;
    if (f->diags->len - f->base - f->lexer_errors >= 2 * MAX_ERRORS) {
        f->stop = true;
        return;
    }
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    rt_diags_add(f->diags, line, col, "%s%s", prefix, msg);
}

/* Reports an error that leaves the tree usable ("'return' outside
 * function"): parsing goes on without panic. The error stays pending
 * until its statement is parsed (commit) or fails (rollback). */
static void report(parser *p, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void report(parser *p, int line, int col, const char *fmt, ...)
{
    front *f = p->f;
    if (f->panic)
        return;
    int before = f->diags->len;
    va_list ap;
    va_start(ap, fmt);
    vreport(p, "", line, col, fmt, ap);
    va_end(ap);
    if (f->diags->len == before)
        return;
    if (f->npending == f->cappending) {
        int cap = f->cappending ? f->cappending * 2 : 8;
        int *n = rt_realloc(f->pending, (size_t)cap * sizeof *n);
        if (!n)
            return; /* then it cannot be rolled back: it simply stays */
        f->pending = n;
        f->cappending = cap;
    }
    f->pending[f->npending++] = before;
}

/* Keeps the pending errors: the code they are about parsed. */
static void commit(parser *p) { p->f->npending = 0; }

/* Drops the pending errors: their statement failed with a syntax error,
 * which is the one to show. They are the latest report()s, so removing
 * them from the end keeps the other indices valid. */
static void rollback(parser *p)
{
    front *f = p->f;
    rt_diags *d = f->diags;
    for (int i = f->npending - 1; i >= 0; i--) {
        int k = f->pending[i];
        if (k >= d->len)
            continue;
        rt_free(d->items[k].message);
        memmove(&d->items[k], &d->items[k + 1],
                (size_t)(d->len - k - 1) * sizeof d->items[0]);
        d->len--;
    }
    f->npending = 0;
}

/* Reports a syntax error (unless one is already unwinding) and starts the
 * unwinding. Returns NULL for the caller to return. */
static void *fail_at(parser *p, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void *fail_at(parser *p, int line, int col, const char *fmt, ...)
{
    if (!p->f->panic) {
        va_list ap;
        va_start(ap, fmt);
        vreport(p, p->prefix, line, col, fmt, ap);
        va_end(ap);
    }
    p->f->panic = true;
    return NULL;
}

/* fail_at the token's position; silent at an LX_ERROR token, whose text
 * the lexer has reported already. */
static void *fail_tok(parser *p, const lx_token *t, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void *fail_tok(parser *p, const lx_token *t, const char *fmt, ...)
{
    if (!p->f->panic && t->kind != LX_ERROR) {
        va_list ap;
        va_start(ap, fmt);
        vreport(p, p->prefix, t->line, t->col, fmt, ap);
        va_end(ap);
    }
    p->f->panic = true;
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Tokens                                                                   */
/* ------------------------------------------------------------------------ */

/* The current token; the final ENDMARKER once parsing has stopped, so
 * that every loop ends. */
static const lx_token *cur(const parser *p)
{
    if (p->f->stop)
        return &p->toks->items[p->toks->len - 1];
    return &p->toks->items[p->pos];
}

/* The kind of the current token: what nearly every decision looks at. */
static lx_kind kind(const parser *p) { return cur(p)->kind; }

/* The kind of the token n places ahead (ENDMARKER past the end). */
static lx_kind peek_kind(const parser *p, int n)
{
    if (p->f->stop)
        return LX_ENDMARKER;
    int i = p->pos + n;
    if (i >= p->toks->len)
        i = p->toks->len - 1;
    return p->toks->items[i].kind;
}

/* Consumes the current token and returns it; never moves past the final
 * ENDMARKER. */
static const lx_token *advance(parser *p)
{
    const lx_token *t = cur(p);
    if (!p->f->stop && p->pos < p->toks->len - 1)
        p->pos++;
    return t;
}

/* Consumes the current token when it is of kind k; says whether it did. */
static bool accept(parser *p, lx_kind k)
{
    if (kind(p) != k)
        return false;
    advance(p);
    return true;
}

/* The token just consumed (for end positions). */
static const lx_token *prev(const parser *p)
{
    return &p->toks->items[p->pos > 0 ? p->pos - 1 : 0];
}

/* Consumes a token of kind k or fails with "invalid syntax". */
static const lx_token *expect(parser *p, lx_kind k)
{
    if (kind(p) == k)
        return advance(p);
    return fail_tok(p, cur(p), "invalid syntax");
}

/* True when the token can start an expression (ERROR included, so that
 * a lexer error there stays the only message). */
static bool starts_expr(lx_kind k)
{
    switch (k) {
    case LX_NAME: case LX_NUMBER: case LX_STRING: case LX_ERROR:
    case LX_LPAR: case LX_LSQB: case LX_LBRACE: case LX_MINUS:
    case LX_PLUS: case LX_TILDE: case LX_ELLIPSIS: case LX_KW_NOT:
    case LX_KW_LAMBDA: case LX_KW_AWAIT: case LX_KW_NONE: case LX_KW_TRUE:
    case LX_KW_FALSE: case LX_KW_YIELD:
        return true;
    default:
        return false;
    }
}

static ast_node *star_expressions(parser *p);
static ast_node *expression(parser *p);

/* The source text of a token. */
static const char *tok_text(const parser *p, const lx_token *t)
{
    return p->f->text + t->start;
}

/* True when t is the name s (soft keywords such as match are names). */
static bool tok_is(const parser *p, const lx_token *t, const char *s)
{
    size_t n = strlen(s);
    return t->kind == LX_NAME && t->end - t->start == n &&
           memcmp(tok_text(p, t), s, n) == 0;
}

/* ------------------------------------------------------------------------ */
/* Nodes and lists                                                          */
/* ------------------------------------------------------------------------ */

static ast_node *mk(parser *p, ast_kind k, int line, int col)
{
    ast_node *n = ast_arena_alloc(p->f->arena, sizeof *n);
    if (!n) {
        out_of_memory(p);
        return NULL;
    }
    n->kind = k;
    n->line = n->end_line = line;
    n->col = n->end_col = col;
    return n;
}

/* A node starting at token t. Nodes built around a left operand use the
 * token where the operand started, so that "(a + b) * c" starts at the
 * parenthesis, as in CPython. */
static ast_node *mk_tok(parser *p, ast_kind k, const lx_token *t)
{
    return mk(p, k, t->line, t->col);
}

/* A node starting where `first` starts. */
static ast_node *mk_at(parser *p, ast_kind k, const ast_node *first)
{
    return mk(p, k, first->line, first->col);
}

/* Ends the node at the end of the token just consumed; returns it. */
static ast_node *fin(parser *p, ast_node *n)
{
    if (n) {
        const lx_token *t = prev(p);
        n->end_line = t->end_line;
        n->end_col = t->end_col;
    }
    return n;
}

/* yield_expr: 'yield' 'from' expression | 'yield' [star_expressions]. */
static ast_node *yield_expr(parser *p)
{
    const lx_token *t = advance(p);
    if (accept(p, LX_KW_FROM)) {
        ast_node *n = mk_tok(p, AST_YIELD_FROM, t);
        if (!n || !(n->u.yield.value = expression(p)))
            return NULL;
        return fin(p, n);
    }
    ast_node *n = mk_tok(p, AST_YIELD, t);
    if (!n)
        return NULL;
    if (starts_expr(kind(p)) && kind(p) != LX_KW_YIELD) {
        n->u.yield.value = star_expressions(p);
        if (!n->u.yield.value)
            return NULL;
        if (n->u.yield.value->kind == AST_STARRED)
            return fail_at(p, n->u.yield.value->line, n->u.yield.value->col,
                           "can't use starred expression here");
    } else if (kind(p) == LX_STAR) {
        n->u.yield.value = star_expressions(p);
        if (!n->u.yield.value)
            return NULL;
    }
    return fin(p, n);
}


/* Ends the node where `last` ends. */
static ast_node *fin_at(ast_node *n, const ast_node *last)
{
    n->end_line = last->end_line;
    n->end_col = last->end_col;
    return n;
}

/* Appends n to v, doubling its arena array when full; false when out of
 * memory (already reported). */
static bool push(parser *p, vec *v, ast_node *n)
{
    if (v->len == v->cap) {
        int cap = v->cap ? v->cap * 2 : 4;
        ast_node **items = ast_arena_alloc(p->f->arena,
                                           (size_t)cap * sizeof *items);
        if (!items) {
            out_of_memory(p);
            return false;
        }
        if (v->len)
            memcpy(items, v->items, (size_t)v->len * sizeof *items);
        v->items = items;
        v->cap = cap;
    }
    v->items[v->len++] = n;
    return true;
}

/* The finished list (its spare capacity simply stays in the arena). */
static ast_list as_list(vec v) { return (ast_list){v.items, v.len}; }

/* An arena copy of s[0..n), NUL-terminated. */
static ast_str copy_str(parser *p, const char *s, size_t n)
{
    char *c = ast_arena_alloc(p->f->arena, n + 1);
    if (!c) {
        out_of_memory(p);
        return (ast_str){NULL, 0};
    }
    memcpy(c, s, n);
    c[n] = '\0';
    return (ast_str){c, n};
}

/* An arena copy of a name token's text. */
static ast_str tok_str(parser *p, const lx_token *t)
{
    return copy_str(p, tok_text(p, t), t->end - t->start);
}

static bool str_eq(ast_str a, ast_str b)
{
    return a.len == b.len && memcmp(a.s, b.s, a.len) == 0;
}

/* ------------------------------------------------------------------------ */
/* Depth                                                                    */
/* ------------------------------------------------------------------------ */

/* Enters one level of nested expression; false (after failing) beyond
 * MAX_DEPTH. Every true must be paired with leave(). */
static bool enter(parser *p)
{
    if (p->depth >= MAX_DEPTH) {
        lx_kind k = kind(p);
        if (k == LX_LPAR || k == LX_LSQB || k == LX_LBRACE)
            fail_tok(p, cur(p), "too many nested parentheses");
        else
            fail_tok(p, cur(p), "expression nested too deeply (more than "
                                "%d levels)", MAX_DEPTH);
        return false;
    }
    p->depth++;
    return true;
}

static void leave(parser *p) { p->depth--; }

/* ------------------------------------------------------------------------ */
/* Context checks and names of expressions                                  */
/* ------------------------------------------------------------------------ */

/* How CPython names an expression in "cannot assign to %s". */
static const char *expr_name(const ast_node *n)
{
    switch (n->kind) {
    case AST_ATTRIBUTE: return "attribute";
    case AST_SUBSCRIPT: return "subscript";
    case AST_STARRED: return "starred";
    case AST_NAME: return "name";
    case AST_LIST: return "list";
    case AST_TUPLE: return "tuple";
    case AST_LAMBDA: return "lambda";
    case AST_CALL: return "function call";
    case AST_BOOL_OP: case AST_BIN_OP: case AST_UNARY_OP: return "expression";
    case AST_GENERATOR_EXP: return "generator expression";
    case AST_AWAIT: return "await expression";
    case AST_YIELD:
    case AST_YIELD_FROM: return "yield expression";
    case AST_LIST_COMP: return "list comprehension";
    case AST_SET_COMP: return "set comprehension";
    case AST_DICT_COMP: return "dict comprehension";
    case AST_DICT: return "dict literal";
    case AST_SET: return "set display";
    case AST_JOINED_STR: case AST_FORMATTED_VALUE: return "f-string expression";
    case AST_COMPARE: return "comparison";
    case AST_IF_EXP: return "conditional expression";
    case AST_NAMED_EXPR: return "named expression";
    case AST_CONSTANT:
        switch (n->u.constant.kind) {
        case AST_CONST_NONE: return "None";
        case AST_CONST_TRUE: return "True";
        case AST_CONST_FALSE: return "False";
        case AST_CONST_ELLIPSIS: return "ellipsis";
        default: return "literal";
        }
    default: return "expression";
    }
}

/* Where a target appears, which decides the message for a bad one. */
typedef enum target_mode {
    T_ASSIGN_FIRST, /* the first target of an assignment */
    T_ASSIGN,       /* a later target of a chained assignment */
    T_AUG,          /* x += ... */
    T_ANN,          /* x: T */
    T_DEL,
    T_FOR           /* for/comprehension/with targets */
} target_mode;

/* Checks that `n` may be assigned to (or deleted) as `mode` says; fails
 * with CPython's message otherwise. `nested`: inside a tuple or list.
 * Names, attributes and subscripts are targets, and so are tuples and
 * lists of targets (not for augmented assignments or annotations).
 * Starred targets ("a, *b = c") are refused: the scenario subset does not
 * unpack with a star, and refusing is better than a silent difference. */
static bool check_target(parser *p, const ast_node *n, target_mode mode,
                         bool nested)
{
    switch (n->kind) {
    case AST_NAME:
    case AST_ATTRIBUTE:
    case AST_SUBSCRIPT:
        return true;
    case AST_TUPLE:
    case AST_LIST:
        if (mode == T_AUG) {
            fail_at(p, n->line, n->col,
                    "'%s' is an illegal expression for augmented assignment",
                    expr_name(n));
            return false;
        }
        if (mode == T_ANN) {
            fail_at(p, n->line, n->col,
                    "only single target (not %s) can be annotated",
                    expr_name(n));
            return false;
        }
        for (int i = 0; i < n->u.tuple.elts.len; i++)
            if (!check_target(p, n->u.tuple.elts.items[i], mode, true))
                return false;
        return true;
    case AST_STARRED:
        if (mode == T_DEL) {
            fail_at(p, n->line, n->col, "cannot delete starred");
        } else if (!nested || mode == T_AUG || mode == T_ANN) {
            if (mode == T_AUG)
                fail_at(p, n->line, n->col,
                        "'starred' is an illegal expression for augmented "
                        "assignment");
            else
                fail_at(p, n->line, n->col,
                        "starred assignment target must be in a list or "
                        "tuple");
        } else {
            /* CPython offers no '==' hint inside a starred target. */
            return check_target(p, n->u.starred.value,
                                mode == T_ASSIGN_FIRST ? T_ASSIGN : mode,
                                true);
        }
        return false;
    default:
        break;
    }
    const char *what = expr_name(n);
    bool keyword_const =
        n->kind == AST_CONSTANT && (n->u.constant.kind == AST_CONST_NONE ||
                                    n->u.constant.kind == AST_CONST_TRUE ||
                                    n->u.constant.kind == AST_CONST_FALSE);
    switch (mode) {
    case T_ASSIGN_FIRST:
        if (keyword_const)
            fail_at(p, n->line, n->col, "cannot assign to %s", what);
        else
            fail_at(p, n->line, n->col,
                    "cannot assign to %s here. Maybe you meant '==' instead "
                    "of '='?",
                    what);
        break;
    case T_ASSIGN:
    case T_FOR:
        fail_at(p, n->line, n->col, "cannot assign to %s", what);
        break;
    case T_AUG:
        fail_at(p, n->line, n->col,
                "'%s' is an illegal expression for augmented assignment",
                what);
        break;
    case T_ANN:
        fail_at(p, n->line, n->col, "illegal target for annotation");
        break;
    case T_DEL:
        fail_at(p, n->line, n->col, "cannot delete %s", what);
        break;
    }
    return false;
}

/* Reports an await where the scope forbids it (not a syntax error: the
 * tree stays usable). The wording follows CPython: outside any function
 * (module level, a class body) versus inside a def or lambda that is not
 * async. Comprehensions take the scope of the function around them. */
static void check_await(parser *p, const lx_token *t)
{
    if (p->scope == SCOPE_ASYNC)
        return;
    if (p->scope == SCOPE_FUNC || p->scope == SCOPE_LAMBDA)
        report(p, t->line, t->col, "'await' outside async function");
    else
        report(p, t->line, t->col, "'await' outside function");
}

/* ------------------------------------------------------------------------ */
/* Expressions                                                              */
/* ------------------------------------------------------------------------ */

/*
 * The levels, loosest first, as in Python's grammar:
 *
 *   star_expressions   a, *b, c          (tuples without parentheses)
 *   named_expression   NAME := value     (where the grammar allows it)
 *   expression         lambda; x if c else y
 *   disjunction        or                (one flat BOOL_OP per run)
 *   conjunction        and
 *   inversion          not               (a loop, not recursion)
 *   comparison         < <= == != > >= in not-in is is-not (one COMPARE)
 *   binary             | ^ & << >> + - * / // % @  (precedence climbing)
 *   factor             unary + - ~       (a loop, not recursion)
 *   power              [await] primary ['**' factor]  (right-associative,
 *                      and tighter than a unary minus on its left:
 *                      -2**2 is -(2**2))
 *   primary            atom followed by .name, (args) and [slices]
 *   atom               names, constants, strings, displays
 *
 * Every function returns the node, or NULL after an error (reported, or
 * silent when the panic flag was already set); callers return NULL at
 * once, so that the statement loop can recover.
 */

static ast_node *expression(parser *p);
static ast_node *named_expression(parser *p);
static ast_node *star_named_expression(parser *p);
static ast_node *star_expressions(parser *p);
static ast_node *disjunction(parser *p);
static ast_node *bitwise_or(parser *p);
static ast_node *strings(parser *p);
static bool params(parser *p, vec *out, lx_kind closer, bool lambda);
static ast_node *targets(parser *p, target_mode mode, bool single);

/* A NAME node for the current token, which must be a name. */
static ast_node *name_node(parser *p)
{
    const lx_token *t = cur(p);
    if (t->kind != LX_NAME)
        return fail_tok(p, t, "invalid syntax");
    ast_node *n = mk_tok(p, AST_NAME, t);
    if (!n)
        return NULL;
    n->u.name.id = tok_str(p, t);
    if (!n->u.name.id.s)
        return NULL;
    advance(p);
    return fin(p, n);
}

/* None, True, False or ... from the current token. */
static ast_node *constant(parser *p, ast_const_kind k)
{
    const lx_token *t = advance(p);
    ast_node *n = mk_tok(p, AST_CONSTANT, t);
    if (!n)
        return NULL;
    n->u.constant.kind = k;
    return fin(p, n);
}

/* A NUMBER token as an int or float constant. An integer past INT64_MAX
 * is reported here rather than in the lexer, because factor() accepts
 * 9223372036854775808 right after a minus sign. */
static ast_node *number(parser *p)
{
    const lx_token *t = advance(p);
    ast_node *n = mk_tok(p, AST_CONSTANT, t);
    if (!n)
        return NULL;
    if (t->is_float) {
        n->u.constant.kind = AST_CONST_FLOAT;
        n->u.constant.f = t->num.f;
    } else {
        n->u.constant.kind = AST_CONST_INT;
        if (t->too_large)
            report(p, t->line, t->col,
                   "integer literal too large (scenarios use 64-bit "
                   "integers)");
        else
            n->u.constant.i = (int64_t)t->num.u;
    }
    return fin(p, n);
}

/* for_if_clauses: ([async] 'for' targets 'in' disjunction ('if'
 * disjunction)*)+, appended to `out`. `start` is the display's first
 * token, where an asynchronous comprehension outside an async function
 * is reported. */
static bool comp_clauses(parser *p, vec *out, const lx_token *start)
{
    while (kind(p) == LX_KW_FOR ||
           (kind(p) == LX_KW_ASYNC && peek_kind(p, 1) == LX_KW_FOR)) {
        const lx_token *first = cur(p);
        bool is_async = accept(p, LX_KW_ASYNC);
        if (is_async && p->scope != SCOPE_ASYNC)
            report(p, start->line, start->col,
                   "asynchronous comprehension outside of an asynchronous "
                   "function");
        advance(p); /* for */
        ast_node *c = mk_tok(p, AST_COMPREHENSION, first);
        if (!c)
            return false;
        c->u.comprehension.is_async = is_async;
        ast_node *target = targets(p, T_FOR, false);
        if (!target)
            return false;
        c->u.comprehension.target = target;
        if (!expect(p, LX_KW_IN))
            return false;
        c->u.comprehension.iter = disjunction(p);
        if (!c->u.comprehension.iter)
            return false;
        vec ifs = {0};
        while (accept(p, LX_KW_IF)) {
            ast_node *cond = disjunction(p);
            if (!cond || !push(p, &ifs, cond))
                return false;
        }
        c->u.comprehension.ifs = as_list(ifs);
        if (!push(p, out, fin(p, c)))
            return false;
    }
    return true;
}

/* Reports "invalid syntax. Perhaps you forgot a comma?" when the token
 * after an element inside brackets starts another expression, else
 * "invalid syntax" at that token. */
static void *missing_comma(parser *p, const ast_node *elt)
{
    if (starts_expr(kind(p)) && kind(p) != LX_ERROR && elt)
        return fail_at(p, elt->line, elt->col,
                       "invalid syntax. Perhaps you forgot a comma?");
    return fail_tok(p, cur(p), "invalid syntax");
}

/* The elements after the first of a list, set or tuple display, up to
 * (not including) the closer. */
static bool display_rest(parser *p, vec *elts, lx_kind closer)
{
    while (kind(p) != closer) {
        if (kind(p) != LX_COMMA) {
            missing_comma(p, elts->items[elts->len - 1]);
            return false;
        }
        advance(p);
        if (kind(p) == closer)
            break;
        ast_node *e = star_named_expression(p);
        if (!e || !push(p, elts, e))
            return false;
    }
    return true;
}

/* '(' ... ')': a tuple, a parenthesised expression or a generator
 * expression, told apart by what follows the first element (')', ',' or
 * 'for'). A parenthesised expression is returned as it is, with its own
 * position (CPython keeps no node for the parentheses); the rules that
 * build a node around it take their start from the '(' token instead. */
static ast_node *paren(parser *p)
{
    const lx_token *open = advance(p);
    if (kind(p) == LX_RPAR) {
        ast_node *t = mk_tok(p, AST_TUPLE, open);
        advance(p);
        return fin(p, t);
    }
    if (kind(p) == LX_KW_YIELD) {
        ast_node *y = yield_expr(p);
        if (!y || !expect(p, LX_RPAR))
            return NULL;
        return y;
    }
    ast_node *first = star_named_expression(p);
    if (!first)
        return NULL;
    if (kind(p) == LX_KW_FOR || kind(p) == LX_KW_ASYNC) {
        if (first->kind == AST_STARRED)
            return fail_at(p, first->line, first->col,
                           "iterable unpacking cannot be used in "
                           "comprehension");
        ast_node *g = mk_tok(p, AST_GENERATOR_EXP, open);
        if (!g)
            return NULL;
        g->u.comp.elt = first;
        vec gens = {0};
        if (!comp_clauses(p, &gens, open))
            return NULL;
        g->u.comp.generators = as_list(gens);
        if (kind(p) != LX_RPAR)
            return fail_tok(p, cur(p), "invalid syntax");
        advance(p);
        return fin(p, g);
    }
    if (kind(p) == LX_RPAR) {
        advance(p);
        if (first->kind == AST_STARRED)
            return fail_at(p, first->line, first->col,
                           "cannot use starred expression here");
        return first; /* a parenthesised expression keeps its position */
    }
    if (kind(p) != LX_COMMA) {
        if (kind(p) == LX_EQUAL && first->kind == AST_NAME)
            return fail_at(p, first->line, first->col,
                           "invalid syntax. Maybe you meant '==' or ':=' "
                           "instead of '='?");
        return missing_comma(p, first);
    }
    vec elts = {0};
    if (!push(p, &elts, first) || !display_rest(p, &elts, LX_RPAR))
        return NULL;
    advance(p);
    ast_node *t = mk_tok(p, AST_TUPLE, open);
    if (!t)
        return NULL;
    t->u.tuple.elts = as_list(elts);
    return fin(p, t);
}

/* '[' ... ']': a list display or a list comprehension. */
static ast_node *list_display(parser *p)
{
    const lx_token *open = advance(p);
    vec elts = {0};
    if (kind(p) != LX_RSQB) {
        ast_node *first = star_named_expression(p);
        if (!first)
            return NULL;
        if (kind(p) == LX_KW_FOR || kind(p) == LX_KW_ASYNC) {
            if (first->kind == AST_STARRED)
                return fail_at(p, first->line, first->col,
                               "iterable unpacking cannot be used in "
                               "comprehension");
            ast_node *c = mk_tok(p, AST_LIST_COMP, open);
            if (!c)
                return NULL;
            c->u.comp.elt = first;
            vec gens = {0};
            if (!comp_clauses(p, &gens, open))
                return NULL;
            c->u.comp.generators = as_list(gens);
            if (kind(p) != LX_RSQB)
                return fail_tok(p, cur(p), "invalid syntax");
            advance(p);
            return fin(p, c);
        }
        if (!push(p, &elts, first) || !display_rest(p, &elts, LX_RSQB))
            return NULL;
    }
    advance(p);
    ast_node *l = mk_tok(p, AST_LIST, open);
    if (!l)
        return NULL;
    l->u.list.elts = as_list(elts);
    return fin(p, l);
}

/* '{' ... '}': a dict, a set, or a dict or set comprehension. "{}" is a
 * dict; the first element decides the rest: "k: v" or "**m" make a dict,
 * anything else a set, and 'for' after the first element a
 * comprehension. */
static ast_node *brace_display(parser *p)
{
    const lx_token *open = advance(p);
    vec keys = {0}, values = {0};
    if (kind(p) == LX_RBRACE) {
        advance(p);
        return fin(p, mk_tok(p, AST_DICT, open));
    }
    ast_node *first_key = NULL, *first_value = NULL;
    if (kind(p) == LX_DOUBLESTAR) {
        advance(p);
        first_value = bitwise_or(p);
        if (!first_value)
            return NULL;
    } else {
        first_key = star_named_expression(p);
        if (!first_key)
            return NULL;
        if (kind(p) == LX_COLON && first_key->kind != AST_STARRED) {
            advance(p);
            first_value = expression(p);
            if (!first_value)
                return NULL;
        }
    }
    if (first_value) {
        /* A dict, or a dict comprehension. */
        if (first_key &&
            (kind(p) == LX_KW_FOR || kind(p) == LX_KW_ASYNC)) {
            ast_node *c = mk_tok(p, AST_DICT_COMP, open);
            if (!c)
                return NULL;
            c->u.dict_comp.key = first_key;
            c->u.dict_comp.value = first_value;
            vec gens = {0};
            if (!comp_clauses(p, &gens, open))
                return NULL;
            c->u.dict_comp.generators = as_list(gens);
            if (kind(p) != LX_RBRACE)
                return fail_tok(p, cur(p), "invalid syntax");
            advance(p);
            return fin(p, c);
        }
        if (!push(p, &keys, first_key) || !push(p, &values, first_value))
            return NULL;
        while (kind(p) != LX_RBRACE) {
            if (kind(p) != LX_COMMA)
                return missing_comma(p, values.items[values.len - 1]);
            advance(p);
            if (kind(p) == LX_RBRACE)
                break;
            ast_node *k = NULL, *v;
            if (accept(p, LX_DOUBLESTAR)) {
                v = bitwise_or(p);
            } else {
                k = expression(p);
                if (!k)
                    return NULL;
                if (kind(p) != LX_COLON)
                    return fail_at(p, k->line, k->col,
                                   "':' expected after dictionary key");
                advance(p);
                v = expression(p);
            }
            if (!v || !push(p, &keys, k) || !push(p, &values, v))
                return NULL;
        }
        advance(p);
        ast_node *d = mk_tok(p, AST_DICT, open);
        if (!d)
            return NULL;
        d->u.dict.keys = as_list(keys);
        d->u.dict.values = as_list(values);
        return fin(p, d);
    }
    /* A set, or a set comprehension. */
    if (kind(p) == LX_KW_FOR || kind(p) == LX_KW_ASYNC) {
        if (first_key->kind == AST_STARRED)
            return fail_at(p, first_key->line, first_key->col,
                           "iterable unpacking cannot be used in "
                           "comprehension");
        ast_node *c = mk_tok(p, AST_SET_COMP, open);
        if (!c)
            return NULL;
        c->u.comp.elt = first_key;
        vec gens = {0};
        if (!comp_clauses(p, &gens, open))
            return NULL;
        c->u.comp.generators = as_list(gens);
        if (kind(p) != LX_RBRACE)
            return fail_tok(p, cur(p), "invalid syntax");
        advance(p);
        return fin(p, c);
    }
    vec elts = {0};
    if (!push(p, &elts, first_key))
        return NULL;
    while (kind(p) != LX_RBRACE) {
        if (kind(p) != LX_COMMA)
            return missing_comma(p, elts.items[elts.len - 1]);
        advance(p);
        if (kind(p) == LX_RBRACE)
            break;
        if (kind(p) == LX_DOUBLESTAR)
            return fail_tok(p, cur(p), "invalid syntax");
        ast_node *e = star_named_expression(p);
        if (!e)
            return NULL;
        if (kind(p) == LX_COLON)
            return fail_tok(p, cur(p), "invalid syntax");
        if (!push(p, &elts, e))
            return NULL;
    }
    advance(p);
    ast_node *s = mk_tok(p, AST_SET, open);
    if (!s)
        return NULL;
    s->u.set.elts = as_list(elts);
    return fin(p, s);
}

/* atom: a name, a constant, strings, or a display. */
static ast_node *atom(parser *p)
{
    const lx_token *t = cur(p);
    switch (t->kind) {
    case LX_NAME: return name_node(p);
    case LX_NUMBER: return number(p);
    case LX_STRING: return strings(p);
    case LX_KW_NONE: return constant(p, AST_CONST_NONE);
    case LX_KW_TRUE: return constant(p, AST_CONST_TRUE);
    case LX_KW_FALSE: return constant(p, AST_CONST_FALSE);
    case LX_ELLIPSIS: return constant(p, AST_CONST_ELLIPSIS);
    case LX_LPAR: return paren(p);
    case LX_LSQB: return list_display(p);
    case LX_LBRACE: return brace_display(p);
    default:
        return fail_tok(p, t, "invalid syntax");
    }
}

/* The arguments of a call, after '(' up to and including ')'.
 *
 * Positional arguments and *iterables go to args (STARRED for the
 * latter), name=value and **mappings to keywords (arg NULL for the
 * latter). Python's ordering rules are checked with CPython's messages: no
 * positional argument after a keyword or a **mapping, no *iterable after a
 * **mapping, no repeated keyword. A generator expression without its own
 * parentheses must be the only argument; it then starts at the call's
 * '(' (`open`), as in CPython. */
static bool call_args(parser *p, ast_node *call, const lx_token *open)
{
    vec args = {0}, kws = {0};
    bool seen_kw = false, seen_kwunpack = false;
    ast_node *last = NULL; /* the latest argument, for the comma hint */
    while (kind(p) != LX_RPAR) {
        const lx_token *t = cur(p);
        if (t->kind == LX_STAR) {
            advance(p);
            ast_node *v = expression(p);
            if (!v)
                return false;
            if (seen_kwunpack) {
                fail_tok(p, t, "iterable argument unpacking follows keyword "
                               "argument unpacking");
                return false;
            }
            ast_node *s = mk_tok(p, AST_STARRED, t);
            if (!s)
                return false;
            s->u.starred.value = v;
            if (!push(p, &args, fin(p, s)))
                return false;
            last = s;
        } else if (t->kind == LX_DOUBLESTAR) {
            advance(p);
            ast_node *v = expression(p);
            if (!v)
                return false;
            ast_node *k = mk_tok(p, AST_KEYWORD, t);
            if (!k)
                return false;
            k->u.keyword.value = v;
            if (!push(p, &kws, fin(p, k)))
                return false;
            last = k;
            seen_kwunpack = true;
        } else if (t->kind == LX_NAME && peek_kind(p, 1) == LX_EQUAL) {
            /* name=value: the lookahead tells it from an expression
             * ("f(a == b)" has an EQEQUAL token, not EQUAL). */
            ast_node *k = mk_tok(p, AST_KEYWORD, t);
            if (!k)
                return false;
            k->u.keyword.arg = tok_str(p, t);
            if (!k->u.keyword.arg.s)
                return false;
            advance(p);
            advance(p);
            k->u.keyword.value = expression(p);
            if (!k->u.keyword.value)
                return false;
            if (kind(p) == LX_KW_FOR) {
                fail_tok(p, t, "invalid syntax. Maybe you meant '==' or ':=' "
                               "instead of '='?");
                return false;
            }
            for (int i = 0; i < kws.len; i++) {
                ast_node *o = kws.items[i];
                if (o->u.keyword.arg.s &&
                    str_eq(o->u.keyword.arg, k->u.keyword.arg)) {
                    fail_tok(p, t, "keyword argument repeated: %s",
                             k->u.keyword.arg.s);
                    return false;
                }
            }
            if (!push(p, &kws, fin(p, k)))
                return false;
            last = k;
            seen_kw = true;
        } else {
            ast_node *e = named_expression(p);
            if (!e)
                return false;
            if (kind(p) == LX_KW_FOR || kind(p) == LX_KW_ASYNC) {
                /* A generator expression: the call's only argument. */
                ast_node *g = mk_tok(p, AST_GENERATOR_EXP, open);
                if (!g)
                    return false;
                g->u.comp.elt = e;
                vec gens = {0};
                if (!comp_clauses(p, &gens, open))
                    return false;
                g->u.comp.generators = as_list(gens);
                if (args.len + kws.len > 0 || kind(p) != LX_RPAR) {
                    if (kind(p) != LX_COMMA && kind(p) != LX_RPAR) {
                        fail_tok(p, cur(p), "invalid syntax");
                        return false;
                    }
                    fail_at(p, e->line, e->col,
                            "Generator expression must be parenthesized");
                    return false;
                }
                advance(p);
                fin(p, g);
                if (!push(p, &args, g))
                    return false;
                call->u.call.args = as_list(args);
                return true;
            }
            if (kind(p) == LX_EQUAL) {
                fail_at(p, e->line, e->col,
                        "expression cannot contain assignment, perhaps you "
                        "meant \"==\"?");
                return false;
            }
            if (seen_kw || seen_kwunpack) {
                fail_at(p, e->line, e->col,
                        seen_kwunpack ? "positional argument follows keyword "
                                        "argument unpacking"
                                      : "positional argument follows keyword "
                                        "argument");
                return false;
            }
            if (!push(p, &args, e))
                return false;
            last = e;
        }
        if (kind(p) == LX_RPAR)
            break;
        if (kind(p) != LX_COMMA) {
            missing_comma(p, last);
            return false;
        }
        advance(p);
    }
    advance(p); /* ')' */
    call->u.call.args = as_list(args);
    call->u.call.keywords = as_list(kws);
    return true;
}

/* One item of a subscript: a slice or a (starred) expression. */
static ast_node *slice_item(parser *p)
{
    const lx_token *t = cur(p);
    if (t->kind == LX_STAR) {
        advance(p);
        ast_node *v = bitwise_or(p);
        if (!v)
            return NULL;
        ast_node *s = mk_tok(p, AST_STARRED, t);
        if (!s)
            return NULL;
        s->u.starred.value = v;
        return fin(p, s);
    }
    ast_node *lower = NULL;
    if (t->kind != LX_COLON) {
        lower = named_expression(p);
        if (!lower)
            return NULL;
        if (kind(p) != LX_COLON)
            return lower;
        if (lower->kind == AST_NAMED_EXPR)
            return fail_tok(p, cur(p), "invalid syntax");
    }
    ast_node *s = mk_tok(p, AST_SLICE, t);
    if (!s)
        return NULL;
    s->u.slice.lower = lower;
    advance(p); /* ':' */
    if (kind(p) != LX_COLON && kind(p) != LX_COMMA && kind(p) != LX_RSQB) {
        s->u.slice.upper = expression(p);
        if (!s->u.slice.upper)
            return NULL;
    }
    if (accept(p, LX_COLON) && kind(p) != LX_COMMA && kind(p) != LX_RSQB) {
        s->u.slice.step = expression(p);
        if (!s->u.slice.step)
            return NULL;
    }
    return fin(p, s);
}

/* '[' slices ']' after a primary that started at token vstart. */
static ast_node *subscript(parser *p, ast_node *value, const lx_token *vstart)
{
    advance(p); /* '[' */
    if (kind(p) == LX_RSQB)
        return fail_tok(p, cur(p), "invalid syntax");
    const lx_token *start = cur(p);
    ast_node *first = slice_item(p);
    if (!first)
        return NULL;
    ast_node *slice = first;
    if (kind(p) == LX_COMMA) {
        vec elts = {0};
        if (!push(p, &elts, first))
            return NULL;
        while (accept(p, LX_COMMA)) {
            if (kind(p) == LX_RSQB)
                break;
            ast_node *e = slice_item(p);
            if (!e || !push(p, &elts, e))
                return NULL;
        }
        slice = mk_tok(p, AST_TUPLE, start);
        if (!slice)
            return NULL;
        slice->u.tuple.elts = as_list(elts);
        fin(p, slice);
    } else if (first->kind == AST_STARRED) {
        /* a[*b] is a one-element tuple, as in CPython 3.11. */
        vec elts = {0};
        if (!push(p, &elts, first))
            return NULL;
        slice = mk_tok(p, AST_TUPLE, start);
        if (!slice)
            return NULL;
        slice->u.tuple.elts = as_list(elts);
        fin(p, slice);
    }
    if (kind(p) != LX_RSQB)
        return missing_comma(p, slice);
    advance(p);
    ast_node *s = mk_tok(p, AST_SUBSCRIPT, vstart);
    if (!s)
        return NULL;
    s->u.subscript.value = value;
    s->u.subscript.slice = slice;
    return fin(p, s);
}

/* primary: atom followed by .name, (args) and [slices] trailers (a loop,
 * not recursion). */
static ast_node *primary(parser *p)
{
    /* Trailers start where the atom does, parentheses included. */
    const lx_token *start = cur(p);
    ast_node *n = atom(p);
    while (n) {
        lx_kind k = kind(p);
        if (k == LX_DOT) {
            advance(p);
            const lx_token *t = cur(p);
            if (t->kind != LX_NAME)
                return fail_tok(p, t, "invalid syntax");
            ast_node *a = mk_tok(p, AST_ATTRIBUTE, start);
            if (!a)
                return NULL;
            a->u.attribute.value = n;
            a->u.attribute.attr = tok_str(p, t);
            if (!a->u.attribute.attr.s)
                return NULL;
            advance(p);
            n = fin(p, a);
        } else if (k == LX_LPAR) {
            const lx_token *open = advance(p);
            ast_node *c = mk_tok(p, AST_CALL, start);
            if (!c)
                return NULL;
            c->u.call.func = n;
            if (!call_args(p, c, open))
                return NULL;
            n = fin(p, c);
        } else if (k == LX_LSQB) {
            n = subscript(p, n, start);
        } else {
            break;
        }
    }
    return n;
}

static ast_node *factor(parser *p);

/* power: ['await'] primary ['**' factor]. */
static ast_node *power(parser *p)
{
    const lx_token *start = cur(p);
    ast_node *base;
    if (kind(p) == LX_KW_AWAIT) {
        const lx_token *t = advance(p);
        check_await(p, t);
        ast_node *v = primary(p);
        if (!v)
            return NULL;
        base = mk_tok(p, AST_AWAIT, t);
        if (!base)
            return NULL;
        base->u.await_.value = v;
        fin(p, base);
    } else {
        base = primary(p);
        if (!base)
            return NULL;
    }
    if (kind(p) != LX_DOUBLESTAR)
        return base;
    advance(p);
    if (!enter(p))
        return NULL;
    ast_node *exp = factor(p);
    leave(p);
    if (!exp)
        return NULL;
    ast_node *b = mk_tok(p, AST_BIN_OP, start);
    if (!b)
        return NULL;
    b->u.bin_op.left = base;
    b->u.bin_op.op = AST_OP_POW;
    b->u.bin_op.right = exp;
    return fin(p, b);
}

/* factor: ('+' | '-' | '~')* power, the prefix operators collected in a
 * loop so that a long chain costs no stack. -9223372036854775808 (a
 * minus right before 2**63 alone) becomes the constant INT64_MIN, the
 * only way to write it in 64 bits. */
static ast_node *factor(parser *p)
{
    int first = p->pos, count = 0;
    while (kind(p) == LX_MINUS || kind(p) == LX_PLUS || kind(p) == LX_TILDE) {
        advance(p);
        count++;
    }
    ast_node *n;
    const lx_token *t = cur(p);
    lx_kind after = peek_kind(p, 1);
    if (count > 0 && p->toks->items[p->pos - 1].kind == LX_MINUS &&
        t->kind == LX_NUMBER && !t->is_float && t->too_large &&
        t->num.u == (uint64_t)1 << 63 && after != LX_DOUBLESTAR &&
        after != LX_DOT && after != LX_LPAR && after != LX_LSQB) {
        advance(p);
        count--;
        n = mk_tok(p, AST_CONSTANT, &p->toks->items[p->pos - 2]);
        if (!n)
            return NULL;
        n->u.constant.kind = AST_CONST_INT;
        n->u.constant.i = INT64_MIN;
        fin(p, n);
    } else {
        n = power(p);
    }
    if (!n)
        return NULL;
    for (int i = first + count - 1; i >= first; i--) {
        const lx_token *op = &p->toks->items[i];
        ast_node *u = mk_tok(p, AST_UNARY_OP, op);
        if (!u)
            return NULL;
        u->u.unary_op.op = op->kind == LX_MINUS  ? AST_OP_NEG
                           : op->kind == LX_PLUS ? AST_OP_POS
                                                 : AST_OP_INVERT;
        u->u.unary_op.operand = n;
        n = fin(p, u);
    }
    return n;
}

/* The binary operators from '|' (1) to '*' (6) and their precedence. */
static int binop_prec(lx_kind k, ast_op *op)
{
    switch (k) {
    case LX_VBAR: *op = AST_OP_BITOR; return 1;
    case LX_CIRCUMFLEX: *op = AST_OP_BITXOR; return 2;
    case LX_AMPER: *op = AST_OP_BITAND; return 3;
    case LX_LSHIFT: *op = AST_OP_LSHIFT; return 4;
    case LX_RSHIFT: *op = AST_OP_RSHIFT; return 4;
    case LX_PLUS: *op = AST_OP_ADD; return 5;
    case LX_MINUS: *op = AST_OP_SUB; return 5;
    case LX_STAR: *op = AST_OP_MUL; return 6;
    case LX_SLASH: *op = AST_OP_DIV; return 6;
    case LX_DOUBLESLASH: *op = AST_OP_FLOORDIV; return 6;
    case LX_PERCENT: *op = AST_OP_MOD; return 6;
    case LX_AT: *op = AST_OP_MATMUL; return 6;
    default: return 0;
    }
}

/* Precedence climbing over the left-associative binary operators whose
 * precedence is at least min_prec. Recursion is bounded by the six
 * levels. */
static ast_node *binary(parser *p, int min_prec)
{
    const lx_token *start = cur(p);
    ast_node *left = factor(p);
    while (left) {
        ast_op op;
        int prec = binop_prec(kind(p), &op);
        if (prec == 0 || prec < min_prec)
            break;
        advance(p);
        ast_node *right = prec < 6 ? binary(p, prec + 1) : factor(p);
        if (!right)
            return NULL;
        ast_node *b = mk_tok(p, AST_BIN_OP, start);
        if (!b)
            return NULL;
        b->u.bin_op.left = left;
        b->u.bin_op.op = op;
        b->u.bin_op.right = right;
        left = fin(p, b);
    }
    return left;
}

static ast_node *bitwise_or(parser *p) { return binary(p, 1); }

/* The comparison operator at the cursor (consumed), or false. */
static bool comp_op(parser *p, ast_op *op)
{
    switch (kind(p)) {
    case LX_EQEQUAL: *op = AST_OP_EQ; break;
    case LX_NOTEQUAL: *op = AST_OP_NE; break;
    case LX_LESS: *op = AST_OP_LT; break;
    case LX_LESSEQUAL: *op = AST_OP_LE; break;
    case LX_GREATER: *op = AST_OP_GT; break;
    case LX_GREATEREQUAL: *op = AST_OP_GE; break;
    case LX_KW_IN: *op = AST_OP_IN; break;
    case LX_KW_NOT:
        if (peek_kind(p, 1) != LX_KW_IN)
            return false;
        advance(p);
        *op = AST_OP_NOT_IN;
        break;
    case LX_KW_IS:
        if (peek_kind(p, 1) == LX_KW_NOT) {
            advance(p);
            *op = AST_OP_IS_NOT;
        } else {
            *op = AST_OP_IS;
        }
        break;
    default:
        return false;
    }
    advance(p);
    return true;
}

/* comparison: bitwise_or (compare_op bitwise_or)*, one COMPARE node for
 * a whole chain. */
static ast_node *comparison(parser *p)
{
    const lx_token *start = cur(p);
    ast_node *left = bitwise_or(p);
    if (!left)
        return NULL;
    ast_op op;
    if (!comp_op(p, &op))
        return left;
    vec comps = {0};
    ast_op *ops = NULL;
    int nops = 0, cap = 0;
    do {
        if (nops == cap) {
            int ncap = cap ? cap * 2 : 4;
            ast_op *n = ast_arena_alloc(p->f->arena, (size_t)ncap * sizeof *n);
            if (!n) {
                out_of_memory(p);
                return NULL;
            }
            if (nops)
                memcpy(n, ops, (size_t)nops * sizeof *n);
            ops = n;
            cap = ncap;
        }
        ops[nops++] = op;
        ast_node *right = bitwise_or(p);
        if (!right || !push(p, &comps, right))
            return NULL;
    } while (comp_op(p, &op));
    ast_node *c = mk_tok(p, AST_COMPARE, start);
    if (!c)
        return NULL;
    c->u.compare.left = left;
    c->u.compare.ops = ops;
    c->u.compare.comparators = as_list(comps);
    return fin(p, c);
}

/* inversion: 'not'* comparison, the 'not's collected in a loop. */
static ast_node *inversion(parser *p)
{
    int first = p->pos, count = 0;
    while (kind(p) == LX_KW_NOT) {
        advance(p);
        count++;
    }
    ast_node *n = comparison(p);
    for (int i = first + count - 1; n && i >= first; i--) {
        ast_node *u = mk_tok(p, AST_UNARY_OP, &p->toks->items[i]);
        if (!u)
            return NULL;
        u->u.unary_op.op = AST_OP_NOT;
        u->u.unary_op.operand = n;
        n = fin(p, u);
    }
    return n;
}

/* conjunction and disjunction: one flat BOOL_OP per run of and/or. */
static ast_node *bool_chain(parser *p, bool is_or)
{
    const lx_token *start = cur(p);
    ast_node *first = is_or ? bool_chain(p, false) : inversion(p);
    lx_kind k = is_or ? LX_KW_OR : LX_KW_AND;
    if (!first || kind(p) != k)
        return first;
    vec values = {0};
    if (!push(p, &values, first))
        return NULL;
    while (accept(p, k)) {
        ast_node *e = is_or ? bool_chain(p, false) : inversion(p);
        if (!e || !push(p, &values, e))
            return NULL;
    }
    ast_node *b = mk_tok(p, AST_BOOL_OP, start);
    if (!b)
        return NULL;
    b->u.bool_op.op = is_or ? AST_OP_OR : AST_OP_AND;
    b->u.bool_op.values = as_list(values);
    return fin(p, b);
}

static ast_node *disjunction(parser *p) { return bool_chain(p, true); }

/* lambda [params]: expression. */
static ast_node *lambdef(parser *p)
{
    const lx_token *t = advance(p);
    ast_node *l = mk_tok(p, AST_LAMBDA, t);
    if (!l)
        return NULL;
    vec ps = {0};
    if (kind(p) != LX_COLON && !params(p, &ps, LX_COLON, true))
        return NULL;
    if (!expect(p, LX_COLON))
        return NULL;
    l->u.lambda.params = as_list(ps);
    scope saved = p->scope;
    p->scope = SCOPE_LAMBDA;
    l->u.lambda.body = expression(p);
    p->scope = saved;
    if (!l->u.lambda.body)
        return NULL;
    return fin(p, l);
}

/* expression: disjunction ['if' disjunction 'else' expression] | lambda. */
static ast_node *expression(parser *p)
{
    if (!enter(p))
        return NULL;
    ast_node *n;
    const lx_token *start = cur(p);
    if (kind(p) == LX_KW_LAMBDA) {
        n = lambdef(p);
    } else {
        n = disjunction(p);
        if (n && kind(p) == LX_KW_IF) {
            advance(p);
            ast_node *test = disjunction(p);
            if (!test) {
                n = NULL;
            } else if (kind(p) != LX_KW_ELSE) {
                n = fail_tok(p, start, "expected 'else' after 'if' expression");
            } else {
                advance(p);
                ast_node *orelse = expression(p);
                ast_node *e = orelse ? mk_tok(p, AST_IF_EXP, start) : NULL;
                if (e) {
                    e->u.if_exp.test = test;
                    e->u.if_exp.body = n;
                    e->u.if_exp.orelse = orelse;
                    fin(p, e);
                }
                n = e;
            }
        }
    }
    leave(p);
    return n;
}

/* named_expression: NAME ':=' expression | expression. */
static ast_node *named_expression(parser *p)
{
    if (kind(p) == LX_NAME && peek_kind(p, 1) == LX_COLONEQUAL) {
        ast_node *target = name_node(p);
        if (!target)
            return NULL;
        advance(p);
        ast_node *value = expression(p);
        if (!value)
            return NULL;
        ast_node *n = mk_at(p, AST_NAMED_EXPR, target);
        if (!n)
            return NULL;
        n->u.named_expr.target = target;
        n->u.named_expr.value = value;
        return fin(p, n);
    }
    ast_node *e = expression(p);
    if (e && kind(p) == LX_COLONEQUAL)
        return fail_at(p, e->line, e->col,
                       "cannot use assignment expressions with %s",
                       expr_name(e));
    return e;
}

/* star_named_expression: '*' bitwise_or | named_expression. */
static ast_node *star_named_expression(parser *p)
{
    if (kind(p) != LX_STAR)
        return named_expression(p);
    const lx_token *t = advance(p);
    ast_node *v = bitwise_or(p);
    if (!v)
        return NULL;
    ast_node *s = mk_tok(p, AST_STARRED, t);
    if (!s)
        return NULL;
    s->u.starred.value = v;
    return fin(p, s);
}

/* star_expressions: one expression, or a tuple without parentheses
 * ("a, *b, c,"). A lone starred expression is returned as such for the
 * caller to refuse. */
static ast_node *star_expressions(parser *p)
{
    const lx_token *start = cur(p);
    ast_node *first;
    if (kind(p) == LX_STAR) {
        first = star_named_expression(p);
    } else {
        if (kind(p) == LX_KW_YIELD)
            return yield_expr(p);
        first = expression(p);
    }
    if (!first || kind(p) != LX_COMMA)
        return first;
    vec elts = {0};
    if (!push(p, &elts, first))
        return NULL;
    while (accept(p, LX_COMMA)) {
        if (!starts_expr(kind(p)) && kind(p) != LX_STAR)
            break;
        ast_node *e = kind(p) == LX_STAR ? star_named_expression(p)
                                         : expression(p);
        if (!e || !push(p, &elts, e))
            return NULL;
    }
    ast_node *t = mk_tok(p, AST_TUPLE, start);
    if (!t)
        return NULL;
    t->u.tuple.elts = as_list(elts);
    return fin(p, t);
}

/* Targets of for and with-as: star_targets, parsed at bitwise_or
 * level (so that 'in' ends them), then checked. */
static ast_node *targets(parser *p, target_mode mode, bool single)
{
    const lx_token *start = cur(p);
    vec elts = {0};
    bool comma = false;
    for (;;) {
        ast_node *e = kind(p) == LX_STAR ? star_named_expression(p)
                                         : bitwise_or(p);
        if (!e || !push(p, &elts, e))
            return NULL;
        if (single || kind(p) != LX_COMMA)
            break;
        advance(p);
        comma = true;
        if (!starts_expr(kind(p)) && kind(p) != LX_STAR)
            break;
    }
    ast_node *t = elts.items[0];
    if (comma) {
        t = mk_tok(p, AST_TUPLE, start);
        if (!t)
            return NULL;
        t->u.tuple.elts = as_list(elts);
        fin(p, t);
    }
    return check_target(p, t, mode, false) ? t : NULL;
}

/* ------------------------------------------------------------------------ */
/* Strings and f-strings                                                    */
/* ------------------------------------------------------------------------ */

/*
 * Adjacent literals are joined into one node: a CONSTANT when none is an
 * f-string, else a JOINED_STR whose parts alternate between CONSTANT
 * strings (adjacent literal text merged into one) and FORMATTED_VALUE
 * nodes, exactly as CPython 3.11 builds them:
 *
 *   f"a{x!r:>{w}}b"  ->  (joined_str (constant "a")
 *                          (formatted_value (name x) !r
 *                            (joined_str (constant ">")
 *                                        (formatted_value (name w))))
 *                          (constant "b"))
 *
 * A replacement field's expression ends at the first '!', ':', '}' or
 * lone '=' outside brackets and strings (so "{a!=b}" and "{x==y}" are
 * expressions, and a walrus needs parentheses, as in Python 3.11); it
 * cannot hold a backslash or a '#'. "{x=}" puts the text "x=" before the
 * value and converts with repr unless a conversion or a format spec is
 * given. Format specs nest one level ("{x:{w}}"), as in CPython.
 */

/* The pieces of a (concatenated) string literal being built: the literal
 * text not yet flushed into a CONSTANT part, and the parts so far. */
typedef struct strbuild {
    lx_buf lit;       /* pending literal text (rt_malloc'd) */
    bool have_lit;    /* lit holds a part, even an empty one */
    int lit_line, lit_col; /* where the pending literal began */
    int lit_end_line, lit_end_col; /* and where its text ends so far */
    vec parts;        /* CONSTANT and FORMATTED_VALUE nodes */
} strbuild;

/* Turns the pending literal into a CONSTANT part. */
static bool flush_lit(parser *p, strbuild *b)
{
    if (!b->have_lit || b->lit.len == 0) {
        b->have_lit = false;
        return true;
    }
    ast_node *c = mk(p, AST_CONSTANT, b->lit_line, b->lit_col);
    if (!c)
        return false;
    c->u.constant.kind = AST_CONST_STR;
    c->end_line = b->lit_end_line;
    c->end_col = b->lit_end_col;
    c->u.constant.s = copy_str(p, b->lit.data, b->lit.len);
    if (!c->u.constant.s.s)
        return false;
    b->lit.len = 0;
    b->have_lit = false;
    return push(p, &b->parts, c);
}

/* The (line, col) of byte `off` of the text, counted from token t. */
static void pos_of(const parser *p, const lx_token *t, size_t off, int *line,
                   int *col)
{
    *line = t->line;
    *col = t->col;
    lx_advance(p->f->text, t->start, off, line, col);
}

/* Decodes text[a, b) of token t (flags as the token's) and appends it to
 * the pending literal. */
static bool add_lit(parser *p, strbuild *b, const lx_token *t, size_t a,
                    size_t e, int flags)
{
    if (!b->have_lit) {
        b->have_lit = true;
        pos_of(p, t, a, &b->lit_line, &b->lit_col);
    }
    pos_of(p, t, e, &b->lit_end_line, &b->lit_end_col);
    size_t err_off;
    const char *error;
    switch (lx_decode(p->f->text, a, e, flags, &b->lit, &err_off, &error)) {
    case LX_DECODE_OK:
        return true;
    case LX_DECODE_NOMEM:
        out_of_memory(p);
        return false;
    case LX_DECODE_ERROR: {
        int line, col;
        pos_of(p, t, err_off, &line, &col);
        fail_at(p, line, col, "%s", error);
        return false;
    }
    }
    return false;
}

/* Declared here because fields and bodies recurse into each other
 * (a format spec is a body, and may hold fields). */
static bool fstring_body(parser *p, strbuild *b, const lx_token *t,
                         size_t start, size_t end, bool in_spec, int level,
                         size_t *stop);

/* Parses the replacement field whose '{' is at text[i] (inside token t,
 * whose body ends at `end`) into a FORMATTED_VALUE part of b (with the
 * "x=" constant before it for a self-documenting field). Sets *next past
 * the closing '}'. `level` counts enclosing fields (0: top). */
static bool fstring_field(parser *p, strbuild *b, const lx_token *t,
                          size_t i, size_t end, int level, size_t *next)
{
    const char *s = p->f->text;
    int fline, fcol;
    pos_of(p, t, i, &fline, &fcol);
    if (after_unclosed(p, fline, fcol)) {
        p->f->panic = true; /* the unclosed bracket says it all */
        return false;
    }
    if (level >= MAX_FSTRING_NESTING) {
        fail_at(p, fline, fcol, "f-string: expressions nested too deeply");
        return false;
    }
    /* Find the end of the expression: '}', '!', ':' or a lone '=' outside
     * brackets and strings. */
    size_t j = i + 1, expr_start = j;
    int depth = 0;
    char quote = 0;
    int quote_len = 0;
    bool self_doc = false;
    for (; j < end; j++) {
        char c = s[j];
        if (c == '\\') {
            int line, col;
            pos_of(p, t, j, &line, &col);
            fail_at(p, line, col,
                    "f-string expression part cannot include a backslash");
            return false;
        }
        if (quote) {
            if (c == quote &&
                (quote_len == 1 || (j + 2 < end && s[j + 1] == quote &&
                                    s[j + 2] == quote))) {
                j += (size_t)quote_len - 1;
                quote = 0;
            }
            continue;
        }
        if (c == '\'' || c == '"') {
            quote = c;
            quote_len = (j + 2 < end && s[j + 1] == c && s[j + 2] == c) ? 3 : 1;
            j += (size_t)quote_len - 1;
            continue;
        }
        if (c == '(' || c == '[' || c == '{') {
            depth++;
            continue;
        }
        if (c == ')' || c == ']' || c == '}') {
            if (depth == 0) {
                if (c == '}')
                    break;
                int line, col;
                pos_of(p, t, j, &line, &col);
                fail_at(p, line, col, "f-string: unmatched '%c'", c);
                return false;
            }
            depth--;
            continue;
        }
        if (c == '#') {
            int line, col;
            pos_of(p, t, j, &line, &col);
            fail_at(p, line, col,
                    "f-string expression part cannot include '#'");
            return false;
        }
        if (depth > 0)
            continue;
        char n = j + 1 < end ? s[j + 1] : 0;
        if (c == '!' && n == '=') {
            j++;
            continue;
        }
        if (c == '!' || c == ':')
            break;
        if (c == '=') {
            char before = j > expr_start ? s[j - 1] : 0;
            if (n == '=') {
                j++;
                continue;
            }
            if (before == '=' || before == '!' || before == '<' ||
                before == '>')
                continue;
            self_doc = true;
            break;
        }
    }
    size_t expr_end = j;
    if (quote || j >= end) {
        int line, col;
        pos_of(p, t, j, &line, &col);
        fail_at(p, line, col, "f-string: expecting '}'");
        return false;
    }
    bool blank = true;
    for (size_t k = expr_start; k < expr_end; k++)
        if (s[k] != ' ' && s[k] != '\t' && s[k] != '\n' && s[k] != '\f')
            blank = false;
    if (blank) {
        int line, col;
        pos_of(p, t, expr_end, &line, &col);
        fail_at(p, line, col, "f-string: empty expression not allowed");
        return false;
    }

    /* Tokenize and parse the expression where it stands in the file: the
     * sub-parser shares the arena, the diagnostics, the panic flag and the
     * context (an await in an f-string of an async def is fine), and
     * prefixes its syntax errors with "f-string: " as CPython does. Like
     * CPython, it parses the field as if it were in parentheses, so "{a,
     * b}" is a tuple and the lexer ignores line ends in it. */
    lx_options opt;
    memset(&opt, 0, sizeof opt);
    opt.start = expr_start;
    opt.end = expr_end;
    pos_of(p, t, expr_start, &opt.line, &opt.col);
    opt.fstring_expr = true;
    lx_tokens sub;
    int before = p->f->diags->len;
    if (lx_tokenize(s, &opt, p->f->diags, &sub) != RT_OK) {
        lx_tokens_free(&sub);
        out_of_memory(p);
        return false;
    }
    if (p->f->diags->len > before || sub.len == 0) {
        lx_tokens_free(&sub);
        p->f->panic = true;
        return false;
    }
    parser sp = *p;
    sp.toks = &sub;
    sp.pos = 0;
    sp.prefix = "f-string: ";
    ast_node *value = NULL;
    if (kind(&sp) == LX_KW_YIELD) {
        fail_tok(&sp, cur(&sp), "'yield' is not supported in scenarios");
    } else if (kind(&sp) == LX_STAR) {
        fail_tok(&sp, cur(&sp), "can't use starred expression here");
    } else {
        value = star_expressions(&sp);
        if (value && value->kind == AST_STARRED)
            value = fail_at(&sp, value->line, value->col,
                            "can't use starred expression here");
        if (value && kind(&sp) != LX_ENDMARKER)
            value = missing_comma(&sp, value); /* as if in parentheses */
    }
    lx_tokens_free(&sub);
    if (!value)
        return false;

    /* "{x=}": the expression's text (with the '=' and the blanks after
     * it) goes before the value as literal text. */
    char conversion = 0;
    if (self_doc) {
        j++;
        while (j < end && (s[j] == ' ' || s[j] == '\t' || s[j] == '\n'))
            j++;
        if (!b->have_lit) {
            b->have_lit = true;
            pos_of(p, t, expr_start, &b->lit_line, &b->lit_col);
        }
        pos_of(p, t, j, &b->lit_end_line, &b->lit_end_col);
        if (!lx_buf_put(&b->lit, s + expr_start, j - expr_start)) {
            out_of_memory(p);
            return false;
        }
    }
    if (j < end && s[j] == '!') {
        char c = j + 1 < end ? s[j + 1] : 0;
        char after = j + 2 < end ? s[j + 2] : 0;
        if ((c != 's' && c != 'r' && c != 'a') ||
            (after != ':' && after != '}')) {
            int line, col;
            pos_of(p, t, j + 1, &line, &col);
            if (c == 's' || c == 'r' || c == 'a')
                fail_at(p, line, col + 1, "f-string: expecting '}'");
            else
                fail_at(p, line, col,
                        "f-string: invalid conversion character: expected "
                        "'s', 'r', or 'a'");
            return false;
        }
        conversion = c;
        j += 2;
    }
    ast_node *spec = NULL;
    if (j < end && s[j] == ':') {
        int sline, scol;
        pos_of(p, t, j + 1, &sline, &scol);
        strbuild sb;
        memset(&sb, 0, sizeof sb);
        size_t stop = end;
        bool ok = fstring_body(p, &sb, t, j + 1, end, true, level + 1, &stop);
        ok = ok && flush_lit(p, &sb);
        lx_buf_free(&sb.lit);
        if (!ok)
            return false;
        spec = mk(p, AST_JOINED_STR, sline, scol);
        if (!spec)
            return false;
        spec->u.joined_str.values = as_list(sb.parts);
        pos_of(p, t, stop, &spec->end_line, &spec->end_col);
        j = stop;
    }
    if (j >= end || s[j] != '}') {
        int line, col;
        pos_of(p, t, j, &line, &col);
        fail_at(p, line, col, "f-string: expecting '}'");
        return false;
    }
    j++;
    if (self_doc && !conversion && !spec)
        conversion = 'r';
    if (!flush_lit(p, b))
        return false;
    ast_node *fv = mk(p, AST_FORMATTED_VALUE, fline, fcol);
    if (!fv)
        return false;
    fv->u.formatted_value.value = value;
    fv->u.formatted_value.conversion = conversion;
    fv->u.formatted_value.format_spec = spec;
    pos_of(p, t, j, &fv->end_line, &fv->end_col);
    *next = j;
    return push(p, &b->parts, fv);
}

/* Splits text[start, end) of f-string token t into literal runs and
 * replacement fields, appended to b. In a format spec (in_spec), a '}'
 * ends the body and *stop receives its offset. */
static bool fstring_body(parser *p, strbuild *b, const lx_token *t,
                         size_t start, size_t end, bool in_spec, int level,
                         size_t *stop)
{
    const char *s = p->f->text;
    int flags = t->str_flags & ~LX_STR_F;
    bool raw = flags & LX_STR_RAW;
    size_t i = start, run = start;
    while (i < end) {
        char c = s[i];
        if (c == '{' || c == '}') {
            bool doubled = !in_spec && i + 1 < end && s[i + 1] == c;
            if (doubled || (c == '}' && !in_spec)) {
                if (!doubled) {
                    int line, col;
                    pos_of(p, t, i, &line, &col);
                    fail_at(p, line, col,
                            "f-string: single '}' is not allowed");
                    return false;
                }
                /* "{{" and "}}" stand for one brace. */
                if (!add_lit(p, b, t, run, i + 1, flags))
                    return false;
                i += 2;
                run = i;
                continue;
            }
            if (run < i && !add_lit(p, b, t, run, i, flags))
                return false;
            if (c == '}') { /* the end of a format spec */
                *stop = i;
                return true;
            }
            if (!fstring_field(p, b, t, i, end, level, &i))
                return false;
            run = i;
            continue;
        }
        if (c == '\\' && !raw && i + 1 < end) {
            char n = s[i + 1];
            if (n == '{' || n == '}') {
                i++;
            } else if (n == 'N' && i + 2 < end && s[i + 2] == '{') {
                /* \N{...}: the braces belong to the escape (which the
                 * decoder then refuses). */
                i += 3;
                while (i < end && s[i] != '}')
                    i++;
                if (i < end)
                    i++;
            } else {
                i += 2;
            }
            continue;
        }
        i++;
    }
    if (in_spec) {
        int line, col;
        pos_of(p, t, end, &line, &col);
        fail_at(p, line, col, "f-string: expecting '}'");
        return false;
    }
    if (run < end && !add_lit(p, b, t, run, end, flags))
        return false;
    if (!b->have_lit && run == start && start == end) {
        /* An empty literal still counts as a (possibly empty) part. */
    }
    return true;
}

/* Adjacent string literals: one CONSTANT (str or bytes), or a JOINED_STR
 * when any of them is an f-string. */
static ast_node *strings(parser *p)
{
    const lx_token *first = cur(p);
    int ntoks = 0;
    bool any_f = false;
    bool bytes = first->str_flags & LX_STR_BYTES;
    for (int i = p->pos; p->toks->items[i].kind == LX_STRING; i++) {
        const lx_token *t = &p->toks->items[i];
        if (((t->str_flags & LX_STR_BYTES) != 0) != bytes)
            return fail_tok(p, t, "cannot mix bytes and nonbytes literals");
        any_f |= (t->str_flags & LX_STR_F) != 0;
        ntoks++;
    }
    strbuild b;
    memset(&b, 0, sizeof b);
    bool ok = true;
    const lx_token *last = first;
    for (int k = 0; k < ntoks && ok; k++) {
        const lx_token *t = advance(p);
        last = t;
        size_t body = t->start + t->prefix_len + t->quote_len;
        size_t body_end = t->end - t->quote_len;
        if (t->str_flags & LX_STR_F) {
            size_t stop;
            ok = fstring_body(p, &b, t, body, body_end, false, 0, &stop);
        } else {
            ok = add_lit(p, &b, t, body, body_end, t->str_flags);
        }
    }
    ast_node *n = NULL;
    if (ok && !any_f) {
        n = mk_tok(p, AST_CONSTANT, first);
        if (n) {
            n->u.constant.kind = bytes ? AST_CONST_BYTES : AST_CONST_STR;
            n->u.constant.s = copy_str(p, b.lit.data ? b.lit.data : "",
                                       b.lit.len);
            if (!n->u.constant.s.s)
                n = NULL;
        }
    } else if (ok && flush_lit(p, &b)) {
        n = mk_tok(p, AST_JOINED_STR, first);
        if (n)
            n->u.joined_str.values = as_list(b.parts);
    }
    lx_buf_free(&b.lit);
    if (!n)
        return NULL;
    n->end_line = last->end_line;
    n->end_col = last->end_col;
    return n;
}

/* ------------------------------------------------------------------------ */
/* Parameters                                                               */
/* ------------------------------------------------------------------------ */

/*
 * PARAM nodes in source order: positional ones (with or without a
 * default), then an optional *args (VARARGS) or a bare '*', then
 * keyword-only ones, then an optional **kwargs. Positional-only
 * parameters ('/') are refused: the tree has no place for them, and
 * silently treating them as ordinary parameters would let a scenario
 * pass them by keyword where Python raises TypeError.
 */

/* The parameters of a def (up to `closer`, ')') or a lambda (up to ':'),
 * with annotations parsed and dropped (lambdas have none). Checks
 * CPython's rules: defaults in order, one '*', nothing after '**', no
 * duplicates. */
static bool params(parser *p, vec *out, lx_kind closer, bool lambda)
{
    bool seen_default = false, seen_star = false, seen_kwargs = false;
    while (kind(p) != closer) {
        const lx_token *t = cur(p);
        if (seen_kwargs) {
            fail_tok(p, t, "arguments cannot follow var-keyword argument");
            return false;
        }
        ast_param_kind pk = seen_star ? AST_PARAM_KWONLY : AST_PARAM_POSITIONAL;
        if (t->kind == LX_SLASH) {
            fail_tok(p, t,
                     "positional-only parameters ('/') are not supported in "
                     "scenarios");
            return false;
        }
        if (t->kind == LX_STAR) {
            if (seen_star) {
                fail_tok(p, t, "* argument may appear only once");
                return false;
            }
            advance(p);
            seen_star = true;
            if (kind(p) == LX_COMMA || kind(p) == closer) {
                if (kind(p) == closer || peek_kind(p, 1) == LX_DOUBLESTAR ||
                    peek_kind(p, 1) == closer) {
                    fail_tok(p, t, "named arguments must follow bare *");
                    return false;
                }
                advance(p); /* ',' */
                continue;
            }
            pk = AST_PARAM_VARARGS;
        } else if (t->kind == LX_DOUBLESTAR) {
            advance(p);
            pk = AST_PARAM_KWARGS;
            seen_kwargs = true;
        }
        const lx_token *nt = cur(p);
        if (nt->kind != LX_NAME) {
            fail_tok(p, nt, "invalid syntax");
            return false;
        }
        ast_node *param = mk_tok(p, AST_PARAM, t);
        if (!param)
            return false;
        param->u.param.name = tok_str(p, nt);
        param->u.param.param_kind = pk;
        if (!param->u.param.name.s)
            return false;
        advance(p);
        for (int i = 0; i < out->len; i++) {
            if (str_eq(out->items[i]->u.param.name, param->u.param.name)) {
                fail_tok(p, nt, "duplicate argument '%s' in function "
                                "definition",
                         param->u.param.name.s);
                return false;
            }
        }
        if (!lambda && accept(p, LX_COLON)) {
            /* An annotation: parsed and dropped. */
            ast_node *ann = pk == AST_PARAM_VARARGS
                                ? star_named_expression(p)
                                : expression(p);
            if (!ann)
                return false;
        }
        if (kind(p) == LX_EQUAL) {
            if (pk == AST_PARAM_VARARGS || pk == AST_PARAM_KWARGS) {
                fail_tok(p, cur(p),
                         pk == AST_PARAM_VARARGS
                             ? "var-positional argument cannot have default "
                               "value"
                             : "var-keyword argument cannot have default "
                               "value");
                return false;
            }
            advance(p);
            param->u.param.default_ = expression(p);
            if (!param->u.param.default_)
                return false;
            if (pk == AST_PARAM_POSITIONAL)
                seen_default = true;
        } else if (pk == AST_PARAM_POSITIONAL && seen_default) {
            fail_tok(p, nt, "non-default argument follows default argument");
            return false;
        }
        if (!push(p, out, fin(p, param)))
            return false;
        if (kind(p) == closer)
            break;
        if (kind(p) != LX_COMMA) {
            fail_tok(p, cur(p), "invalid syntax");
            return false;
        }
        advance(p);
    }
    return true;
}

/* ------------------------------------------------------------------------ */
/* Statements                                                               */
/* ------------------------------------------------------------------------ */

/*
 * A statement is either a compound statement (if, while, for, try, with,
 * def, class, decorated, async) that ends with a block, or a line of
 * simple statements separated by ';' and ended by NEWLINE. A block is an
 * indented run of statements between INDENT and DEDENT, or simple
 * statements on the header's own line.
 *
 * Recovery happens in the loops that read statements (block() and
 * ast_parse): when statement() fails, sync() skips to the next boundary at
 * the same indentation. A compound statement whose header failed is
 * skipped whole, with its block and else/elif/except/finally clauses, so
 * that they raise no errors of their own.
 *
 * The context checks that CPython makes later, in its compiler ("'return'
 * outside function", "'await' outside async function", break/continue
 * outside a loop...), are made here from `scope` and `in_loop`, which the
 * def, class, lambda and loop rules save and restore.
 */

static bool statement(parser *p, vec *out);
static bool simple_stmts(parser *p, vec *out);

/* Skips an indented block: from an INDENT to its matching DEDENT. */
static void skip_block(parser *p)
{
    int level = 0;
    do {
        lx_kind k = kind(p);
        if (k == LX_ENDMARKER)
            return;
        if (k == LX_INDENT)
            level++;
        else if (k == LX_DEDENT)
            level--;
        advance(p);
    } while (level > 0);
}

/* Panic-mode recovery: skips to the next statement boundary at this
 * indentation level (past the NEWLINE ending the logical line, and past
 * the indented block and the else/elif/except/finally clauses of a failed
 * compound statement), then clears the panic flag. */
static void sync(parser *p)
{
    p->f->panic = false;
    if (kind(p) == LX_INDENT) {
        skip_block(p);
        return;
    }
    for (;;) {
        lx_kind k = kind(p);
        if (k == LX_ENDMARKER || k == LX_DEDENT)
            return;
        advance(p);
        if (k != LX_NEWLINE)
            continue;
        if (kind(p) != LX_INDENT)
            return;
        skip_block(p);
        k = kind(p);
        if (k != LX_KW_ELSE && k != LX_KW_ELIF && k != LX_KW_EXCEPT &&
            k != LX_KW_FINALLY)
            return;
    }
}

/* Parses one statement into out and settles its pending errors: kept
 * when it parsed, dropped (and the parser resynchronised) when it
 * failed. */
static void run_statement(parser *p, vec *out)
{
    if (statement(p, out)) {
        commit(p);
    } else {
        rollback(p);
        sync(p);
    }
}

/* The ':' ending a compound statement's header. `test` (may be NULL) is
 * the condition before it, for the "Maybe you meant '=='" hint; with
 * `always`, any other token gives "expected ':'" (else only a line end
 * does, and the rest "invalid syntax"), as CPython words it. */
static bool header_colon(parser *p, const ast_node *test, bool always)
{
    if (accept(p, LX_COLON))
        return true;
    const lx_token *t = cur(p);
    if (t->kind == LX_EQUAL && test)
        fail_at(p, test->line, test->col,
                "invalid syntax. Maybe you meant '==' or ':=' instead of "
                "'='?");
    else if (always || t->kind == LX_NEWLINE || t->kind == LX_ENDMARKER)
        fail_tok(p, t, "expected ':'");
    else
        fail_tok(p, t, "invalid syntax");
    return false;
}

/* The statements of one block after a header's ':' (an indented block, or
 * simple statements on the same line) into *out. `what` and `line` name
 * the header for "expected an indented block after ...". */
static bool block(parser *p, ast_list *out, const char *what, int line)
{
    vec body = {0};
    commit(p); /* the header parsed */
    if (kind(p) != LX_NEWLINE) {
        lx_kind k = kind(p);
        if (k == LX_KW_IF || k == LX_KW_WHILE || k == LX_KW_FOR ||
            k == LX_KW_TRY || k == LX_KW_WITH || k == LX_KW_DEF ||
            k == LX_KW_CLASS || k == LX_AT || k == LX_KW_ASYNC) {
            fail_tok(p, cur(p), "invalid syntax");
            return false;
        }
        if (!simple_stmts(p, &body))
            return false;
        *out = as_list(body);
        return true;
    }
    advance(p);
    if (kind(p) != LX_INDENT) {
        const lx_token *t = cur(p);
        if (t->kind != LX_ERROR)
            report(p, t->line, t->col,
                   "expected an indented block after %s on line %d", what,
                   line);
        commit(p); /* the root cause: kept whatever follows */
        /* The usual cause is a forgotten indent: take the next statement
         * as the body, so that it raises no second error ('return'
         * outside function...). */
        lx_kind k = t->kind;
        if (k != LX_DEDENT && k != LX_ENDMARKER && k != LX_ERROR &&
            k != LX_KW_ELSE && k != LX_KW_ELIF && k != LX_KW_EXCEPT &&
            k != LX_KW_FINALLY)
            run_statement(p, &body);
        *out = as_list(body);
        return true;
    }
    advance(p);
    while (kind(p) != LX_DEDENT && kind(p) != LX_ENDMARKER)
        run_statement(p, &body);
    accept(p, LX_DEDENT);
    *out = as_list(body);
    return true;
}

/* A block in a new scope (a def or class body): no enclosing loop. */
static bool scoped_block(parser *p, ast_list *out, const char *what,
                         int line, scope s)
{
    scope saved = p->scope;
    bool saved_loop = p->in_loop;
    p->scope = s;
    p->in_loop = false;
    bool ok = block(p, out, what, line);
    p->scope = saved;
    p->in_loop = saved_loop;
    return ok;
}

/* A loop body: break and continue allowed. */
static bool loop_block(parser *p, ast_list *out, const char *what, int line)
{
    bool saved = p->in_loop;
    p->in_loop = true;
    bool ok = block(p, out, what, line);
    p->in_loop = saved;
    return ok;
}

static const ast_list NO_LIST = {NULL, 0};

/* Ends a compound statement where the last statement of its last
 * non-empty block ends (the lists are given last block first), not at the
 * DEDENT that follows it. */
static ast_node *fin_stmt(parser *p, ast_node *n, ast_list a, ast_list b,
                          ast_list c, ast_list d)
{
    const ast_list ls[4] = {a, b, c, d};
    for (int i = 0; i < 4; i++)
        if (ls[i].len > 0)
            return fin_at(n, ls[i].items[ls[i].len - 1]);
    return fin(p, n);
}

/* The docstring of a body: its first statement when that is a plain
 * string constant. */
static ast_str docstring(ast_list body)
{
    if (body.len > 0 && body.items[0]->kind == AST_EXPR_STMT) {
        const ast_node *v = body.items[0]->u.expr_stmt.value;
        if (v->kind == AST_CONSTANT && v->u.constant.kind == AST_CONST_STR)
            return v->u.constant.s;
    }
    return (ast_str){NULL, 0};
}

/* 'else' ':' block, when present, into *out. */
static bool else_clause(parser *p, ast_list *out)
{
    if (kind(p) != LX_KW_ELSE)
        return true;
    const lx_token *t = advance(p);
    return header_colon(p, NULL, true) &&
           block(p, out, "'else' statement", t->line);
}

/* if/elif chains: elif becomes an IF alone in the orelse. */
static ast_node *if_stmt(parser *p)
{
    const lx_token *t = advance(p); /* if or elif */
    bool elif = t->kind == LX_KW_ELIF;
    ast_node *n = mk_tok(p, AST_IF, t);
    if (!n)
        return NULL;
    n->u.if_.test = named_expression(p);
    if (!n->u.if_.test || !header_colon(p, n->u.if_.test, false) ||
        !block(p, &n->u.if_.body, elif ? "'elif' statement" : "'if' statement",
               t->line))
        return NULL;
    fin(p, n);
    if (kind(p) == LX_KW_ELIF) {
        ast_node *e = if_stmt(p);
        if (!e)
            return NULL;
        ast_node **items = ast_arena_alloc(p->f->arena, sizeof *items);
        if (!items) {
            out_of_memory(p);
            return NULL;
        }
        items[0] = e;
        n->u.if_.orelse = (ast_list){items, 1};
        return fin_at(n, e);
    }
    if (!else_clause(p, &n->u.if_.orelse))
        return NULL;
    return fin_stmt(p, n, n->u.if_.orelse, n->u.if_.body, NO_LIST, NO_LIST);
}

/* while named_expression ':' block ['else' ':' block]. */
static ast_node *while_stmt(parser *p)
{
    const lx_token *t = advance(p);
    ast_node *n = mk_tok(p, AST_WHILE, t);
    if (!n)
        return NULL;
    n->u.while_.test = named_expression(p);
    if (!n->u.while_.test || !header_colon(p, n->u.while_.test, false) ||
        !loop_block(p, &n->u.while_.body, "'while' statement", t->line) ||
        !else_clause(p, &n->u.while_.orelse))
        return NULL;
    return fin_stmt(p, n, n->u.while_.orelse, n->u.while_.body, NO_LIST,
                    NO_LIST);
}

/* [async] for targets in star_expressions ':' block [else]. */
static ast_node *for_stmt(parser *p, const lx_token *async_tok)
{
    const lx_token *t = advance(p); /* for */
    const lx_token *first = async_tok ? async_tok : t;
    ast_node *n = mk_tok(p, AST_FOR, first);
    if (!n)
        return NULL;
    n->u.for_.is_async = async_tok != NULL;
    n->u.for_.target = targets(p, T_FOR, false);
    if (!n->u.for_.target || !expect(p, LX_KW_IN))
        return NULL;
    n->u.for_.iter = star_expressions(p);
    if (!n->u.for_.iter)
        return NULL;
    if (n->u.for_.iter->kind == AST_STARRED)
        return fail_at(p, n->u.for_.iter->line, n->u.for_.iter->col,
                       "can't use starred expression here");
    if (!header_colon(p, NULL, false) ||
        !loop_block(p, &n->u.for_.body, "'for' statement", first->line) ||
        !else_clause(p, &n->u.for_.orelse))
        return NULL;
    return fin_stmt(p, n, n->u.for_.orelse, n->u.for_.body, NO_LIST, NO_LIST);
}

/* The index of the ')' matching the '(' at the cursor, or -1. */
static int matching_paren(const parser *p)
{
    int depth = 0;
    for (int i = p->pos; i < p->toks->len; i++) {
        lx_kind k = p->toks->items[i].kind;
        if (k == LX_LPAR || k == LX_LSQB || k == LX_LBRACE)
            depth++;
        else if (k == LX_RPAR || k == LX_RSQB || k == LX_RBRACE) {
            if (--depth == 0)
                return i;
        } else if (k == LX_NEWLINE || k == LX_ENDMARKER) {
            return -1;
        }
    }
    return -1;
}

/* with_item: expression ['as' target]. */
static ast_node *with_item(parser *p)
{
    ast_node *e = expression(p);
    if (!e)
        return NULL;
    ast_node *w = mk_at(p, AST_WITH_ITEM, e);
    if (!w)
        return NULL;
    w->u.with_item.context_expr = e;
    if (accept(p, LX_KW_AS)) {
        w->u.with_item.optional_vars = targets(p, T_FOR, true);
        if (!w->u.with_item.optional_vars)
            return NULL;
    }
    return fin(p, w);
}

/* [async] with items ':' block, items optionally in parentheses. */
static ast_node *with_stmt(parser *p, const lx_token *async_tok)
{
    const lx_token *t = advance(p); /* with */
    const lx_token *first = async_tok ? async_tok : t;
    ast_node *n = mk_tok(p, AST_WITH, first);
    if (!n)
        return NULL;
    n->u.with.is_async = async_tok != NULL;
    vec items = {0};
    bool parens = false;
    if (kind(p) == LX_LPAR && peek_kind(p, 1) != LX_RPAR) {
        int close = matching_paren(p);
        parens = close >= 0 && close + 1 < p->toks->len &&
                 p->toks->items[close + 1].kind == LX_COLON;
    }
    if (parens) {
        advance(p);
        while (kind(p) != LX_RPAR) {
            ast_node *w = with_item(p);
            if (!w || !push(p, &items, w))
                return NULL;
            if (kind(p) == LX_RPAR)
                break;
            if (kind(p) != LX_COMMA)
                return missing_comma(p, w);
            advance(p);
        }
        advance(p);
    } else {
        do {
            ast_node *w = with_item(p);
            if (!w || !push(p, &items, w))
                return NULL;
        } while (accept(p, LX_COMMA));
    }
    n->u.with.items = as_list(items);
    if (!header_colon(p, NULL, false) ||
        !block(p, &n->u.with.body, "'with' statement", first->line))
        return NULL;
    return fin_stmt(p, n, n->u.with.body, NO_LIST, NO_LIST, NO_LIST);
}

/* try: block handlers [else] [finally] | try: block finally. */
static ast_node *try_stmt(parser *p)
{
    const lx_token *t = advance(p);
    ast_node *n = mk_tok(p, AST_TRY, t);
    if (!n)
        return NULL;
    if (!header_colon(p, NULL, true) ||
        !block(p, &n->u.try_.body, "'try' statement", t->line))
        return NULL;
    vec handlers = {0};
    const ast_node *bare = NULL;
    while (kind(p) == LX_KW_EXCEPT) {
        const lx_token *et = advance(p);
        bool star = accept(p, LX_STAR);
        if (handlers.len == 0)
            n->u.try_.star = star;
        else if (star != n->u.try_.star)
            return fail_tok(p, et, "cannot have both 'except' and 'except*' "
                                   "on the same 'try'");
        if (star && kind(p) == LX_COLON)
            return fail_tok(p, cur(p), "expected one or more exception types");
        if (bare)
            return fail_at(p, bare->line, bare->col,
                           "default 'except:' must be last");
        ast_node *h = mk_tok(p, AST_EXCEPT_HANDLER, et);
        if (!h)
            return NULL;
        if (kind(p) != LX_COLON) {
            h->u.except_handler.type = expression(p);
            if (!h->u.except_handler.type)
                return NULL;
            if (kind(p) == LX_COMMA) {
                ast_node *ty = h->u.except_handler.type;
                return fail_at(p, ty->line, ty->col,
                               "multiple exception types must be "
                               "parenthesized");
            }
            if (accept(p, LX_KW_AS)) {
                const lx_token *nt = cur(p);
                if (nt->kind != LX_NAME)
                    return fail_tok(p, nt, "invalid syntax");
                h->u.except_handler.name = tok_str(p, nt);
                if (!h->u.except_handler.name.s)
                    return NULL;
                advance(p);
            }
        } else {
            bare = h;
        }
        if (!header_colon(p, NULL, true) ||
            !block(p, &h->u.except_handler.body, "'except' statement",
                   et->line) ||
            !push(p, &handlers,
                  fin_stmt(p, h, h->u.except_handler.body, NO_LIST, NO_LIST,
                           NO_LIST)))
            return NULL;
    }
    n->u.try_.handlers = as_list(handlers);
    if (handlers.len > 0 && !else_clause(p, &n->u.try_.orelse))
        return NULL;
    if (kind(p) == LX_KW_FINALLY) {
        const lx_token *ft = advance(p);
        if (!header_colon(p, NULL, true) ||
            !block(p, &n->u.try_.finalbody, "'finally' statement", ft->line))
            return NULL;
    } else if (handlers.len == 0) {
        return fail_tok(p, cur(p), "expected 'except' or 'finally' block");
    }
    return fin_stmt(p, n, n->u.try_.finalbody, n->u.try_.orelse,
                    n->u.try_.handlers, n->u.try_.body);
}

/* [async] def NAME '(' params ')' ['->' expression] ':' block. */
static ast_node *funcdef(parser *p, const lx_token *async_tok, vec decorators,
                         const lx_token *first)
{
    advance(p); /* def */
    ast_node *n = mk_tok(p, AST_FUNCTION_DEF, first);
    if (!n)
        return NULL;
    n->u.function_def.is_async = async_tok != NULL;
    n->u.function_def.decorators = as_list(decorators);
    const lx_token *nt = cur(p);
    if (nt->kind != LX_NAME)
        return fail_tok(p, nt, "invalid syntax");
    n->u.function_def.name = tok_str(p, nt);
    if (!n->u.function_def.name.s)
        return NULL;
    advance(p);
    if (kind(p) != LX_LPAR)
        return fail_tok(p, cur(p), "expected '('");
    advance(p);
    vec ps = {0};
    if (!params(p, &ps, LX_RPAR, false) || !expect(p, LX_RPAR))
        return NULL;
    n->u.function_def.params = as_list(ps);
    if (accept(p, LX_ARROW) && !expression(p))
        return NULL;
    if (!header_colon(p, NULL, true) ||
        !scoped_block(p, &n->u.function_def.body, "function definition",
                      first->line, async_tok ? SCOPE_ASYNC : SCOPE_FUNC))
        return NULL;
    n->u.function_def.docstring = docstring(n->u.function_def.body);
    return fin_stmt(p, n, n->u.function_def.body, NO_LIST, NO_LIST, NO_LIST);
}

/* class NAME ['(' bases ')'] ':' block. */
static ast_node *classdef(parser *p, vec decorators, const lx_token *first)
{
    advance(p); /* class */
    ast_node *n = mk_tok(p, AST_CLASS_DEF, first);
    if (!n)
        return NULL;
    n->u.class_def.decorators = as_list(decorators);
    const lx_token *nt = cur(p);
    if (nt->kind != LX_NAME)
        return fail_tok(p, nt, "invalid syntax");
    n->u.class_def.name = tok_str(p, nt);
    if (!n->u.class_def.name.s)
        return NULL;
    advance(p);
    if (kind(p) == LX_LPAR) {
        const lx_token *open = advance(p);
        ast_node call;
        memset(&call, 0, sizeof call);
        if (!call_args(p, &call, open))
            return NULL;
        if (call.u.call.keywords.len > 0) {
            ast_node *k = call.u.call.keywords.items[0];
            return fail_at(p, k->line, k->col,
                           "class keyword arguments (such as metaclass=) are "
                           "not supported in scenarios");
        }
        for (int i = 0; i < call.u.call.args.len; i++) {
            ast_node *b = call.u.call.args.items[i];
            if (b->kind == AST_STARRED || b->kind == AST_GENERATOR_EXP)
                return fail_at(p, b->line, b->col,
                               "this form of class bases is not supported in "
                               "scenarios");
        }
        n->u.class_def.bases = call.u.call.args;
    }
    if (!header_colon(p, NULL, true) ||
        !scoped_block(p, &n->u.class_def.body, "class definition",
                      first->line, SCOPE_CLASS))
        return NULL;
    n->u.class_def.docstring = docstring(n->u.class_def.body);
    return fin_stmt(p, n, n->u.class_def.body, NO_LIST, NO_LIST, NO_LIST);
}

/* '@' expression NEWLINE, repeated, then a def or class. */
static ast_node *decorated(parser *p)
{
    vec decs = {0};
    while (kind(p) == LX_AT) {
        advance(p);
        ast_node *d = named_expression(p);
        if (!d || !push(p, &decs, d))
            return NULL;
        if (kind(p) != LX_NEWLINE)
            return fail_tok(p, cur(p), "invalid syntax");
        advance(p);
    }
    /* As in CPython, a decorated definition starts at its keyword. */
    if (kind(p) == LX_KW_DEF)
        return funcdef(p, NULL, decs, cur(p));
    if (kind(p) == LX_KW_CLASS)
        return classdef(p, decs, cur(p));
    if (kind(p) == LX_KW_ASYNC && peek_kind(p, 1) == LX_KW_DEF) {
        const lx_token *a = advance(p);
        return funcdef(p, a, decs, a);
    }
    return fail_tok(p, cur(p), "invalid syntax");
}

/* True when the logical line at the cursor is a 'match' statement: it
 * starts with the soft keyword match and ends with ':'. No other statement
 * can end with ':' on its own line (a lambda's ':' is always followed by
 * its body), so "match = 1", "match(x)" and "match.y = 2" stay ordinary
 * uses of a name called match. */
static bool is_match_stmt(const parser *p)
{
    const lx_token *t = cur(p);
    if (!tok_is(p, t, "match"))
        return false;
    lx_kind next = peek_kind(p, 1);
    if (next == LX_COLON || next == LX_EQUAL || next == LX_NEWLINE ||
        next == LX_DOT || next == LX_COMMA || next == LX_SEMI)
        return false;
    for (int i = p->pos + 1; i < p->toks->len; i++) {
        lx_kind k = p->toks->items[i].kind;
        if (k == LX_NEWLINE || k == LX_ENDMARKER)
            return p->toks->items[i - 1].kind == LX_COLON;
    }
    return false;
}

/* A compound statement. */
static ast_node *compound(parser *p)
{
    const lx_token *t = cur(p);
    switch (t->kind) {
    case LX_KW_IF: return if_stmt(p);
    case LX_KW_WHILE: return while_stmt(p);
    case LX_KW_FOR: return for_stmt(p, NULL);
    case LX_KW_TRY: return try_stmt(p);
    case LX_KW_WITH: return with_stmt(p, NULL);
    case LX_KW_DEF: return funcdef(p, NULL, (vec){0}, t);
    case LX_KW_CLASS: return classdef(p, (vec){0}, t);
    case LX_AT: return decorated(p);
    case LX_KW_ASYNC: {
        lx_kind next = peek_kind(p, 1);
        if (next == LX_KW_DEF) {
            advance(p);
            return funcdef(p, t, (vec){0}, t);
        }
        if (next == LX_KW_WITH || next == LX_KW_FOR) {
            if (p->scope != SCOPE_ASYNC)
                report(p, t->line, t->col, "'async %s' outside async function",
                       next == LX_KW_WITH ? "with" : "for");
            advance(p);
            return next == LX_KW_WITH ? with_stmt(p, t) : for_stmt(p, t);
        }
        advance(p);
        return fail_tok(p, cur(p), "invalid syntax");
    }
    default:
        return NULL;
    }
}

/* A list of NAME nodes: global and nonlocal. */
static ast_node *names_stmt(parser *p, ast_kind k)
{
    const lx_token *t = advance(p);
    ast_node *n = mk_tok(p, k, t);
    if (!n)
        return NULL;
    vec names = {0};
    do {
        ast_node *nm = name_node(p);
        if (!nm || !push(p, &names, nm))
            return NULL;
    } while (accept(p, LX_COMMA));
    n->u.global.names = as_list(names);
    if (k == AST_NONLOCAL && p->scope == SCOPE_MODULE)
        report(p, t->line, t->col,
               "nonlocal declaration not allowed at module level");
    return fin(p, n);
}

/* A dotted name (a.b.c) as one arena string. */
static bool dotted_name(parser *p, ast_str *out)
{
    const lx_token *first = cur(p);
    if (first->kind != LX_NAME) {
        fail_tok(p, first, "invalid syntax");
        return false;
    }
    advance(p);
    while (kind(p) == LX_DOT && peek_kind(p, 1) == LX_NAME) {
        advance(p);
        advance(p);
    }
    /* The tokens are contiguous apart from blanks between them; rebuild
     * the name without the blanks. */
    lx_buf b = {0};
    bool ok = true;
    for (const lx_token *t = first; t <= prev(p) && ok; t++)
        ok = lx_buf_put(&b, tok_text(p, t), t->end - t->start);
    if (ok)
        *out = copy_str(p, b.data, b.len);
    else
        out_of_memory(p);
    lx_buf_free(&b);
    return ok && out->s;
}

/* import a.b [as c], ... */
static ast_node *import_stmt(parser *p)
{
    const lx_token *t = advance(p);
    ast_node *n = mk_tok(p, AST_IMPORT, t);
    if (!n)
        return NULL;
    vec names = {0};
    do {
        ast_node *a = mk_tok(p, AST_ALIAS, cur(p));
        if (!a || !dotted_name(p, &a->u.alias.name))
            return NULL;
        if (accept(p, LX_KW_AS)) {
            const lx_token *nt = cur(p);
            if (nt->kind != LX_NAME)
                return fail_tok(p, nt, "invalid syntax");
            a->u.alias.asname = tok_str(p, nt);
            if (!a->u.alias.asname.s)
                return NULL;
            advance(p);
        }
        if (!push(p, &names, fin(p, a)))
            return NULL;
    } while (accept(p, LX_COMMA));
    n->u.import.names = as_list(names);
    return fin(p, n);
}

/* from [.]* module import (names) | names | '*'. */
static ast_node *from_stmt(parser *p)
{
    const lx_token *t = advance(p);
    ast_node *n = mk_tok(p, AST_IMPORT_FROM, t);
    if (!n)
        return NULL;
    int level = 0;
    for (;;) {
        if (accept(p, LX_DOT))
            level++;
        else if (accept(p, LX_ELLIPSIS))
            level += 3;
        else
            break;
    }
    n->u.import_from.level = level;
    if (kind(p) != LX_KW_IMPORT || level == 0) {
        if (!dotted_name(p, &n->u.import_from.module))
            return NULL;
    }
    if (!expect(p, LX_KW_IMPORT))
        return NULL;
    vec names = {0};
    if (kind(p) == LX_STAR) {
        const lx_token *st = advance(p);
        if (p->scope != SCOPE_MODULE)
            report(p, st->line, st->col,
                   "import * only allowed at module level");
        ast_node *a = mk_tok(p, AST_ALIAS, st);
        if (!a)
            return NULL;
        a->u.alias.name = copy_str(p, "*", 1);
        if (!a->u.alias.name.s || !push(p, &names, fin(p, a)))
            return NULL;
    } else {
        bool parens = accept(p, LX_LPAR);
        for (;;) {
            const lx_token *nt = cur(p);
            if (nt->kind != LX_NAME)
                return fail_tok(p, nt, "invalid syntax");
            ast_node *a = mk_tok(p, AST_ALIAS, nt);
            if (!a)
                return NULL;
            a->u.alias.name = tok_str(p, nt);
            if (!a->u.alias.name.s)
                return NULL;
            advance(p);
            if (accept(p, LX_KW_AS)) {
                const lx_token *at = cur(p);
                if (at->kind != LX_NAME)
                    return fail_tok(p, at, "invalid syntax");
                a->u.alias.asname = tok_str(p, at);
                if (!a->u.alias.asname.s)
                    return NULL;
                advance(p);
            }
            if (!push(p, &names, fin(p, a)))
                return NULL;
            if (!accept(p, LX_COMMA))
                break;
            if (parens && kind(p) == LX_RPAR)
                break;
            if (!parens && (kind(p) == LX_NEWLINE || kind(p) == LX_SEMI ||
                            kind(p) == LX_ENDMARKER))
                return fail_tok(p, cur(p),
                                "trailing comma not allowed without "
                                "surrounding parentheses");
        }
        if (parens && !expect(p, LX_RPAR))
            return NULL;
    }
    n->u.import_from.names = as_list(names);
    return fin(p, n);
}

/* Assignments and expression statements. The left side is parsed as an
 * ordinary expression (star_expressions) and only then, when '=', an
 * augmented operator or ':' follows, checked as a target, which is how
 * CPython produces "cannot assign to function call here. Maybe you meant
 * '==' instead of '='?" for "f() = 1". Chained assignments collect every
 * target before the last '='. */
static ast_node *expr_or_assign(parser *p)
{
    const lx_token *start = cur(p);
    ast_node *first = star_expressions(p);
    if (!first)
        return NULL;
    lx_kind k = kind(p);
    if (k == LX_EQUAL) {
        ast_node *n = mk_tok(p, AST_ASSIGN, start);
        if (!n)
            return NULL;
        vec tg = {0};
        ast_node *value = first;
        target_mode mode = T_ASSIGN_FIRST;
        while (accept(p, LX_EQUAL)) {
            if (!check_target(p, value, mode, false) || !push(p, &tg, value))
                return NULL;
            mode = T_ASSIGN;
            value = star_expressions(p);
            if (!value)
                return NULL;
        }
        if (value->kind == AST_STARRED)
            return fail_at(p, value->line, value->col,
                           "can't use starred expression here");
        n->u.assign.targets = as_list(tg);
        n->u.assign.value = value;
        return fin(p, n);
    }
    ast_op op;
    bool aug = true;
    switch (k) {
    case LX_PLUSEQUAL: op = AST_OP_ADD; break;
    case LX_MINEQUAL: op = AST_OP_SUB; break;
    case LX_STAREQUAL: op = AST_OP_MUL; break;
    case LX_SLASHEQUAL: op = AST_OP_DIV; break;
    case LX_DOUBLESLASHEQUAL: op = AST_OP_FLOORDIV; break;
    case LX_PERCENTEQUAL: op = AST_OP_MOD; break;
    case LX_DOUBLESTAREQUAL: op = AST_OP_POW; break;
    case LX_LSHIFTEQUAL: op = AST_OP_LSHIFT; break;
    case LX_RSHIFTEQUAL: op = AST_OP_RSHIFT; break;
    case LX_VBAREQUAL: op = AST_OP_BITOR; break;
    case LX_CIRCUMFLEXEQUAL: op = AST_OP_BITXOR; break;
    case LX_AMPEREQUAL: op = AST_OP_BITAND; break;
    case LX_ATEQUAL: op = AST_OP_MATMUL; break;
    default: aug = false; op = AST_OP_ADD; break;
    }
    if (aug) {
        if (!check_target(p, first, T_AUG, false))
            return NULL;
        advance(p);
        ast_node *n = mk_tok(p, AST_AUG_ASSIGN, start);
        if (!n)
            return NULL;
        n->u.aug_assign.target = first;
        n->u.aug_assign.op = op;
        n->u.aug_assign.value = star_expressions(p);
        if (!n->u.aug_assign.value)
            return NULL;
        if (n->u.aug_assign.value->kind == AST_STARRED)
            return fail_at(p, n->u.aug_assign.value->line,
                           n->u.aug_assign.value->col,
                           "can't use starred expression here");
        return fin(p, n);
    }
    if (k == LX_COLON) {
        if (!check_target(p, first, T_ANN, false))
            return NULL;
        advance(p);
        ast_node *n = mk_tok(p, AST_ANN_ASSIGN, start);
        if (!n)
            return NULL;
        n->u.ann_assign.target = first;
        n->u.ann_assign.annotation = expression(p);
        if (!n->u.ann_assign.annotation)
            return NULL;
        if (accept(p, LX_EQUAL)) {
            n->u.ann_assign.value = star_expressions(p);
            if (!n->u.ann_assign.value)
                return NULL;
            if (n->u.ann_assign.value->kind == AST_STARRED)
                return fail_at(p, n->u.ann_assign.value->line,
                               n->u.ann_assign.value->col,
                               "can't use starred expression here");
        }
        return fin(p, n);
    }
    /* An expression statement. */
    if (first->kind == AST_STARRED)
        return fail_at(p, first->line, first->col,
                       "can't use starred expression here");
    if (first->kind == AST_NAME && tok_is(p, start, "print") &&
        (k == LX_STRING || k == LX_NAME || k == LX_NUMBER))
        return fail_at(p, first->line, first->col,
                       "Missing parentheses in call to 'print'. Did you mean "
                       "print(...)?");
    ast_node *n = mk_tok(p, AST_EXPR_STMT, start);
    if (!n)
        return NULL;
    n->u.expr_stmt.value = first;
    return fin(p, n);
}

/* One simple statement. */
static ast_node *simple_stmt(parser *p)
{
    const lx_token *t = cur(p);
    switch (t->kind) {
    case LX_KW_PASS:
        advance(p);
        return fin(p, mk_tok(p, AST_PASS, t));
    case LX_KW_BREAK:
    case LX_KW_CONTINUE:
        advance(p);
        if (!p->in_loop)
            report(p, t->line, t->col,
                   t->kind == LX_KW_BREAK ? "'break' outside loop"
                                          : "'continue' not properly in loop");
        return fin(p, mk_tok(p, t->kind == LX_KW_BREAK ? AST_BREAK
                                                       : AST_CONTINUE, t));
    case LX_KW_RETURN: {
        advance(p);
        if (p->scope != SCOPE_FUNC && p->scope != SCOPE_ASYNC)
            report(p, t->line, t->col, "'return' outside function");
        ast_node *n = mk_tok(p, AST_RETURN, t);
        if (!n)
            return NULL;
        if (starts_expr(kind(p)) || kind(p) == LX_STAR) {
            n->u.return_.value = star_expressions(p);
            if (!n->u.return_.value)
                return NULL;
            if (n->u.return_.value->kind == AST_STARRED)
                return fail_at(p, n->u.return_.value->line,
                               n->u.return_.value->col,
                               "can't use starred expression here");
        }
        return fin(p, n);
    }
    case LX_KW_RAISE: {
        advance(p);
        ast_node *n = mk_tok(p, AST_RAISE, t);
        if (!n)
            return NULL;
        if (starts_expr(kind(p))) {
            n->u.raise.exc = expression(p);
            if (!n->u.raise.exc)
                return NULL;
            if (accept(p, LX_KW_FROM)) {
                n->u.raise.cause = expression(p);
                if (!n->u.raise.cause)
                    return NULL;
            }
        }
        return fin(p, n);
    }
    case LX_KW_ASSERT: {
        advance(p);
        ast_node *n = mk_tok(p, AST_ASSERT, t);
        if (!n)
            return NULL;
        n->u.assert_.test = expression(p);
        if (!n->u.assert_.test)
            return NULL;
        if (accept(p, LX_COMMA)) {
            n->u.assert_.msg = expression(p);
            if (!n->u.assert_.msg)
                return NULL;
        }
        return fin(p, n);
    }
    case LX_KW_DEL: {
        /* del a, (b, c), d[0]: each comma-separated target is one entry
         * of the list; parenthesised tuples and lists stay whole. */
        advance(p);
        ast_node *n = mk_tok(p, AST_DELETE, t);
        if (!n)
            return NULL;
        vec tg = {0};
        do {
            if (!starts_expr(kind(p)) && kind(p) != LX_STAR) {
                if (tg.len > 0)
                    break;
                return fail_tok(p, cur(p), "invalid syntax");
            }
            ast_node *e = kind(p) == LX_STAR ? star_named_expression(p)
                                             : bitwise_or(p);
            if (!e || !check_target(p, e, T_DEL, false) || !push(p, &tg, e))
                return NULL;
        } while (accept(p, LX_COMMA));
        n->u.delete_.targets = as_list(tg);
        return fin(p, n);
    }
    case LX_KW_GLOBAL:
        return names_stmt(p, AST_GLOBAL);
    case LX_KW_NONLOCAL:
        return names_stmt(p, AST_NONLOCAL);
    case LX_KW_IMPORT:
        return import_stmt(p);
    case LX_KW_FROM:
        return from_stmt(p);
    default:
        return expr_or_assign(p);
    }
}

/* simple_stmt (';' simple_stmt)* [';'] NEWLINE. */
static bool simple_stmts(parser *p, vec *out)
{
    for (;;) {
        ast_node *s = simple_stmt(p);
        if (!s || !push(p, out, s))
            return false;
        if (accept(p, LX_SEMI)) {
            if (kind(p) == LX_NEWLINE || kind(p) == LX_ENDMARKER)
                break;
            continue;
        }
        break;
    }
    if (kind(p) == LX_ENDMARKER)
        return true;
    if (kind(p) != LX_NEWLINE) {
        fail_tok(p, cur(p), "invalid syntax");
        return false;
    }
    advance(p);
    return true;
}

/* One statement line (or compound statement), appended to out. Returns
 * false after an error; the caller then calls sync(). */
static bool statement(parser *p, vec *out)
{
    const lx_token *t = cur(p);
    if (t->kind == LX_INDENT) {
        const lx_token *next = &p->toks->items[p->pos + 1];
        if (next->kind != LX_ERROR)
            fail_at(p, next->line, next->col, "unexpected indent");
        p->f->panic = true;
        return false;
    }
    if (t->kind == LX_NEWLINE) { /* e.g. after a lexer error */
        advance(p);
        return true;
    }
    if (is_match_stmt(p)) {
        fail_tok(p, t, "'match' statements are not supported in scenarios");
        return false;
    }
    switch (t->kind) {
    case LX_KW_IF: case LX_KW_WHILE: case LX_KW_FOR: case LX_KW_TRY:
    case LX_KW_WITH: case LX_KW_DEF: case LX_KW_CLASS: case LX_AT:
    case LX_KW_ASYNC: {
        ast_node *s = compound(p);
        return s && push(p, out, s);
    }
    default:
        return simple_stmts(p, out);
    }
}

/* ------------------------------------------------------------------------ */
/* The tree's height                                                        */
/* ------------------------------------------------------------------------ */

/*
 * The parser's own recursion is bounded by MAX_DEPTH, but loops build deep
 * trees cheaply: "a + a + ... + a" with 50,000 terms, or 100,000 unary
 * minus signs, is a left-leaning chain as deep as it is long. Code that
 * walks trees recursively (the compiler, ast_dump) would overflow the C
 * stack on it, so the finished tree is measured here, with an explicit
 * stack, and refused beyond AST_MAX_DEPTH levels. CPython refuses such
 * input too ("RecursionError: maximum recursion depth exceeded during
 * compilation").
 */

/* One node waiting on the explicit stack that measures the tree. */
typedef struct hentry {
    const ast_node *node;
    const ast_node *anchor; /* the outermost expression above it, where a
                               too-deep tree is reported (NULL: none yet) */
    int depth;              /* its level; the MODULE is level 1 */
} hentry;

/* An explicit stack for measuring the tree without recursion. `parent` is
 * the node whose children are being pushed and `anchor` its anchor. */
typedef struct hstack {
    hentry *items;
    int len, cap;
    const ast_node *parent, *anchor;
    bool failed; /* out of memory */
} hstack;

/* Statement-like nodes, below which a new expression anchor starts. */
static bool is_stmt_kind(ast_kind k)
{
    return k <= AST_IMPORT_FROM || k == AST_EXCEPT_HANDLER;
}

/* Pushes n (when not NULL) at `depth`, giving it its anchor: inherited
 * from the parent expression, or n itself when n is the outermost
 * expression under a statement. */
static void hpush(hstack *s, const ast_node *n, int depth)
{
    if (!n || s->failed)
        return;
    if (s->len == s->cap) {
        int cap = s->cap ? s->cap * 2 : 256;
        hentry *items = rt_realloc(s->items, (size_t)cap * sizeof *items);
        if (!items) {
            s->failed = true;
            return;
        }
        s->items = items;
        s->cap = cap;
    }
    hentry *e = &s->items[s->len++];
    e->node = n;
    e->depth = depth;
    e->anchor = s->anchor;
    if (!e->anchor && (!s->parent || is_stmt_kind(s->parent->kind)) &&
        !is_stmt_kind(n->kind))
        e->anchor = n;
}

/* Pushes every node of a list. */
static void hpush_list(hstack *s, ast_list l, int depth)
{
    for (int i = 0; i < l.len; i++)
        hpush(s, l.items[i], depth);
}

/* Pushes every child of n at `depth`. */
static void hpush_children(hstack *s, const ast_node *n, int d)
{
    switch (n->kind) {
    case AST_MODULE: hpush_list(s, n->u.module.body, d); break;
    case AST_EXPR_STMT: hpush(s, n->u.expr_stmt.value, d); break;
    case AST_ASSIGN:
        hpush_list(s, n->u.assign.targets, d);
        hpush(s, n->u.assign.value, d);
        break;
    case AST_AUG_ASSIGN:
        hpush(s, n->u.aug_assign.target, d);
        hpush(s, n->u.aug_assign.value, d);
        break;
    case AST_ANN_ASSIGN:
        hpush(s, n->u.ann_assign.target, d);
        hpush(s, n->u.ann_assign.annotation, d);
        hpush(s, n->u.ann_assign.value, d);
        break;
    case AST_DELETE: hpush_list(s, n->u.delete_.targets, d); break;
    case AST_RETURN: hpush(s, n->u.return_.value, d); break;
    case AST_IF:
    case AST_WHILE:
        hpush(s, n->u.if_.test, d);
        hpush_list(s, n->u.if_.body, d);
        hpush_list(s, n->u.if_.orelse, d);
        break;
    case AST_FOR:
        hpush(s, n->u.for_.target, d);
        hpush(s, n->u.for_.iter, d);
        hpush_list(s, n->u.for_.body, d);
        hpush_list(s, n->u.for_.orelse, d);
        break;
    case AST_TRY:
        hpush_list(s, n->u.try_.body, d);
        hpush_list(s, n->u.try_.handlers, d);
        hpush_list(s, n->u.try_.orelse, d);
        hpush_list(s, n->u.try_.finalbody, d);
        break;
    case AST_RAISE:
        hpush(s, n->u.raise.exc, d);
        hpush(s, n->u.raise.cause, d);
        break;
    case AST_ASSERT:
        hpush(s, n->u.assert_.test, d);
        hpush(s, n->u.assert_.msg, d);
        break;
    case AST_GLOBAL:
    case AST_NONLOCAL: hpush_list(s, n->u.global.names, d); break;
    case AST_FUNCTION_DEF:
        hpush_list(s, n->u.function_def.params, d);
        hpush_list(s, n->u.function_def.body, d);
        hpush_list(s, n->u.function_def.decorators, d);
        break;
    case AST_CLASS_DEF:
        hpush_list(s, n->u.class_def.bases, d);
        hpush_list(s, n->u.class_def.body, d);
        hpush_list(s, n->u.class_def.decorators, d);
        break;
    case AST_WITH:
        hpush_list(s, n->u.with.items, d);
        hpush_list(s, n->u.with.body, d);
        break;
    case AST_IMPORT: hpush_list(s, n->u.import.names, d); break;
    case AST_IMPORT_FROM: hpush_list(s, n->u.import_from.names, d); break;
    case AST_JOINED_STR: hpush_list(s, n->u.joined_str.values, d); break;
    case AST_FORMATTED_VALUE:
        hpush(s, n->u.formatted_value.value, d);
        hpush(s, n->u.formatted_value.format_spec, d);
        break;
    case AST_LIST:
    case AST_TUPLE:
    case AST_SET: hpush_list(s, n->u.list.elts, d); break;
    case AST_DICT:
        hpush_list(s, n->u.dict.keys, d);
        hpush_list(s, n->u.dict.values, d);
        break;
    case AST_LIST_COMP:
    case AST_SET_COMP:
    case AST_GENERATOR_EXP:
        hpush(s, n->u.comp.elt, d);
        hpush_list(s, n->u.comp.generators, d);
        break;
    case AST_DICT_COMP:
        hpush(s, n->u.dict_comp.key, d);
        hpush(s, n->u.dict_comp.value, d);
        hpush_list(s, n->u.dict_comp.generators, d);
        break;
    case AST_BIN_OP:
        hpush(s, n->u.bin_op.left, d);
        hpush(s, n->u.bin_op.right, d);
        break;
    case AST_UNARY_OP: hpush(s, n->u.unary_op.operand, d); break;
    case AST_BOOL_OP: hpush_list(s, n->u.bool_op.values, d); break;
    case AST_COMPARE:
        hpush(s, n->u.compare.left, d);
        hpush_list(s, n->u.compare.comparators, d);
        break;
    case AST_CALL:
        hpush(s, n->u.call.func, d);
        hpush_list(s, n->u.call.args, d);
        hpush_list(s, n->u.call.keywords, d);
        break;
    case AST_ATTRIBUTE: hpush(s, n->u.attribute.value, d); break;
    case AST_SUBSCRIPT:
        hpush(s, n->u.subscript.value, d);
        hpush(s, n->u.subscript.slice, d);
        break;
    case AST_SLICE:
        hpush(s, n->u.slice.lower, d);
        hpush(s, n->u.slice.upper, d);
        hpush(s, n->u.slice.step, d);
        break;
    case AST_STARRED:
    case AST_AWAIT:
    case AST_YIELD:
    case AST_YIELD_FROM: hpush(s, n->u.starred.value, d); break;
    case AST_LAMBDA:
        hpush_list(s, n->u.lambda.params, d);
        hpush(s, n->u.lambda.body, d);
        break;
    case AST_IF_EXP:
        hpush(s, n->u.if_exp.test, d);
        hpush(s, n->u.if_exp.body, d);
        hpush(s, n->u.if_exp.orelse, d);
        break;
    case AST_NAMED_EXPR:
        hpush(s, n->u.named_expr.target, d);
        hpush(s, n->u.named_expr.value, d);
        break;
    case AST_KEYWORD: hpush(s, n->u.keyword.value, d); break;
    case AST_COMPREHENSION:
        hpush(s, n->u.comprehension.target, d);
        hpush(s, n->u.comprehension.iter, d);
        hpush_list(s, n->u.comprehension.ifs, d);
        break;
    case AST_EXCEPT_HANDLER:
        hpush(s, n->u.except_handler.type, d);
        hpush_list(s, n->u.except_handler.body, d);
        break;
    case AST_PARAM: hpush(s, n->u.param.default_, d); break;
    case AST_WITH_ITEM:
        hpush(s, n->u.with_item.context_expr, d);
        hpush(s, n->u.with_item.optional_vars, d);
        break;
    case AST_NAME:
    case AST_CONSTANT:
    case AST_PASS:
    case AST_BREAK:
    case AST_CONTINUE:
    case AST_ALIAS:
    case AST__COUNT:
        break;
    }
}

/* Refuses a tree deeper than AST_MAX_DEPTH, reported at the outermost
 * expression around the first node found too deep (or that node, when it
 * is a statement). Returns false after reporting or when out of memory. */
static bool check_height(parser *p, const ast_node *root)
{
    hstack s = {0};
    bool ok = true;
    hpush(&s, root, 1);
    while (s.len > 0 && !s.failed) {
        hentry e = s.items[--s.len];
        if (e.depth > AST_MAX_DEPTH) {
            const ast_node *at = e.anchor ? e.anchor : e.node;
            report(p, at->line, at->col,
                   "expression too complex: nested more than %d levels deep",
                   AST_MAX_DEPTH);
            ok = false;
            break;
        }
        /* A statement's children start new anchors; an expression's
         * inherit the anchor of the expression. */
        s.parent = e.node;
        s.anchor = is_stmt_kind(e.node->kind) ? NULL : e.anchor;
        hpush_children(&s, e.node, e.depth + 1);
    }
    if (s.failed) {
        out_of_memory(p);
        ok = false;
    }
    rt_free(s.items);
    return ok;
}

/* ------------------------------------------------------------------------ */
/* Entry point                                                              */
/* ------------------------------------------------------------------------ */

/* Sorts diagnostics [from, len) by position, keeping the order of equal
 * positions (insertion sort: the lists are short and nearly sorted). */
static void sort_diags(rt_diags *d, int from)
{
    for (int i = from + 1; i < d->len; i++) {
        rt_diag x = d->items[i];
        int j = i - 1;
        while (j >= from && (d->items[j].line > x.line ||
                             (d->items[j].line == x.line &&
                              d->items[j].col > x.col))) {
            d->items[j + 1] = d->items[j];
            j--;
        }
        d->items[j + 1] = x;
    }
}

/* The largest file accepted: token offsets are 32-bit and lines and
 * columns are ints, so a bigger one could not be described. */
#define MAX_SOURCE ((size_t)1 << 30)

/* The contract is in ast.h. The steps: normalise line ends, tokenize the
 * whole file, parse statement after statement (recovering after errors),
 * measure the tree, then put the errors in source order and keep the first
 * MAX_ERRORS. The normalised text and the tokens are freed here; the tree
 * holds only arena copies. */
ast_node *ast_parse(const char *source, size_t len, ast_arena *arena,
                    rt_diags *diags)
{
    int base = diags->len;
    if (len > MAX_SOURCE) {
        rt_diags_add(diags, 1, 1, "scenario file too large (more than 1 GiB)");
        return NULL;
    }
    size_t n;
    char *text = lx_normalize(source, len, &n);
    if (!text) {
        diags->out_of_memory = true;
        return NULL;
    }
    lx_options opt;
    memset(&opt, 0, sizeof opt);
    opt.start = 0;
    opt.end = n;
    opt.line = opt.col = 1;
    opt.max_errors = 2 * MAX_ERRORS;
    lx_tokens toks;
    ast_node *module = NULL;
    if (lx_tokenize(text, &opt, diags, &toks) != RT_OK || toks.len == 0) {
        diags->out_of_memory = true;
        lx_tokens_free(&toks);
        goto done;
    }

    front f;
    memset(&f, 0, sizeof f);
    f.arena = arena;
    f.diags = diags;
    f.text = text;
    f.base = base;
    f.lexer_errors = diags->len - base;
    if (toks.unclosed >= 0) {
        f.unclosed_line = toks.items[toks.unclosed].line;
        f.unclosed_col = toks.items[toks.unclosed].col;
    }
    parser p;
    memset(&p, 0, sizeof p);
    p.f = &f;
    p.toks = &toks;
    p.prefix = "";
    p.scope = SCOPE_MODULE;

    /* A lexer that gave up after its maximum left a truncated stream:
     * parsing it would only add noise. */
    if (toks.errors < 2 * MAX_ERRORS) {
        module = mk(&p, AST_MODULE, 1, 1);
        if (module) {
            vec body = {0};
            while (kind(&p) != LX_ENDMARKER)
                run_statement(&p, &body);
            module->u.module.body = as_list(body);
            const lx_token *last = &toks.items[toks.len - 1];
            module->end_line = last->end_line;
            module->end_col = last->end_col;
            if (diags->len == base && !diags->out_of_memory)
                check_height(&p, module);
        }
    }
    lx_tokens_free(&toks);
    rt_free(f.pending);

done:
    rt_free(text);
    sort_diags(diags, base);
    while (diags->len > base + MAX_ERRORS)
        rt_free(diags->items[--diags->len].message);
    if (diags->len > base || diags->out_of_memory)
        return NULL;
    return module;
}
