/*
 * ast.h - the syntax tree of a scenario file, produced by the parser
 * (parser.c, from the tokens of lexer.c) and consumed by the compiler.
 *
 * Nodes live in an arena that is freed in one go after compilation. Every
 * node carries the 1-based line and column of its first character, which
 * the compiler copies into its line tables and error messages. Identifiers
 * and string constants are arena copies (NUL-terminated, with an explicit
 * length because strings may contain NUL bytes).
 *
 * The shapes follow Python's own `ast` module, trimmed to the scenario
 * subset of shared/spec/LANGUAGE.md: what the parser accepts here, the
 * compiler must compile.
 */
#ifndef LOOPSCOPE_AST_H
#define LOOPSCOPE_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Node kinds: statements, then expressions, then helper nodes. */
#define AST_KINDS(X)                                                         \
    X(MODULE)          /* body                                        */     \
    X(EXPR_STMT)       /* value                                       */     \
    X(ASSIGN)          /* targets (a = b = value), value              */     \
    X(AUG_ASSIGN)      /* target op= value                            */     \
    X(ANN_ASSIGN)      /* target: annotation [= value]                */     \
    X(DELETE)          /* targets                                     */     \
    X(RETURN)          /* [value]                                     */     \
    X(PASS)                                                                  \
    X(BREAK)                                                                 \
    X(CONTINUE)                                                              \
    X(IF)              /* test, body, orelse (elif: orelse = [IF])    */     \
    X(WHILE)           /* test, body, orelse                          */     \
    X(FOR)             /* target, iter, body, orelse, is_async        */     \
    X(TRY)             /* body, handlers, orelse, finalbody           */     \
    X(RAISE)           /* [exc], [cause]                              */     \
    X(ASSERT)          /* test, [msg]                                 */     \
    X(GLOBAL)          /* names                                       */     \
    X(NONLOCAL)        /* names                                       */     \
    X(FUNCTION_DEF)    /* name, params, body, decorators, is_async    */     \
    X(CLASS_DEF)       /* name, bases, body, decorators               */     \
    X(WITH)            /* items, body, is_async                       */     \
    X(IMPORT)          /* names (ALIAS)                               */     \
    X(IMPORT_FROM)     /* module, names (ALIAS), level                */     \
    X(NAME)            /* id                                          */     \
    X(CONSTANT)        /* constant                                    */     \
    X(JOINED_STR)      /* values: CONSTANT str / FORMATTED_VALUE      */     \
    X(FORMATTED_VALUE) /* value, conversion, format_spec (JOINED_STR) */     \
    X(LIST)            /* elts                                        */     \
    X(TUPLE)           /* elts                                        */     \
    X(SET)             /* elts                                        */     \
    X(DICT)            /* keys (NULL key: **value), values            */     \
    X(LIST_COMP)       /* elt, generators                             */     \
    X(SET_COMP)        /* elt, generators                             */     \
    X(GENERATOR_EXP)   /* elt, generators                             */     \
    X(DICT_COMP)       /* key, value, generators                      */     \
    X(BIN_OP)          /* left op right                               */     \
    X(UNARY_OP)        /* op operand                                  */     \
    X(BOOL_OP)         /* op, values                                  */     \
    X(COMPARE)         /* left, ops, comparators                      */     \
    X(CALL)            /* func, args (may hold STARRED), keywords     */     \
    X(ATTRIBUTE)       /* value.attr                                  */     \
    X(SUBSCRIPT)       /* value[slice]                                */     \
    X(SLICE)           /* [lower]:[upper]:[step]                      */     \
    X(STARRED)         /* *value                                      */     \
    X(LAMBDA)          /* params, body (an expression)                */     \
    X(IF_EXP)          /* body if test else orelse                    */     \
    X(AWAIT)           /* value                                       */     \
    X(YIELD)           /* value (NULL: a bare yield)                  */     \
    X(YIELD_FROM)      /* value                                       */     \
    X(NAMED_EXPR)      /* target := value                             */     \
    X(KEYWORD)         /* arg=value in a call; arg NULL for **value   */     \
    X(COMPREHENSION)   /* for target in iter if ifs..., is_async      */     \
    X(EXCEPT_HANDLER)  /* except [type [as name]]: body               */     \
    X(PARAM)           /* a parameter: name, default, param_kind      */     \
    X(WITH_ITEM)       /* context_expr [as optional_vars]             */     \
    X(ALIAS)           /* name [as asname]                            */

