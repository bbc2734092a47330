/*
 * ast.c - the syntax tree's arena, the names of node kinds and operators,
 * and ast_dump, the S-expression form that the parser's tests compare.
 *
 * The arena is a list of chunks: allocation bumps a pointer, nothing is
 * freed one by one, and ast_arena_free releases everything after the
 * compiler is done with the tree. Large requests get a chunk of their own.
 *
 * The dump format (one line, children in order, optional parts omitted):
 *
 *   (module STMT...)               (expr_stmt E)
 *   (assign TARGET... VALUE)       (aug_assign TARGET OP VALUE)
 *   (ann_assign TARGET ANNOTATION [VALUE])
 *   (delete TARGET...)             (return [VALUE])
 *   (pass) (break) (continue)      (raise [EXC [(from CAUSE)]])
 *   (if TEST (body S...) [(orelse S...)])      and the same for while
 *   (for [async] TARGET ITER (body S...) [(orelse S...)])
 *   (try (body S...) HANDLER... [(orelse S...)] [(finalbody S...)])
 *   (except_handler [TYPE [as NAME]] (body S...))
 *   (assert TEST [MSG])            (global a b) (nonlocal a b)
 *   (function_def [async] NAME (params P...) (body S...)
 *                 [(decorators E...)] [(docstring "...")])
 *   (class_def NAME (bases E...) (body S...) [(decorators E...)]
 *              [(docstring "...")])
 *   (param NAME [DEFAULT])  NAME is a, *a or **a; (param kwonly a [DEFAULT])
 *   (with [async] (with_item E [VARS])... (body S...))
 *   (import (alias a.b [asname])...)
 *   (import_from MODULE (alias ...)...)  MODULE with its leading dots
 *   (name x)  (constant None|True|False|...|42|1.5|"text"|b"bytes")
 *   (joined_str PART...)  (formatted_value E [!r] [SPEC])
 *   (list E...) (tuple E...) (set E...) (dict K V ...)  ** for a NULL key
 *   (list_comp ELT COMP...) (set_comp ...) (generator_exp ...)
 *   (dict_comp KEY VALUE COMP...)
 *   (comprehension [async] TARGET ITER IF...)
 *   (bin_op + L R) (unary_op - E) (bool_op and E...) (compare L < R <= R2)
 *   (call F ARG... KEYWORD...)  (keyword name V) or (keyword ** V)
 *   (attribute E name) (subscript E SLICE) (slice LOWER UPPER STEP)
 *   (starred E) (lambda (params P...) BODY) (if_exp TEST BODY ORELSE)
 *   (await E) (named_expr TARGET VALUE)
 *
 * A missing slice part prints as nil. Strings print in double quotes with
 * \\ \" \n \r \t and \xNN escapes; floats in the shortest form that reads
 * back the same, always with a '.' or an exponent.
 */
#include <inttypes.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "lexer.h"
#include "rt.h"

/* ------------------------------------------------------------------------ */
/* Arena                                                                    */
/* ------------------------------------------------------------------------ */

#define ARENA_CHUNK 32768

typedef struct arena_chunk {
    struct arena_chunk *next; /* the chunk allocated before this one */
    size_t used, size;        /* bytes handed out, bytes in data */
    _Alignas(16) unsigned char data[];
} arena_chunk;

struct ast_arena {
    arena_chunk *head; /* the current chunk; older ones follow */
};

ast_arena *ast_arena_new(void)
{
    return rt_calloc(1, sizeof(ast_arena));
}

void ast_arena_free(ast_arena *a)
{
    if (!a)
        return;
    arena_chunk *c = a->head;
    while (c) {
        arena_chunk *next = c->next;
        rt_free(c);
        c = next;
    }
    rt_free(a);
}

