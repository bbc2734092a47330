/*
 * compiler.c - turns a syntax tree (ast.h) into code objects for vm.c.
 *
 * Two passes, as in CPython. The first (the symbol table) walks each scope
 * to learn which names are parameters, locals, cells captured by inner
 * functions, free variables, or globals; it also renames the loop
 * variables of comprehensions to hidden locals, because comprehensions are
 * compiled inline into the enclosing function (as Python 3.12 does) rather
 * than as nested functions. The second pass emits bytecode.
 *
 * Exception handling uses a zero-cost exception table, as CPython 3.11
 * does: every instruction is tagged with its innermost handler while it is
 * emitted, and runs of equal tags become ExcRange entries at the end. A
 * `return`, `break` or `continue` that leaves a `try` emits the `finally`
 * bodies inline, with the handler tag switched to the enclosing one.
 *
 * Errors (things the scenario subset refuses, names used wrongly) go to
 * rt_diags with their position; compilation carries on to report more.
 */
#include <stdlib.h>
#include <string.h>

#include "lang.h"

/* ------------------------------------------------------------------------ */
/* Symbol table                                                             */
/* ------------------------------------------------------------------------ */

enum {
    SYM_ASSIGNED = 1,  /* bound in this scope */
    SYM_PARAM = 2,
    SYM_GLOBAL = 4,    /* declared global */
    SYM_NONLOCAL = 8,  /* declared nonlocal */
    SYM_USED = 16,     /* referenced */
    SYM_CELL = 32,     /* bound here, captured by an inner scope */
    SYM_FREE = 64      /* bound in an enclosing function */
};

typedef enum ScopeKind { SC_MODULE, SC_FUNCTION, SC_CLASS } ScopeKind;

typedef struct Sym {
    const char *name;
    int flags;
} Sym;

typedef struct Scope {
    ScopeKind kind;
    ast_node *node;        /* FUNCTION_DEF, LAMBDA, CLASS_DEF, MODULE */
    struct Scope *parent;
    struct Scope **children;
    int nchildren, capchildren;
    Sym *syms;
    int nsyms, capsyms;
    bool is_async;
    bool is_generator;     /* has a yield: calling it makes a generator */
    bool uses_super;       /* calls super() with no arguments */
    int comp_counter;
} Scope;

/* Comprehension renaming: the names a comprehension binds, mapped to the
 * hidden names that replace them inside it. */
typedef struct Rename {
    const char *from, *to;
} Rename;

typedef struct SymTab {
    ast_arena *arena;
    rt_diags *diags;
    Scope *cur;
    Scope **all;
    int nall, capall;
    Rename *renames;
    int nrenames, caprenames;
    bool failed;
    int loop_depth;        /* for 'break' outside loop checks */
} SymTab;

static void *grow(void *p, int *cap, int need, size_t size, bool *failed)
{
    if (need <= *cap)
        return p;
    int ncap = *cap ? *cap * 2 : 8;
    while (ncap < need)
        ncap *= 2;
    void *q = rt_realloc(p, (size_t)ncap * size);
    if (!q) {
        *failed = true;
        return p;
    }
    *cap = ncap;
    return q;
}

static Sym *sym_find(Scope *s, const char *name)
{
    for (int i = 0; i < s->nsyms; i++)
        if (strcmp(s->syms[i].name, name) == 0)
            return &s->syms[i];
    return NULL;
}

static Sym *sym_add(SymTab *st, Scope *s, const char *name, int flags)
{
    Sym *y = sym_find(s, name);
    if (y) {
        y->flags |= flags;
        return y;
    }
    s->syms = grow(s->syms, &s->capsyms, s->nsyms + 1, sizeof(Sym),
                   &st->failed);
    if (s->nsyms >= s->capsyms)
        return NULL;
    y = &s->syms[s->nsyms++];
    y->name = name;
    y->flags = flags;
    return y;
}

static Scope *scope_new(SymTab *st, ScopeKind kind, ast_node *node)
{
    Scope *s = rt_calloc(1, sizeof *s);
    if (!s) {
        st->failed = true;
        return NULL;
    }
    s->kind = kind;
    s->node = node;
    s->parent = st->cur;
    st->all = grow(st->all, &st->capall, st->nall + 1, sizeof(Scope *),
                   &st->failed);
    if (st->nall < st->capall)
        st->all[st->nall++] = s;
    if (st->cur) {
        Scope *p = st->cur;
        p->children = grow(p->children, &p->capchildren, p->nchildren + 1,
                           sizeof(Scope *), &st->failed);
        if (p->nchildren < p->capchildren)
            p->children[p->nchildren++] = s;
    }
    return s;
}

static const char *renamed(SymTab *st, const char *name)
{
    for (int i = st->nrenames; i-- > 0;)
        if (strcmp(st->renames[i].from, name) == 0)
            return st->renames[i].to;
    return name;
}

static void st_expr(SymTab *st, ast_node *n);
static void st_stmts(SymTab *st, ast_list *l);

static void st_exprs(SymTab *st, ast_list *l)
{
    for (int i = 0; i < l->len; i++)
        st_expr(st, l->items[i]);
}

/* Binds a target expression (assignment, for, with, except as). */
static void st_target(SymTab *st, ast_node *n)
{
    if (!n)
        return;
    switch (n->kind) {
    case AST_NAME: {
        const char *nm = renamed(st, n->u.name.id.s);
        n->u.name.id.s = nm;
        n->u.name.id.len = strlen(nm);
        sym_add(st, st->cur, nm, SYM_ASSIGNED);
        break;
    }
    case AST_TUPLE:
    case AST_LIST:
        for (int i = 0; i < n->u.tuple.elts.len; i++)
            st_target(st, n->u.tuple.elts.items[i]);
        break;
    case AST_STARRED:
        st_target(st, n->u.starred.value);
        break;
    default:
        st_expr(st, n);
        break;
    }
}

static void st_params(SymTab *st, ast_list *params, bool defaults_only)
{
    for (int i = 0; i < params->len; i++) {
        ast_node *p = params->items[i];
        if (defaults_only) {
            if (p->u.param.default_)
                st_expr(st, p->u.param.default_);
        } else {
            sym_add(st, st->cur, p->u.param.name.s, SYM_ASSIGNED | SYM_PARAM);
        }
    }
}

static char *arena_strdup(SymTab *st, const char *s)
{
    size_t n = strlen(s);
    char *d = ast_arena_alloc(st->arena, n + 1);
    if (!d) {
        st->failed = true;
        return (char *)s;
    }
    memcpy(d, s, n + 1);
    return d;
}

/* Comprehensions: the first iterable is evaluated outside; the targets are
 * renamed to hidden names, visible only inside. */
static void st_comprehension(SymTab *st, ast_list *gens, ast_node *elt,
                             ast_node *key, ast_node *value)
{
    int saved = st->nrenames;
    int id = st->cur->comp_counter++;
    for (int g = 0; g < gens->len; g++) {
        ast_node *c = gens->items[g];
        st_expr(st, c->u.comprehension.iter);
        /* Collect the target names and rename them. */
        ast_node *stack[64];
        int sp = 0;
        stack[sp++] = c->u.comprehension.target;
        while (sp > 0) {
            ast_node *t = stack[--sp];
            if (t->kind == AST_NAME) {
                char buf[128];
                snprintf(buf, sizeof buf, ".%d%s%d", id, t->u.name.id.s, g);
                st->renames = grow(st->renames, &st->caprenames,
                                   st->nrenames + 1, sizeof(Rename),
                                   &st->failed);
                if (st->nrenames < st->caprenames) {
                    Rename *r = &st->renames[st->nrenames++];
                    r->from = t->u.name.id.s;
                    r->to = arena_strdup(st, buf);
                }
            } else if ((t->kind == AST_TUPLE || t->kind == AST_LIST) &&
                       sp + t->u.tuple.elts.len < 64) {
                for (int i = 0; i < t->u.tuple.elts.len; i++)
                    stack[sp++] = t->u.tuple.elts.items[i];
            } else if (t->kind == AST_STARRED && sp < 64) {
                stack[sp++] = t->u.starred.value;
            }
        }
        st_target(st, c->u.comprehension.target);
        st_exprs(st, &c->u.comprehension.ifs);
    }
    if (elt)
        st_expr(st, elt);
    if (key)
        st_expr(st, key);
    if (value)
        st_expr(st, value);
    st->nrenames = saved;
}

static void st_function(SymTab *st, ast_node *n, ast_list *params,
                        ast_list *body, ast_node *expr_body, bool is_async)
{
    Scope *s = scope_new(st, SC_FUNCTION, n);
    if (!s)
        return;
    s->is_async = is_async;
    int saved_renames = st->nrenames;
    int saved_loops = st->loop_depth;
    st->loop_depth = 0;
    /* A function inside a comprehension sees its loop variables (renamed),
     * except those its own parameters shadow: push identity renames. */
    for (int i = 0; i < params->len; i++) {
        const char *pn = params->items[i]->u.param.name.s;
        st->renames = grow(st->renames, &st->caprenames, st->nrenames + 1,
                           sizeof(Rename), &st->failed);
        if (st->nrenames < st->caprenames) {
            st->renames[st->nrenames].from = pn;
            st->renames[st->nrenames].to = pn;
            st->nrenames++;
        }
    }
    Scope *outer = st->cur;
    st->cur = s;
    st_params(st, params, false);
    if (body)
        st_stmts(st, body);
    if (expr_body)
        st_expr(st, expr_body);
    st->cur = outer;
    st->nrenames = saved_renames;
    st->loop_depth = saved_loops;
}

/* A node made by the compiler, placed where `at` is. */
static ast_node *synth(SymTab *st, ast_kind kind, const ast_node *at)
{
    ast_node *x = ast_arena_alloc(st->arena, sizeof *x);
    if (!x) {
        st->failed = true;
        return NULL;
    }
    memset(x, 0, sizeof *x);
    x->kind = kind;
    x->line = at->line;
    x->col = at->col;
    x->end_line = at->end_line;
    x->end_col = at->end_col;
    return x;
}

static bool synth_list1(SymTab *st, ast_list *l, ast_node *x)
{
    l->items = ast_arena_alloc(st->arena, sizeof *l->items);
    if (!l->items || !x) {
        st->failed = true;
        l->len = 0;
        return false;
    }
    l->items[0] = x;
    l->len = 1;
    return true;
}

/* A generator expression is a generator function, as in CPython:
 * (elt for t in it if c) is `def <genexpr>(.0): for t in .0: if c: yield
 * elt` called with iter(it), the first iterable evaluated where the
 * expression stands. */
static void st_genexp(SymTab *st, ast_node *n)
{
    ast_list *gens = &n->u.comp.generators;
    st_expr(st, gens->items[0]->u.comprehension.iter);
    ast_node *elt = n->u.comp.elt;
    ast_node *y = synth(st, AST_YIELD, elt);
    ast_node *stmt = synth(st, AST_EXPR_STMT, elt);
    if (!y || !stmt)
        return;
    y->u.yield.value = elt;
    stmt->u.expr_stmt.value = y;
    for (int g = gens->len - 1; g >= 0; g--) {
        ast_node *c = gens->items[g];
        ast_list *ifs = &c->u.comprehension.ifs;
        for (int i = ifs->len - 1; i >= 0; i--) {
            ast_node *test = synth(st, AST_IF, ifs->items[i]);
            if (!test || !synth_list1(st, &test->u.if_.body, stmt))
                return;
            test->u.if_.test = ifs->items[i];
            stmt = test;
        }
        ast_node *loop = synth(st, AST_FOR, c);
        if (!loop || !synth_list1(st, &loop->u.for_.body, stmt))
            return;
        loop->u.for_.target = c->u.comprehension.target;
        if (g == 0) {
            ast_node *arg = synth(st, AST_NAME, c->u.comprehension.iter);
            if (!arg)
                return;
            arg->u.name.id.s = ".0";
            arg->u.name.id.len = 2;
            loop->u.for_.iter = arg;
        } else {
            loop->u.for_.iter = c->u.comprehension.iter;
        }
        stmt = loop;
    }
    ast_node *param = synth(st, AST_PARAM, n);
    if (!param)
        return;
    param->u.param.name.s = ".0";
    param->u.param.name.len = 2;
    param->u.param.param_kind = AST_PARAM_POSITIONAL;
    if (!synth_list1(st, &n->u.comp.gx_params, param) ||
        !synth_list1(st, &n->u.comp.gx_body, stmt))
        return;
    st_function(st, n, &n->u.comp.gx_params, &n->u.comp.gx_body, NULL,
                false);
}

static void st_expr(SymTab *st, ast_node *n)
{
    if (!n)
        return;
    switch (n->kind) {
    case AST_NAME: {
        const char *nm = renamed(st, n->u.name.id.s);
        n->u.name.id.s = nm;
        n->u.name.id.len = strlen(nm);
        sym_add(st, st->cur, nm, SYM_USED);
        break;
    }
    case AST_CONSTANT:
        break;
    case AST_JOINED_STR:
        st_exprs(st, &n->u.joined_str.values);
        break;
    case AST_FORMATTED_VALUE:
        st_expr(st, n->u.formatted_value.value);
        st_expr(st, n->u.formatted_value.format_spec);
        break;
    case AST_LIST:
    case AST_TUPLE:
    case AST_SET:
        st_exprs(st, &n->u.list.elts);
        break;
    case AST_DICT:
        for (int i = 0; i < n->u.dict.keys.len; i++)
            st_expr(st, n->u.dict.keys.items[i]);
        st_exprs(st, &n->u.dict.values);
        break;
    case AST_GENERATOR_EXP:
        if (!n->u.comp.generators.items[0]->u.comprehension.is_async) {
            st_genexp(st, n);
            break;
        }
        st_comprehension(st, &n->u.comp.generators, n->u.comp.elt, NULL,
                         NULL); /* an async one is evaluated eagerly */
        break;
    case AST_LIST_COMP:
    case AST_SET_COMP:
        st_comprehension(st, &n->u.comp.generators, n->u.comp.elt, NULL,
                         NULL);
        break;
    case AST_DICT_COMP:
        st_comprehension(st, &n->u.dict_comp.generators, NULL,
                         n->u.dict_comp.key, n->u.dict_comp.value);
        break;
    case AST_BIN_OP:
        st_expr(st, n->u.bin_op.left);
        st_expr(st, n->u.bin_op.right);
        break;
    case AST_UNARY_OP:
        st_expr(st, n->u.unary_op.operand);
        break;
    case AST_BOOL_OP:
        st_exprs(st, &n->u.bool_op.values);
        break;
    case AST_COMPARE:
        st_expr(st, n->u.compare.left);
        st_exprs(st, &n->u.compare.comparators);
        break;
    case AST_CALL:
        st_expr(st, n->u.call.func);
        st_exprs(st, &n->u.call.args);
        for (int i = 0; i < n->u.call.keywords.len; i++)
            st_expr(st, n->u.call.keywords.items[i]->u.keyword.value);
        if (n->u.call.func->kind == AST_NAME &&
            strcmp(n->u.call.func->u.name.id.s, "super") == 0 &&
            n->u.call.args.len == 0)
            st->cur->uses_super = true;
        break;
    case AST_ATTRIBUTE:
        st_expr(st, n->u.attribute.value);
        break;
    case AST_SUBSCRIPT:
        st_expr(st, n->u.subscript.value);
        st_expr(st, n->u.subscript.slice);
        break;
    case AST_SLICE:
        st_expr(st, n->u.slice.lower);
        st_expr(st, n->u.slice.upper);
        st_expr(st, n->u.slice.step);
        break;
    case AST_STARRED:
        st_expr(st, n->u.starred.value);
        break;
    case AST_LAMBDA:
        st_params(st, &n->u.lambda.params, true);
        st_function(st, n, &n->u.lambda.params, NULL, n->u.lambda.body,
                    false);
        break;
    case AST_IF_EXP:
        st_expr(st, n->u.if_exp.test);
        st_expr(st, n->u.if_exp.body);
        st_expr(st, n->u.if_exp.orelse);
        break;
    case AST_AWAIT:
        st_expr(st, n->u.await_.value);
        break;
    case AST_YIELD:
    case AST_YIELD_FROM:
        st_expr(st, n->u.yield.value);
        if (st->cur->kind == SC_FUNCTION)
            st->cur->is_generator = true;
        break;
    case AST_NAMED_EXPR: {
        st_expr(st, n->u.named_expr.value);
        /* The walrus binds in the enclosing function, not the
         * comprehension: no renaming. */
        ast_node *t = n->u.named_expr.target;
        if (t->kind == AST_NAME)
            sym_add(st, st->cur, t->u.name.id.s, SYM_ASSIGNED);
        break;
    }
    case AST_KEYWORD:
        st_expr(st, n->u.keyword.value);
        break;
    default:
        break;
    }
}