typedef enum ast_kind {
#define AST_ENUM(name) AST_##name,
    AST_KINDS(AST_ENUM)
#undef AST_ENUM
    AST__COUNT
} ast_kind;

/* Operators for BIN_OP, AUG_ASSIGN and UNARY_OP, with their spelling. */
#define AST_OPERATORS(X)                                                     \
    X(ADD, "+") X(SUB, "-") X(MUL, "*") X(DIV, "/") X(FLOORDIV, "//")        \
    X(MOD, "%") X(POW, "**") X(LSHIFT, "<<") X(RSHIFT, ">>")                 \
    X(BITOR, "|") X(BITXOR, "^") X(BITAND, "&") X(MATMUL, "@")               \
    X(NOT, "not") X(NEG, "-") X(POS, "+") X(INVERT, "~")                     \
    X(AND, "and") X(OR, "or")                                                \
    X(EQ, "==") X(NE, "!=") X(LT, "<") X(LE, "<=") X(GT, ">") X(GE, ">=")    \
    X(IS, "is") X(IS_NOT, "is not") X(IN, "in") X(NOT_IN, "not in")

typedef enum ast_op {
#define AST_OP_ENUM(name, text) AST_OP_##name,
    AST_OPERATORS(AST_OP_ENUM)
#undef AST_OP_ENUM
    AST_OP__COUNT
} ast_op;

typedef enum ast_const_kind {
    AST_CONST_NONE,
    AST_CONST_TRUE,
    AST_CONST_FALSE,
    AST_CONST_ELLIPSIS,
    AST_CONST_INT,   /* i */
    AST_CONST_FLOAT, /* f */
    AST_CONST_STR,   /* s, len: UTF-8 */
    AST_CONST_BYTES  /* s, len: raw bytes */
} ast_const_kind;

typedef enum ast_param_kind {
    AST_PARAM_POSITIONAL, /* a or a=default (positional or keyword) */
    AST_PARAM_VARARGS,    /* *args */
    AST_PARAM_KWONLY,     /* after * or *args */
    AST_PARAM_KWARGS      /* **kwargs */
} ast_param_kind;

typedef struct ast_node ast_node;

/* A counted array of nodes (arena memory). */
typedef struct ast_list {
    ast_node **items;
    int len;
} ast_list;

/* An identifier or string constant: arena memory, NUL-terminated. */
typedef struct ast_str {
    const char *s;
    size_t len;
} ast_str;

struct ast_node {
    ast_kind kind;
    int line, col;         /* 1-based position of the first character */
    int end_line, end_col; /* 1-based position just after the last one */
    union {
        struct { ast_list body; } module;
        struct { ast_node *value; } expr_stmt;
        struct { ast_list targets; ast_node *value; } assign;
        struct { ast_node *target; ast_op op; ast_node *value; } aug_assign;
        struct { ast_node *target, *annotation, *value; } ann_assign;
        struct { ast_list targets; } delete_;
        struct { ast_node *value; } return_;
        struct { ast_node *test; ast_list body, orelse; } if_, while_;
        struct {
            ast_node *target, *iter;
            ast_list body, orelse;
            bool is_async;
        } for_;
        struct {
            ast_list body, handlers, orelse, finalbody;
            bool star;           /* except* clauses (exception groups) */
        } try_;
        struct { ast_node *exc, *cause; } raise;
        struct { ast_node *test, *msg; } assert_;
        struct { ast_list names; } global, nonlocal; /* NAME nodes */
        struct {
            ast_str name;
            ast_list params;     /* PARAM nodes in source order */
            ast_list body;
            ast_list decorators; /* expressions, outermost first */
            bool is_async;
            ast_str docstring;   /* s NULL when the body has none */
        } function_def;
        struct {
            ast_str name;
            ast_list bases;      /* expressions */
            ast_list body;
            ast_list decorators;
            ast_str docstring;
        } class_def;
        struct { ast_list items; ast_list body; bool is_async; } with;
        struct { ast_list names; } import;
        struct { ast_str module; ast_list names; int level; } import_from;
        struct { ast_str id; } name;
        struct {
            ast_const_kind kind;
            int64_t i;
            double f;
            ast_str s;
        } constant;
        struct { ast_list values; } joined_str;
        struct {
            ast_node *value;
            char conversion;     /* 0, 's', 'r' or 'a' */
            ast_node *format_spec; /* JOINED_STR or NULL */
        } formatted_value;
        struct { ast_list elts; } list, tuple, set;
        struct { ast_list keys, values; } dict;
        struct {
            ast_node *elt;
            ast_list generators;
            /* A generator expression: the generator function it stands
             * for (made by the compiler's symbol pass). */
            ast_list gx_params, gx_body;
        } comp; /* list/set/gen */
        struct { ast_node *key, *value; ast_list generators; } dict_comp;
        struct { ast_node *left; ast_op op; ast_node *right; } bin_op;
        struct { ast_op op; ast_node *operand; } unary_op;
        struct { ast_op op; ast_list values; } bool_op;
        struct {
            ast_node *left;
            ast_op *ops;         /* len == comparators.len */
            ast_list comparators;
        } compare;
        struct { ast_node *func; ast_list args, keywords; } call;
        struct { ast_node *value; ast_str attr; } attribute;
        struct { ast_node *value, *slice; } subscript;
        struct { ast_node *lower, *upper, *step; } slice;
        struct { ast_node *value; } starred, await_, yield;
        struct { ast_list params; ast_node *body; } lambda;
        struct { ast_node *test, *body, *orelse; } if_exp;
        struct { ast_node *target, *value; } named_expr;
        struct { ast_str arg; ast_node *value; } keyword; /* arg.s NULL: ** */
        struct {
            ast_node *target, *iter;
            ast_list ifs;
            bool is_async;
        } comprehension;
        struct {
            ast_node *type;      /* NULL: bare except */
            ast_str name;        /* s NULL: no "as" */
            ast_list body;
        } except_handler;
        struct {
            ast_str name;
            ast_node *default_;  /* NULL: none */
            ast_param_kind param_kind;
        } param;
        struct { ast_node *context_expr, *optional_vars; } with_item;
        struct { ast_str name, asname; } alias; /* name may be dotted */
    } u;
};

