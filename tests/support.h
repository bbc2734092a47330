/*
 * support.h - what the runtime's cmocka tests share: a host whose
 * exceptions are small objects with a type and a message (so that tests can
 * check CancelledError messages and the identity of exceptions), a
 * scriptable native C coroutine, and an event recorder that serialises the
 * event stream and can check the loop's invariants between handles.
 *
 * Header-only (static inline) so that each test program stays one file.
 * Include it after <cmocka.h>'s prerequisites.
 */
#ifndef LOOPSCOPE_TEST_SUPPORT_H
#define LOOPSCOPE_TEST_SUPPORT_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rt.h"

/* ------------------------------------------------------------------------ */
/* Exceptions: objects with a type name and a message                       */
/* ------------------------------------------------------------------------ */

typedef struct texc {
    rt_object obj;
    char type[32];  /* "ValueError", "CancelledError", ... */
    char msg[200];  /* str(exc) */
    int freed_flag; /* unused; keeps the struct honest for ASan */
} texc;

static inline void texc_destroy(rt_object *o) { free(o); }
static const rt_type texc_type = {"texc", texc_destroy};

/* A new exception (one reference for the caller). */
static inline rt_value texc_new(const char *type, const char *msg)
{
    texc *e = calloc(1, sizeof *e);
    e->obj.refs = 1;
    e->obj.type = &texc_type;
    snprintf(e->type, sizeof e->type, "%s", type);
    snprintf(e->msg, sizeof e->msg, "%s", msg ? msg : "");
    rt_value v = {RT_KIND_OBJECT, 0, {0}};
    v.u.p = e;
    return v;
}

static inline bool is_texc(rt_value v)
{
    return (v.kind & RT_KIND_OBJECT) &&
           ((rt_object *)v.u.p)->type == &texc_type;
}

static inline const char *texc_typename(rt_value v)
{
    return is_texc(v) ? ((texc *)v.u.p)->type : "?";
}

static inline const char *texc_msg(rt_value v)
{
    return is_texc(v) ? ((texc *)v.u.p)->msg : "?";
}

/* A string value for messages: a texc of type "str". */
static inline rt_value tstr(const char *s) { return texc_new("str", s); }

static inline rt_exc_class thost_classify(void *data, rt_value exc)
{
    if (!is_texc(exc))
        return RT_EXC_ERROR;
    const char *t = texc_typename(exc);
    if (strcmp(t, "CancelledError") == 0)
        return RT_EXC_CANCELLED;
    if (strcmp(t, "KeyboardInterrupt") == 0 || strcmp(t, "SystemExit") == 0)
        return RT_EXC_FATAL;
    return RT_EXC_ERROR;
}

static inline rt_value thost_make(void *data, rt_exc_make what, rt_value msg,
                                  const char *text)
{
    const char *m = text ? text : (is_texc(msg) ? texc_msg(msg) : "");
    switch (what) {
    case RT_MAKE_CANCELLED:
        return texc_new("CancelledError", m);
    case RT_MAKE_INVALID_STATE:
        return texc_new("InvalidStateError", m);
    case RT_MAKE_RUNTIME_ERROR:
        break;
    }
    return texc_new("RuntimeError", m);
}

static inline void thost_describe(void *data, rt_value v, rt_describe how,
                                  char *buf, size_t size)
{
    if (is_texc(v)) {
        if (how == RT_DESCRIBE_TYPE)
            snprintf(buf, size, "%s", texc_typename(v));
        else if (how == RT_DESCRIBE_STR || how == RT_DESCRIBE_NAME)
            snprintf(buf, size, "%s", texc_msg(v));
        else
            snprintf(buf, size, "%s('%s')", texc_typename(v), texc_msg(v));
        return;
    }
    if (v.kind & RT_KIND_OBJECT) {
        rt_object *o = v.u.p;
        char nb[RT_TASK_NAME_SIZE];
        if (strcmp(o->type->name, "Task") == 0)
            snprintf(buf, size, "<Task %s>", rt_task_name((rt_task *)o, nb));
        else
            snprintf(buf, size, "<%s>", o->type->name);
        return;
    }
    if (v.kind == RT_KIND_INT)
        snprintf(buf, size, "%lld", (long long)v.u.i);
    else
        snprintf(buf, size, "%s", how == RT_DESCRIBE_NAME ? "" : "None");
}

/* What the exception handler was told, for tests to read. */
typedef struct thandler_log {
    int calls;
    char last_message[128];
    char last_exc[256];
    uint64_t last_future;
} thandler_log;

static inline void thost_handler(void *data, rt_loop *loop,
                                 const rt_exc_context *ctx)
{
    thandler_log *log = data;
    if (!log)
        return;
    log->calls++;
    snprintf(log->last_message, sizeof log->last_message, "%s",
             ctx->message ? ctx->message : "");
    if (is_texc(ctx->exception))
        snprintf(log->last_exc, sizeof log->last_exc, "%s: %s",
                 texc_typename(ctx->exception), texc_msg(ctx->exception));
    else
        log->last_exc[0] = '\0';
    log->last_future = ctx->future ? ctx->future->id : 0;
}