static void st_stmt(SymTab *st, ast_node *n)
{
    switch (n->kind) {
    case AST_EXPR_STMT:
        st_expr(st, n->u.expr_stmt.value);
        break;
    case AST_ASSIGN:
        st_expr(st, n->u.assign.value);
        for (int i = 0; i < n->u.assign.targets.len; i++)
            st_target(st, n->u.assign.targets.items[i]);
        break;
    case AST_AUG_ASSIGN:
        st_expr(st, n->u.aug_assign.value);
        if (n->u.aug_assign.target->kind == AST_NAME) {
            ast_node *t = n->u.aug_assign.target;
            sym_add(st, st->cur, t->u.name.id.s, SYM_ASSIGNED | SYM_USED);
        } else {
            st_expr(st, n->u.aug_assign.target);
        }
        break;
    case AST_ANN_ASSIGN:
        if (n->u.ann_assign.value) {
            st_expr(st, n->u.ann_assign.value);
            st_target(st, n->u.ann_assign.target);
        }
        break;
    case AST_DELETE:
        for (int i = 0; i < n->u.delete_.targets.len; i++)
            st_target(st, n->u.delete_.targets.items[i]);
        break;
    case AST_RETURN:
        st_expr(st, n->u.return_.value);
        break;
    case AST_IF:
        st_expr(st, n->u.if_.test);
        st_stmts(st, &n->u.if_.body);
        st_stmts(st, &n->u.if_.orelse);
        break;
    case AST_WHILE:
        st_expr(st, n->u.while_.test);
        st_stmts(st, &n->u.while_.body);
        st_stmts(st, &n->u.while_.orelse);
        break;
    case AST_FOR:
        st_expr(st, n->u.for_.iter);
        st_target(st, n->u.for_.target);
        st_stmts(st, &n->u.for_.body);
        st_stmts(st, &n->u.for_.orelse);
        break;
    case AST_TRY:
        st_stmts(st, &n->u.try_.body);
        for (int i = 0; i < n->u.try_.handlers.len; i++) {
            ast_node *h = n->u.try_.handlers.items[i];
            st_expr(st, h->u.except_handler.type);
            if (h->u.except_handler.name.s)
                sym_add(st, st->cur, h->u.except_handler.name.s,
                        SYM_ASSIGNED);
            st_stmts(st, &h->u.except_handler.body);
        }
        st_stmts(st, &n->u.try_.orelse);
        st_stmts(st, &n->u.try_.finalbody);
        break;
    case AST_RAISE:
        st_expr(st, n->u.raise.exc);
        st_expr(st, n->u.raise.cause);
        break;
    case AST_ASSERT:
        st_expr(st, n->u.assert_.test);
        st_expr(st, n->u.assert_.msg);
        break;
    case AST_GLOBAL:
    case AST_NONLOCAL: {
        bool global = n->kind == AST_GLOBAL;
        for (int i = 0; i < n->u.global.names.len; i++) {
            ast_node *nm = n->u.global.names.items[i];
            Sym *y = sym_find(st->cur, nm->u.name.id.s);
            if (y && (y->flags & (SYM_ASSIGNED | SYM_USED)) &&
                !(y->flags & (SYM_GLOBAL | SYM_NONLOCAL))) {
                rt_diags_add(st->diags, nm->line, nm->col,
                             "name '%s' is %s prior to %s declaration",
                             nm->u.name.id.s,
                             (y->flags & SYM_ASSIGNED) ? "assigned to"
                                                        : "used",
                             global ? "global" : "nonlocal");
                st->failed = true;
            }
            if (!global && st->cur->kind == SC_MODULE) {
                rt_diags_add(st->diags, n->line, n->col,
                             "nonlocal declaration not allowed at module "
                             "level");
                st->failed = true;
            }
            sym_add(st, st->cur, nm->u.name.id.s,
                    global ? SYM_GLOBAL : SYM_NONLOCAL);
        }
        break;
    }
    case AST_FUNCTION_DEF:
        st_exprs(st, &n->u.function_def.decorators);
        st_params(st, &n->u.function_def.params, true);
        sym_add(st, st->cur, n->u.function_def.name.s, SYM_ASSIGNED);
        st_function(st, n, &n->u.function_def.params, &n->u.function_def.body,
                    NULL, n->u.function_def.is_async);
        break;
    case AST_CLASS_DEF: {
        st_exprs(st, &n->u.class_def.decorators);
        st_exprs(st, &n->u.class_def.bases);
        sym_add(st, st->cur, n->u.class_def.name.s, SYM_ASSIGNED);
        Scope *s = scope_new(st, SC_CLASS, n);
        if (!s)
            break;
        Scope *outer = st->cur;
        int saved = st->nrenames;
        st->nrenames = 0;
        st->cur = s;
        st_stmts(st, &n->u.class_def.body);
        st->cur = outer;
        st->nrenames = saved;
        break;
    }
    case AST_WITH:
        for (int i = 0; i < n->u.with.items.len; i++) {
            ast_node *it = n->u.with.items.items[i];
            st_expr(st, it->u.with_item.context_expr);
            st_target(st, it->u.with_item.optional_vars);
        }
        st_stmts(st, &n->u.with.body);
        break;
    case AST_IMPORT:
        for (int i = 0; i < n->u.import.names.len; i++) {
            ast_node *a = n->u.import.names.items[i];
            if (a->u.alias.asname.s) {
                sym_add(st, st->cur, a->u.alias.asname.s, SYM_ASSIGNED);
            } else {
                /* `import a.b` binds `a`. */
                const char *dot = strchr(a->u.alias.name.s, '.');
                const char *nm = a->u.alias.name.s;
                if (dot) {
                    char *top = ast_arena_alloc(st->arena,
                                                (size_t)(dot - nm) + 1);
                    if (top) {
                        memcpy(top, nm, (size_t)(dot - nm));
                        nm = top;
                    }
                }
                sym_add(st, st->cur, nm, SYM_ASSIGNED);
            }
        }
        break;
    case AST_IMPORT_FROM:
        for (int i = 0; i < n->u.import_from.names.len; i++) {
            ast_node *a = n->u.import_from.names.items[i];
            sym_add(st, st->cur,
                    a->u.alias.asname.s ? a->u.alias.asname.s
                                        : a->u.alias.name.s,
                    SYM_ASSIGNED);
        }
        break;
    default:
        break;
    }
}

static void st_stmts(SymTab *st, ast_list *l)
{
    for (int i = 0; i < l->len; i++)
        st_stmt(st, l->items[i]);
}

/* Resolves free variables: a name used but not bound in a function scope
 * is free if an enclosing function binds it (class scopes are skipped, as
 * in Python), which makes it a cell there and free in every scope between. */
static void st_resolve(SymTab *st, Scope *s)
{
    if (s->kind != SC_MODULE) {
        for (int i = 0; i < s->nsyms; i++) {
            Sym *y = &s->syms[i];
            bool local = (y->flags & SYM_ASSIGNED) &&
                         !(y->flags & (SYM_GLOBAL | SYM_NONLOCAL));
            if (local || (y->flags & SYM_GLOBAL))
                continue;
            /* Search enclosing function scopes (class bodies look names
             * up dynamically, but may still capture a function's locals). */
            Scope *p = s->parent;
            while (p) {
                if (p->kind == SC_FUNCTION) {
                    Sym *py = sym_find(p, y->name);
                    if (py && (py->flags & SYM_ASSIGNED) &&
                        !(py->flags & (SYM_GLOBAL | SYM_NONLOCAL))) {
                        py->flags |= SYM_CELL;
                        break;
                    }
                    if (py && (py->flags & SYM_GLOBAL)) {
                        p = NULL;
                        break;
                    }
                    /* A name that is free there too passes through. */
                } else if (p->kind == SC_MODULE) {
                    /* A comprehension's loop variable at module level is a
                     * fast local of the module frame: capture it as a
                     * cell. Other module names are globals. */
                    Sym *py = y->name[0] == '.' ? sym_find(p, y->name) : NULL;
                    if (py && (py->flags & SYM_ASSIGNED)) {
                        py->flags |= SYM_CELL;
                        break;
                    }
                    p = NULL;
                    break;
                }
                p = p->parent;
            }
            if (p) {
                y->flags |= SYM_FREE;
                /* Every function scope between is a pass-through. */
                for (Scope *q = s->parent; q != p; q = q->parent)
                    if (q->kind == SC_FUNCTION)
                        sym_add(st, q, y->name, SYM_FREE);
                    else if (q->kind == SC_CLASS)
                        sym_add(st, q, y->name, SYM_FREE);
            } else if (y->flags & SYM_NONLOCAL) {
                ast_node *n = s->node;
                rt_diags_add(st->diags, n->line, n->col,
                             "no binding for nonlocal '%s' found", y->name);
                st->failed = true;
            }
        }
    }
    for (int i = 0; i < s->nchildren; i++)
        st_resolve(st, s->children[i]);
}

static void symtab_free(SymTab *st)
{
    for (int i = 0; i < st->nall; i++) {
        rt_free(st->all[i]->syms);
        rt_free(st->all[i]->children);
        rt_free(st->all[i]);
    }
    rt_free(st->all);
    rt_free(st->renames);
}