/* ------------------------------------------------------------------------ */
/* Arena                                                                    */
/* ------------------------------------------------------------------------ */

typedef struct ast_arena ast_arena;

/* Creates an empty arena; NULL when out of memory. */
ast_arena *ast_arena_new(void);
/* Frees the arena and every node and string in it. */
void ast_arena_free(ast_arena *a);
/* Zeroed, 8-byte aligned memory that lives as long as the arena, or NULL. */
void *ast_arena_alloc(ast_arena *a, size_t size);

/* ------------------------------------------------------------------------ */
/* Diagnostics                                                              */
/* ------------------------------------------------------------------------ */

/* One error in a scenario file. */
typedef struct rt_diag {
    int line, col;  /* 1-based */
    char *message;  /* owned; no trailing newline, no "file:line:col: " */
} rt_diag;

/* The errors found in one file, in source order. */
typedef struct rt_diags {
    const char *filename; /* borrowed */
    const char *source;   /* borrowed: the whole text, for the caret line */
    size_t source_len;
    rt_diag *items;
    int len, cap;
    bool out_of_memory;
} rt_diags;

void rt_diags_init(rt_diags *d, const char *filename, const char *source,
                   size_t len);
void rt_diags_deinit(rt_diags *d);
/* Adds an error; printf-style message. */
void rt_diags_add(rt_diags *d, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Writes every error as "file:line:col: message", the source line, and a
 * caret under the column, to `out` (a FILE *). */
void rt_diags_print(const rt_diags *d, void *out);

/* ------------------------------------------------------------------------ */
/* Parsing                                                                  */
/* ------------------------------------------------------------------------ */

/* The deepest tree ast_parse returns (the MODULE node is level 1): deeper
 * input is refused with an error, so that code walking a tree recursively
 * (the compiler, ast_dump) needs at most this many C stack frames. */
#define AST_MAX_DEPTH 1000

/* Parses a whole file. Returns the MODULE node, or NULL when there were
 * errors (all of them in `diags`, recovering at statement boundaries so
 * that one error does not hide the next). Nodes live in `arena`. */
ast_node *ast_parse(const char *source, size_t len, ast_arena *arena,
                    rt_diags *diags);

/* Writes the tree as an S-expression for tests, e.g.
 * (module (expr_stmt (call (name print) (constant "hi")))). Returns a
 * malloc'd string the caller frees with rt_free. */
char *ast_dump(const ast_node *node);

const char *ast_kind_name(ast_kind kind);
const char *ast_op_name(ast_op op);

#endif /* LOOPSCOPE_AST_H */