void *ast_arena_alloc(ast_arena *a, size_t size)
{
    size = (size + 7) & ~(size_t)7;
    if (size == 0)
        size = 8;
    arena_chunk *c = a->head;
    if (!c || c->size - c->used < size) {
        size_t want = size > ARENA_CHUNK / 4 ? size : ARENA_CHUNK;
        arena_chunk *n = rt_malloc(sizeof *n + want);
        if (!n)
            return NULL;
        n->used = 0;
        n->size = want;
        if (want == size && c) {
            /* A big block: keep filling the current chunk afterwards by
             * linking the big one behind it. */
            n->next = c->next;
            c->next = n;
        } else {
            n->next = c;
            a->head = n;
        }
        c = n;
    }
    void *p = c->data + c->used;
    c->used += size;
    memset(p, 0, size);
    return p;
}

/* ------------------------------------------------------------------------ */
/* Names                                                                    */
/* ------------------------------------------------------------------------ */

/* The kinds in lower case, as the dump and error messages spell them;
 * written out because AST_KINDS spells them in upper case. */
static const char *const kind_lower[] = {
    "module", "expr_stmt", "assign", "aug_assign", "ann_assign", "delete",
    "return", "pass", "break", "continue", "if", "while", "for", "try",
    "raise", "assert", "global", "nonlocal", "function_def", "class_def",
    "with", "import", "import_from", "name", "constant", "joined_str",
    "formatted_value", "list", "tuple", "set", "dict", "list_comp",
    "set_comp", "generator_exp", "dict_comp", "bin_op", "unary_op",
    "bool_op", "compare", "call", "attribute", "subscript", "slice",
    "starred", "lambda", "if_exp", "await", "yield", "yield_from",
    "named_expr", "keyword",
    "comprehension", "except_handler", "param", "with_item", "alias",
};
_Static_assert(sizeof kind_lower / sizeof kind_lower[0] == AST__COUNT,
               "kind_lower must list every AST kind in order");

static const char *const op_names[AST_OP__COUNT] = {
#define AST_OP_TEXT(name, text) text,
    AST_OPERATORS(AST_OP_TEXT)
#undef AST_OP_TEXT
};

const char *ast_kind_name(ast_kind kind)
{
    return (unsigned)kind < AST__COUNT ? kind_lower[kind] : "?";
}

const char *ast_op_name(ast_op op)
{
    return (unsigned)op < AST_OP__COUNT ? op_names[op] : "?";
}

/* ------------------------------------------------------------------------ */
/* Dump                                                                     */
/* ------------------------------------------------------------------------ */

typedef struct dumper {
    lx_buf buf;
    bool positions; /* add @line:col-end_line:end_col after each kind */
    bool failed;    /* out of memory */
} dumper;

static void put(dumper *d, const char *s, size_t n)
{
    if (!d->failed && !lx_buf_put(&d->buf, s, n))
        d->failed = true;
}

static void puts_(dumper *d, const char *s) { put(d, s, strlen(s)); }

static void putf(dumper *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void putf(dumper *d, const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        put(d, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static void dump_node(dumper *d, const ast_node *n);

/* Writes " X" for each element. */
static void dump_list(dumper *d, ast_list l)
{
    for (int i = 0; i < l.len; i++) {
        put(d, " ", 1);
        dump_node(d, l.items[i]);
    }
}

/* Writes " (label X...)"; omitted when empty and `optional`. */
static void dump_block(dumper *d, const char *label, ast_list l, bool optional)
{
    if (optional && l.len == 0)
        return;
    putf(d, " (%s", label);
    dump_list(d, l);
    put(d, ")", 1);
}

static void dump_opt(dumper *d, const ast_node *n)
{
    if (n) {
        put(d, " ", 1);
        dump_node(d, n);
    }
}

static void dump_quoted(dumper *d, ast_str s, bool bytes)
{
    put(d, bytes ? "b\"" : "\"", bytes ? 2 : 1);
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.s[i];
        switch (c) {
        case '\\': puts_(d, "\\\\"); break;
        case '"': puts_(d, "\\\""); break;
        case '\n': puts_(d, "\\n"); break;
        case '\r': puts_(d, "\\r"); break;
        case '\t': puts_(d, "\\t"); break;
        default:
            if (c < 0x20 || c == 0x7F || (bytes && c >= 0x80))
                putf(d, "\\x%02x", c);
            else
                put(d, (const char *)&c, 1);
        }
    }
    put(d, "\"", 1);
}

/* The shortest "%.*g" form of f that reads back as f, with ".0" added when
 * it would otherwise look like an integer. Printed in the "C" locale (for
 * this thread only), whatever locale the embedder set. */
static void dump_float(dumper *d, double f)
{
    char tmp[64];
    locale_t c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    locale_t old = c ? uselocale(c) : (locale_t)0;
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, f);
        if (strtod(tmp, NULL) == f)
            break;
    }
    if (c) {
        uselocale(old);
        freelocale(c);
    }
    if (!strpbrk(tmp, ".eEn"))
        strcat(tmp, ".0");
    puts_(d, tmp);
}