/* The scope created for node `n` (function, lambda or class). */
static Scope *scope_for(SymTab *st, ast_node *n)
{
    for (int i = 0; i < st->nall; i++)
        if (st->all[i]->node == n)
            return st->all[i];
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Code generation                                                          */
/* ------------------------------------------------------------------------ */

typedef enum FBlockKind {
    FB_LOOP,          /* while / for: `for` keeps its iterator on the stack */
    FB_FOR,
    FB_ASYNC_FOR,
    FB_TRY_EXCEPT,    /* inside a try body with except clauses */
    FB_FINALLY_TRY,   /* inside a try body with a finally */
    FB_FINALLY_END,   /* inside a finally body run for an exception */
    FB_HANDLER,       /* inside an except body: [prev_exc] on the stack */
    FB_HANDLER_NAMED, /* ... that bound `as name` */
    FB_EXCEPT_STAR,   /* inside an except* body: no break/continue/return */
    FB_WITH,          /* inside a with body: [exit] on the stack */
    FB_ASYNC_WITH,
    FB_POP_VALUE      /* something to pop (unused) */
} FBlockKind;

typedef struct FBlock {
    FBlockKind kind;
    int break_label, continue_label;
    ast_node *node;    /* the try (for its finally body) or handler */
    int handler;       /* the handler tag active outside this block */
    int depth;         /* stack depth at the block's start */
} FBlock;

typedef struct Handler {
    int label;         /* where to jump */
    int depth;         /* stack depth there, before the exception push */
} Handler;

typedef struct Label {
    int pos;           /* instruction index, -1 until bound */
    int depth;         /* stack depth expected there, -1 unknown */
} Label;

typedef struct Compiler Compiler;

typedef struct Unit {
    Scope *scope;
    uint32_t *ops;
    int32_t *lines;
    int32_t *tags;      /* handler index per instruction, -1 none */
    int nops, capops;
    Value *consts;
    int nconsts, capconsts;
    Str **names;
    int nnames, capnames;
    Str **varnames;
    int nlocals, caplocals;
    Str **cellnames;
    int ncells, capcells;
    Str **freenames;
    int nfrees, capfrees;
    Label *labels;
    int nlabels, caplabels;
    Handler *handlers;
    int nhandlers, caphandlers;
    FBlock fblocks[64];
    int nfblocks;
    int handler;       /* current handler tag */
    int depth, maxdepth;
    int line;
    bool in_async;     /* await allowed */
    bool is_class, is_module;
    Str *qualname;
} Unit;

struct Compiler {
    VM *vm;
    rt_diags *diags;
    SymTab st;
    Unit *u;
    const char *filename;
    Str *filename_str;
    bool failed;
    bool internal;
    int comp_depth; /* comprehensions being compiled around the code */
};

static void error(Compiler *c, ast_node *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void error(Compiler *c, ast_node *n, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    rt_diags_add(c->diags, n ? n->line : 1, n ? n->col : 1, "%s", buf);
    c->failed = true;
}

static void nomem(Compiler *c) { c->failed = true; }

/* Stack effect of each opcode with argument `arg` (jumps: fallthrough). */
static int stack_effect(Opcode op, int arg)
{
    switch (op) {
    case OP_NOP: return 0;
    case OP_POP_TOP: return -1;
    case OP_DUP_TOP: return 1;
    case OP_DUP_TOP_TWO: return 2;
    case OP_ROT_TWO: case OP_ROT_THREE: case OP_ROT_FOUR: return 0;
    case OP_PUSH_NULL: return 1;
    case OP_LOAD_CONST: case OP_LOAD_FAST: case OP_LOAD_DEREF:
    case OP_LOAD_CLOSURE: case OP_LOAD_GLOBAL: case OP_LOAD_NAME:
        return 1;
    case OP_STORE_FAST: case OP_STORE_DEREF: case OP_STORE_GLOBAL:
    case OP_STORE_NAME:
        return -1;
    case OP_DELETE_FAST: case OP_DELETE_DEREF: case OP_DELETE_GLOBAL:
    case OP_DELETE_NAME:
        return 0;
    case OP_LOAD_ATTR: return 0;
    case OP_STORE_ATTR: return -2;
    case OP_DELETE_ATTR: return -1;
    case OP_LOAD_METHOD: return 1;
    case OP_BINARY_SUBSCR: return -1;
    case OP_STORE_SUBSCR: return -3;
    case OP_DELETE_SUBSCR: return -2;
    case OP_BUILD_SLICE: return 1 - arg;
    case OP_BINARY_OP: case OP_INPLACE_OP: case OP_COMPARE_OP:
    case OP_IS_OP: case OP_CONTAINS_OP:
        return -1;
    case OP_UNARY_OP: case OP_NOT: return 0;
    case OP_BUILD_TUPLE: case OP_BUILD_LIST: case OP_BUILD_SET:
    case OP_BUILD_CONST_SET: case OP_BUILD_STRING:
        return 1 - arg;
    case OP_BUILD_MAP: return 1 - 2 * arg;
    case OP_FORMAT_VALUE: return (arg & 4) ? -1 : 0;
    case OP_LIST_APPEND: case OP_SET_ADD: case OP_LIST_EXTEND:
    case OP_SET_UPDATE: case OP_DICT_UPDATE: case OP_DICT_MERGE:
        return -1;
    case OP_MAP_ADD: return -2;
    case OP_LIST_TO_TUPLE: return 0;
    case OP_JUMP: return 0;
    case OP_POP_JUMP_IF_FALSE: case OP_POP_JUMP_IF_TRUE:
    case OP_POP_JUMP_IF_NONE:
        return -1;
    case OP_JUMP_IF_FALSE_OR_POP: case OP_JUMP_IF_TRUE_OR_POP:
        return -1; /* fallthrough pops */
    case OP_GET_ITER: return 0;
    case OP_FOR_ITER: return 1;
    case OP_MAKE_FUNCTION:
        return -((arg & 1) != 0) - ((arg & 2) != 0) - ((arg & 8) != 0);
    case OP_KW_NAMES: return 0;
    case OP_CALL: return -arg - 1;
    case OP_CALL_FUNCTION_EX: return -2 - ((arg & 1) != 0);
    case OP_RETURN_VALUE: return -1;
    case OP_BUILD_CLASS: return -2;
    case OP_RAISE_VARARGS: return -arg;
    case OP_RERAISE: return -1;
    case OP_PUSH_EXC_INFO: return 1;
    case OP_POP_EXCEPT: return -1;
    case OP_POP_EXCEPT_AND_RERAISE: return -2;
    case OP_CHECK_EXC_MATCH: return 0;
    case OP_LOAD_ASSERTION_ERROR: return 1;
    case OP_GET_AWAITABLE: return 0;
    case OP_AWAIT: return 0;
    case OP_YIELD_VALUE: return 0;
    case OP_GET_AITER: return 0;
    case OP_GET_ANEXT: return 1;
    case OP_END_ASYNC_FOR: return -2;
    case OP_BEFORE_WITH: case OP_BEFORE_ASYNC_WITH: return 1;
    case OP_WITH_EXCEPT_START: return 1;
    case OP_UNPACK_SEQUENCE: return arg - 1;
    case OP_UNPACK_EX: return (arg & 0xff) + (arg >> 8);
    case OP_IMPORT_NAME: return 1;
    case OP_IMPORT_FROM: return 1;
    case OP_EXC_CATCH_EVENT: return 0;
    case OP_CHECK_EG_MATCH: return 0;    /* [exc, type] -> [rest, match] */
    case OP_PREP_RERAISE_STAR: return -1; /* [orig, list] -> [exc or none] */
    default: return 0;
    }
}

static bool is_jump(Opcode op)
{
    switch (op) {
    case OP_JUMP: case OP_POP_JUMP_IF_FALSE: case OP_POP_JUMP_IF_TRUE:
    case OP_JUMP_IF_FALSE_OR_POP: case OP_JUMP_IF_TRUE_OR_POP:
    case OP_POP_JUMP_IF_NONE: case OP_FOR_ITER:
        return true;
    default:
        return false;
    }
}

/* Depth at a jump's target, given the depth before the jump. */
static int jump_target_depth(Opcode op, int before)
{
    switch (op) {
    case OP_JUMP: return before;
    case OP_POP_JUMP_IF_FALSE: case OP_POP_JUMP_IF_TRUE:
    case OP_POP_JUMP_IF_NONE:
        return before - 1;
    case OP_JUMP_IF_FALSE_OR_POP: case OP_JUMP_IF_TRUE_OR_POP:
        return before;
    case OP_FOR_ITER: return before - 1; /* exhausted: iterator popped */
    default: return before;
    }
}

static int new_label(Compiler *c)
{
    Unit *u = c->u;
    u->labels = grow(u->labels, &u->caplabels, u->nlabels + 1, sizeof(Label),
                     &c->failed);
    if (u->nlabels >= u->caplabels)
        return 0;
    u->labels[u->nlabels].pos = -1;
    u->labels[u->nlabels].depth = -1;
    return u->nlabels++;
}

static void set_depth(Unit *u, int d)
{
    u->depth = d;
    if (d > u->maxdepth)
        u->maxdepth = d;
}

static void emit(Compiler *c, Opcode op, int arg)
{
    Unit *u = c->u;
    if (u->nops + 1 > u->capops) {
        int cap = u->capops ? u->capops * 2 : 64;
        uint32_t *ops = rt_realloc(u->ops, (size_t)cap * sizeof *ops);
        int32_t *lines = rt_realloc(u->lines, (size_t)cap * sizeof *lines);
        int32_t *tags = rt_realloc(u->tags, (size_t)cap * sizeof *tags);
        if (ops)
            u->ops = ops;
        if (lines)
            u->lines = lines;
        if (tags)
            u->tags = tags;
        if (!ops || !lines || !tags) {
            nomem(c);
            return;
        }
        u->capops = cap;
    }
    if (arg < 0 || arg >= (1 << 24)) {
        error(c, NULL, "function too large to compile");
        arg = 0;
    }
    u->ops[u->nops] = (uint32_t)op | ((uint32_t)arg << 8);
    u->lines[u->nops] = u->line;
    u->tags[u->nops] = u->handler;
    u->nops++;
    if (is_jump(op) && arg < u->nlabels) {
        int td = jump_target_depth(op, u->depth);
        if (u->labels[arg].depth < 0)
            u->labels[arg].depth = td;
        if (td > u->maxdepth)
            u->maxdepth = td;
    }
    set_depth(u, u->depth + stack_effect(op, arg));
    if (op == OP_JUMP || op == OP_RETURN_VALUE || op == OP_RERAISE ||
        op == OP_RAISE_VARARGS || op == OP_POP_EXCEPT_AND_RERAISE)
        u->depth = -1000; /* unreachable until the next label */
}

static void bind_label(Compiler *c, int label)
{
    Unit *u = c->u;
    u->labels[label].pos = u->nops;
    if (u->labels[label].depth >= 0)
        set_depth(u, u->labels[label].depth);
    else if (u->depth < 0)
        u->depth = 0;
    else
        u->labels[label].depth = u->depth;
}

static int add_handler(Compiler *c, int label, int depth)
{
    Unit *u = c->u;
    u->handlers = grow(u->handlers, &u->caphandlers, u->nhandlers + 1,
                       sizeof(Handler), &c->failed);
    if (u->nhandlers >= u->caphandlers)
        return -1;
    u->handlers[u->nhandlers].label = label;
    u->handlers[u->nhandlers].depth = depth;
    /* The handler code starts with the exception pushed. */
    if (u->labels[label].depth < 0)
        u->labels[label].depth = depth + 1;
    if (depth + 1 > u->maxdepth)
        u->maxdepth = depth + 1;
    return u->nhandlers++;
}

static int add_const(Compiler *c, Value v)
{
    Unit *u = c->u;
    for (int i = 0; i < u->nconsts; i++) {
        Value k = u->consts[i];
        if (k.kind != v.kind)
            continue;
        if ((IS_INT(v) || IS_BOOL(v)) && k.u.i == v.u.i)
            return decref(v), i;
        if (IS_FLOAT(v) && memcmp(&k.u.f, &v.u.f, sizeof(double)) == 0)
            return i;
        if (IS_NONE(v) || v.kind == VK_ELLIPSIS)
            return i;
        if (IS_STR(v) && IS_STR(k) && str_eq(AS_STR(k), AS_STR(v)) &&
            !IS_STR(k) == !IS_STR(v)) {
            decref(v);
            return i;
        }
    }
    u->consts = grow(u->consts, &u->capconsts, u->nconsts + 1, sizeof(Value),
                     &c->failed);
    if (u->nconsts >= u->capconsts) {
        decref(v);
        return 0;
    }
    u->consts[u->nconsts] = v;
    return u->nconsts++;
}

static Str *intern_n(Compiler *c, const char *s, size_t n)
{
    Str *t = str_new(c->vm, s, n);
    if (!t) {
        nomem(c);
        return NULL;
    }
    t = str_intern(c->vm, t);
    if (!t)
        nomem(c);
    return t;
}

static Str *intern(Compiler *c, const char *s)
{
    return intern_n(c, s, strlen(s));
}

/* Index of a name in a Str* table, adding it if needed. */
static int name_index(Compiler *c, Str ***tab, int *n, int *cap,
                      const char *s)
{
    for (int i = 0; i < *n; i++)
        if (str_eq_cstr((*tab)[i], s))
            return i;
    Str *t = intern(c, s);
    if (!t)
        return 0;
    *tab = grow(*tab, cap, *n + 1, sizeof(Str *), &c->failed);
    if (*n >= *cap) {
        obj_decref(t);
        return 0;
    }
    (*tab)[*n] = t;
    return (*n)++;
}

static int name_idx(Compiler *c, const char *s)
{
    Unit *u = c->u;
    return name_index(c, &u->names, &u->nnames, &u->capnames, s);
}

static int local_idx(Compiler *c, const char *s)
{
    Unit *u = c->u;
    return name_index(c, &u->varnames, &u->nlocals, &u->caplocals, s);
}

static void load_const(Compiler *c, Value v)
{
    emit(c, OP_LOAD_CONST, add_const(c, v));
}

static void load_none(Compiler *c) { load_const(c, VAL_NONE); }

static void load_str_const(Compiler *c, const char *s, size_t n)
{
    Str *t = str_new(c->vm, s, n);
    if (!t) {
        nomem(c);
        return;
    }
    load_const(c, val_obj(t));
}

/* How a name is accessed in the current unit. */
typedef enum NameOp { N_FAST, N_DEREF, N_GLOBAL, N_NAME } NameOp;

static NameOp name_op(Compiler *c, const char *name, int *index)
{
    Unit *u = c->u;
    Scope *s = u->scope;
    Sym *y = sym_find(s, name);
    if (name[0] == '.') {
        /* Hidden comprehension variables: fast locals, or cells. */
        if (y && (y->flags & SYM_CELL)) {
            for (int i = 0; i < u->ncells; i++)
                if (str_eq_cstr(u->cellnames[i], name))
                    return *index = i, N_DEREF;
        }
        if (y && (y->flags & SYM_FREE))
            for (int i = 0; i < u->nfrees; i++)
                if (str_eq_cstr(u->freenames[i], name))
                    return *index = u->ncells + i, N_DEREF;
        *index = local_idx(c, name);
        return N_FAST;
    }
    if (s->kind == SC_MODULE) {
        *index = name_idx(c, name);
        return N_GLOBAL;
    }
    if (y && (y->flags & SYM_GLOBAL)) {
        *index = name_idx(c, name);
        return N_GLOBAL;
    }
    if (y && (y->flags & SYM_CELL)) {
        for (int i = 0; i < u->ncells; i++)
            if (str_eq_cstr(u->cellnames[i], name))
                return *index = i, N_DEREF;
    }
    if (y && (y->flags & SYM_FREE) &&
        (s->kind != SC_CLASS || !(y->flags & SYM_ASSIGNED))) {
        for (int i = 0; i < u->nfrees; i++)
            if (str_eq_cstr(u->freenames[i], name))
                return *index = u->ncells + i, N_DEREF;
    }
    if (s->kind == SC_CLASS) {
        *index = name_idx(c, name);
        return N_NAME;
    }
    if (y && (y->flags & SYM_ASSIGNED) && !(y->flags & SYM_NONLOCAL)) {
        *index = local_idx(c, name);
        return N_FAST;
    }
    *index = name_idx(c, name);
    return N_GLOBAL;
}

static void compile_name(Compiler *c, const char *name, int ctx)
{
    static const Opcode ops[4][3] = {
        {OP_LOAD_FAST, OP_STORE_FAST, OP_DELETE_FAST},
        {OP_LOAD_DEREF, OP_STORE_DEREF, OP_DELETE_DEREF},
        {OP_LOAD_GLOBAL, OP_STORE_GLOBAL, OP_DELETE_GLOBAL},
        {OP_LOAD_NAME, OP_STORE_NAME, OP_DELETE_NAME},
    };
    int index;
    NameOp k = name_op(c, name, &index);
    emit(c, ops[k][ctx], index);
}

enum { CTX_LOAD, CTX_STORE, CTX_DEL };

/* CPython folds an expression of constants (a literal, a signed number, a
 * tuple of constants) into one constant. */
static bool is_constant(const ast_node *n)
{
    if (n->kind == AST_CONSTANT)
        return true;
    if (n->kind == AST_UNARY_OP &&
        (n->u.unary_op.op == AST_OP_NEG || n->u.unary_op.op == AST_OP_POS) &&
        n->u.unary_op.operand->kind == AST_CONSTANT)
        return true;
    if (n->kind == AST_TUPLE) {
        for (int i = 0; i < n->u.tuple.elts.len; i++)
            if (n->u.tuple.elts.items[i]->kind == AST_STARRED ||
                !is_constant(n->u.tuple.elts.items[i]))
                return false;
        return true;
    }
    return false;
}

/* A set display of more than two constants, which CPython builds from a
 * frozenset constant (see set_from_constants). */
static bool all_constants(const ast_list *elts)
{
    if (elts->len <= 2)
        return false;
    for (int i = 0; i < elts->len; i++)
        if (!is_constant(elts->items[i]))
            return false;
    return true;
}

static void compile_expr(Compiler *c, ast_node *n);
static void compile_stmts(Compiler *c, ast_list *l);
static void compile_stmt(Compiler *c, ast_node *n);
static void compile_annotation(Compiler *c, ast_node *n);
static Code *compile_unit_function(Compiler *c, ast_node *n,
                                   ast_list *params, ast_list *body,
                                   ast_node *expr_body, bool is_async,
                                   const char *name, ast_str docstring);
static void compile_store_target(Compiler *c, ast_node *t);

static void set_line(Compiler *c, ast_node *n)
{
    if (n && n->line > 0)
        c->u->line = n->line;
}

/* ---- Expressions ---- */

static void compile_exprs(Compiler *c, ast_list *l)
{
    for (int i = 0; i < l->len; i++)
        compile_expr(c, l->items[i]);
}

static bool has_starred(ast_list *l)
{
    for (int i = 0; i < l->len; i++)
        if (l->items[i]->kind == AST_STARRED)
            return true;
    return false;
}

/* Builds a list from elements that may include *starred ones. */
static void compile_starred_list(Compiler *c, ast_list *elts)
{
    emit(c, OP_BUILD_LIST, 0);
    for (int i = 0; i < elts->len; i++) {
        ast_node *e = elts->items[i];
        if (e->kind == AST_STARRED) {
            compile_expr(c, e->u.starred.value);
            emit(c, OP_LIST_EXTEND, 1);
        } else {
            compile_expr(c, e);
            emit(c, OP_LIST_APPEND, 1);
        }
    }
}

static void compile_constant(Compiler *c, ast_node *n)
{
    switch (n->u.constant.kind) {
    case AST_CONST_NONE:
        load_none(c);
        break;
    case AST_CONST_TRUE:
        load_const(c, VAL_TRUE);
        break;
    case AST_CONST_FALSE:
        load_const(c, VAL_FALSE);
        break;
    case AST_CONST_ELLIPSIS:
        load_const(c, VAL_ELLIPSIS);
        break;
    case AST_CONST_INT:
        load_const(c, val_int(n->u.constant.i));
        break;
    case AST_CONST_FLOAT:
        load_const(c, val_float(n->u.constant.f));
        break;
    case AST_CONST_STR:
        load_str_const(c, n->u.constant.s.s, n->u.constant.s.len);
        break;
    case AST_CONST_BYTES: {
        Bytes *b = bytes_new(c->vm, n->u.constant.s.s, n->u.constant.s.len);
        if (!b) {
            nomem(c);
            break;
        }
        /* Bytes constants are never merged with str ones. */
        Unit *u = c->u;
        u->consts = grow(u->consts, &u->capconsts, u->nconsts + 1,
                         sizeof(Value), &c->failed);
        if (u->nconsts < u->capconsts) {
            u->consts[u->nconsts] = val_obj(b);
            emit(c, OP_LOAD_CONST, u->nconsts++);
        } else {
            obj_decref(b);
        }
        break;
    }
    }
}

static void compile_joined(Compiler *c, ast_node *n)
{
    ast_list *vals = &n->u.joined_str.values;
    if (vals->len == 0) {
        load_str_const(c, "", 0);
        return;
    }
    for (int i = 0; i < vals->len; i++) {
        ast_node *v = vals->items[i];
        if (v->kind == AST_FORMATTED_VALUE) {
            compile_expr(c, v->u.formatted_value.value);
            int flags = 0;
            switch (v->u.formatted_value.conversion) {
            case 's': flags = 1; break;
            case 'r': flags = 2; break;
            case 'a': flags = 3; break;
            default: flags = 0; break;
            }
            if (v->u.formatted_value.format_spec) {
                compile_joined(c, v->u.formatted_value.format_spec);
                flags |= 4;
            }
            emit(c, OP_FORMAT_VALUE, flags);
        } else {
            compile_expr(c, v);
        }
    }
    /* A lone constant or formatted value is already a str. */
    if (vals->len > 1)
        emit(c, OP_BUILD_STRING, vals->len);
}

/* Comprehension loops, compiled inline. `depth` counts the iterators on
 * the stack above the result container. */
static void compile_comp_gen(Compiler *c, ast_node *n, ast_list *gens, int g,
                             ast_node *elt, ast_node *key, ast_node *value,
                             int kind)
{
    ast_node *gen = gens->items[g];
    int start = new_label(c), end = new_label(c), next = start;
    bool is_async = gen->u.comprehension.is_async;
    compile_expr(c, gen->u.comprehension.iter);
    if (is_async) {
        /* `async for` in a comprehension: like the statement, the loop
         * ends when __anext__ raises StopAsyncIteration. */
        emit(c, OP_GET_AITER, 0);
        bind_label(c, start);
        int saved = c->u->handler;
        c->u->handler = add_handler(c, end, c->u->depth);
        emit(c, OP_GET_ANEXT, 0);
        emit(c, OP_GET_AWAITABLE, 0);
        emit(c, OP_AWAIT, 0);
        c->u->handler = saved;
    } else {
        emit(c, OP_GET_ITER, 0);
        bind_label(c, start);
        emit(c, OP_FOR_ITER, end);
    }
    /* Store the target. */
    ast_node *t = gen->u.comprehension.target;
    if (t->kind == AST_NAME) {
        compile_name(c, t->u.name.id.s, CTX_STORE);
    } else {
        compile_store_target(c, t);
    }
    for (int i = 0; i < gen->u.comprehension.ifs.len; i++) {
        compile_expr(c, gen->u.comprehension.ifs.items[i]);
        emit(c, OP_POP_JUMP_IF_FALSE, next);
    }
    if (g + 1 < gens->len) {
        compile_comp_gen(c, n, gens, g + 1, elt, key, value, kind);
    } else {
        int depth = g + 2; /* the container below g+1 iterators */
        if (kind == AST_DICT_COMP) {
            compile_expr(c, key);
            compile_expr(c, value);
            emit(c, OP_MAP_ADD, depth);
        } else {
            compile_expr(c, elt);
            emit(c, kind == AST_SET_COMP ? OP_SET_ADD : OP_LIST_APPEND, depth);
        }
    }
    emit(c, OP_JUMP, start);
    bind_label(c, end);
    if (is_async)
        emit(c, OP_END_ASYNC_FOR, 0); /* [aiter, exc] */
}

/* yield and yield from. A generator's frame suspends at YIELD_VALUE and
 * hands the value to whoever called next() or send(); `yield from` walks
 * the iterable, yielding each item (its value is None here). */
static void compile_yield(Compiler *c, ast_node *n)
{
    if (c->u->scope->kind != SC_FUNCTION) {
        error(c, n, "'%s' outside function",
              n->kind == AST_YIELD ? "yield" : "yield from");
        return;
    }
    if (c->comp_depth > 0) {
        error(c, n, "'yield' inside comprehension");
        return;
    }
    if (n->kind == AST_YIELD) {
        if (n->u.yield.value)
            compile_expr(c, n->u.yield.value);
        else
            load_none(c);
        set_line(c, n);
        emit(c, OP_YIELD_VALUE, 0);
        return;
    }
    if (c->u->in_async) {
        error(c, n, "'yield from' inside async function");
        return;
    }
    int top = new_label(c), end = new_label(c);
    compile_expr(c, n->u.yield.value);
    set_line(c, n);
    emit(c, OP_GET_ITER, 0);
    bind_label(c, top);
    emit(c, OP_FOR_ITER, end);
    emit(c, OP_YIELD_VALUE, 0);
    emit(c, OP_POP_TOP, 0);
    emit(c, OP_JUMP, top);
    bind_label(c, end);
    load_none(c);
}

static void compile_comprehension(Compiler *c, ast_node *n)
{
    int kind = n->kind;
    c->comp_depth++;
    if (kind == AST_DICT_COMP) {
        emit(c, OP_BUILD_MAP, 0);
        compile_comp_gen(c, n, &n->u.dict_comp.generators, 0, NULL,
                         n->u.dict_comp.key, n->u.dict_comp.value, kind);
    } else {
        emit(c, kind == AST_SET_COMP ? OP_BUILD_SET : OP_BUILD_LIST, 0);
        compile_comp_gen(c, n, &n->u.comp.generators, 0, n->u.comp.elt, NULL,
                         NULL, kind);
        /* A generator expression is evaluated eagerly, into a list whose
         * iterator stands for the generator: every everyday use of one
         * (sum, any, join, next, a for loop) gives the same result. */
        if (kind == AST_GENERATOR_EXP)
            emit(c, OP_GET_ITER, 0); /* an async one, made eagerly */
    }
    c->comp_depth--;
}

static void compile_call(Compiler *c, ast_node *n)
{
    ast_node *f = n->u.call.func;
    ast_list *args = &n->u.call.args, *kws = &n->u.call.keywords;
    bool dstar = false;
    for (int i = 0; i < kws->len; i++)
        if (!kws->items[i]->u.keyword.arg.s)
            dstar = true;
    bool method = f->kind == AST_ATTRIBUTE;
    if (method) {
        compile_expr(c, f->u.attribute.value);
        set_line(c, f);
        emit(c, OP_LOAD_METHOD, name_idx(c, f->u.attribute.attr.s));
    } else {
        compile_expr(c, f);
        emit(c, OP_PUSH_NULL, 0);
    }
    set_line(c, n);
    if (has_starred(args) || dstar) {
        compile_starred_list(c, args);
        emit(c, OP_LIST_TO_TUPLE, 0);
        if (kws->len) {
            emit(c, OP_BUILD_MAP, 0);
            for (int i = 0; i < kws->len; i++) {
                ast_node *k = kws->items[i];
                if (k->u.keyword.arg.s) {
                    load_str_const(c, k->u.keyword.arg.s,
                                   k->u.keyword.arg.len);
                    compile_expr(c, k->u.keyword.value);
                    emit(c, OP_MAP_ADD, 1);
                } else {
                    compile_expr(c, k->u.keyword.value);
                    emit(c, OP_DICT_MERGE, 1);
                }
            }
        }
        set_line(c, n);
        emit(c, OP_CALL_FUNCTION_EX, kws->len ? 1 : 0);
        return;
    }
    compile_exprs(c, args);
    if (kws->len) {
        Tuple *names = tuple_new(c->vm, kws->len);
        if (!names) {
            nomem(c);
            return;
        }
        for (int i = 0; i < kws->len; i++) {
            ast_node *k = kws->items[i];
            compile_expr(c, k->u.keyword.value);
            Str *s = intern(c, k->u.keyword.arg.s);
            if (s)
                obj_incref(s);
            names->items[i] = s ? val_obj(s) : VAL_NONE;
            for (int j = 0; j < i; j++)
                if (strcmp(kws->items[j]->u.keyword.arg.s,
                           k->u.keyword.arg.s) == 0)
                    error(c, k, "keyword argument repeated: %s",
                          k->u.keyword.arg.s);
        }
        set_line(c, n);
        /* Keyword-name tuples are never merged with other constants. */
        Unit *u = c->u;
        u->consts = grow(u->consts, &u->capconsts, u->nconsts + 1,
                         sizeof(Value), &c->failed);
        if (u->nconsts < u->capconsts) {
            u->consts[u->nconsts] = val_obj(names);
            emit(c, OP_KW_NAMES, u->nconsts++);
        } else {
            obj_decref(names);
        }
    }
    set_line(c, n);
    emit(c, OP_CALL, args->len + kws->len);
}

static void compile_compare(Compiler *c, ast_node *n)
{
    ast_list *rest = &n->u.compare.comparators;
    compile_expr(c, n->u.compare.left);
    if (rest->len == 1) {
        compile_expr(c, rest->items[0]);
        ast_op op = n->u.compare.ops[0];
        set_line(c, n);
        if (op == AST_OP_IS || op == AST_OP_IS_NOT)
            emit(c, OP_IS_OP, op == AST_OP_IS_NOT);
        else if (op == AST_OP_IN || op == AST_OP_NOT_IN)
            emit(c, OP_CONTAINS_OP, op == AST_OP_NOT_IN);
        else
            emit(c, OP_COMPARE_OP, op);
        return;
    }
    int cleanup = new_label(c), end = new_label(c);
    for (int i = 0; i < rest->len; i++) {
        compile_expr(c, rest->items[i]);
        if (i + 1 < rest->len) {
            emit(c, OP_DUP_TOP, 0);
            emit(c, OP_ROT_THREE, 0);
        }
        ast_op op = n->u.compare.ops[i];
        set_line(c, n);
        if (op == AST_OP_IS || op == AST_OP_IS_NOT)
            emit(c, OP_IS_OP, op == AST_OP_IS_NOT);
        else if (op == AST_OP_IN || op == AST_OP_NOT_IN)
            emit(c, OP_CONTAINS_OP, op == AST_OP_NOT_IN);
        else
            emit(c, OP_COMPARE_OP, op);
        if (i + 1 < rest->len)
            emit(c, OP_JUMP_IF_FALSE_OR_POP, cleanup);
    }
    emit(c, OP_JUMP, end);
    bind_label(c, cleanup);
    emit(c, OP_ROT_TWO, 0);
    emit(c, OP_POP_TOP, 0);
    bind_label(c, end);
}

/* Jumps to `label` when the condition's truth equals `when`. */
static void compile_jump_if(Compiler *c, ast_node *n, bool when, int label)
{
    if (n->kind == AST_UNARY_OP && n->u.unary_op.op == AST_OP_NOT) {
        compile_jump_if(c, n->u.unary_op.operand, !when, label);
        return;
    }
    if (n->kind == AST_BOOL_OP) {
        bool is_and = n->u.bool_op.op == AST_OP_AND;
        ast_list *v = &n->u.bool_op.values;
        if (is_and == when) {
            /* (a and b) jump-if-true / (a or b) jump-if-false: all must
             * agree, so skip out as soon as one does not. */
            int skip = new_label(c);
            for (int i = 0; i + 1 < v->len; i++)
                compile_jump_if(c, v->items[i], !when, skip);
            compile_jump_if(c, v->items[v->len - 1], when, label);
            bind_label(c, skip);
        } else {
            for (int i = 0; i < v->len; i++)
                compile_jump_if(c, v->items[i], when, label);
        }
        return;
    }
    compile_expr(c, n);
    emit(c, when ? OP_POP_JUMP_IF_TRUE : OP_POP_JUMP_IF_FALSE, label);
}

/* A generator expression: make its generator function (see st_genexp),
 * then call it with iter() of the first iterable. */
static void compile_genexp(Compiler *c, ast_node *n)
{
    ast_str none = {NULL, 0};
    int saved = c->comp_depth;
    c->comp_depth = 0;
    compile_unit_function(c, n, &n->u.comp.gx_params, &n->u.comp.gx_body,
                          NULL, false, "<genexpr>", none);
    c->comp_depth = saved;
    emit(c, OP_PUSH_NULL, 0);
    compile_expr(c, n->u.comp.generators.items[0]->u.comprehension.iter);
    set_line(c, n);
    emit(c, OP_GET_ITER, 0);
    emit(c, OP_CALL, 1);
}

static void compile_lambda(Compiler *c, ast_node *n)
{
    ast_str none = {NULL, 0};
    compile_unit_function(c, n, &n->u.lambda.params, NULL, n->u.lambda.body,
                          false, "<lambda>", none);
}

static void compile_expr(Compiler *c, ast_node *n)
{
    if (c->failed && c->diags->len > 20)
        return;
    int saved_line = c->u->line;
    set_line(c, n);
    switch (n->kind) {
    case AST_NAME:
        compile_name(c, n->u.name.id.s, CTX_LOAD);
        break;
    case AST_CONSTANT:
        compile_constant(c, n);
        break;
    case AST_JOINED_STR:
        compile_joined(c, n);
        break;
    case AST_LIST:
        if (has_starred(&n->u.list.elts)) {
            compile_starred_list(c, &n->u.list.elts);
        } else {
            compile_exprs(c, &n->u.list.elts);
            emit(c, OP_BUILD_LIST, n->u.list.elts.len);
        }
        break;
    case AST_TUPLE:
        if (has_starred(&n->u.tuple.elts)) {
            compile_starred_list(c, &n->u.tuple.elts);
            emit(c, OP_LIST_TO_TUPLE, 0);
        } else {
            compile_exprs(c, &n->u.tuple.elts);
            emit(c, OP_BUILD_TUPLE, n->u.tuple.elts.len);
        }
        break;
    case AST_SET:
        if (has_starred(&n->u.set.elts)) {
            emit(c, OP_BUILD_SET, 0);
            for (int i = 0; i < n->u.set.elts.len; i++) {
                ast_node *e = n->u.set.elts.items[i];
                if (e->kind == AST_STARRED) {
                    compile_expr(c, e->u.starred.value);
                    emit(c, OP_SET_UPDATE, 1);
                } else {
                    compile_expr(c, e);
                    emit(c, OP_SET_ADD, 1);
                }
            }
        } else {
            compile_exprs(c, &n->u.set.elts);
            emit(c, all_constants(&n->u.set.elts) ? OP_BUILD_CONST_SET
                                                   : OP_BUILD_SET,
                 n->u.set.elts.len);
        }
        break;
    case AST_DICT: {
        ast_list *k = &n->u.dict.keys, *v = &n->u.dict.values;
        emit(c, OP_BUILD_MAP, 0);
        for (int i = 0; i < k->len; i++) {
            if (k->items[i]) {
                compile_expr(c, k->items[i]);
                compile_expr(c, v->items[i]);
                emit(c, OP_MAP_ADD, 1);
            } else {
                compile_expr(c, v->items[i]);
                emit(c, OP_DICT_UPDATE, 1);
            }
        }
        break;
    }
    case AST_GENERATOR_EXP:
        if (n->u.comp.gx_body.len) {
            compile_genexp(c, n);
            break;
        }
        compile_comprehension(c, n);
        break;
    case AST_LIST_COMP:
    case AST_SET_COMP:
    case AST_DICT_COMP:
        compile_comprehension(c, n);
        break;
    case AST_BIN_OP:
        compile_expr(c, n->u.bin_op.left);
        compile_expr(c, n->u.bin_op.right);
        set_line(c, n);
        emit(c, OP_BINARY_OP, n->u.bin_op.op);
        break;
    case AST_UNARY_OP:
        compile_expr(c, n->u.unary_op.operand);
        if (n->u.unary_op.op == AST_OP_NOT)
            emit(c, OP_NOT, 0);
        else
            emit(c, OP_UNARY_OP, n->u.unary_op.op);
        break;
    case AST_BOOL_OP: {
        int end = new_label(c);
        ast_list *v = &n->u.bool_op.values;
        Opcode op = n->u.bool_op.op == AST_OP_AND ? OP_JUMP_IF_FALSE_OR_POP
                                                   : OP_JUMP_IF_TRUE_OR_POP;
        for (int i = 0; i < v->len; i++) {
            compile_expr(c, v->items[i]);
            if (i + 1 < v->len)
                emit(c, op, end);
        }
        bind_label(c, end);
        break;
    }
    case AST_COMPARE:
        compile_compare(c, n);
        break;
    case AST_CALL:
        compile_call(c, n);
        break;
    case AST_ATTRIBUTE:
        compile_expr(c, n->u.attribute.value);
        set_line(c, n);
        emit(c, OP_LOAD_ATTR, name_idx(c, n->u.attribute.attr.s));
        break;
    case AST_SUBSCRIPT:
        compile_expr(c, n->u.subscript.value);
        compile_expr(c, n->u.subscript.slice);
        set_line(c, n);
        emit(c, OP_BINARY_SUBSCR, 0);
        break;
    case AST_SLICE: {
        ast_node *parts[3] = {n->u.slice.lower, n->u.slice.upper,
                              n->u.slice.step};
        int count = parts[2] ? 3 : 2;
        for (int i = 0; i < count; i++) {
            if (parts[i])
                compile_expr(c, parts[i]);
            else
                load_none(c);
        }
        emit(c, OP_BUILD_SLICE, count);
        break;
    }
    case AST_STARRED:
        error(c, n, "can't use starred expression here");
        break;
    case AST_LAMBDA:
        compile_lambda(c, n);
        break;
    case AST_IF_EXP: {
        int orelse = new_label(c), end = new_label(c);
        compile_jump_if(c, n->u.if_exp.test, false, orelse);
        compile_expr(c, n->u.if_exp.body);
        emit(c, OP_JUMP, end);
        bind_label(c, orelse);
        compile_expr(c, n->u.if_exp.orelse);
        bind_label(c, end);
        break;
    }
    case AST_YIELD:
    case AST_YIELD_FROM:
        compile_yield(c, n);
        break;
    case AST_AWAIT:
        if (!c->u->in_async) {
            error(c, n, c->u->scope->kind == SC_FUNCTION
                            ? "'await' outside async function"
                            : "'await' outside function");
            break;
        }
        compile_expr(c, n->u.await_.value);
        set_line(c, n);
        emit(c, OP_GET_AWAITABLE, 0);
        emit(c, OP_AWAIT, 0);
        break;
    case AST_NAMED_EXPR:
        compile_expr(c, n->u.named_expr.value);
        emit(c, OP_DUP_TOP, 0);
        compile_name(c, n->u.named_expr.target->u.name.id.s, CTX_STORE);
        break;
    default:
        error(c, n, "this expression is not supported in scenarios");
        break;
    }
    c->u->line = saved_line;
}

/* ---- Assignment targets ---- */

static void compile_store_target(Compiler *c, ast_node *t)
{
    set_line(c, t);
    switch (t->kind) {
    case AST_NAME:
        compile_name(c, t->u.name.id.s, CTX_STORE);
        break;
    case AST_ATTRIBUTE:
        compile_expr(c, t->u.attribute.value);
        emit(c, OP_STORE_ATTR, name_idx(c, t->u.attribute.attr.s));
        break;
    case AST_SUBSCRIPT:
        compile_expr(c, t->u.subscript.value);
        compile_expr(c, t->u.subscript.slice);
        emit(c, OP_STORE_SUBSCR, 0);
        break;
    case AST_TUPLE:
    case AST_LIST: {
        ast_list *e = &t->u.tuple.elts;
        int star = -1;
        for (int i = 0; i < e->len; i++)
            if (e->items[i]->kind == AST_STARRED) {
                if (star >= 0)
                    error(c, e->items[i],
                          "multiple starred expressions in assignment");
                star = i;
            }
        if (star >= 0)
            emit(c, OP_UNPACK_EX, star | ((e->len - star - 1) << 8));
        else
            emit(c, OP_UNPACK_SEQUENCE, e->len);
        for (int i = 0; i < e->len; i++) {
            ast_node *x = e->items[i];
            compile_store_target(c, x->kind == AST_STARRED
                                        ? x->u.starred.value
                                        : x);
        }
        break;
    }
    case AST_STARRED:
        error(c, t, "starred assignment target must be in a list or tuple");
        break;
    default:
        error(c, t, "cannot assign to %s",
              t->kind == AST_CALL       ? "function call"
              : t->kind == AST_CONSTANT ? "literal"
                                        : "expression");
        break;
    }
}

static void compile_delete(Compiler *c, ast_node *t)
{
    switch (t->kind) {
    case AST_NAME:
        compile_name(c, t->u.name.id.s, CTX_DEL);
        break;
    case AST_ATTRIBUTE:
        compile_expr(c, t->u.attribute.value);
        emit(c, OP_DELETE_ATTR, name_idx(c, t->u.attribute.attr.s));
        break;
    case AST_SUBSCRIPT:
        compile_expr(c, t->u.subscript.value);
        compile_expr(c, t->u.subscript.slice);
        emit(c, OP_DELETE_SUBSCR, 0);
        break;
    case AST_TUPLE:
    case AST_LIST:
        for (int i = 0; i < t->u.tuple.elts.len; i++)
            compile_delete(c, t->u.tuple.elts.items[i]);
        break;
    default:
        error(c, t, "cannot delete expression");
        break;
    }
}

/* ---- Leaving blocks: return, break, continue ---- */

static FBlock *push_fblock(Compiler *c, FBlockKind kind, ast_node *node,
                           int brk, int cont)
{
    Unit *u = c->u;
    if (u->nfblocks >= 64) {
        error(c, node, "too many statically nested blocks");
        return NULL;
    }
    FBlock *f = &u->fblocks[u->nfblocks++];
    f->kind = kind;
    f->node = node;
    f->break_label = brk;
    f->continue_label = cont;
    f->handler = u->handler;
    f->depth = u->depth;
    return f;
}

static void pop_fblock(Compiler *c) { c->u->nfblocks--; }

/* Calls the with-block's exit function (on top of the stack) with three
 * Nones, awaiting the result for `async with`, and drops the result. */
static void call_exit_none(Compiler *c, bool is_async)
{
    emit(c, OP_PUSH_NULL, 0);
    load_none(c);
    load_none(c);
    load_none(c);
    emit(c, OP_CALL, 3);
    if (is_async) {
        emit(c, OP_GET_AWAITABLE, 0);
        emit(c, OP_AWAIT, 0);
    }
    emit(c, OP_POP_TOP, 0);
}

/* Unwinds one fblock on the way out of it. `preserve`: a return value is on
 * top of the stack and must stay there. */
static void unwind_fblock(Compiler *c, FBlock *f, bool preserve)
{
    Unit *u = c->u;
    switch (f->kind) {
    case FB_LOOP:
        break;
    case FB_FOR:
    case FB_ASYNC_FOR:
        if (preserve)
            emit(c, OP_ROT_TWO, 0);
        emit(c, OP_POP_TOP, 0);
        break;
    case FB_TRY_EXCEPT:
        u->handler = f->handler;
        break;
    case FB_FINALLY_TRY: {
        /* Run the finally body inline, outside this try's protection. */
        u->handler = f->handler;
        int saved = u->nfblocks;
        /* The finally body sees the blocks outside this one. */
        ast_list *fin = &f->node->u.try_.finalbody;
        compile_stmts(c, fin);
        u->nfblocks = saved;
        break;
    }
    case FB_FINALLY_END:
        /* Leaving a finally body that runs for an exception: drop the
         * exception and restore the previously handled one. */
        if (preserve)
            emit(c, OP_ROT_THREE, 0);
        emit(c, OP_POP_TOP, 0);
        emit(c, OP_POP_EXCEPT, 0);
        u->handler = f->handler;
        break;
    case FB_HANDLER:
    case FB_HANDLER_NAMED:
        if (preserve)
            emit(c, OP_ROT_TWO, 0);
        emit(c, OP_POP_EXCEPT, 0);
        u->handler = f->handler;
        if (f->kind == FB_HANDLER_NAMED) {
            ast_node *h = f->node;
            load_none(c);
            compile_name(c, h->u.except_handler.name.s, CTX_STORE);
            compile_name(c, h->u.except_handler.name.s, CTX_DEL);
        }
        break;
    case FB_WITH:
    case FB_ASYNC_WITH:
        u->handler = f->handler;
        if (preserve)
            emit(c, OP_ROT_TWO, 0);
        call_exit_none(c, f->kind == FB_ASYNC_WITH);
        break;
    case FB_POP_VALUE:
        if (preserve)
            emit(c, OP_ROT_TWO, 0);
        emit(c, OP_POP_TOP, 0);
        break;
    case FB_EXCEPT_STAR:
        break; /* never left by a jump: refused before unwinding */
    }
}

/* CPython refuses a jump out of an except* body at compile time. */
static bool leaves_except_star(Compiler *c, ast_node *n, int stop)
{
    Unit *u = c->u;
    for (int i = u->nfblocks - 1; i >= stop; i--)
        if (u->fblocks[i].kind == FB_EXCEPT_STAR) {
            error(c, n, "'break', 'continue' and 'return' cannot appear in "
                        "an except* block");
            return true;
        }
    return false;
}

/* Unwinds every fblock down to (not including) index `stop`. The unwound
 * blocks are popped while their exits are emitted (so a `finally` body can
 * itself contain return/break), then restored. */
static void unwind_to(Compiler *c, int stop, bool preserve)
{
    Unit *u = c->u;
    int saved_n = u->nfblocks, saved_handler = u->handler;
    FBlock saved[64];
    memcpy(saved, u->fblocks, sizeof saved);
    while (u->nfblocks > stop) {
        FBlock f = u->fblocks[u->nfblocks - 1];
        u->nfblocks--;
        unwind_fblock(c, &f, preserve);
    }
    memcpy(u->fblocks, saved, sizeof saved);
    u->nfblocks = saved_n;
    u->handler = saved_handler;
}

static void compile_return(Compiler *c, ast_node *n)
{
    Unit *u = c->u;
    if (u->scope->kind != SC_FUNCTION) {
        error(c, n, "'return' outside function");
        return;
    }
    if (leaves_except_star(c, n, 0))
        return;
    if (n->u.return_.value && u->in_async && u->scope->is_generator) {
        error(c, n, "'return' with value in async generator");
        return;
    }
    if (n->u.return_.value)
        compile_expr(c, n->u.return_.value);
    else
        load_none(c);
    unwind_to(c, 0, true);
    set_line(c, n);
    emit(c, OP_RETURN_VALUE, 0);
}

static void compile_break_continue(Compiler *c, ast_node *n, bool is_break)
{
    Unit *u = c->u;
    int i = u->nfblocks - 1;
    while (i >= 0 && u->fblocks[i].kind != FB_LOOP &&
           u->fblocks[i].kind != FB_FOR && u->fblocks[i].kind != FB_ASYNC_FOR)
        i--;
    if (i < 0) {
        error(c, n, is_break ? "'break' outside loop"
                             : "'continue' not properly in loop");
        return;
    }
    if (leaves_except_star(c, n, i + 1))
        return;
    FBlock *loop = &u->fblocks[i];
    int target = is_break ? loop->break_label : loop->continue_label;
    /* Unwind what is inside the loop; break also drops its iterator. */
    unwind_to(c, i + 1, false);
    if (is_break && loop->kind != FB_LOOP) {
        /* The loop's own iterator. */
        emit(c, OP_POP_TOP, 0);
    }
    emit(c, OP_JUMP, target);
}

/* ---- Statements ---- */

static void compile_if(Compiler *c, ast_node *n)
{
    int orelse = new_label(c), end = new_label(c);
    compile_jump_if(c, n->u.if_.test, false, orelse);
    compile_stmts(c, &n->u.if_.body);
    if (n->u.if_.orelse.len) {
        emit(c, OP_JUMP, end);
        bind_label(c, orelse);
        compile_stmts(c, &n->u.if_.orelse);
    } else {
        bind_label(c, orelse);
    }
    bind_label(c, end);
}

static void compile_while(Compiler *c, ast_node *n)
{
    int top = new_label(c), orelse = new_label(c), end = new_label(c);
    bind_label(c, top);
    compile_jump_if(c, n->u.while_.test, false, orelse);
    if (!push_fblock(c, FB_LOOP, n, end, top))
        return;
    compile_stmts(c, &n->u.while_.body);
    pop_fblock(c);
    emit(c, OP_JUMP, top);
    bind_label(c, orelse);
    compile_stmts(c, &n->u.while_.orelse);
    bind_label(c, end);
}

static void compile_for(Compiler *c, ast_node *n)
{
    if (n->u.for_.is_async) {
        if (!c->u->in_async) {
            error(c, n, "'async for' outside async function");
            return;
        }
        /* Stack: [aiter]; each turn: DUP, GET_ANEXT, await -> value, under
         * a handler that ends the loop on StopAsyncIteration. */
        int top = new_label(c), stop = new_label(c), end = new_label(c),
            orelse = new_label(c);
        compile_expr(c, n->u.for_.iter);
        set_line(c, n);
        emit(c, OP_GET_AITER, 0);
        bind_label(c, top);
        int saved = c->u->handler;
        int h = add_handler(c, stop, c->u->depth);
        c->u->handler = h;
        emit(c, OP_GET_ANEXT, 0);
        emit(c, OP_GET_AWAITABLE, 0);
        emit(c, OP_AWAIT, 0);
        c->u->handler = saved;
        compile_store_target(c, n->u.for_.target);
        if (!push_fblock(c, FB_ASYNC_FOR, n, end, top))
            return;
        compile_stmts(c, &n->u.for_.body);
        pop_fblock(c);
        emit(c, OP_JUMP, top);
        bind_label(c, stop);
        /* [aiter, exc]: StopAsyncIteration ends the loop, else re-raise. */
        emit(c, OP_END_ASYNC_FOR, 0);
        bind_label(c, orelse);
        compile_stmts(c, &n->u.for_.orelse);
        bind_label(c, end);
        return;
    }
    int top = new_label(c), exhausted = new_label(c), end = new_label(c);
    compile_expr(c, n->u.for_.iter);
    set_line(c, n);
    emit(c, OP_GET_ITER, 0);
    bind_label(c, top);
    set_line(c, n);
    emit(c, OP_FOR_ITER, exhausted);
    compile_store_target(c, n->u.for_.target);
    if (!push_fblock(c, FB_FOR, n, end, top))
        return;
    compile_stmts(c, &n->u.for_.body);
    pop_fblock(c);
    emit(c, OP_JUMP, top);
    bind_label(c, exhausted);
    compile_stmts(c, &n->u.for_.orelse);
    bind_label(c, end);
}

/* try/except/else/finally. */
/* What try/except and try/except* share: the labels and handler tags of
 * the statement, set up by try_prologue. */
typedef struct TryParts {
    int end;     /* after the whole statement */
    int cleanup; /* an error inside the handlers: restore and re-raise */
    int outer;   /* the handler tag around the statement */
    int hc;      /* the tag that leads to cleanup */
    int base;    /* the stack depth at the statement */
} TryParts;

/* The body under a handler, then the else block and a jump to the end;
 * then the handlers' entry, where the stack is [prev, exc] with exc the
 * exception being handled (PUSH_EXC_INFO). Returns false when out of
 * room for blocks. */
static bool try_prologue(Compiler *c, ast_node *n, TryParts *t)
{
    Unit *u = c->u;
    int handler_label = new_label(c);
    t->end = new_label(c);
    t->outer = u->handler;
    t->base = u->depth;
    u->handler = add_handler(c, handler_label, t->base);
    if (!push_fblock(c, FB_TRY_EXCEPT, n, -1, -1))
        return false;
    compile_stmts(c, &n->u.try_.body);
    pop_fblock(c);
    u->handler = t->outer;
    compile_stmts(c, &n->u.try_.orelse);
    emit(c, OP_JUMP, t->end);

    bind_label(c, handler_label); /* [exc] */
    t->cleanup = new_label(c);
    t->hc = add_handler(c, t->cleanup, t->base + 1); /* [prev] + new exc */
    emit(c, OP_PUSH_EXC_INFO, 0);                    /* [prev, exc] */
    u->handler = t->hc;
    return true;
}

static void compile_try_except(Compiler *c, ast_node *n)
{
    Unit *u = c->u;
    TryParts tp;
    if (!try_prologue(c, n, &tp))
        return;
    int end = tp.end, cleanup = tp.cleanup, outer = tp.outer, base = tp.base;
    ast_list *hs = &n->u.try_.handlers;
    for (int i = 0; i < hs->len; i++) {
        ast_node *x = hs->items[i];
        set_line(c, x);
        int next = new_label(c);
        if (x->u.except_handler.type) {
            compile_expr(c, x->u.except_handler.type);
            emit(c, OP_CHECK_EXC_MATCH, 0); /* [prev, exc, type] ->
                                               [prev, exc, bool] */
            emit(c, OP_POP_JUMP_IF_FALSE, next);
        } else if (i + 1 < hs->len) {
            error(c, x, "default 'except:' must be last");
        }
        emit(c, OP_EXC_CATCH_EVENT, 0);
        bool named = x->u.except_handler.name.s != NULL;
        if (named)
            compile_name(c, x->u.except_handler.name.s, CTX_STORE);
        else
            emit(c, OP_POP_TOP, 0);
        /* Stack: [prev]. The body, with the name cleared on the way out. */
        int named_cleanup = -1, saved_h = u->handler;
        if (named) {
            named_cleanup = new_label(c);
            u->handler = add_handler(c, named_cleanup, base + 1);
        }
        if (!push_fblock(c, named ? FB_HANDLER_NAMED : FB_HANDLER, x, -1, -1))
            return;
        u->fblocks[u->nfblocks - 1].handler = outer;
        compile_stmts(c, &x->u.except_handler.body);
        pop_fblock(c);
        u->handler = outer;
        emit(c, OP_POP_EXCEPT, 0);
        if (named) {
            load_none(c);
            compile_name(c, x->u.except_handler.name.s, CTX_STORE);
            compile_name(c, x->u.except_handler.name.s, CTX_DEL);
        }
        emit(c, OP_JUMP, end);
        if (named) {
            /* An exception inside the body: [prev, new]. Clear the name,
             * restore prev and re-raise to the enclosing handler. */
            bind_label(c, named_cleanup);
            u->handler = outer;
            load_none(c);
            compile_name(c, x->u.except_handler.name.s, CTX_STORE);
            compile_name(c, x->u.except_handler.name.s, CTX_DEL);
            emit(c, OP_POP_EXCEPT_AND_RERAISE, 0);
        }
        u->handler = saved_h;
        bind_label(c, next);
        set_depth(u, base + 2);
    }
    /* No clause matched: [prev, exc]. POP_EXCEPT_AND_RERAISE restores prev
     * itself, so what it raises belongs to the enclosing handler. */
    u->handler = outer;
    emit(c, OP_POP_EXCEPT_AND_RERAISE, 0);
    bind_label(c, cleanup);
    u->handler = outer;
    emit(c, OP_POP_EXCEPT_AND_RERAISE, 0);
    bind_label(c, end);
    set_depth(u, base);
}

/* try/except*: each clause takes the part of the exception (group) that
 * matches its types; what the clauses raise and the part nobody matched
 * are combined and raised at the end (PEP 654). */
static void compile_try_star(Compiler *c, ast_node *n)
{
    Unit *u = c->u;
    TryParts tp;
    if (!try_prologue(c, n, &tp))
        return;
    int end = tp.end, cleanup = tp.cleanup, outer = tp.outer, base = tp.base;
    int hc = tp.hc;
    /* [prev, exc] -> [prev, orig, raised, rest]. */
    emit(c, OP_DUP_TOP, 0);
    emit(c, OP_BUILD_LIST, 0);
    emit(c, OP_ROT_TWO, 0);
    ast_list *hs = &n->u.try_.handlers;
    for (int i = 0; i < hs->len; i++) {
        ast_node *x = hs->items[i];
        set_line(c, x);
        int no_match = new_label(c), next = new_label(c);
        compile_expr(c, x->u.except_handler.type);
        emit(c, OP_CHECK_EG_MATCH, 0); /* [.., rest, match] */
        emit(c, OP_DUP_TOP, 0);
        emit(c, OP_POP_JUMP_IF_NONE, no_match);
        emit(c, OP_EXC_CATCH_EVENT, 0);
        const char *name = x->u.except_handler.name.s;
        if (name)
            compile_name(c, name, CTX_STORE);
        else
            emit(c, OP_POP_TOP, 0);
        /* The body; what it raises joins the list. */
        int raised = new_label(c);
        u->handler = add_handler(c, raised, base + 4);
        if (!push_fblock(c, FB_EXCEPT_STAR, x, -1, -1))
            return;
        compile_stmts(c, &x->u.except_handler.body);
        pop_fblock(c);
        u->handler = hc;
        if (name) {
            load_none(c);
            compile_name(c, name, CTX_STORE);
            compile_name(c, name, CTX_DEL);
        }
        emit(c, OP_JUMP, next);
        bind_label(c, raised); /* [prev, orig, list, rest, exc] */
        if (name) {
            load_none(c);
            compile_name(c, name, CTX_STORE);
            compile_name(c, name, CTX_DEL);
        }
        emit(c, OP_LIST_APPEND, 2);
        emit(c, OP_JUMP, next);
        bind_label(c, no_match); /* [.., rest, None] */
        set_depth(u, base + 5);
        emit(c, OP_POP_TOP, 0);
        bind_label(c, next);
        set_depth(u, base + 4);
    }
    /* [prev, orig, list, rest] -> [prev, result] */
    emit(c, OP_LIST_APPEND, 1);
    emit(c, OP_PREP_RERAISE_STAR, 0);
    u->handler = outer;
    int handled = new_label(c);
    emit(c, OP_DUP_TOP, 0);
    emit(c, OP_POP_JUMP_IF_NONE, handled);
    emit(c, OP_POP_EXCEPT_AND_RERAISE, 0);
    bind_label(c, handled);
    set_depth(u, base + 2);
    emit(c, OP_POP_TOP, 0);
    emit(c, OP_POP_EXCEPT, 0);
    emit(c, OP_JUMP, end);
    bind_label(c, cleanup);
    set_depth(u, base + 2);
    emit(c, OP_POP_EXCEPT_AND_RERAISE, 0);
    bind_label(c, end);
    set_depth(u, base);
}

static void compile_try(Compiler *c, ast_node *n)
{
    Unit *u = c->u;
    if (n->u.try_.finalbody.len == 0) {
        if (n->u.try_.star)
            compile_try_star(c, n);
        else
            compile_try_except(c, n);
        return;
    }
    int handler_label = new_label(c), end = new_label(c);
    int outer = u->handler;
    int base = u->depth;
    u->handler = add_handler(c, handler_label, base);
    if (!push_fblock(c, FB_FINALLY_TRY, n, -1, -1))
        return;
    u->fblocks[u->nfblocks - 1].handler = outer;
    if (n->u.try_.handlers.len && n->u.try_.star)
        compile_try_star(c, n);
    else if (n->u.try_.handlers.len)
        compile_try_except(c, n);
    else
        compile_stmts(c, &n->u.try_.body);
    pop_fblock(c);
    u->handler = outer;
    /* Normal exit: the finally body inline. */
    compile_stmts(c, &n->u.try_.finalbody);
    emit(c, OP_JUMP, end);
    /* Exceptional exit: [exc] -> [prev, exc], run the body, re-raise. */
    bind_label(c, handler_label);
    int cleanup = new_label(c);
    int hc = add_handler(c, cleanup, base + 1);
    emit(c, OP_PUSH_EXC_INFO, 0);
    u->handler = hc;
    if (!push_fblock(c, FB_FINALLY_END, n, -1, -1))
        return;
    u->fblocks[u->nfblocks - 1].handler = outer;
    compile_stmts(c, &n->u.try_.finalbody);
    pop_fblock(c);
    u->handler = outer;
    emit(c, OP_POP_EXCEPT_AND_RERAISE, 0);
    bind_label(c, cleanup);
    u->handler = outer;
    emit(c, OP_POP_EXCEPT_AND_RERAISE, 0);
    bind_label(c, end);
    set_depth(u, base);
}

static void compile_with(Compiler *c, ast_node *n, int item)
{
    Unit *u = c->u;
    bool is_async = n->u.with.is_async;
    if (is_async && !u->in_async) {
        error(c, n, "'async with' outside async function");
        return;
    }
    ast_node *it = n->u.with.items.items[item];
    compile_expr(c, it->u.with_item.context_expr);
    set_line(c, n);
    int base = u->depth - 1; /* before the manager */
    if (is_async) {
        emit(c, OP_BEFORE_ASYNC_WITH, 0); /* [exit, aenter_coro] */
        emit(c, OP_GET_AWAITABLE, 0);
        emit(c, OP_AWAIT, 0);
    } else {
        emit(c, OP_BEFORE_WITH, 0); /* [exit, enter_result] */
    }
    int handler_label = new_label(c), end = new_label(c);
    int outer = u->handler;
    u->handler = add_handler(c, handler_label, base + 1);
    if (it->u.with_item.optional_vars)
        compile_store_target(c, it->u.with_item.optional_vars);
    else
        emit(c, OP_POP_TOP, 0);
    if (!push_fblock(c, is_async ? FB_ASYNC_WITH : FB_WITH, n, -1, -1))
        return;
    u->fblocks[u->nfblocks - 1].handler = outer;
    if (item + 1 < n->u.with.items.len)
        compile_with(c, n, item + 1);
    else
        compile_stmts(c, &n->u.with.body);
    pop_fblock(c);
    u->handler = outer;
    set_line(c, n);
    call_exit_none(c, is_async);
    emit(c, OP_JUMP, end);
    /* [exit, exc] -> [exit, prev, exc] -> call exit(type, exc, tb). */
    bind_label(c, handler_label);
    int cleanup = new_label(c);
    int hc = add_handler(c, cleanup, base + 2);
    emit(c, OP_PUSH_EXC_INFO, 0);
    u->handler = hc;
    emit(c, OP_WITH_EXCEPT_START, 0); /* [exit, prev, exc, res] */
    if (is_async) {
        emit(c, OP_GET_AWAITABLE, 0);
        emit(c, OP_AWAIT, 0);
    }
    int suppress = new_label(c);
    emit(c, OP_POP_JUMP_IF_TRUE, suppress);
    u->handler = outer; /* [exit] is left for the unwinding to drop */
    emit(c, OP_POP_EXCEPT_AND_RERAISE, 0);
    bind_label(c, suppress);
    set_depth(u, base + 3);
    emit(c, OP_POP_TOP, 0);    /* exc */
    emit(c, OP_POP_EXCEPT, 0); /* prev */
    emit(c, OP_POP_TOP, 0);    /* exit */
    u->handler = outer;
    emit(c, OP_JUMP, end);
    bind_label(c, cleanup);
    u->handler = outer;
    /* [exit, prev, new]: restore prev, re-raise; exit is dropped by the
     * unwinding. */
    emit(c, OP_POP_EXCEPT_AND_RERAISE, 0);
    bind_label(c, end);
    set_depth(u, base);
}

/* Modules a scenario may import, as error messages list them. */
#define AVAILABLE_MODULES                                                    \
    "asyncio, time, random, sys, os, math, typing, concurrent.futures, "    \
    "functools, collections, heapq, itertools, dataclasses, threading, "   \
    "contextlib"

static bool module_supported(const char *name)
{
    static const char *const ok[] = {
        "asyncio", "time", "random", "sys", "concurrent",
        "concurrent.futures", "os", "math", "typing", "asyncio.exceptions",
        "asyncio.subprocess", "asyncio.streams", "__future__", "functools",
        "collections", "heapq", "itertools", "dataclasses", "threading", "contextlib", NULL};
    for (int i = 0; ok[i]; i++)
        if (strcmp(ok[i], name) == 0)
            return true;
    return false;
}

static void compile_import(Compiler *c, ast_node *n)
{
    for (int i = 0; i < n->u.import.names.len; i++) {
        ast_node *a = n->u.import.names.items[i];
        const char *name = a->u.alias.name.s;
        if (!module_supported(name)) {
            error(c, a, "module '%s' is not supported in scenarios "
                        "(available: " AVAILABLE_MODULES ")", name);
            continue;
        }
        set_line(c, n);
        emit(c, OP_IMPORT_NAME, name_idx(c, name));
        const char *dot = strchr(name, '.');
        if (a->u.alias.asname.s) {
            /* `import a.b as c` binds the submodule itself. */
            compile_name(c, a->u.alias.asname.s, CTX_STORE);
        } else if (dot) {
            /* `import a.b` imports a.b, then binds the package a. */
            char top[128];
            snprintf(top, sizeof top, "%.*s", (int)(dot - name), name);
            emit(c, OP_POP_TOP, 0);
            emit(c, OP_IMPORT_NAME, name_idx(c, top));
            compile_name(c, top, CTX_STORE);
        } else {
            compile_name(c, name, CTX_STORE);
        }
    }
}

static void compile_import_from(Compiler *c, ast_node *n)
{
    const char *mod = n->u.import_from.module.s ? n->u.import_from.module.s
                                                : "";
    if (n->u.import_from.level > 0) {
        error(c, n, "relative imports are not supported in scenarios");
        return;
    }
    if (!module_supported(mod)) {
        error(c, n, "module '%s' is not supported in scenarios "
                    "(available: " AVAILABLE_MODULES ")", mod);
        return;
    }
    set_line(c, n);
    emit(c, OP_IMPORT_NAME, name_idx(c, mod));
    for (int i = 0; i < n->u.import_from.names.len; i++) {
        ast_node *a = n->u.import_from.names.items[i];
        if (strcmp(a->u.alias.name.s, "*") == 0) {
            error(c, a, "'from ... import *' is not supported in scenarios");
            continue;
        }
        emit(c, OP_IMPORT_FROM, name_idx(c, a->u.alias.name.s));
        compile_name(c, a->u.alias.asname.s ? a->u.alias.asname.s
                                            : a->u.alias.name.s,
                     CTX_STORE);
    }
    emit(c, OP_POP_TOP, 0);
}

static void compile_function_def(Compiler *c, ast_node *n)
{
    ast_list *decos = &n->u.function_def.decorators;
    for (int i = 0; i < decos->len; i++)
        compile_expr(c, decos->items[i]);
    set_line(c, n);
    compile_unit_function(c, n, &n->u.function_def.params,
                          &n->u.function_def.body, NULL,
                          n->u.function_def.is_async,
                          n->u.function_def.name.s,
                          n->u.function_def.docstring);
    for (int i = decos->len; i-- > 0;) {
        /* deco(func): [deco, func] -> call with one argument. */
        emit(c, OP_PUSH_NULL, 0);
        emit(c, OP_ROT_TWO, 0);
        emit(c, OP_CALL, 1);
    }
    compile_name(c, n->u.function_def.name.s, CTX_STORE);
}

/* ------------------------------------------------------------------------ */
/* Annotations                                                              */
/* ------------------------------------------------------------------------ */

/* The source form of an annotation, as `from __future__ import
 * annotations` keeps it: names, attributes, subscripts, constants, | and
 * lists; "..." for anything else. */
static void unparse(SBuf *b, const ast_node *n)
{
    switch (n->kind) {
    case AST_NAME:
        sb_adds(b, n->u.name.id.s);
        return;
    case AST_ATTRIBUTE:
        unparse(b, n->u.attribute.value);
        sb_addc(b, '.');
        sb_adds(b, n->u.attribute.attr.s);
        return;
    case AST_SUBSCRIPT:
        unparse(b, n->u.subscript.value);
        sb_addc(b, '[');
        if (n->u.subscript.slice->kind == AST_TUPLE) {
            const ast_list *e = &n->u.subscript.slice->u.tuple.elts;
            for (int i = 0; i < e->len; i++) {
                if (i)
                    sb_adds(b, ", ");
                unparse(b, e->items[i]);
            }
        } else {
            unparse(b, n->u.subscript.slice);
        }
        sb_addc(b, ']');
        return;
    case AST_LIST:
    case AST_TUPLE: {
        const ast_list *e = &n->u.tuple.elts;
        sb_addc(b, n->kind == AST_LIST ? '[' : '(');
        for (int i = 0; i < e->len; i++) {
            if (i)
                sb_adds(b, ", ");
            unparse(b, e->items[i]);
        }
        sb_addc(b, n->kind == AST_LIST ? ']' : ')');
        return;
    }
    case AST_BIN_OP:
        if (n->u.bin_op.op == AST_OP_BITOR) {
            unparse(b, n->u.bin_op.left);
            sb_adds(b, " | ");
            unparse(b, n->u.bin_op.right);
            return;
        }
        break;
    case AST_CONSTANT:
        switch (n->u.constant.kind) {
        case AST_CONST_NONE: sb_adds(b, "None"); return;
        case AST_CONST_TRUE: sb_adds(b, "True"); return;
        case AST_CONST_FALSE: sb_adds(b, "False"); return;
        case AST_CONST_ELLIPSIS: sb_adds(b, "..."); return;
        case AST_CONST_INT: sb_addf(b, "%lld", (long long)n->u.constant.i); return;
        case AST_CONST_STR:
            sb_addc(b, '\'');
            sb_add(b, n->u.constant.s.s, n->u.constant.s.len);
            sb_addc(b, '\'');
            return;
        default:
            break;
        }
        break;
    default:
        break;
    }
    sb_adds(b, "...");
}

/* name: annotation in a class or module body: __annotations__[name] =
 * the annotation's text, as `from __future__ import annotations` keeps it
 * (what dataclasses and NamedTuple read). Scenarios do not evaluate
 * annotations: the types they name (list[int], int | None, typing's
 * generics) are not objects here. */
static void compile_annotation(Compiler *c, ast_node *n)
{
    SBuf b;
    sb_init(&b);
    unparse(&b, n->u.ann_assign.annotation);
    load_str_const(c, b.data ? b.data : "", b.len);
    sb_free(&b);
    compile_name(c, "__annotations__", CTX_LOAD);
    const char *name = n->u.ann_assign.target->u.name.id.s;
    load_str_const(c, name, strlen(name));
    emit(c, OP_STORE_SUBSCR, 0);
}

/* Whether a body has `name: annotation` statements at its top level,
 * which makes CPython create __annotations__ when the body starts. */
static bool has_annotations(const ast_list *body)
{
    for (int i = 0; i < body->len; i++) {
        const ast_node *n = body->items[i];
        if (n->kind == AST_ANN_ASSIGN &&
            n->u.ann_assign.target->kind == AST_NAME)
            return true;
    }
    return false;
}

static void setup_annotations(Compiler *c, const ast_list *body)
{
    if (!has_annotations(body))
        return;
    emit(c, OP_BUILD_MAP, 0);
    compile_name(c, "__annotations__", CTX_STORE);
}

static Code *compile_unit_class(Compiler *c, ast_node *n);
static void emit_closure(Compiler *c, Code *co);

static void compile_class_def(Compiler *c, ast_node *n)
{
    ast_list *decos = &n->u.class_def.decorators;
    for (int i = 0; i < decos->len; i++)
        compile_expr(c, decos->items[i]);
    set_line(c, n);
    Code *body = compile_unit_class(c, n);
    if (!body)
        return;
    /* [body_function, name, bases_tuple] -> BUILD_CLASS. */
    int mflags = 0;
    if (body->nfrees) {
        emit_closure(c, body);
        mflags = 8;
    }
    load_const(c, val_obj(body));
    emit(c, OP_MAKE_FUNCTION, mflags);
    load_str_const(c, n->u.class_def.name.s, n->u.class_def.name.len);
    compile_exprs(c, &n->u.class_def.bases);
    emit(c, OP_BUILD_TUPLE, n->u.class_def.bases.len);
    set_line(c, n);
    emit(c, OP_BUILD_CLASS, 0);
    for (int i = decos->len; i-- > 0;) {
        emit(c, OP_PUSH_NULL, 0);
        emit(c, OP_ROT_TWO, 0);
        emit(c, OP_CALL, 1);
    }
    compile_name(c, n->u.class_def.name.s, CTX_STORE);
}

static void compile_assert(Compiler *c, ast_node *n)
{
    int end = new_label(c);
    compile_jump_if(c, n->u.assert_.test, true, end);
    emit(c, OP_LOAD_ASSERTION_ERROR, 0);
    if (n->u.assert_.msg) {
        emit(c, OP_PUSH_NULL, 0);
        compile_expr(c, n->u.assert_.msg);
        emit(c, OP_CALL, 1);
    }
    set_line(c, n);
    emit(c, OP_RAISE_VARARGS, 1);
    bind_label(c, end);
}

static void compile_stmt(Compiler *c, ast_node *n)
{
    if (c->failed && c->diags->len > 20)
        return;
    Unit *u = c->u;
    int start_depth = u->depth;
    set_line(c, n);
    switch (n->kind) {
    case AST_EXPR_STMT: {
        ast_node *v = n->u.expr_stmt.value;
        if (v->kind == AST_CONSTANT && u->nops == 0)
            break; /* a docstring */
        compile_expr(c, v);
        emit(c, OP_POP_TOP, 0);
        break;
    }
    case AST_ASSIGN: {
        compile_expr(c, n->u.assign.value);
        int nt = n->u.assign.targets.len;
        for (int i = 0; i < nt; i++) {
            if (i + 1 < nt)
                emit(c, OP_DUP_TOP, 0);
            compile_store_target(c, n->u.assign.targets.items[i]);
        }
        break;
    }
    case AST_AUG_ASSIGN: {
        ast_node *t = n->u.aug_assign.target;
        if (t->kind == AST_NAME) {
            compile_name(c, t->u.name.id.s, CTX_LOAD);
            compile_expr(c, n->u.aug_assign.value);
            set_line(c, n);
            emit(c, OP_INPLACE_OP, n->u.aug_assign.op);
            compile_name(c, t->u.name.id.s, CTX_STORE);
        } else if (t->kind == AST_ATTRIBUTE) {
            compile_expr(c, t->u.attribute.value);
            emit(c, OP_DUP_TOP, 0);
            int k = name_idx(c, t->u.attribute.attr.s);
            emit(c, OP_LOAD_ATTR, k);
            compile_expr(c, n->u.aug_assign.value);
            set_line(c, n);
            emit(c, OP_INPLACE_OP, n->u.aug_assign.op);
            emit(c, OP_ROT_TWO, 0);
            emit(c, OP_STORE_ATTR, k);
        } else if (t->kind == AST_SUBSCRIPT) {
            compile_expr(c, t->u.subscript.value);
            compile_expr(c, t->u.subscript.slice);
            emit(c, OP_DUP_TOP_TWO, 0);
            emit(c, OP_BINARY_SUBSCR, 0);
            compile_expr(c, n->u.aug_assign.value);
            set_line(c, n);
            emit(c, OP_INPLACE_OP, n->u.aug_assign.op);
            emit(c, OP_ROT_THREE, 0);
            emit(c, OP_STORE_SUBSCR, 0);
        } else {
            error(c, t, "illegal expression for augmented assignment");
        }
        break;
    }
    case AST_ANN_ASSIGN:
        if (n->u.ann_assign.value) {
            compile_expr(c, n->u.ann_assign.value);
            compile_store_target(c, n->u.ann_assign.target);
        }
        if ((c->u->is_class || c->u->is_module) &&
            n->u.ann_assign.target->kind == AST_NAME)
            compile_annotation(c, n);
        break;
    case AST_DELETE:
        for (int i = 0; i < n->u.delete_.targets.len; i++)
            compile_delete(c, n->u.delete_.targets.items[i]);
        break;
    case AST_RETURN:
        compile_return(c, n);
        break;
    case AST_PASS:
        break;
    case AST_BREAK:
        compile_break_continue(c, n, true);
        break;
    case AST_CONTINUE:
        compile_break_continue(c, n, false);
        break;
    case AST_IF:
        compile_if(c, n);
        break;
    case AST_WHILE:
        compile_while(c, n);
        break;
    case AST_FOR:
        compile_for(c, n);
        break;
    case AST_TRY:
        compile_try(c, n);
        break;
    case AST_RAISE:
        if (n->u.raise.exc) {
            compile_expr(c, n->u.raise.exc);
            if (n->u.raise.cause)
                compile_expr(c, n->u.raise.cause);
        }
        set_line(c, n);
        emit(c, OP_RAISE_VARARGS,
             n->u.raise.exc ? (n->u.raise.cause ? 2 : 1) : 0);
        break;
    case AST_ASSERT:
        compile_assert(c, n);
        break;
    case AST_GLOBAL:
    case AST_NONLOCAL:
        break;
    case AST_FUNCTION_DEF:
        compile_function_def(c, n);
        break;
    case AST_CLASS_DEF:
        compile_class_def(c, n);
        break;
    case AST_WITH:
        compile_with(c, n, 0);
        break;
    case AST_IMPORT:
        compile_import(c, n);
        break;
    case AST_IMPORT_FROM:
        compile_import_from(c, n);
        break;
    default:
        error(c, n, "this statement is not supported in scenarios");
        break;
    }
    if (u->depth < 0)
        u->depth = start_depth; /* code after return/raise is unreachable */
}

static void compile_stmts(Compiler *c, ast_list *l)
{
    for (int i = 0; i < l->len; i++)
        compile_stmt(c, l->items[i]);
}

/* ---- Units: one code object ---- */

static void unit_free(Unit *u)
{
    rt_free(u->ops);
    rt_free(u->lines);
    rt_free(u->tags);
    for (int i = 0; i < u->nconsts; i++)
        decref(u->consts[i]);
    rt_free(u->consts);
    rt_free(u->names); /* interned: owned by the intern table */
    rt_free(u->varnames);
    rt_free(u->cellnames);
    rt_free(u->freenames);
    rt_free(u->labels);
    rt_free(u->handlers);
    obj_decref(u->qualname);
}

/* Turns a finished unit into a Code object (consumes the unit). */
static Code *unit_finish(Compiler *c, Unit *u, const char *name, int flags,
                         int nparams, int nkwonly, int firstline, Value doc)
{
    VM *vm = c->vm;
    if (c->failed) {
        unit_free(u);
        return NULL;
    }
    /* Patch jump targets. */
    for (int i = 0; i < u->nops; i++) {
        Opcode op = OP_OF(u->ops[i]);
        if (is_jump(op)) {
            int label = (int)ARG_OF(u->ops[i]);
            int pos = u->labels[label].pos;
            u->ops[i] = (uint32_t)op | ((uint32_t)pos << 8);
        }
    }
    Code *co = obj_alloc(vm, vm->c.code, sizeof(Code));
    if (!co) {
        unit_free(u);
        nomem(c);
        return NULL;
    }
    /* The exception table: runs of equal handler tags. */
    int nexc = 0;
    for (int i = 0; i < u->nops; i++)
        if (u->tags[i] >= 0 && (i == 0 || u->tags[i - 1] != u->tags[i]))
            nexc++;
    co->exc = rt_calloc((size_t)(nexc ? nexc : 1), sizeof(ExcRange));
    if (!co->exc) {
        obj_decref(co);
        unit_free(u);
        nomem(c);
        return NULL;
    }
    int k = 0;
    for (int i = 0; i < u->nops; i++) {
        int t = u->tags[i];
        if (t < 0)
            continue;
        if (i == 0 || u->tags[i - 1] != t) {
            co->exc[k].start = (uint32_t)i;
            co->exc[k].target = (uint32_t)u->labels[u->handlers[t].label].pos;
            co->exc[k].depth = (uint32_t)u->handlers[t].depth;
            k++;
        }
        co->exc[k - 1].end = (uint32_t)i + 1;
    }
    co->nexc = nexc;
    co->ops = u->ops;
    co->lines = u->lines;
    co->nops = u->nops;
    rt_free(u->tags);
    co->consts = u->consts;
    co->nconsts = u->nconsts;
    co->names = u->names;
    co->nnames = u->nnames;
    co->varnames = u->varnames;
    co->nlocals = u->nlocals;
    co->cellnames = u->cellnames;
    co->ncells = u->ncells;
    co->freenames = u->freenames;
    co->nfrees = u->nfrees;
    co->nparams = nparams;
    co->nkwonly = nkwonly;
    co->stacksize = u->maxdepth + 1;
    co->flags = flags | (c->internal ? CO_INTERNAL : 0);
    co->firstline = firstline;
    co->cell2local = rt_malloc((size_t)(u->ncells ? u->ncells : 1) *
                               sizeof(int));
    for (int i = 0; co->cell2local && i < u->ncells; i++) {
        co->cell2local[i] = -1;
        for (int j = 0; j < nparams + nkwonly + ((flags & CO_VARARGS) != 0) +
                                ((flags & CO_VARKW) != 0);
             j++)
            if (j < co->nlocals && str_eq(co->varnames[j], co->cellnames[i]))
                co->cell2local[i] = j;
    }
    co->name = intern(c, name);
    if (co->name)
        obj_incref(co->name);
    co->qualname = u->qualname;
    u->qualname = NULL;
    if (!co->qualname && co->name) {
        co->qualname = co->name;
        obj_incref(co->name);
    }
    co->filename = c->filename_str;
    obj_incref(c->filename_str);
    co->doc = doc;
    rt_free(u->labels);
    rt_free(u->handlers);
    if (!co->cell2local) {
        obj_decref(co);
        nomem(c);
        return NULL;
    }
    return co;
}

static void unit_begin(Compiler *c, Unit *u, Scope *s)
{
    memset(u, 0, sizeof *u);
    u->scope = s;
    u->handler = -1;
    u->line = s && s->node ? s->node->line : 1;
}

/* Adds the cell and free names of a scope to a unit, parameters first. */
static void unit_cells(Compiler *c, Unit *u, Scope *s)
{
    for (int i = 0; i < s->nsyms; i++) {
        Sym *y = &s->syms[i];
        if ((y->flags & SYM_CELL) && !(y->flags & SYM_FREE))
            name_index(c, &u->cellnames, &u->ncells, &u->capcells, y->name);
    }
    for (int i = 0; i < s->nsyms; i++) {
        Sym *y = &s->syms[i];
        if (y->flags & SYM_FREE)
            name_index(c, &u->freenames, &u->nfrees, &u->capfrees, y->name);
    }
}

static Str *make_qualname(Compiler *c, const char *name)
{
    Unit *outer = c->u;
    if (!outer || outer->is_module) {
        Str *s = intern(c, name);
        if (s)
            obj_incref(s);
        return s;
    }
    const char *prefix = outer->qualname ? outer->qualname->data : "";
    if (outer->scope && outer->scope->kind == SC_FUNCTION)
        return str_fmt(c->vm, "%s.<locals>.%s", prefix, name);
    return str_fmt(c->vm, "%s.%s", prefix, name);
}

/* Emits the closure tuple for a nested scope: LOAD_CLOSURE for each of its
 * free variables, taken from the current unit's cells or frees. */
static void emit_closure(Compiler *c, Code *co)
{
    for (int i = 0; i < co->nfrees; i++) {
        const char *name = co->freenames[i]->data;
        Unit *u = c->u;
        int idx = -1;
        for (int j = 0; j < u->ncells; j++)
            if (str_eq_cstr(u->cellnames[j], name))
                idx = j;
        for (int j = 0; idx < 0 && j < u->nfrees; j++)
            if (str_eq_cstr(u->freenames[j], name))
                idx = u->ncells + j;
        if (idx < 0) {
            error(c, NULL, "internal error: no cell for '%s'", name);
            return;
        }
        emit(c, OP_LOAD_CLOSURE, idx);
    }
    emit(c, OP_BUILD_TUPLE, co->nfrees);
}

static Code *compile_unit_function(Compiler *c, ast_node *n,
                                   ast_list *params, ast_list *body,
                                   ast_node *expr_body, bool is_async,
                                   const char *name, ast_str docstring)
{
    Scope *s = scope_for(&c->st, n);
    if (!s) {
        error(c, n, "internal error: no scope");
        return NULL;
    }
    /* Defaults are evaluated now, in the enclosing scope. */
    int npos = 0, nkw = 0, ndefaults = 0, nkwdefaults = 0, flags = 0;
    for (int i = 0; i < params->len; i++) {
        ast_node *p = params->items[i];
        switch (p->u.param.param_kind) {
        case AST_PARAM_POSITIONAL:
            npos++;
            if (p->u.param.default_) {
                compile_expr(c, p->u.param.default_);
                ndefaults++;
            } else if (ndefaults) {
                error(c, p, "non-default argument follows default argument");
            }
            break;
        case AST_PARAM_VARARGS:
            flags |= CO_VARARGS;
            break;
        case AST_PARAM_KWONLY:
            nkw++;
            break;
        case AST_PARAM_KWARGS:
            flags |= CO_VARKW;
            break;
        }
    }
    if (ndefaults)
        emit(c, OP_BUILD_TUPLE, ndefaults);
    for (int i = 0; i < params->len; i++) {
        ast_node *p = params->items[i];
        if (p->u.param.param_kind == AST_PARAM_KWONLY &&
            p->u.param.default_) {
            load_str_const(c, p->u.param.name.s, p->u.param.name.len);
            compile_expr(c, p->u.param.default_);
            nkwdefaults++;
        }
    }
    if (nkwdefaults)
        emit(c, OP_BUILD_MAP, nkwdefaults);

    Unit *outer = c->u;
    Unit u;
    unit_begin(c, &u, s);
    u.qualname = make_qualname(c, name);
    u.in_async = is_async;
    c->u = &u;
    /* Parameters take the first local slots, in order: positional,
     * keyword-only, *args, **kwargs. */
    for (int pass = 0; pass < 4; pass++)
        for (int i = 0; i < params->len; i++) {
            ast_node *p = params->items[i];
            ast_param_kind k = p->u.param.param_kind;
            int want = pass == 0 ? AST_PARAM_POSITIONAL
                       : pass == 1 ? AST_PARAM_KWONLY
                       : pass == 2 ? AST_PARAM_VARARGS
                                   : AST_PARAM_KWARGS;
            if ((int)k == want)
                local_idx(c, p->u.param.name.s);
        }
    unit_cells(c, &u, s);
    Value doc = VAL_NONE;
    if (docstring.s) {
        Str *d = str_new(c->vm, docstring.s, docstring.len);
        if (d)
            doc = val_obj(d);
    }
    if (body) {
        compile_stmts(c, body);
        load_none(c);
        emit(c, OP_RETURN_VALUE, 0);
    } else {
        compile_expr(c, expr_body);
        emit(c, OP_RETURN_VALUE, 0);
    }
    c->u = outer;
    int cflags = flags | (is_async ? CO_ASYNC : 0) |
                 (expr_body ? CO_LAMBDA : 0) |
                 (s->is_generator ? CO_GENERATOR : 0);
    Code *co = unit_finish(c, &u, name, cflags, npos, nkw, n->line, doc);
    if (!co) {
        decref(doc);
        return NULL;
    }
    int mflags = (ndefaults ? 1 : 0) | (nkwdefaults ? 2 : 0);
    if (co->nfrees) {
        emit_closure(c, co);
        mflags |= 8;
    }
    load_const(c, val_obj(co));
    set_line(c, n);
    emit(c, OP_MAKE_FUNCTION, mflags);
    return co;
}

static Code *compile_unit_class(Compiler *c, ast_node *n)
{
    Scope *s = scope_for(&c->st, n);
    if (!s) {
        error(c, n, "internal error: no class scope");
        return NULL;
    }
    Unit *outer = c->u;
    Unit u;
    unit_begin(c, &u, s);
    u.qualname = make_qualname(c, n->u.class_def.name.s);
    u.is_class = true;
    c->u = &u;
    unit_cells(c, &u, s);
    /* __module__ and __qualname__, then the body. */
    setup_annotations(c, &n->u.class_def.body);
    compile_stmts(c, &n->u.class_def.body);
    load_none(c);
    emit(c, OP_RETURN_VALUE, 0);
    c->u = outer;
    Value doc = VAL_NONE;
    if (n->u.class_def.docstring.s) {
        Str *d = str_new(c->vm, n->u.class_def.docstring.s,
                         n->u.class_def.docstring.len);
        if (d)
            doc = val_obj(d);
    }
    Code *co = unit_finish(c, &u, n->u.class_def.name.s, CO_CLASS, 0, 0,
                           n->line, doc);
    if (!co)
        decref(doc);
    return co;
}

Code *compile_module(VM *vm, ast_node *mod, const char *filename,
                     rt_diags *diags, bool internal)
{
    Compiler c;
    memset(&c, 0, sizeof c);
    c.vm = vm;
    c.diags = diags;
    c.filename = filename;
    c.internal = internal;
    c.filename_str = str_from_cstr(vm, filename);
    if (!c.filename_str)
        return NULL;
    ast_arena *arena = ast_arena_new();
    if (!arena) {
        obj_decref(c.filename_str);
        vm_raise_nomem(vm);
        return NULL;
    }
    c.st.arena = arena;
    c.st.diags = diags;
    Scope *top = scope_new(&c.st, SC_MODULE, mod);
    Code *co = NULL;
    if (top) {
        c.st.cur = top;
        st_stmts(&c.st, &mod->u.module.body);
        st_resolve(&c.st, top);
    }
    if (c.st.failed || !top) {
        if (!diags->len)
            vm_raise_nomem(vm);
        goto done;
    }
    Unit u;
    unit_begin(&c, &u, top);
    u.is_module = true;
    u.line = 1;
    c.u = &u;
    unit_cells(&c, &u, top);
    setup_annotations(&c, &mod->u.module.body);
    compile_stmts(&c, &mod->u.module.body);
    load_none(&c);
    emit(&c, OP_RETURN_VALUE, 0);
    c.u = NULL;
    Value doc = VAL_NONE;
    ast_list *b = &mod->u.module.body;
    if (b->len && b->items[0]->kind == AST_EXPR_STMT &&
        b->items[0]->u.expr_stmt.value->kind == AST_CONSTANT &&
        b->items[0]->u.expr_stmt.value->u.constant.kind == AST_CONST_STR) {
        ast_node *k = b->items[0]->u.expr_stmt.value;
        Str *d = str_new(vm, k->u.constant.s.s, k->u.constant.s.len);
        if (d)
            doc = val_obj(d);
    }
    co = unit_finish(&c, &u, "<module>", CO_MODULE, 0, 0, 1, doc);
    if (!co)
        decref(doc);
    if (c.failed && co) {
        obj_decref(co);
        co = NULL;
    }
    if (!co && !diags->len && !vm_has_exc(vm))
        vm_raise_nomem(vm);
done:
    symtab_free(&c.st);
    ast_arena_free(arena);
    obj_decref(c.filename_str);
    return co;
}

void code_destroy(VM *vm, Code *co)
{
    rt_free(co->ops);
    rt_free(co->lines);
    for (int i = 0; i < co->nconsts; i++)
        decref(co->consts[i]);
    rt_free(co->consts);
    rt_free(co->names);
    rt_free(co->varnames);
    rt_free(co->cellnames);
    rt_free(co->freenames);
    rt_free(co->cell2local);
    rt_free(co->exc);
    rt_free(co->caches);
    obj_decref(co->name);
    obj_decref(co->qualname);
    obj_decref(co->filename);
    decref(co->doc);
}

/* ------------------------------------------------------------------------ */
/* Disassembly (for debugging the compiler: LOOPSCOPE_DIS=1)                */
/* ------------------------------------------------------------------------ */

static const char *const op_names[] = {
#define OP_NAME(n) #n,
    OPCODES(OP_NAME)
#undef OP_NAME
};

void code_disassemble(Code *co, FILE *out)
{
    fprintf(out, "== %s (locals %d, cells %d, frees %d, stack %d)\n",
            co->qualname ? co->qualname->data : "?", co->nlocals, co->ncells,
            co->nfrees, co->stacksize);
    for (int i = 0; i < co->nexc; i++)
        fprintf(out, "   exc [%u, %u) -> %u depth %u\n", co->exc[i].start,
                co->exc[i].end, co->exc[i].target, co->exc[i].depth);
    for (int i = 0; i < co->nops; i++) {
        Opcode op = OP_OF(co->ops[i]);
        fprintf(out, "%4d %5d  %-24s %u\n", co->lines[i], i,
                op < OP__COUNT ? op_names[op] : "???", ARG_OF(co->ops[i]));
    }
    for (int i = 0; i < co->nconsts; i++)
        if (IS_LAYOUT(co->consts[i], CODE))
            code_disassemble((Code *)AS_OBJ(co->consts[i]), out);
}