static const rt_host thost = {thost_classify, thost_make, thost_describe,
                              thost_handler};

/* ------------------------------------------------------------------------ */
/* The event recorder                                                       */
/* ------------------------------------------------------------------------ */

typedef struct trec {
    char *buf;           /* every event, one line each */
    size_t len, cap;
    int counts[RT_EV__COUNT];
    rt_loop *check_loop; /* when set: rt_loop_check at every handle.run
                            and task.step (which stands for the run of a
                            task's step or wake-up handle) */
    int checks;          /* how many checks ran */
    char why[256];       /* the first failure, if any */
    bool failed;
} trec;

static inline void trec_append(trec *r, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int n = vsnprintf(r->buf ? r->buf + r->len : NULL,
                          r->buf ? r->cap - r->len : 0, fmt, ap);
        va_end(ap);
        if (r->buf && r->len + (size_t)n < r->cap) {
            r->len += (size_t)n;
            return;
        }
        r->cap = r->cap ? r->cap * 2 + (size_t)n : 4096 + (size_t)n;
        r->buf = realloc(r->buf, r->cap);
    }
}

/* Serialises every field of the event, so that two streams compare equal
 * only if they are identical. */
static inline void trec_hook(void *data, const rt_event *ev)
{
    trec *r = data;
    r->counts[ev->kind]++;
    trec_append(r,
                "%llu %.17g %s loop=%llu task=%llu fut=%llu h=%llu job=%llu "
                "ex=%llu peer=%llu w=%d line=%d k2=%d n=%lld when=%.17g "
                "name=%s type=%s text=%s func=%s\n",
                (unsigned long long)ev->seq, ev->t, rt_event_name(ev->kind),
                (unsigned long long)ev->loop, (unsigned long long)ev->task,
                (unsigned long long)ev->future, (unsigned long long)ev->handle,
                (unsigned long long)ev->job, (unsigned long long)ev->executor,
                (unsigned long long)ev->peer, ev->worker, ev->line, ev->kind2,
                (long long)ev->n, ev->when, ev->name ? ev->name : "",
                ev->type ? ev->type : "", ev->text ? ev->text : "",
                ev->func ? ev->func : "");
    if (r->check_loop && (ev->kind == RT_EV_HANDLE_RUN || ev->kind == RT_EV_TASK_STEP) &&
        !r->failed) {
        r->checks++;
        if (rt_loop_check(r->check_loop, r->why, sizeof r->why) != 0)
            r->failed = true;
    }
}

static inline void trec_free(trec *r) { free(r->buf); }

/* ------------------------------------------------------------------------ */
/* A scriptable native coroutine                                            */
/* ------------------------------------------------------------------------ */

enum top {
    OP_BARE,      /* yield (sleep(0)) */
    OP_AWAIT,     /* await fut (yield the future if pending; else read it) */
    OP_RETURN,    /* return v */
    OP_RAISE,     /* raise v */
    OP_BAD,       /* yield v (a bad yield) */
    OP_CALL,      /* call fn(arg) and go on in the same step */
};

typedef struct tstep {
    enum top op;
    rt_future *fut;          /* OP_AWAIT (borrowed) */
    rt_value v;              /* OP_RETURN/RAISE/BAD (owned by the coro) */
    void (*fn)(void *arg);   /* OP_CALL */
    void *arg;
} tstep;

typedef struct tcoro {
    rt_object obj;
    int pc, nsteps;
    tstep steps[24];
    bool catch_all;     /* a thrown exception is caught and logged */
    char log[512];      /* "S" send, "T<type>:<msg>" throw, per resume */
    int resumes;
    const char *fname;  /* for where() */
    int wheres;         /* how many times where() was asked */
} tcoro;

static inline void tcoro_destroy(rt_object *o)
{
    tcoro *c = (tcoro *)o;
    for (int i = 0; i < c->nsteps; i++)
        rt_value_release(c->steps[i].v);
    free(c);
}

static const rt_type tcoro_type = {"tcoro", tcoro_destroy};

static inline tcoro *tcoro_new(void)
{
    tcoro *c = calloc(1, sizeof *c);
    c->obj.refs = 1;
    c->obj.type = &tcoro_type;
    c->fname = "tcoro";
    return c;
}

static inline tcoro *tc_bare(tcoro *c)
{
    c->steps[c->nsteps++] = (tstep){OP_BARE, NULL, RT_NONE, NULL, NULL};
    return c;
}
static inline tcoro *tc_await(tcoro *c, rt_future *f)
{
    c->steps[c->nsteps++] = (tstep){OP_AWAIT, f, RT_NONE, NULL, NULL};
    return c;
}
/* Takes over the reference to v. */
static inline tcoro *tc_return(tcoro *c, rt_value v)
{
    c->steps[c->nsteps++] = (tstep){OP_RETURN, NULL, v, NULL, NULL};
    return c;
}
static inline tcoro *tc_raise(tcoro *c, rt_value v)
{
    c->steps[c->nsteps++] = (tstep){OP_RAISE, NULL, v, NULL, NULL};
    return c;
}
static inline tcoro *tc_bad(tcoro *c, rt_value v)
{
    c->steps[c->nsteps++] = (tstep){OP_BAD, NULL, v, NULL, NULL};
    return c;
}
static inline tcoro *tc_call(tcoro *c, void (*fn)(void *), void *arg)
{
    c->steps[c->nsteps++] = (tstep){OP_CALL, NULL, RT_NONE, fn, arg};
    return c;
}