static void dump_constant(dumper *d, const ast_node *n)
{
    switch (n->u.constant.kind) {
    case AST_CONST_NONE: puts_(d, "None"); break;
    case AST_CONST_TRUE: puts_(d, "True"); break;
    case AST_CONST_FALSE: puts_(d, "False"); break;
    case AST_CONST_ELLIPSIS: puts_(d, "..."); break;
    case AST_CONST_INT: putf(d, "%" PRId64, n->u.constant.i); break;
    case AST_CONST_FLOAT: dump_float(d, n->u.constant.f); break;
    case AST_CONST_STR: dump_quoted(d, n->u.constant.s, false); break;
    case AST_CONST_BYTES: dump_quoted(d, n->u.constant.s, true); break;
    }
}

static void dump_str(dumper *d, ast_str s)
{
    put(d, " ", 1);
    put(d, s.s ? s.s : "?", s.s ? s.len : 1);
}

static void dump_node(dumper *d, const ast_node *n)
{
    if (!n) {
        puts_(d, "nil");
        return;
    }
    putf(d, "(%s", ast_kind_name(n->kind));
    if (d->positions)
        putf(d, "@%d:%d-%d:%d", n->line, n->col, n->end_line, n->end_col);
    switch (n->kind) {
    case AST_MODULE:
        dump_list(d, n->u.module.body);
        break;
    case AST_EXPR_STMT:
        dump_opt(d, n->u.expr_stmt.value);
        break;
    case AST_ASSIGN:
        dump_list(d, n->u.assign.targets);
        dump_opt(d, n->u.assign.value);
        break;
    case AST_AUG_ASSIGN:
        dump_opt(d, n->u.aug_assign.target);
        putf(d, " %s", ast_op_name(n->u.aug_assign.op));
        dump_opt(d, n->u.aug_assign.value);
        break;
    case AST_ANN_ASSIGN:
        dump_opt(d, n->u.ann_assign.target);
        dump_opt(d, n->u.ann_assign.annotation);
        dump_opt(d, n->u.ann_assign.value);
        break;
    case AST_DELETE:
        dump_list(d, n->u.delete_.targets);
        break;
    case AST_RETURN:
        dump_opt(d, n->u.return_.value);
        break;
    case AST_PASS:
    case AST_BREAK:
    case AST_CONTINUE:
        break;
    case AST_IF:
    case AST_WHILE:
        dump_opt(d, n->u.if_.test);
        dump_block(d, "body", n->u.if_.body, false);
        dump_block(d, "orelse", n->u.if_.orelse, true);
        break;
    case AST_FOR:
        if (n->u.for_.is_async)
            puts_(d, " async");
        dump_opt(d, n->u.for_.target);
        dump_opt(d, n->u.for_.iter);
        dump_block(d, "body", n->u.for_.body, false);
        dump_block(d, "orelse", n->u.for_.orelse, true);
        break;
    case AST_TRY:
        dump_block(d, "body", n->u.try_.body, false);
        dump_list(d, n->u.try_.handlers);
        dump_block(d, "orelse", n->u.try_.orelse, true);
        dump_block(d, "finalbody", n->u.try_.finalbody, true);
        break;
    case AST_RAISE:
        dump_opt(d, n->u.raise.exc);
        if (n->u.raise.cause) {
            puts_(d, " (from ");
            dump_node(d, n->u.raise.cause);
            put(d, ")", 1);
        }
        break;
    case AST_ASSERT:
        dump_opt(d, n->u.assert_.test);
        dump_opt(d, n->u.assert_.msg);
        break;
    case AST_GLOBAL:
    case AST_NONLOCAL:
        for (int i = 0; i < n->u.global.names.len; i++) {
            const ast_node *nm = n->u.global.names.items[i];
            dump_str(d, nm->u.name.id);
        }
        break;
    case AST_FUNCTION_DEF:
        if (n->u.function_def.is_async)
            puts_(d, " async");
        dump_str(d, n->u.function_def.name);
        dump_block(d, "params", n->u.function_def.params, false);
        dump_block(d, "body", n->u.function_def.body, false);
        dump_block(d, "decorators", n->u.function_def.decorators, true);
        if (n->u.function_def.docstring.s) {
            puts_(d, " (docstring ");
            dump_quoted(d, n->u.function_def.docstring, false);
            put(d, ")", 1);
        }
        break;
    case AST_CLASS_DEF:
        dump_str(d, n->u.class_def.name);
        dump_block(d, "bases", n->u.class_def.bases, false);
        dump_block(d, "body", n->u.class_def.body, false);
        dump_block(d, "decorators", n->u.class_def.decorators, true);
        if (n->u.class_def.docstring.s) {
            puts_(d, " (docstring ");
            dump_quoted(d, n->u.class_def.docstring, false);
            put(d, ")", 1);
        }
        break;
    case AST_WITH:
        if (n->u.with.is_async)
            puts_(d, " async");
        dump_list(d, n->u.with.items);
        dump_block(d, "body", n->u.with.body, false);
        break;
    case AST_IMPORT:
        dump_list(d, n->u.import.names);
        break;
    case AST_IMPORT_FROM:
        put(d, " ", 1);
        for (int i = 0; i < n->u.import_from.level; i++)
            put(d, ".", 1);
        if (n->u.import_from.module.s)
            put(d, n->u.import_from.module.s, n->u.import_from.module.len);
        dump_list(d, n->u.import_from.names);
        break;
    case AST_NAME:
        dump_str(d, n->u.name.id);
        break;
    case AST_CONSTANT:
        put(d, " ", 1);
        dump_constant(d, n);
        break;
    case AST_JOINED_STR:
        dump_list(d, n->u.joined_str.values);
        break;
    case AST_FORMATTED_VALUE:
        dump_opt(d, n->u.formatted_value.value);
        if (n->u.formatted_value.conversion)
            putf(d, " !%c", n->u.formatted_value.conversion);
        dump_opt(d, n->u.formatted_value.format_spec);
        break;
    case AST_LIST:
    case AST_TUPLE:
    case AST_SET:
        dump_list(d, n->u.list.elts);
        break;
    case AST_DICT:
        for (int i = 0; i < n->u.dict.keys.len; i++) {
            if (n->u.dict.keys.items[i]) {
                put(d, " ", 1);
                dump_node(d, n->u.dict.keys.items[i]);
            } else {
                puts_(d, " **");
            }
            put(d, " ", 1);
            dump_node(d, n->u.dict.values.items[i]);
        }
        break;
    case AST_LIST_COMP:
    case AST_SET_COMP:
    case AST_GENERATOR_EXP:
        dump_opt(d, n->u.comp.elt);
        dump_list(d, n->u.comp.generators);
        break;
    case AST_DICT_COMP:
        dump_opt(d, n->u.dict_comp.key);
        dump_opt(d, n->u.dict_comp.value);
        dump_list(d, n->u.dict_comp.generators);
        break;
    case AST_BIN_OP:
        putf(d, " %s", ast_op_name(n->u.bin_op.op));
        dump_opt(d, n->u.bin_op.left);
        dump_opt(d, n->u.bin_op.right);
        break;
    case AST_UNARY_OP:
        putf(d, " %s", ast_op_name(n->u.unary_op.op));
        dump_opt(d, n->u.unary_op.operand);
        break;
    case AST_BOOL_OP:
        putf(d, " %s", ast_op_name(n->u.bool_op.op));
        dump_list(d, n->u.bool_op.values);
        break;
    case AST_COMPARE:
        dump_opt(d, n->u.compare.left);
        for (int i = 0; i < n->u.compare.comparators.len; i++) {
            putf(d, " %s ", ast_op_name(n->u.compare.ops[i]));
            dump_node(d, n->u.compare.comparators.items[i]);
        }
        break;
    case AST_CALL:
        dump_opt(d, n->u.call.func);
        dump_list(d, n->u.call.args);
        dump_list(d, n->u.call.keywords);
        break;
    case AST_ATTRIBUTE:
        dump_opt(d, n->u.attribute.value);
        dump_str(d, n->u.attribute.attr);
        break;
    case AST_SUBSCRIPT:
        dump_opt(d, n->u.subscript.value);
        dump_opt(d, n->u.subscript.slice);
        break;
    case AST_SLICE:
        put(d, " ", 1);
        dump_node(d, n->u.slice.lower);
        put(d, " ", 1);
        dump_node(d, n->u.slice.upper);
        put(d, " ", 1);
        dump_node(d, n->u.slice.step);
        break;
    case AST_STARRED:
    case AST_AWAIT:
    case AST_YIELD:
    case AST_YIELD_FROM:
        dump_opt(d, n->u.starred.value);
        break;
    case AST_LAMBDA:
        dump_block(d, "params", n->u.lambda.params, false);
        dump_opt(d, n->u.lambda.body);
        break;
    case AST_IF_EXP:
        dump_opt(d, n->u.if_exp.test);
        dump_opt(d, n->u.if_exp.body);
        dump_opt(d, n->u.if_exp.orelse);
        break;
    case AST_NAMED_EXPR:
        dump_opt(d, n->u.named_expr.target);
        dump_opt(d, n->u.named_expr.value);
        break;
    case AST_KEYWORD:
        if (n->u.keyword.arg.s)
            dump_str(d, n->u.keyword.arg);
        else
            puts_(d, " **");
        dump_opt(d, n->u.keyword.value);
        break;
    case AST_COMPREHENSION:
        if (n->u.comprehension.is_async)
            puts_(d, " async");
        dump_opt(d, n->u.comprehension.target);
        dump_opt(d, n->u.comprehension.iter);
        dump_list(d, n->u.comprehension.ifs);
        break;
    case AST_EXCEPT_HANDLER:
        dump_opt(d, n->u.except_handler.type);
        if (n->u.except_handler.name.s) {
            puts_(d, " as");
            dump_str(d, n->u.except_handler.name);
        }
        dump_block(d, "body", n->u.except_handler.body, false);
        break;
    case AST_PARAM:
        switch (n->u.param.param_kind) {
        case AST_PARAM_POSITIONAL: puts_(d, " "); break;
        case AST_PARAM_VARARGS: puts_(d, " *"); break;
        case AST_PARAM_KWONLY: puts_(d, " kwonly "); break;
        case AST_PARAM_KWARGS: puts_(d, " **"); break;
        }
        put(d, n->u.param.name.s, n->u.param.name.len);
        dump_opt(d, n->u.param.default_);
        break;
    case AST_WITH_ITEM:
        dump_opt(d, n->u.with_item.context_expr);
        dump_opt(d, n->u.with_item.optional_vars);
        break;
    case AST_ALIAS:
        dump_str(d, n->u.alias.name);
        if (n->u.alias.asname.s)
            dump_str(d, n->u.alias.asname);
        break;
    case AST__COUNT:
        break;
    }
    put(d, ")", 1);
}

static char *dump(const ast_node *node, bool positions)
{
    dumper d = {{NULL, 0, 0}, positions, false};
    dump_node(&d, node);
    if (d.failed || !d.buf.data) {
        lx_buf_free(&d.buf);
        return NULL;
    }
    return d.buf.data;
}

char *ast_dump(const ast_node *node) { return dump(node, false); }

char *ast__dump_positions(const ast_node *node) { return dump(node, true); }