static inline void tcoro_logf(tcoro *c, const char *fmt, ...)
{
    size_t len = strlen(c->log);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->log + len, sizeof c->log - len, fmt, ap);
    va_end(ap);
}

static inline rt_coro_status tcoro_resume(rt_object *coro, rt_task *task,
                                          rt_resume how, rt_value in,
                                          rt_value *value, rt_yield *y)
{
    tcoro *c = (tcoro *)coro;
    c->resumes++;
    if (how == RT_RESUME_THROW) {
        tcoro_logf(c, "T%s:%s;", texc_typename(in), texc_msg(in));
        if (!c->catch_all) {
            rt_value_retain(in);
            *value = in;
            return RT_CORO_RAISE;
        }
        /* Caught at the await it was thrown into: go past that await. */
        if (c->pc < c->nsteps && c->steps[c->pc].op == OP_AWAIT)
            c->pc++;
    } else {
        tcoro_logf(c, "S;");
    }
    while (c->pc < c->nsteps) {
        tstep *s = &c->steps[c->pc++];
        switch (s->op) {
        case OP_BARE:
            y->bare = true;
            return RT_CORO_YIELD;
        case OP_AWAIT:
            if (!rt_future_done(s->fut)) {
                /* Come back to this step: the next send finds it done. */
                c->pc--;
                y->future = s->fut;
                return RT_CORO_YIELD;
            } else {
                rt_value r, e;
                if (rt_future_result(s->fut, &r, &e) != RT_OK) {
                    if (c->catch_all) {
                        tcoro_logf(c, "E%s:%s;", texc_typename(e),
                                   texc_msg(e));
                        rt_value_release(e);
                        break;
                    }
                    *value = e;
                    return RT_CORO_RAISE;
                }
                rt_value_release(r);
            }
            break;
        case OP_RETURN:
            rt_value_retain(s->v);
            *value = s->v;
            return RT_CORO_RETURN;
        case OP_RAISE:
            rt_value_retain(s->v);
            *value = s->v;
            return RT_CORO_RAISE;
        case OP_BAD:
            rt_value_retain(s->v);
            y->bad = s->v;
            return RT_CORO_YIELD;
        case OP_CALL:
            s->fn(s->arg);
            break;
        }
    }
    *value = RT_NONE;
    return RT_CORO_RETURN;
}

static inline int tcoro_where(rt_object *coro, const char **func)
{
    tcoro *c = (tcoro *)coro;
    c->wheres++;
    *func = c->fname;
    return 10 + c->pc;
}

static const rt_coro_class tcoro_class = {tcoro_resume, tcoro_where, NULL};

/* Creates a task for a scripted coroutine and drops the test's reference
 * to the coroutine (the task holds it). */
static inline rt_task *tspawn(rt_loop *loop, tcoro *c, const char *name)
{
    rt_task *t = NULL;
    int r = rt_task_new(loop, &c->obj, &tcoro_class, name, &t);
    assert_int_equal(r, RT_OK);
    rt_object_release(&c->obj);
    return t;
}

/* A fresh virtual world with the test host and a recorder. */
typedef struct tenv {
    rt_world *w;
    rt_loop *loop;
    trec rec;
    thandler_log handler;
} tenv;

static inline void tenv_init(tenv *e, rt_clock_mode mode, bool record)
{
    memset(e, 0, sizeof *e);
    rt_world_config cfg = {mode, &thost, &e->handler,
                           record ? trec_hook : NULL, &e->rec};
    assert_int_equal(rt_world_new(&cfg, &e->w), RT_OK);
    assert_int_equal(rt_loop_new(e->w, &e->loop), RT_OK);
}

static inline void tenv_free(tenv *e)
{
    if (e->loop)
        rt_loop_free(e->loop);
    rt_world_free(e->w);
    trec_free(&e->rec);
}

/* Runs iterations until nothing is ready or scheduled (or `max` passed). */
static inline int run_until_idle(rt_loop *loop, int max)
{
    int n = 0;
    while ((rt_loop_ready_count(loop) > 0 || rt_loop_timer_count(loop) > 0) &&
           n < max) {
        int r = rt_loop_run_once(loop);
        if (r < 0)
            return r;
        n++;
    }
    return n;
}

/* Asserts rt_loop_check, printing why on failure. */
#define assert_loop_ok(loop)                                                 \
    do {                                                                     \
        char why_[256];                                                      \
        int r_ = rt_loop_check((loop), why_, sizeof why_);                   \
        if (r_ != 0)                                                         \
            fail_msg("rt_loop_check: %s", why_);                             \
    } while (0)

#endif /* LOOPSCOPE_TEST_SUPPORT_H */
