/*
 * draw.c - draws the window from the view model: source, loop, ready
 * queue, timers, waiting tasks, executor lanes, output, narration, status
 * bar and scrubber, plus the details and help overlays.
 *
 * Drawing reads the models and never changes them. One frame:
 *   1. lay out the panels on a grid derived from the text size (u), so the
 *      picture scales with the window and with projector mode;
 *   2. place the cards of the current state, and of the previous one when
 *      an animation runs: each task, ready callback and timer gets a slot
 *      (a rectangle and a label) keyed by what it is, and a card whose key
 *      appears in both states is drawn between its two rectangles, eased,
 *      so cards glide from the ready queue to the loop to the waiting
 *      panel instead of blinking;
 *   3. draw the panels, then arrows, then cards, then overlays.
 *
 * Long lists are capped at what fits (with "+N more"), so a frame costs
 * the same with 5 tasks or 5,000.
 */
#include <math.h>
#include <string.h>

#include "ui.h"

/* ------------------------------------------------------------------------ */
/* Frame context and layout                                                 */
/* ------------------------------------------------------------------------ */

typedef struct layout {
    int u;                 /* the normal text size in pixels: the grid unit */
    int gap, pad, radius;  /* between panels, inside panels, corner radius */
    int title_h;           /* a panel's title row */
    int card_w, card_h;    /* task and callback cards */
    int chip_h;            /* small chips (done tasks, pills) */
    SDL_Rect source, loop, ready, timers, waiting, exec, output, narr, status, scrub;
} layout;

enum { MAX_SLOTS = 400 };

/* Keys: what a card stands for. */
#define KEY_TASK(id) (((uint64_t)1 << 56) | (id))
#define KEY_HANDLE(id) (((uint64_t)2 << 56) | (id))
#define KEY_GHOST(id) (((uint64_t)3 << 56) | (id))

enum { SLOT_TASK, SLOT_CALLBACK, SLOT_TIMER, SLOT_CHIP, SLOT_MORE };
enum { F_CANCELLED = 1, F_RUNNING = 2, F_STRUCK = 4, F_FADED = 8, F_WAKEUP = 16 };

typedef struct slot {
    uint64_t key;
    SDL_Rect r;
    uint8_t style;         /* SLOT_* */
    uint8_t flags;         /* F_* */
    uint64_t task;         /* colour and badges */
    char title[48];        /* main label */
    char sub[48];          /* second line */
} slot;

typedef struct slots {
    slot v[MAX_SLOTS];
    int n;
} slots;

/* The card lists of the current and the previous state, kept between
 * frames only to avoid allocating them each time. */
struct sim_draw_scratch {
    slots cur, prev;
};

sim_draw_scratch *sim_draw_scratch_new(void) { return rt_calloc(1, sizeof(sim_draw_scratch)); }
void sim_draw_scratch_free(sim_draw_scratch *s) { rt_free(s); }

typedef struct frame {
    sim_gfx *g;
    sim_paint *p;
    sim_text *tx;
    sim_view *v;
    const sim_theme *th;
    const sim_index *ix;
    const rt_trace *tr;
    layout L;
    float e;               /* eased animation progress */
    int w, h;
} frame;

static SDL_Color alpha(SDL_Color c, int a)
{
    c.a = (Uint8)(a < 0 ? 0 : a > 255 ? 255 : a);
    return c;
}

static int rnd(float x) { return (int)floorf(x + 0.5f); }

static SDL_Color task_color(const frame *f, uint64_t id)
{
    const sim_task_info *ti = sim_index_task(f->ix, id);
    int k = ti ? ti->color : (int)((id ? id - 1 : 0) % SIM_TASK_COLORS);
    return f->th->task[k];
}

static SDL_Color on_task_color(const frame *f, uint64_t id)
{
    const sim_task_info *ti = sim_index_task(f->ix, id);
    int k = ti ? ti->color : (int)((id ? id - 1 : 0) % SIM_TASK_COLORS);
    return f->th->on_task[k];
}

static const char *task_name(const frame *f, uint64_t id, char *buf, size_t size)
{
    return sim_task_label(f->ix, id, buf, size);
}

static int th(const frame *f, sim_face fc, sim_size s) { return sim_text_height(f->tx, fc, s); }

static int text(frame *f, sim_face fc, sim_size s, SDL_Color c, const char *str, int x, int y,
                int maxw, int align)
{
    return sim_text_draw(f->tx, fc, s, c, str, x, y, maxw, align);
}

int sim_text_px_for(const sim_view *v, int w, int h)
{
    float k = fminf(w / 1280.0f, h / 720.0f);
    float px = 14.0f * k * (v->projector ? 1.3f : 1.0f) * (v->font_scale > 0 ? v->font_scale : 1);
    return px < 8 ? 8 : rnd(px);
}

static void do_layout(frame *f)
{
    layout *L = &f->L;
    int u = sim_text_px_for(f->v, f->w, f->h);
    L->u = u;
    L->gap = rnd(u * 0.72f);
    L->pad = rnd(u * 0.8f);
    L->radius = rnd(u * 0.6f);
    L->title_h = th(f, SIM_FACE_BOLD, SIM_SIZE_TITLE) + rnd(u * 0.55f);
    L->card_h = th(f, SIM_FACE_BOLD, SIM_SIZE_NORMAL) + th(f, SIM_FACE_UI, SIM_SIZE_SMALL) +
                rnd(u * 0.5f);
    L->card_w = rnd(u * 10.2f);
    L->chip_h = th(f, SIM_FACE_UI, SIM_SIZE_SMALL) + rnd(u * 0.35f);
    int W = f->w, H = f->h, g = L->gap;
    /* Bottom: status bar and scrubber across the whole width. */
    int status_h = th(f, SIM_FACE_UI, SIM_SIZE_NORMAL) + rnd(u * 0.9f);
    int scrub_h = rnd(u * 1.1f);
    L->scrub = (SDL_Rect){g, H - g / 2 - scrub_h, W - 2 * g, scrub_h};
    L->status = (SDL_Rect){g, L->scrub.y - status_h, W - 2 * g, status_h};
    /* Output and narration side by side above it. */
    int bottom_h = L->title_h + 4 * th(f, SIM_FACE_MONO, SIM_SIZE_SMALL) + L->pad * 2;
    int left_w = rnd((W - 3 * g) * 0.37f);
    int right_x = g + left_w + g, right_w = W - right_x - g;
    int bottom_y = L->status.y - g / 2 - bottom_h;
    L->output = (SDL_Rect){g, bottom_y, left_w, bottom_h};
    L->narr = (SDL_Rect){right_x, bottom_y, right_w, bottom_h};
    /* The top: source on the left, the loop's panels on the right. */
    int top_y = g, top_h = bottom_y - g - top_y;
    L->source = (SDL_Rect){g, top_y, left_w, top_h};
    /* The right column: each panel gets what its contents need, the
     * waiting panel the rest. The executor panel is a slim bar unless the
     * trace uses threads at all (decided once per trace, so the layout
     * does not jump between steps). */
    int avail = top_h - 3 * g;
    int small = th(f, SIM_FACE_UI, SIM_SIZE_SMALL);
    int h1 = L->title_h + L->chip_h + rnd(u * 0.5f) + rnd(u * 1.2f) + L->card_h + rnd(u * 0.9f) +
             L->pad;
    int tcard_h = L->chip_h + small;
    int h2 = L->title_h + 2 * (tcard_h + 2) + rnd(u * 0.9f) + small + L->pad;
    bool threads = f->ix->njobs > 0;
    int lane_h = L->chip_h + rnd(u * 0.45f) + 2;
    int h4 = threads ? L->title_h + 3 * lane_h + L->pad : L->title_h + rnd(u * 0.3f);
    int h3 = avail - h1 - h2 - h4;
    int want3 = L->title_h + 3 * (L->card_h + rnd(u * 0.45f)) + L->chip_h + L->pad;
    if (h3 < want3) {
        /* Tight (large text on a small window): one row of timer cards. */
        h2 -= tcard_h + 2;
        h3 += tcard_h + 2;
    }
    if (h3 > want3) {
        /* Room to spare: timers get a third of it (a third row of cards). */
        int extra = (h3 - want3) / 3;
        if (extra > tcard_h + 2)
            extra = tcard_h + 2;
        h2 += extra;
        h3 -= extra;
    }
    int loop_w = rnd(right_w * 0.30f);
    L->loop = (SDL_Rect){right_x, top_y, loop_w, h1};
    L->ready = (SDL_Rect){right_x + loop_w + g, top_y, right_w - loop_w - g, h1};
    L->timers = (SDL_Rect){right_x, top_y + h1 + g, right_w, h2};
    L->waiting = (SDL_Rect){right_x, L->timers.y + h2 + g, right_w, h3};
    L->exec = (SDL_Rect){right_x, L->waiting.y + h3 + g, right_w, h4};
}

static void add_hit(frame *f, SDL_Rect r, int what, uint64_t id)
{
    sim_view *v = f->v;
    if (v->nhits < SIM_HITS)
        v->hits[v->nhits++] = (sim_hit){r, what, id};
}

/* A panel: background, border, and a title with an optional note at its
 * right. Returns the content rectangle. */
static SDL_Rect panel(frame *f, SDL_Rect r, const char *title, const char *note,
                      SDL_Color edge)
{
    const layout *L = &f->L;
    sim_fill_round(f->p, r, L->radius, f->th->panel);
    sim_stroke_round(f->p, r, L->radius, 1, edge);
    int ty = r.y + rnd(L->u * 0.45f);
    int tw = text(f, SIM_FACE_BOLD, SIM_SIZE_TITLE, f->th->title, title, r.x + L->pad, ty,
                  r.w / 2, 0);
    if (note && *note)
        text(f, SIM_FACE_UI, SIM_SIZE_SMALL, f->th->muted, note, r.x + r.w - L->pad, ty - 1,
             r.w - tw - 3 * L->pad, 2);
    return (SDL_Rect){r.x + L->pad, r.y + L->title_h, r.w - 2 * L->pad,
                      r.h - L->title_h - rnd(L->pad * 0.6f)};
}

/* ------------------------------------------------------------------------ */
/* Card placement (one state)                                               */
/* ------------------------------------------------------------------------ */

static slot *add_slot(slots *s, uint64_t key, SDL_Rect r, int style, uint64_t task,
                      const char *title, const char *sub, int flags)
{
    if (s->n >= MAX_SLOTS)
        return NULL;
    slot *o = &s->v[s->n++];
    o->key = key;
    o->r = r;
    o->style = (uint8_t)style;
    o->flags = (uint8_t)flags;
    o->task = task;
    snprintf(o->title, sizeof o->title, "%s", title ? title : "");
    snprintf(o->sub, sizeof o->sub, "%s", sub ? sub : "");
    return o;
}

static const slot *find_slot(const slots *s, uint64_t key)
{
    for (int i = 0; i < s->n; i++)
        if (s->v[i].key == key)
            return &s->v[i];
    return NULL;
}

/* The running box inside the loop panel. */
static SDL_Rect running_box(const frame *f)
{
    const layout *L = &f->L;
    SDL_Rect c = {L->loop.x + L->pad, L->loop.y + L->title_h, L->loop.w - 2 * L->pad, 0};
    int chips = L->chip_h + rnd(L->u * 0.5f);
    c.y += chips;
    c.h = L->loop.y + L->loop.h - L->pad - c.y;
    return c;
}

static SDL_Rect running_card(const frame *f)
{
    SDL_Rect box = running_box(f);
    /* A little wider than a queued card: callback names are long. */
    int w = rnd(f->L.card_w * 1.4f);
    if (w > box.w - f->L.u)
        w = box.w - f->L.u;
    int y = box.y + f->th->line_px + rnd(f->L.u * 1.2f);
    return (SDL_Rect){box.x + (box.w - w) / 2, y, w, f->L.card_h};
}

static const char *hkind_label(int hkind)
{
    switch (hkind) {
    case RT_HANDLE_STEP: return "step";
    case RT_HANDLE_WAKEUP: return "wake-up";
    case RT_HANDLE_DONE_CALLBACK: return "done callback";
    case RT_HANDLE_THREADSAFE: return "from a thread";
    default: return "callback";
    }
}

/* A callback card's two lines: its name as a reader says it, and what it
 * is ("timer callback", "done callback of main"). */
static void callback_card(const frame *f, const sim_card *c, char *title, size_t tsize,
                          char *sub, size_t ssize)
{
    const char *name = sim_callback_name(c->name, title, tsize);
    if (name != title)
        snprintf(title, tsize, "%s", name ? name : hkind_label(c->hkind));
    char ob[64];
    const char *owner = c->hkind == RT_HANDLE_DONE_CALLBACK && !c->timer
                            ? sim_handle_owner(f->v->tl, c->handle, ob, sizeof ob)
                            : NULL;
    if (c->timer)
        snprintf(sub, ssize, "timer callback");
    else if (owner)
        snprintf(sub, ssize, "done callback of %s", owner);
    else
        snprintf(sub, ssize, "%s", hkind_label(c->hkind));
    if (!name && owner)
        snprintf(title, tsize, "done callback");
}

/* Rows of the waiting panel: which tasks, in order. */
static int waiting_tasks(const sim_model *m, uint64_t *out, int max, int *total)
{
    int n = 0;
    *total = 0;
    for (size_t i = 0; i < m->tasks.len; i++) {
        const sim_task *t = &m->tasks.v[i];
        if (!t->id || (t->place != SIM_WAITING && t->place != SIM_SLEEPING))
            continue;
        (*total)++;
        if (n < max)
            out[n++] = t->id;
    }
    return n;
}

typedef struct wgrid {
    SDL_Rect area;        /* the rows' area */
    int cols, rows;       /* grid */
    int col_w, row_h;
    int card_h;           /* cards here: full, or one line when space is short */
    SDL_Rect done;        /* the strip for done tasks */
} wgrid;

static wgrid waiting_grid(const frame *f, bool any_done, int total)
{
    const layout *L = &f->L;
    wgrid g;
    g.area = (SDL_Rect){L->waiting.x + L->pad, L->waiting.y + L->title_h,
                        L->waiting.w - 2 * L->pad, L->waiting.h - L->title_h - L->pad};
    g.done = (SDL_Rect){g.area.x, g.area.y + g.area.h - L->chip_h, g.area.w, L->chip_h};
    if (any_done)
        g.area.h -= L->chip_h + rnd(L->u * 0.5f);
    g.card_h = L->card_h;
    g.row_h = L->card_h + rnd(L->u * 0.45f);
    g.rows = g.area.h / g.row_h;
    if (g.rows < 2 && total > 1) {
        /* Short of room: one-line cards, so that more tasks show. */
        g.card_h = L->chip_h + rnd(L->u * 0.5f);
        g.row_h = g.card_h + rnd(L->u * 0.35f);
        g.rows = g.area.h / g.row_h;
    }
    if (g.rows < 1)
        g.rows = 1;
    /* As few columns as the tasks need, as many as fit. */
    int min_w = L->card_w + rnd(L->u * 11.0f);
    int max_cols = g.area.w / min_w;
    if (max_cols < 1)
        max_cols = 1;
    g.cols = (total + g.rows - 1) / g.rows;
    if (g.cols < 1)
        g.cols = 1;
    if (g.cols > max_cols)
        g.cols = max_cols;
    g.col_w = g.area.w / g.cols;
    return g;
}

static SDL_Rect waiting_cell(const wgrid *g, int k)
{
    int col = k / g->rows, row = k % g->rows;
    return (SDL_Rect){g->area.x + col * g->col_w, g->area.y + row * g->row_h, g->col_w,
                      g->row_h};
}

/* Timer axis geometry. */
typedef struct axis {
    double t0, t1;        /* the visible time range */
    SDL_Rect area;        /* the content area */
    int y;                /* the axis line */
} axis;

/* A "nice" span (1, 2, 5 x 10^k) at least x. */
static double nice_span(double x)
{
    double p = pow(10, floor(log10(x)));
    double m = x / p;
    double k = m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10;
    return k * p;
}

/* Did the clock jump forward in the loop iteration shown? */
static bool clock_jumped(const sim_model *m)
{
    return m->jump_iteration && m->jump_iteration == m->loop.iteration && m->t_prev_jump < m->t;
}

static axis timer_axis(const frame *f, const sim_model *m)
{
    const layout *L = &f->L;
    axis a;
    a.area = (SDL_Rect){L->timers.x + L->pad, L->timers.y + L->title_h, L->timers.w - 2 * L->pad,
                        L->timers.h - L->title_h - L->pad};
    a.y = a.area.y + a.area.h - th(f, SIM_FACE_UI, SIM_SIZE_SMALL) - rnd(L->u * 0.4f);
    double now = m->t, far = now;
    for (size_t i = 0; i < m->timers.len; i++)
        if (m->timers.v[i].state != SIM_TIMER_FIRED && m->timers.v[i].when > far)
            far = m->timers.v[i].when;
    /* During the iteration in which the clock jumped, the axis also shows
     * where it jumped from (draw_timers marks the jump). */
    double from = clock_jumped(m) ? m->t_prev_jump : now;
    double span = nice_span(fmax(1.0, (far - from) / 0.8));
    a.t0 = from - span * 0.12;
    a.t1 = a.t0 + span * 1.08;
    return a;
}

static float axis_x(const axis *a, double t)
{
    return (float)(a->area.x + (t - a->t0) / (a->t1 - a->t0) * a->area.w);
}

/* A task card's title (stable storage) and its second line: the other
 * name and `state` ("main" / "Task-1 Â· line 5"). */
static const char *card_title(const frame *f, uint64_t id)
{
    char nb[8];
    return sim_index_task(f->ix, id) ? sim_task_label(f->ix, id, nb, sizeof nb) : "task";
}

static void card_sub(const frame *f, uint64_t id, const char *state, char *sub, size_t size)
{
    const sim_task_info *ti = sim_index_task(f->ix, id);
    if (!ti) {
        snprintf(sub, size, "%s", state);
        return;
    }
    const char *title = card_title(f, id);
    if (ti->func && title == ti->func)
        snprintf(sub, size, "%s \xc2\xb7 %s", ti->name, state);
    else if (ti->func)
        snprintf(sub, size, "%s() \xc2\xb7 %s", ti->func, state);
    else
        snprintf(sub, size, "%s", state);
}

/* Places every card of state m. */
static void place_cards(frame *f, const sim_model *m, slots *s)
{
    const layout *L = &f->L;
    s->n = 0;
    char sub[48];
    /* The running card. */
    if (m->loop.running_task) {
        const sim_task *t = sim_model_task(m, m->loop.running_task);
        char state[32];
        if (t && t->line)
            snprintf(state, sizeof state, "line %d", t->line);
        else
            snprintf(state, sizeof state, "running");
        card_sub(f, m->loop.running_task, state, sub, sizeof sub);
        add_slot(s, KEY_TASK(m->loop.running_task), running_card(f), SLOT_TASK,
                 m->loop.running_task, card_title(f, m->loop.running_task), sub, F_RUNNING);
    } else if (m->loop.running_card) {
        const sim_card *c = &m->loop.running;
        char title[48];
        callback_card(f, c, title, sizeof title, sub, sizeof sub);
        add_slot(s, KEY_HANDLE(c->handle), running_card(f), SLOT_CALLBACK, c->task, title, sub,
                 F_RUNNING);
    }
    /* The ready queue, head first. */
    SDL_Rect rq = {L->ready.x + L->pad, L->ready.y + L->title_h + rnd(L->u * 1.1f),
                   L->ready.w - 2 * L->pad, L->card_h};
    int step = L->card_w + rnd(L->u * 0.6f);
    int fit = (rq.w + rnd(L->u * 0.6f)) / step;
    if (fit < 1)
        fit = 1;
    int nready = (int)m->ready.len;
    int shown = nready <= fit ? nready : fit - 1;
    for (int i = 0; i < shown; i++) {
        const sim_card *c = &m->ready.v[i];
        SDL_Rect r = {rq.x + i * step, rq.y, L->card_w, L->card_h};
        int flags = c->cancelled ? F_CANCELLED | F_STRUCK : 0;
        bool task_card = c->task && (c->hkind == RT_HANDLE_STEP || c->hkind == RT_HANDLE_WAKEUP);
        if (task_card) {
            const sim_task *tk = sim_model_task(m, c->task);
            if (tk && tk->cancel_requested)
                flags |= F_CANCELLED;
            card_sub(f, c->task, hkind_label(c->hkind), sub, sizeof sub);
            add_slot(s, KEY_TASK(c->task), r, SLOT_TASK, c->task, card_title(f, c->task), sub,
                     flags | (c->hkind == RT_HANDLE_WAKEUP ? F_WAKEUP : 0));
        } else {
            char title[48];
            callback_card(f, c, title, sizeof title, sub, sizeof sub);
            add_slot(s, KEY_HANDLE(c->handle), r, SLOT_CALLBACK, c->task, title, sub, flags);
        }
    }
    if (shown < nready) {
        snprintf(sub, sizeof sub, "+%d more", nready - shown);
        add_slot(s, KEY_HANDLE(0), (SDL_Rect){rq.x + shown * step, rq.y, L->card_w, L->card_h},
                 SLOT_MORE, 0, "", sub, 0);
    }
    /* New tasks (created, first step not yet queued) wait after the tail. */
    /* Waiting and sleeping tasks. */
    bool any_done = false;
    for (size_t i = 0; i < m->tasks.len && !any_done; i++)
        any_done = m->tasks.v[i].id && m->tasks.v[i].place == SIM_DONE;
    uint64_t ids[256];
    int total;
    waiting_tasks(m, ids, 0, &total);
    wgrid g = waiting_grid(f, any_done, total);
    int cap = g.rows * g.cols;
    if (cap > 256)
        cap = 256;
    int n = waiting_tasks(m, ids, cap, &total);
    if (total > cap)
        n = cap - 1;
    for (int k = 0; k < n; k++) {
        SDL_Rect cell = waiting_cell(&g, k);
        const sim_task *t = sim_model_task(m, ids[k]);
        char state[32];
        if (t->line)
            snprintf(state, sizeof state, "line %d", t->line);
        else
            snprintf(state, sizeof state, "%s", sim_place_name(t->place));
        card_sub(f, ids[k], state, sub, sizeof sub);
        add_slot(s, KEY_TASK(ids[k]), (SDL_Rect){cell.x, cell.y, L->card_w, g.card_h}, SLOT_TASK,
                 ids[k], card_title(f, ids[k]), sub, t->cancel_requested ? F_CANCELLED : 0);
    }
    if (total > n) {
        SDL_Rect cell = waiting_cell(&g, n);
        snprintf(sub, sizeof sub, "+%d more waiting", total - n);
        add_slot(s, KEY_TASK(0), (SDL_Rect){cell.x, cell.y, cell.w - L->pad, g.card_h},
                 SLOT_MORE, 0, "", sub, 0);
    }
    /* Done tasks: chips along the bottom of the waiting panel. */
    if (any_done) {
        int x = g.done.x + sim_text_width(f->tx, SIM_FACE_BOLD, SIM_SIZE_TITLE, "DONE") +
                rnd(L->u * 0.8f);
        int chip_w = rnd(L->u * 6.2f), chip_gap = rnd(L->u * 0.4f);
        int ndone = 0, drawn = 0;
        for (size_t i = 0; i < m->tasks.len; i++)
            ndone += m->tasks.v[i].id && m->tasks.v[i].place == SIM_DONE;
        int fitd = (g.done.x + g.done.w - x) / (chip_w + chip_gap);
        for (size_t i = m->tasks.len; i-- > 0 && drawn < fitd;) {
            /* The most recently created first: they are the news. */
            const sim_task *t = &m->tasks.v[i];
            if (!t->id || t->place != SIM_DONE)
                continue;
            if (drawn == fitd - 1 && ndone > fitd) {
                snprintf(sub, sizeof sub, "+%d", ndone - drawn);
                add_slot(s, KEY_TASK(0) + 1, (SDL_Rect){x, g.done.y, chip_w, L->chip_h},
                         SLOT_MORE, 0, "", sub, 0);
                break;
            }
            const char *mark = t->done_state == RT_DONE_RESULT      ? "\xe2\x9c\x93"
                               : t->done_state == RT_DONE_CANCELLED ? "\xe2\x8a\x98"
                                                                    : "\xe2\x9c\x97";
            add_slot(s, KEY_TASK(t->id), (SDL_Rect){x, g.done.y, chip_w, L->chip_h}, SLOT_CHIP,
                     t->id, card_title(f, t->id), mark, 0);
            x += chip_w + chip_gap;
            drawn++;
        }
    }
    /* Timers on the axis (cards keyed by handle, so a firing timer's card
     * glides into the ready queue). */
    axis a = timer_axis(f, m);
    int tcard_w = rnd(L->u * 8.4f), tcard_h = L->chip_h + th(f, SIM_FACE_UI, SIM_SIZE_SMALL);
    int rows = (a.y - a.area.y - rnd(L->u * 0.3f)) / (tcard_h + 2);
    if (rows < 1)
        rows = 1;
    if (rows > 4)
        rows = 4;
    int row_end[4] = {INT32_MIN, INT32_MIN, INT32_MIN, INT32_MIN};
    int placed = 0, hidden = 0;
    /* Timers due at the same time with the same label share one card
     * ("x100"); group[] remembers each placed card's time and count. */
    struct { double when; const char *name; int slot, count, state; } group[48];
    int ngroups = 0;
    for (size_t i = 0; i < m->timers.len; i++) {
        const sim_timer *tm = &m->timers.v[i];
        float x = axis_x(&a, tm->when);
        if (x < a.area.x - 2 || x > a.area.x + a.area.w + 2) {
            hidden++;
            continue;
        }
        int gi = -1;
        for (int k = 0; k < ngroups && gi < 0; k++)
            if (group[k].when == tm->when && group[k].state == tm->state &&
                ((!group[k].name && !tm->name) ||
                 (group[k].name && tm->name && strcmp(group[k].name, tm->name) == 0)))
                gi = k;
        if (gi >= 0) {
            slot *o = &s->v[group[gi].slot];
            char when[32];
            sim_format_time(tm->when, when, sizeof when);
            snprintf(o->sub, sizeof o->sub, "\xc3\x97%d \xc2\xb7 t=%.12s", ++group[gi].count, when);
            o->task = 0; /* several owners: no single colour */
            continue;
        }
        int left = rnd(x) - tcard_w / 2;
        if (left < a.area.x)
            left = a.area.x;
        if (left + tcard_w > a.area.x + a.area.w)
            left = a.area.x + a.area.w - tcard_w;
        int row = -1;
        for (int k = 0; k < rows; k++)
            if (row_end[k] + 3 <= left) {
                row = k;
                break;
            }
        if (row < 0 || ngroups >= 48) {
            hidden++;
            continue;
        }
        row_end[row] = left + tcard_w;
        int y = a.y - rnd(L->u * 0.5f) - (row + 1) * (tcard_h + 2);
        char when[32];
        sim_format_time(tm->when, when, sizeof when);
        snprintf(sub, sizeof sub, "t=%s", when);
        int flags = tm->state == SIM_TIMER_CANCELLED ? F_STRUCK | F_CANCELLED
                    : tm->state == SIM_TIMER_FIRED  ? F_FADED
                                                    : 0;
        uint64_t key = tm->state == SIM_TIMER_FIRED ? KEY_GHOST(tm->handle) : KEY_HANDLE(tm->handle);
        if (add_slot(s, key, (SDL_Rect){left, y, tcard_w, tcard_h}, SLOT_TIMER, tm->task,
                     tm->name ? tm->name : "timer", sub, flags)) {
            group[ngroups].when = tm->when;
            group[ngroups].name = tm->name;
            group[ngroups].slot = s->n - 1;
            group[ngroups].count = 1;
            group[ngroups].state = tm->state;
            ngroups++;
        }
        placed++;
    }
    (void)hidden;
}

/* ------------------------------------------------------------------------ */
/* Cards                                                                    */
/* ------------------------------------------------------------------------ */

static SDL_Rect lerp_rect(SDL_Rect a, SDL_Rect b, float t)
{
    return (SDL_Rect){rnd(a.x + (b.x - a.x) * t), rnd(a.y + (b.y - a.y) * t),
                      rnd(a.w + (b.w - a.w) * t), rnd(a.h + (b.h - a.h) * t)};
}

/* The exception (if any) that sits in task `id` now. */
static const sim_exc *exc_in(const sim_model *m, uint64_t id)
{
    for (int i = 0; i < SIM_EXCS; i++)
        if (m->excs[i].used && m->excs[i].task == id)
            return &m->excs[i];
    return NULL;
}

static void draw_badge(frame *f, int x, int y, SDL_Color c, const char *label)
{
    const layout *L = &f->L;
    int w = sim_text_width(f->tx, SIM_FACE_BOLD, SIM_SIZE_SMALL, label) + rnd(L->u * 0.8f);
    int h = th(f, SIM_FACE_BOLD, SIM_SIZE_SMALL) + 2;
    SDL_Rect r = {x - w, y - h / 2, w, h};
    sim_fill_round(f->p, r, h / 2, c);
    text(f, SIM_FACE_BOLD, SIM_SIZE_SMALL, (SDL_Color){255, 255, 255, 255}, label,
         r.x + w / 2, r.y + 1, 0, 1);
}

static void draw_card(frame *f, const slot *s, SDL_Rect r, int fade, bool hit)
{
    const layout *L = &f->L;
    const sim_theme *t = f->th;
    int a = fade;
    if (s->flags & F_FADED)
        a = a * 45 / 100;
    if (s->flags & F_STRUCK)
        a = a * 60 / 100;
    int pad = rnd(L->u * 0.55f);
    switch (s->style) {
    case SLOT_TASK: {
        SDL_Color c = task_color(f, s->task), on = on_task_color(f, s->task);
        if (s->flags & F_RUNNING) {
            /* A glow ring says "this one is on the loop now". */
            SDL_Rect glow = {r.x - 3, r.y - 3, r.w + 6, r.h + 6};
            sim_stroke_round(f->p, glow, L->radius + 3, 2, alpha(c, a * 70 / 100));
        }
        sim_fill_round(f->p, r, L->radius, alpha(c, a));
        if (r.h < L->card_h * 3 / 4) {
            /* A one-line card: the name only. */
            text(f, SIM_FACE_BOLD, SIM_SIZE_SMALL, alpha(on, a), s->title, r.x + pad,
                 r.y + (r.h - th(f, SIM_FACE_BOLD, SIM_SIZE_SMALL)) / 2, r.w - 2 * pad, 0);
        } else {
            int y = r.y + rnd(L->u * 0.22f);
            text(f, SIM_FACE_BOLD, SIM_SIZE_NORMAL, alpha(on, a), s->title, r.x + pad, y,
                 r.w - 2 * pad, 0);
            y += th(f, SIM_FACE_BOLD, SIM_SIZE_NORMAL) - 1;
            text(f, SIM_FACE_UI, SIM_SIZE_SMALL, alpha(on, a * 85 / 100), s->sub, r.x + pad, y,
                 r.w - 2 * pad, 0);
        }
        if (s->flags & F_CANCELLED)
            draw_badge(f, r.x + r.w + rnd(L->u * 0.3f), r.y + 2, t->cancel,
                       "\xe2\x8a\x98 cancel");
        break;
    }
    case SLOT_CALLBACK: {
        sim_fill_round(f->p, r, L->radius, alpha(t->card, a));
        if (s->task) {
            /* A stripe in the colour of the task it belongs to. */
            SDL_Rect stripe = {r.x, r.y, rnd(L->u * 0.4f), r.h};
            sim_fill_round(f->p, stripe, stripe.w / 2, alpha(task_color(f, s->task), a));
        }
        int y = r.y + rnd(L->u * 0.22f);
        text(f, SIM_FACE_BOLD, SIM_SIZE_NORMAL, alpha(t->card_text, a), s->title, r.x + pad + 2,
             y, r.w - 2 * pad, 0);
        y += th(f, SIM_FACE_BOLD, SIM_SIZE_NORMAL) - 1;
        text(f, SIM_FACE_UI, SIM_SIZE_SMALL, alpha(t->muted, a), s->sub, r.x + pad + 2, y,
             r.w - 2 * pad, 0);
        break;
    }
    case SLOT_TIMER: {
        SDL_Color c = s->task ? task_color(f, s->task) : t->muted;
        sim_fill_round(f->p, r, rnd(L->radius * 0.7f), alpha(t->card, a));
        SDL_Rect stripe = {r.x, r.y, rnd(L->u * 0.35f), r.h};
        sim_fill_round(f->p, stripe, stripe.w / 2, alpha(c, a));
        int x = r.x + stripe.w + rnd(L->u * 0.35f);
        text(f, SIM_FACE_BOLD, SIM_SIZE_SMALL, alpha(t->card_text, a), s->title, x, r.y + 1,
             r.x + r.w - x - 2, 0);
        char sub[80];
        if (s->task) {
            char nb[32];
            snprintf(sub, sizeof sub, "%s %s", task_name(f, s->task, nb, sizeof nb), s->sub);
        } else {
            snprintf(sub, sizeof sub, "%s", s->sub);
        }
        text(f, SIM_FACE_UI, SIM_SIZE_SMALL, alpha(t->muted, a), sub, x,
             r.y + th(f, SIM_FACE_BOLD, SIM_SIZE_SMALL) - 1, r.x + r.w - x - 2, 0);
        break;
    }
    case SLOT_CHIP: {
        SDL_Color c = task_color(f, s->task);
        sim_fill_round(f->p, r, r.h / 2, alpha(t->card, a));
        sim_fill_circle(f->p, r.x + r.h / 2, r.y + r.h / 2, r.h / 4 + 1, alpha(c, a));
        char label[100];
        snprintf(label, sizeof label, "%s %s", s->title, s->sub);
        text(f, SIM_FACE_UI, SIM_SIZE_SMALL, alpha(t->card_text, a), label, r.x + r.h, r.y + 1,
             r.w - r.h - 4, 0);
        break;
    }
    case SLOT_MORE:
        sim_stroke_round(f->p, r, L->radius, 1, alpha(t->faint, a));
        text(f, SIM_FACE_UI, SIM_SIZE_SMALL, alpha(t->muted, a), s->sub, r.x + r.w / 2,
             r.y + (r.h - th(f, SIM_FACE_UI, SIM_SIZE_SMALL)) / 2, r.w - 4, 1);
        break;
    }
    if (s->flags & F_STRUCK) {
        int y = r.y + r.h / 2;
        sim_line(f->p, (float)r.x + 3, (float)y, (float)(r.x + r.w - 3), (float)y,
                 (float)f->th->line_px, alpha(t->text, fade * 80 / 100));
    }
    if (hit && (s->style == SLOT_TASK || s->style == SLOT_CHIP))
        add_hit(f, r, SIM_HIT_TASK, s->task);
}

/* ------------------------------------------------------------------------ */
/* Panels                                                                   */
/* ------------------------------------------------------------------------ */

/* The source line a step is about: the running task's, else the step's. */
static int focus_line(frame *f)
{
    const sim_model *m = &f->v->cur;
    if (m->loop.running_task) {
        const sim_task *t = sim_model_task(m, m->loop.running_task);
        if (t && t->line)
            return t->line;
    }
    return f->v->step ? sim_timeline_step(f->v->tl, f->v->step).line : 0;
}

/* Line `n` (1-based) of the source: its start and length. O(n): use a
 * cursor (next_line) to walk many lines. */
static bool source_line(const rt_trace *tr, int n, const char **start, size_t *len)
{
    const char *p = tr->source, *end = tr->source + tr->source_len;
    for (int k = 1; k < n && p < end; k++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            return false;
        p = nl + 1;
    }
    if (p >= end && n > 1)
        return false;
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    *start = p;
    *len = (size_t)((nl ? nl : end) - p);
    return true;
}

/* A cursor over the source's lines. */
typedef struct line_cursor {
    const char *p, *end;
    bool done;
} line_cursor;

/* The next line (start, length); false past the last one. */
static bool next_line(line_cursor *c, const char **start, size_t *len)
{
    if (c->done || !c->p)
        return false;
    const char *nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
    *start = c->p;
    *len = (size_t)((nl ? nl : c->end) - c->p);
    if (nl)
        c->p = nl + 1;
    else
        c->done = true;
    return true;
}

static int count_lines(const rt_trace *tr)
{
    int n = 1;
    for (size_t i = 0; i < tr->source_len; i++)
        if (tr->source[i] == '\n' && i + 1 < tr->source_len)
            n++;
    return tr->source_len ? n : 0;
}

static void draw_source(frame *f)
{
    const layout *L = &f->L;
    const sim_theme *t = f->th;
    const sim_model *m = &f->v->cur;
    char note[160];
    snprintf(note, sizeof note, "%s", f->tr->scenario && *f->tr->scenario ? f->tr->scenario
                                                                           : "scenario");
    SDL_Rect c = panel(f, L->source, "SOURCE", note, t->panel_edge);
    int lh = th(f, SIM_FACE_MONO, SIM_SIZE_SMALL) + rnd(L->u * 0.28f);
    int nlines = count_lines(f->tr);
    int visible = c.h / lh;
    if (visible < 1)
        visible = 1;
    int focus = focus_line(f);
    /* Scroll only as much as needed to keep the focus line in view, with
     * three lines of context; a short file never scrolls. */
    int top = f->v->source_top;
    if (nlines <= visible)
        top = 1;
    else if (focus) {
        if (focus < top + 3)
            top = focus - 3;
        if (focus > top + visible - 4)
            top = focus - visible + 4;
    }
    if (top > nlines - visible + 1)
        top = nlines - visible + 1;
    if (top < 1)
        top = 1;
    f->v->source_top = top;
    int digits = nlines >= 100 ? 3 : 2;
    char numbuf[16];
    snprintf(numbuf, sizeof numbuf, "%0*d", digits, 0);
    /* Columns: task dots and exception marks, line numbers, code. */
    int marks_w = rnd(L->u * 1.7f);
    int num_x = c.x + marks_w;
    int gutter = marks_w + sim_text_width(f->tx, SIM_FACE_MONO, SIM_SIZE_SMALL, numbuf) +
                 rnd(L->u * 0.9f);
    int code_x = c.x + gutter;
    int code_end[512];
    memset(code_end, 0, sizeof code_end);
    /* Tasks by line, for markers. */
    int mono_w = sim_text_width(f->tx, SIM_FACE_MONO, SIM_SIZE_SMALL, "M");
    int state = 0;
    const char *ls;
    size_t ll;
    /* Walk the lines once: the triple-quote state up to the first shown
     * line, then the shown ones. */
    line_cursor cur = {f->tr->source, f->tr->source + f->tr->source_len, false};
    ls = NULL;
    for (int n = 1; n < top && next_line(&cur, &ls, &ll); n++) {
        sim_span tmp[64];
        sim_syntax_line(ls, ll, &state, tmp, 64);
    }
    uint64_t running = m->loop.running_task;
    for (int k = 0; k < visible; k++) {
        int n = top + k;
        if (n > nlines || !next_line(&cur, &ls, &ll))
            break;
        int y = c.y + k * lh;
        /* The running line: a band and a bar in the running task's colour. */
        if (n == focus && focus) {
            SDL_Color bar = running ? task_color(f, running) : t->accent;
            sim_fill_round(f->p, (SDL_Rect){c.x - rnd(L->pad * 0.4f), y, c.w + rnd(L->pad * 0.4f),
                                             lh},
                           rnd(L->radius * 0.5f), t->highlight);
            sim_fill_rect(f->p, (SDL_Rect){c.x - rnd(L->pad * 0.4f), y, rnd(L->u * 0.25f), lh},
                          bar);
        }
        snprintf(numbuf, sizeof numbuf, "%*d", digits, n);
        text(f, SIM_FACE_MONO, SIM_SIZE_SMALL, n == focus ? t->text : t->muted, numbuf, num_x,
             y + 1, 0, 0);
        /* Code with syntax colours, tabs as 4 spaces, cut at the panel. */
        sim_span sp[96];
        int ns = sim_syntax_line(ls, ll, &state, sp, 96);
        int x = code_x;
        int limit = c.x + c.w;
        for (int i = 0; i < ns && x < limit; i++) {
            char piece[512];
            size_t len = sp[i].len < sizeof piece - 1 ? sp[i].len : sizeof piece - 1;
            size_t o = 0;
            for (size_t j = 0; j < len && o < sizeof piece - 5; j++) {
                char ch = ls[sp[i].start + j];
                if (ch == '\t') {
                    memcpy(piece + o, "    ", 4);
                    o += 4;
                } else {
                    piece[o++] = ch;
                }
            }
            piece[o] = '\0';
            sim_face face = sp[i].tok == SIM_TOK_AWAIT || sp[i].tok == SIM_TOK_DEFNAME
                                ? SIM_FACE_MONO_BOLD
                                : SIM_FACE_MONO;
            bool blank = true;
            for (size_t j = 0; j < o; j++)
                blank &= piece[j] == ' ';
            if (blank) {
                x += (int)o * mono_w;
                continue;
            }
            x += text(f, face, SIM_SIZE_SMALL, t->tok[sp[i].tok], piece, x, y + 1, limit - x, 0);
        }
        if (k < 512)
            code_end[k] = x;
        /* Task markers: a dot per task suspended or running on this line in
         * the gutter, and their names at the right end of the line. */
        int dots = 0;
        char names[160] = "";
        uint64_t first = 0;
        for (size_t i = 0; i < m->tasks.len; i++) {
            const sim_task *tk = &m->tasks.v[i];
            if (!tk->id || tk->place == SIM_DONE || tk->line != n)
                continue;
            if (dots < 3)
                sim_fill_circle(f->p, c.x + rnd(L->u * 0.35f) + dots * rnd(L->u * 0.5f),
                                y + lh / 2, rnd(L->u * 0.26f), task_color(f, tk->id));
            if (!first)
                first = tk->id;
            char nb[32];
            const char *nm = task_name(f, tk->id, nb, sizeof nb);
            if (strlen(names) + strlen(nm) + 3 < sizeof names) {
                if (*names)
                    strcat(names, ", ");
                strcat(names, nm);
            }
            dots++;
        }
        if (dots) {
            char label[200];
            if (dots > 3)
                snprintf(label, sizeof label, "%d tasks", dots);
            else
                snprintf(label, sizeof label, "%s", names);
            int w = sim_text_width(f->tx, SIM_FACE_BOLD, SIM_SIZE_SMALL, label) + rnd(L->u * 0.8f);
            /* Right-aligned after the code, never over it. */
            int room = c.x + c.w - (x + rnd(L->u * 0.6f));
            if (w > room)
                w = room;
            if (w < L->u * 2)
                continue;
            SDL_Rect pill = {c.x + c.w - w, y + 1, w, lh - 2};
            SDL_Color pc = task_color(f, first);
            sim_fill_round(f->p, pill, pill.h / 2, pc);
            text(f, SIM_FACE_BOLD, SIM_SIZE_SMALL, on_task_color(f, first), label,
                 pill.x + rnd(L->u * 0.4f), pill.y + (pill.h - th(f, SIM_FACE_BOLD, SIM_SIZE_SMALL)) / 2,
                 pill.w - rnd(L->u * 0.8f), 0);
        }
    }
    /* Exceptions: where they were raised and each frame they passed,
     * joined by a red path in the gutter; the catching except in green. */
    for (int i = 0; i < SIM_EXCS; i++) {
        const sim_exc *x = &m->excs[i];
        if (!x->used)
            continue;
        SDL_Color col = x->cancel || (x->type && strcmp(x->type, "CancelledError") == 0)
                            ? t->cancel
                            : t->error;
        float px = -1, py = -1;
        for (int h = 0; h < x->nhops; h++) {
            int n = x->hops[h].line;
            if (n < top || n >= top + visible)
                continue;
            int y = c.y + (n - top) * lh + lh / 2;
            float gx = (float)(c.x + rnd(L->u * 0.75f));
            bool last = h == x->nhops - 1;
            if (px >= 0)
                sim_arrow(f->p, gx - 2, py, gx - 2, (float)y, (float)t->line_px,
                          (float)rnd(L->u * 0.5f), col);
            const char *mark = h == 0 ? (x->cancel ? "\xe2\x8a\x98" : "\xe2\x9c\x97")
                               : last && x->state == SIM_EXC_CAUGHT ? "\xe2\x9c\x93"
                                                                    : "\xe2\x86\x91";
            SDL_Color mc = last && x->state == SIM_EXC_CAUGHT ? t->ok : col;
            sim_fill_circle(f->p, rnd(gx) - 2, y, rnd(L->u * 0.45f), mc);
            text(f, SIM_FACE_BOLD, SIM_SIZE_SMALL, (SDL_Color){255, 255, 255, 255}, mark,
                 rnd(gx) - 2, y - th(f, SIM_FACE_BOLD, SIM_SIZE_SMALL) / 2, 0, 1);
            px = gx;
            py = (float)y;
            if (h == 0 || last) {
                char tag[96];
                if (h == 0)
                    snprintf(tag, sizeof tag, "%s %s", x->cancel ? "thrown in:" : "raises",
                             x->type ? x->type : "exception");
                else if (x->state == SIM_EXC_CAUGHT)
                    snprintf(tag, sizeof tag, "caught here");
                else
                    snprintf(tag, sizeof tag, "%s here", x->type ? x->type : "exception");
                int w = sim_text_width(f->tx, SIM_FACE_BOLD, SIM_SIZE_SMALL, tag) +
                        rnd(L->u * 0.8f);
                int end = n - top < 512 ? code_end[n - top] : code_x;
                int room = c.x + c.w - (end + rnd(L->u * 0.6f));
                if (room < w)
                    continue;
                SDL_Rect pill = {c.x + c.w - w, y - lh / 2 + 1, w, lh - 2};
                sim_fill_round(f->p, pill, pill.h / 2, mc);
                text(f, SIM_FACE_BOLD, SIM_SIZE_SMALL, (SDL_Color){255, 255, 255, 255}, tag,
                     pill.x + w / 2, pill.y + (pill.h - th(f, SIM_FACE_BOLD, SIM_SIZE_SMALL)) / 2,
                     0, 1);
            }
        }
    }
    /* A scroll hint when lines are hidden. */
    if (nlines > visible) {
        char hint[64];
        snprintf(hint, sizeof hint, "lines %d-%d of %d", top,
                 top + visible - 1 < nlines ? top + visible - 1 : nlines, nlines);
        text(f, SIM_FACE_UI, SIM_SIZE_SMALL, t->muted, hint, L->source.x + L->source.w - L->pad,
             L->source.y + L->source.h - th(f, SIM_FACE_UI, SIM_SIZE_SMALL) - 2, 0, 2);
    }
}

static void draw_loop(frame *f)
{
    const layout *L = &f->L;
    const sim_theme *t = f->th;
    const sim_model *m = &f->v->cur;
    const sim_loop *lp = &m->loop;
    char note[64] = "";
    if (lp->iteration)
        snprintf(note, sizeof note, "iteration %lld", (long long)lp->iteration);
    bool alarm = lp->blocked || lp->deadlock || (f->v->live_running && f->v->live_idle > 1.0);
    SDL_Rect c = panel(f, L->loop, "EVENT LOOP", note, alarm ? t->warn : t->panel_edge);
    /* The three phases of an iteration as chips, the current one lit. */
    static const char *const phases[3] = {"select", "timers", "ready"};
    int cw = (c.w - 2 * rnd(L->u * 0.3f)) / 3;
    for (int i = 0; i < 3; i++) {
        SDL_Rect r = {c.x + i * (cw + rnd(L->u * 0.3f)), c.y, cw, L->chip_h};
        bool on = lp->phase == i && !lp->closed && !lp->ended;
        if (on)
            sim_fill_round(f->p, r, r.h / 2, t->accent);
        else
            sim_stroke_round(f->p, r, r.h / 2, 1, t->faint);
        char label[32];
        if (i == 2 && on && lp->ready_n && lp->ready_n < 100)
            snprintf(label, sizeof label, "ready \xc2\xb7 %lld", (long long)lp->ready_n);
        else
            snprintf(label, sizeof label, "%s", phases[i]);
        text(f, on ? SIM_FACE_BOLD : SIM_FACE_UI, SIM_SIZE_SMALL, on ? t->panel : t->muted,
             label, r.x + r.w / 2, r.y + (r.h - th(f, SIM_FACE_UI, SIM_SIZE_SMALL)) / 2, r.w - 4,
             1);
    }
    /* The running box: what runs on the loop's thread now. */
    SDL_Rect box = running_box(f);
    sim_stroke_round(f->p, box, L->radius, 1, t->faint);
    text(f, SIM_FACE_BOLD, SIM_SIZE_TITLE, t->title, "RUNNING NOW", box.x + rnd(L->u * 0.5f),
         box.y + rnd(L->u * 0.3f), box.w, 0);
    if (!lp->running_task && !lp->running_card) {
        char what[128];
        SDL_Color col = t->muted;
        char when[32];
        if (lp->deadlock) {
            snprintf(what, sizeof what, "deadlock");
            col = t->warn;
        } else if (lp->ended || lp->closed) {
            snprintf(what, sizeof what, lp->closed ? "loop closed" : "run ended");
        } else if (lp->blocked) {
            sim_format_time(lp->blocked_until, when, sizeof when);
            snprintf(what, sizeof what, "blocked until t=%s", when);
            col = t->warn;
        } else if (lp->phase == RT_PHASE_SELECT && lp->select_when != 0) {
            sim_format_time(lp->select_when, when, sizeof when);
            if (m->t < lp->select_when)
                snprintf(what, sizeof what, "waiting for t=%s", when);
            else
                snprintf(what, sizeof what, "woke up at t=%s", when);
        } else if (!lp->started) {
            snprintf(what, sizeof what, "not started");
        } else {
            snprintf(what, sizeof what, "idle");
        }
        SDL_Rect card = running_card(f);
        text(f, SIM_FACE_UI, SIM_SIZE_NORMAL, col, what, box.x + box.w / 2,
             card.y + (card.h - th(f, SIM_FACE_UI, SIM_SIZE_NORMAL)) / 2, box.w - 8, 1);
    }
    if (lp->blocked && (lp->running_task || lp->running_card)) {
        char msg[128], when[32];
        sim_format_time(lp->blocked_until, when, sizeof when);
        snprintf(msg, sizeof msg, "%s blocks the loop until t=%s",
                 lp->block_text ? lp->block_text : "a blocking call", when);
        text(f, SIM_FACE_BOLD, SIM_SIZE_SMALL, t->warn, msg, box.x + box.w / 2,
             box.y + box.h - th(f, SIM_FACE_BOLD, SIM_SIZE_SMALL) - 3, box.w - 6, 1);
    }
}

static void draw_ready(frame *f)
{
    const layout *L = &f->L;
    const sim_theme *t = f->th;
    const sim_model *m = &f->v->cur;
    char note[64];
    snprintf(note, sizeof note, "%zu queued \xc2\xb7 FIFO", m->ready.len);
    SDL_Rect c = panel(f, L->ready, "READY QUEUE", note, t->panel_edge);
    int y = c.y + rnd(L->u * 0.05f);
    if (m->ready.len) {
        text(f, SIM_FACE_UI, SIM_SIZE_SMALL, t->muted, "head: runs next", c.x, y, c.w / 2, 0);
    } else {
        text(f, SIM_FACE_UI, SIM_SIZE_NORMAL, t->muted, "empty",
             c.x + c.w / 2, c.y + (c.h - th(f, SIM_FACE_UI, SIM_SIZE_NORMAL)) / 2, 0, 1);
    }
}

static void draw_timers(frame *f, const axis *a, double now)
{
    const layout *L = &f->L;
    const sim_theme *t = f->th;
    const sim_model *m = &f->v->cur;
    size_t armed = 0, cancelled = 0;
    for (size_t i = 0; i < m->timers.len; i++) {
        armed += m->timers.v[i].state == SIM_TIMER_ARMED;
        cancelled += m->timers.v[i].state == SIM_TIMER_CANCELLED;
    }
    char note[96];
    if (cancelled)
        snprintf(note, sizeof note, "%zu armed \xc2\xb7 %zu cancelled", armed, cancelled);
    else
        snprintf(note, sizeof note, "%zu armed", armed);
    panel(f, L->timers, "TIMERS", note, t->panel_edge);
    /* The past is shaded; the axis has ticks at a nice step. */
    float xn = axis_x(a, now);
    bool jump_label = false;
    if (xn > a->area.x)
        sim_fill_rect(f->p, (SDL_Rect){a->area.x, a->area.y, rnd(xn) - a->area.x,
                                       a->y - a->area.y},
                      alpha(t->faint, 90));
    sim_line(f->p, (float)a->area.x, (float)a->y, (float)(a->area.x + a->area.w), (float)a->y,
             (float)t->line_px, t->muted);
    double span = a->t1 - a->t0;
    double stepv = nice_span(span / 8);
    if (stepv <= 0)
        stepv = 1;
    for (double v = ceil(a->t0 / stepv) * stepv; v <= a->t1; v += stepv) {
        float x = axis_x(a, v);
        sim_line(f->p, x, (float)a->y - 3, x, (float)a->y + 4, 1, t->muted);
        char lab[32];
        if (stepv >= 1)
            snprintf(lab, sizeof lab, "%.0f", v);
        else if (stepv >= 0.1)
            snprintf(lab, sizeof lab, "%.1f", v);
        else
            snprintf(lab, sizeof lab, "%.2f", v);
        if (fabs(v) < stepv * 1e-6)
            snprintf(lab, sizeof lab, "0");
        text(f, SIM_FACE_UI, SIM_SIZE_SMALL, t->muted, lab, rnd(x), a->y + 5, 0, 1);
    }
    /* Stems from the axis up to each timer card are drawn with the cards. */
    /* A jump of the clock in this iteration: a bracket from where it was
     * to now, with the time it skipped (nothing could run meanwhile). */
    if (clock_jumped(m)) {
        float xp = axis_x(a, m->t_prev_jump);
        float yb = (float)a->y - rnd(L->u * 0.45f);
        SDL_Color base = m->jump_blocked ? t->warn : t->accent;
        SDL_Color jc = alpha(base, 200);
        sim_fill_rect(f->p, (SDL_Rect){rnd(xp), a->y - rnd(L->u * 0.2f), rnd(xn - xp) + 1,
                                       rnd(L->u * 0.2f)},
                      alpha(base, 70));
        sim_line(f->p, xp, yb - rnd(L->u * 0.3f), xp, (float)a->y, 1.5f, jc);
        sim_curve(f->p, xp, yb - rnd(L->u * 0.3f), xp + (xn - xp) * 0.3f, yb - L->u * 1.6f,
                  xn - (xn - xp) * 0.3f, yb - L->u * 1.6f, xn - 2, yb - rnd(L->u * 0.3f),
                  1.5f, rnd(L->u * 0.5f), jc);
        jump_label = true;
    }
    /* The clock cursor. */
    sim_line(f->p, xn, (float)a->area.y - rnd(L->u * 0.2f), xn, (float)a->y + 5,
             (float)t->line_px + 1, t->accent);
    char tl[48], tw[32];
    sim_format_time(now, tw, sizeof tw);
    snprintf(tl, sizeof tl, "now t=%s", tw);
    int w = sim_text_width(f->tx, SIM_FACE_BOLD, SIM_SIZE_SMALL, tl) + rnd(L->u * 0.8f);
    int lx = rnd(xn) + 4;
    if (lx + w > a->area.x + a->area.w)
        lx = rnd(xn) - 4 - w;
    SDL_Rect pill = {lx, L->timers.y + rnd(L->u * 0.3f), w, th(f, SIM_FACE_BOLD, SIM_SIZE_SMALL) + 2};
    sim_fill_round(f->p, pill, pill.h / 2, t->accent);
    text(f, SIM_FACE_BOLD, SIM_SIZE_SMALL, t->panel, tl, pill.x + w / 2, pill.y + 1, 0, 1);
    if (jump_label) {
        /* What the jump was, beside the clock's pill (away from the
         * cards): an idle wait skipped, or the loop's thread blocked. */
        char jl[64], jw[32];
        sim_format_time(m->t - m->t_prev_jump, jw, sizeof jw);
        snprintf(jl, sizeof jl, m->jump_blocked ? "loop blocked +%s s" : "clock jumped +%s s",
                 jw);
        int jwid = sim_text_width(f->tx, SIM_FACE_BOLD, SIM_SIZE_SMALL, jl);
        int title_end = L->timers.x + L->pad +
                        sim_text_width(f->tx, SIM_FACE_BOLD, SIM_SIZE_TITLE, "TIMERS") + L->pad;
        int jx = pill.x - rnd(L->u * 0.5f) - jwid;
        if (pill.x < rnd(xn))
            jx = pill.x + pill.w + rnd(L->u * 0.5f); /* the pill sits left of the cursor */
        if (jx >= title_end && jx + jwid <= L->timers.x + L->timers.w - L->pad)
            text(f, SIM_FACE_BOLD, SIM_SIZE_SMALL, m->jump_blocked ? t->warn : t->accent, jl,
                 jx, pill.y + 1, 0, 0);
    }
    if (!m->timers.len)
        text(f, SIM_FACE_UI, SIM_SIZE_SMALL, t->muted, "no timers armed", a->area.x + a->area.w / 2,
             a->area.y + rnd(L->u * 0.4f), 0, 1);
}

static void draw_timer_stems(frame *f, const axis *a, const slots *cur)
{
    /* Timers with no room for a card keep a mark on the axis: a dot in
     * their task's colour, a cross when cancelled. */
    const sim_model *mm = &f->v->cur;
    for (size_t k = 0; k < mm->timers.len; k++) {
        const sim_timer *tm = &mm->timers.v[k];
        if (tm->state == SIM_TIMER_FIRED)
            continue;
        float x = axis_x(a, tm->when);
        if (x < a->area.x || x > a->area.x + a->area.w)
            continue;
        if (find_slot(cur, KEY_HANDLE(tm->handle)))
            continue;
        SDL_Color c = tm->task ? task_color(f, tm->task) : f->th->muted;
        int r = rnd(f->L.u * 0.3f) + 1;
        if (tm->state == SIM_TIMER_CANCELLED) {
            c = alpha(f->th->cancel, 220);
            sim_line(f->p, x - r, (float)(a->y - r), x + r, (float)(a->y + r), 2, c);
            sim_line(f->p, x - r, (float)(a->y + r), x + r, (float)(a->y - r), 2, c);
        } else {
            sim_fill_circle(f->p, rnd(x), a->y, r, c);
        }
    }
    for (int i = 0; i < cur->n; i++) {
        const slot *s = &cur->v[i];
        if (s->style != SLOT_TIMER)
            continue;
        const sim_timer *tm = NULL;
        const sim_model *m = &f->v->cur;
        for (size_t k = 0; k < m->timers.len; k++)
            if ((s->key == KEY_HANDLE(m->timers.v[k].handle) ||
                 s->key == KEY_GHOST(m->timers.v[k].handle)))
                tm = &m->timers.v[k];
        if (!tm)
            continue;
        float x = axis_x(a, tm->when);
        SDL_Color c = s->task ? task_color(f, s->task) : f->th->muted;
        if (s->flags & (F_FADED | F_STRUCK))
            c = alpha(c, 90);
        sim_line(f->p, x, (float)(s->r.y + s->r.h), x, (float)a->y, 1.5f, c);
        sim_fill_circle(f->p, rnd(x), a->y, rnd(f->L.u * 0.22f) + 1, c);
    }
}

/* What a waiting task awaits, as a pill: its label and colour. */
static void await_label(frame *f, const sim_model *m, const sim_task *t, char *buf, size_t size,
                        SDL_Color *col, uint64_t *peer)
{
    char when[32], nb[32];
    *peer = 0;
    *col = f->th->card;
    switch (t->await_role) {
    case RT_ROLE_SLEEP:
        sim_format_time(t->await_until, when, sizeof when);
        snprintf(buf, size, "%s \xe2\x86\x92 t=%s", t->await_name ? t->await_name : "sleep", when);
        return;
    case RT_ROLE_JOB: {
        int worker = -1;
        for (size_t i = 0; i < m->workers.len; i++)
            if (m->workers.v[i].job == t->await_job && t->await_job)
                worker = m->workers.v[i].index;
        if (worker >= 0)
            snprintf(buf, size, "job %llu %s (worker %d)", (unsigned long long)t->await_job,
                     t->await_name ? t->await_name : "", worker);
        else
            snprintf(buf, size, "job %llu %s (queued)", (unsigned long long)t->await_job,
                     t->await_name ? t->await_name : "");
        return;
    }
    default:
        break;
    }
    if (t->await_peer) {
        *peer = t->await_peer;
        *col = task_color(f, t->await_peer);
        const sim_task *p = sim_model_task(m, t->await_peer);
        snprintf(buf, size, "%s%s", task_name(f, t->await_peer, nb, sizeof nb),
                 p && p->place == SIM_DONE ? " (done)" : "");
        return;
    }
    const char *role = rt_trace_kind2_name(RT_EV_TASK_SUSPEND, t->await_role);
    snprintf(buf, size, "%s", t->await_name ? t->await_name : role ? role : "future");
}

static void draw_waiting(frame *f, const slots *cur, const slots *prev)
{
    const layout *L = &f->L;
    const sim_theme *t = f->th;
    const sim_model *m = &f->v->cur;
    size_t nw = sim_model_count(m, SIM_WAITING) + sim_model_count(m, SIM_SLEEPING);
    size_t nd = sim_model_count(m, SIM_DONE);
    char note[96];
    snprintf(note, sizeof note, "%zu waiting \xc2\xb7 %zu done", nw, nd);
    SDL_Rect c = panel(f, L->waiting, "WAITING \xc2\xb7 WHO AWAITS WHAT", note, t->panel_edge);
    if (!nw && !nd)
        text(f, SIM_FACE_UI, SIM_SIZE_NORMAL, t->muted, "no task is waiting",
             c.x + c.w / 2, c.y + (c.h - th(f, SIM_FACE_UI, SIM_SIZE_NORMAL)) / 2, 0, 1);
    bool any_done = nd > 0;
    wgrid g = waiting_grid(f, any_done, (int)nw);
    if (any_done)
        text(f, SIM_FACE_BOLD, SIM_SIZE_TITLE, t->title, "DONE", g.done.x,
             g.done.y + (g.done.h - th(f, SIM_FACE_BOLD, SIM_SIZE_TITLE)) / 2, 0, 0);
    /* Each waiting card: an arrow to a pill naming what it awaits. Pills
     * fade in with the card's arrival. */
    for (int i = 0; i < cur->n; i++) {
        const slot *s = &cur->v[i];
        if (s->style != SLOT_TASK || s->r.x < g.area.x - 1 || s->r.y < g.area.y - 1 ||
            s->r.y >= g.area.y + g.area.h)
            continue;
        const sim_task *tk = sim_model_task(m, s->task);
        if (!tk || (tk->place != SIM_WAITING && tk->place != SIM_SLEEPING))
            continue;
        const slot *was = prev ? find_slot(prev, s->key) : NULL;
        int a = was && was->r.x == s->r.x && was->r.y == s->r.y ? 255 : rnd(255 * f->e);
        char label[128];
        SDL_Color pc;
        uint64_t peer;
        await_label(f, m, tk, label, sizeof label, &pc, &peer);
        int ax0 = s->r.x + s->r.w + rnd(L->u * 0.4f);
        int arrow_w = rnd(L->u * 3.2f);
        int px = ax0 + arrow_w;
        int pw = sim_text_width(f->tx, SIM_FACE_BOLD, SIM_SIZE_SMALL, label) + rnd(L->u * 1.2f);
        int maxw = s->r.x + g.col_w - px - rnd(L->u * 0.8f);
        if (pw > maxw)
            pw = maxw;
        if (pw < L->u * 2)
            continue;
        int cy = s->r.y + s->r.h / 2;
        SDL_Rect pill = {px, cy - L->chip_h / 2 - 2, pw, L->chip_h + 4};
        sim_arrow(f->p, (float)ax0, (float)cy, (float)px - 2, (float)cy, (float)t->line_px,
                  (float)rnd(L->u * 0.55f), alpha(t->muted, a));
        text(f, SIM_FACE_UI, SIM_SIZE_SMALL, alpha(t->muted, a), "awaits", ax0 + arrow_w / 2 - 2,
             cy - th(f, SIM_FACE_UI, SIM_SIZE_SMALL) - 1, 0, 1);
        if (peer) {
            sim_fill_round(f->p, pill, pill.h / 2, alpha(pc, a));
            text(f, SIM_FACE_BOLD, SIM_SIZE_SMALL, alpha(on_task_color(f, peer), a), label,
                 pill.x + rnd(L->u * 0.6f), pill.y + (pill.h - th(f, SIM_FACE_BOLD, SIM_SIZE_SMALL)) / 2,
                 pill.w - rnd(L->u * 1.2f), 0);
        } else {
            sim_fill_round(f->p, pill, pill.h / 2, alpha(t->card, a));
            text(f, SIM_FACE_BOLD, SIM_SIZE_SMALL, alpha(t->card_text, a), label,
                 pill.x + rnd(L->u * 0.6f), pill.y + (pill.h - th(f, SIM_FACE_BOLD, SIM_SIZE_SMALL)) / 2,
                 pill.w - rnd(L->u * 1.2f), 0);
        }
    }
}

static void draw_exec(frame *f)
{
    const layout *L = &f->L;
    const sim_theme *t = f->th;
    const sim_model *m = &f->v->cur;
    char note[96] = "";
    if (m->executors.len) {
        size_t busy = 0;
        int most = 0;
        for (size_t i = 0; i < m->workers.len; i++)
            busy += m->workers.v[i].state != SIM_WORKER_IDLE;
        for (size_t i = 0; i < m->executors.len; i++)
            most += m->executors.v[i].max_workers;
        snprintf(note, sizeof note,
                 "%zu busy \xc2\xb7 %zu thread%s started (up to %d) \xc2\xb7 %zu job%s queued",
                 busy, m->workers.len, m->workers.len == 1 ? "" : "s", most, m->job_queue.len,
                 m->job_queue.len == 1 ? "" : "s");
    }
    if (!m->executors.len) {
        panel(f, L->exec, "EXECUTOR THREADS",
              "none yet: run_in_executor() and to_thread() start them", t->panel_edge);
        return;
    }
    SDL_Rect c = panel(f, L->exec, "EXECUTOR THREADS", note, t->panel_edge);
    int lane_h = L->chip_h + rnd(L->u * 0.45f);
    int lanes = c.h / (lane_h + 2);
    if (lanes < 1)
        lanes = 1;
    int label_w = rnd(L->u * 6.5f);
    int queue_w = m->job_queue.len ? rnd(c.w * 0.28f) : 0;
    int bar_x = c.x + label_w, bar_w = c.w - label_w - queue_w - (queue_w ? L->pad : 0);
    int shown = (int)m->workers.len < lanes ? (int)m->workers.len : lanes;
    for (int i = 0; i < shown; i++) {
        const sim_worker *w = &m->workers.v[i];
        int y = c.y + i * (lane_h + 2);
        if (i == lanes - 1 && (int)m->workers.len > lanes) {
            char more[48];
            snprintf(more, sizeof more, "+%d more threads", (int)m->workers.len - i);
            text(f, SIM_FACE_UI, SIM_SIZE_SMALL, t->muted, more, c.x, y + 2, 0, 0);
            break;
        }
        char name[64];
        snprintf(name, sizeof name, "%s", w->name ? w->name : "worker");
        text(f, SIM_FACE_MONO, SIM_SIZE_SMALL, t->text, name, c.x, y + (lane_h - th(f, SIM_FACE_MONO, SIM_SIZE_SMALL)) / 2,
             label_w - 6, 0);
        SDL_Rect bar = {bar_x, y, bar_w, lane_h};
        const sim_job_info *job = sim_index_job(f->ix, w->job);
        const char *fn = job && job->name ? job->name : "job";
        char label[160], when[32];
        if (w->state == SIM_WORKER_IDLE) {
            sim_stroke_round(f->p, bar, lane_h / 2, 1, t->faint);
            snprintf(label, sizeof label, "idle");
            text(f, SIM_FACE_UI, SIM_SIZE_SMALL, t->muted, label, bar.x + rnd(L->u * 0.7f),
                 y + (lane_h - th(f, SIM_FACE_UI, SIM_SIZE_SMALL)) / 2, bar.w, 0);
            continue;
        }
        /* The task that awaits this job's result, if any. */
        uint64_t waiter = 0;
        for (size_t k = 0; k < m->tasks.len && !waiter; k++)
            if (m->tasks.v[k].id && m->tasks.v[k].await_job == w->job && w->job &&
                m->tasks.v[k].place != SIM_DONE)
                waiter = m->tasks.v[k].id;
        if (w->state == SIM_WORKER_BLOCKED) {
            sim_fill_round(f->p, bar, lane_h / 2, alpha(t->warn, 50));
            double span = w->until - w->since_t;
            double done = span > 0 ? (m->t - w->since_t) / span : 0;
            if (done > 0) {
                SDL_Rect pr = bar;
                pr.w = rnd(bar.w * (float)fmin(1.0, done));
                sim_fill_round(f->p, pr, lane_h / 2, alpha(t->warn, 90));
            }
            sim_stroke_round(f->p, bar, lane_h / 2, 1, alpha(t->warn, 200));
            sim_format_time(w->until, when, sizeof when);
            snprintf(label, sizeof label, "job %llu %s \xc2\xb7 blocked in %s until t=%s",
                     (unsigned long long)w->job, fn, w->block_text ? w->block_text : "a call",
                     when);
        } else {
            sim_fill_round(f->p, bar, lane_h / 2, t->card);
            snprintf(label, sizeof label, "job %llu %s \xc2\xb7 running", (unsigned long long)w->job,
                     fn);
        }
        int tail = 0;
        if (waiter) {
            char nb[32], who[64];
            snprintf(who, sizeof who, "\xe2\x86\x92 %s", task_name(f, waiter, nb, sizeof nb));
            tail = sim_text_width(f->tx, SIM_FACE_BOLD, SIM_SIZE_SMALL, who) + rnd(L->u * 1.0f);
            SDL_Rect pill = {bar.x + bar.w - tail - 3, bar.y + 2, tail, bar.h - 4};
            sim_fill_round(f->p, pill, pill.h / 2, task_color(f, waiter));
            text(f, SIM_FACE_BOLD, SIM_SIZE_SMALL, on_task_color(f, waiter), who,
                 pill.x + tail / 2, pill.y + (pill.h - th(f, SIM_FACE_BOLD, SIM_SIZE_SMALL)) / 2, 0,
                 1);
        }
        text(f, SIM_FACE_UI, SIM_SIZE_SMALL, t->text, label, bar.x + rnd(L->u * 0.7f),
             y + (lane_h - th(f, SIM_FACE_UI, SIM_SIZE_SMALL)) / 2, bar.w - tail - rnd(L->u * 1.2f),
             0);
    }
    if (queue_w) {
        int qx = c.x + c.w - queue_w;
        text(f, SIM_FACE_BOLD, SIM_SIZE_TITLE, t->title, "JOB QUEUE", qx, c.y, 0, 0);
        int y = c.y + th(f, SIM_FACE_BOLD, SIM_SIZE_TITLE) + 3;
        for (size_t i = 0; i < m->job_queue.len && y + L->chip_h <= c.y + c.h; i++) {
            const sim_job_info *job = sim_index_job(f->ix, m->job_queue.v[i]);
            char label[96];
            if (y + 2 * L->chip_h > c.y + c.h && i + 1 < m->job_queue.len)
                snprintf(label, sizeof label, "+%zu more", m->job_queue.len - i);
            else
                snprintf(label, sizeof label, "job %llu %s", (unsigned long long)m->job_queue.v[i],
                         job && job->name ? job->name : "");
            SDL_Rect pill = {qx, y, queue_w, L->chip_h};
            sim_fill_round(f->p, pill, pill.h / 2, t->card);
            text(f, SIM_FACE_UI, SIM_SIZE_SMALL, t->card_text, label, qx + rnd(L->u * 0.5f),
                 y + 1, queue_w - L->u, 0);
            y += L->chip_h + 3;
        }
    }
}

/* Printed text as one row: the final newline dropped (a font has no
 * glyph for it), inner newlines shown as a return arrow, tabs as spaces. */
static const char *printable(const char *s, char *buf, size_t size)
{
    size_t o = 0, n = s ? strlen(s) : 0;
    if (n && s[n - 1] == '\n')
        n--;
    for (size_t i = 0; i < n && o + 6 < size; i++) {
        if (s[i] == '\n') {
            memcpy(buf + o, " \xe2\x86\xb5 ", 5);
            o += 5;
        } else {
            buf[o++] = (unsigned char)s[i] < 0x20 ? ' ' : s[i];
        }
    }
    buf[o] = '\0';
    return buf;
}

static void draw_output(frame *f)
{
    const layout *L = &f->L;
    const sim_theme *t = f->th;
    const sim_model *m = &f->v->cur;
    char note[48];
    snprintf(note, sizeof note, "%zu line%s", m->noutput, m->noutput == 1 ? "" : "s");
    SDL_Rect c = panel(f, L->output, "OUTPUT", note, t->panel_edge);
    int lh = th(f, SIM_FACE_MONO, SIM_SIZE_SMALL);
    int rows = c.h / lh;
    if (rows < 1)
        rows = 1;
    size_t first = m->noutput > (size_t)rows ? m->noutput - (size_t)rows : 0;
    sim_step st = sim_timeline_step(f->v->tl, f->v->step);
    int tw = sim_text_width(f->tx, SIM_FACE_MONO, SIM_SIZE_SMALL, "00.000") + rnd(L->u * 0.6f);
    int nw = rnd(L->u * 5.5f);
    if (!m->noutput)
        text(f, SIM_FACE_UI, SIM_SIZE_SMALL, t->muted, "nothing printed yet", c.x, c.y, 0, 0);
    for (size_t k = first; k < m->noutput && k < f->ix->noutputs; k++) {
        const rt_event *e = &f->tr->events[f->ix->outputs[k]];
        int y = c.y + (int)(k - first) * lh;
        bool fresh = f->ix->outputs[k] >= st.begin && f->ix->outputs[k] < st.end && f->v->step;
        if (fresh)
            sim_fill_rect(f->p, (SDL_Rect){c.x - 4, y, c.w + 8, lh}, t->highlight);
        char when[32];
        sim_format_time(e->t, when, sizeof when);
        text(f, SIM_FACE_MONO, SIM_SIZE_SMALL, t->muted, when, c.x + tw - rnd(L->u * 0.6f), y, 0, 2);
        char nb[32], line[512];
        const char *who = e->task ? task_name(f, e->task, nb, sizeof nb) : "\xe2\x80\x94";
        SDL_Color wc = e->task ? task_color(f, e->task) : t->muted;
        bool err = e->name && strcmp(e->name, "stderr") == 0;
        const char *what = printable(e->text, line, sizeof line);
        if (e->kind != RT_EV_OUTPUT) {
            /* A warning, or the last line of a traceback: on stderr. */
            err = true;
            who = e->kind == RT_EV_WARN ? "warning" : "traceback";
            wc = t->error;
            char msg[400];
            snprintf(msg, sizeof msg, "%s: %s", e->type ? e->type : "Error",
                     e->text ? e->text : "");
            what = printable(msg, line, sizeof line);
        }
        sim_fill_circle(f->p, c.x + tw + rnd(L->u * 0.3f), y + lh / 2, rnd(L->u * 0.25f), wc);
        text(f, SIM_FACE_UI, SIM_SIZE_SMALL, t->muted, who, c.x + tw + rnd(L->u * 0.8f), y,
             nw - rnd(L->u * 0.9f), 0);
        text(f, SIM_FACE_MONO, SIM_SIZE_SMALL, err ? t->error : t->text, what, c.x + tw + nw, y,
             c.w - tw - nw, 0);
    }
}

/* Draws `s` word-wrapped in r, the last line that fits ending with an
 * ellipsis when text remains; returns the height used. */
static int wrap_text(frame *f, sim_face face, sim_size size, SDL_Color col, const char *s,
                     SDL_Rect r)
{
    int lh = th(f, face, size);
    int y = r.y;
    const char *p = s;
    while (*p == ' ')
        p++;
    while (*p && y + lh <= r.y + r.h) {
        if (y + 2 * lh > r.y + r.h) {
            /* The last line: all that remains, cut to fit. */
            text(f, face, size, col, p, r.x, y, r.w, 0);
            return y + lh - r.y;
        }
        /* The longest run of whole words that fits. */
        const char *end = p, *q = p;
        char line[1024];
        while (*q) {
            const char *w = q;
            while (*w == ' ')
                w++;
            while (*w && *w != ' ')
                w++;
            size_t n = (size_t)(w - p);
            if (n >= sizeof line)
                break;
            memcpy(line, p, n);
            line[n] = '\0';
            if (end != p && sim_text_width(f->tx, face, size, line) > r.w)
                break;
            end = w;
            q = w;
        }
        size_t n = (size_t)(end - p);
        memcpy(line, p, n);
        line[n] = '\0';
        text(f, face, size, col, line, r.x, y, r.w, 0);
        y += lh;
        p = end;
        while (*p == ' ')
            p++;
    }
    return y - r.y;
}

/* How many lines `s` takes word-wrapped to width w (as wrap_text breaks
 * it), up to `most`. */
static int wrap_lines(frame *f, sim_face face, sim_size size, const char *s, int w, int most)
{
    int lines = 0;
    const char *p = s;
    char line[1024];
    while (*p == ' ')
        p++;
    while (*p && lines < most) {
        const char *end = p, *q = p;
        while (*q) {
            const char *wd = q;
            while (*wd == ' ')
                wd++;
            while (*wd && *wd != ' ')
                wd++;
            size_t n = (size_t)(wd - p);
            if (n >= sizeof line)
                break;
            memcpy(line, p, n);
            line[n] = '\0';
            if (end != p && sim_text_width(f->tx, face, size, line) > w)
                break;
            end = wd;
            q = wd;
        }
        if (end == p)
            break;
        lines++;
        p = end;
        while (*p == ' ')
            p++;
    }
    return lines;
}

static void draw_narration(frame *f)
{
    const layout *L = &f->L;
    const sim_theme *t = f->th;
    const sim_model *m = &f->v->cur;
    char title[64], note[96] = "";
    size_t n = sim_timeline_steps(f->v->tl);
    snprintf(title, sizeof title, "STEP %zu OF %zu", f->v->step, n);
    sim_step st = sim_timeline_step(f->v->tl, f->v->step);
    if (f->v->step && st.line)
        snprintf(note, sizeof note, "line %d", st.line);
    SDL_Rect c = panel(f, L->narr, title, note, t->panel_edge);
    /* The newest exception in flight: its path as a line of chips. */
    const sim_exc *newest = NULL;
    for (int i = 0; i < SIM_EXCS; i++)
        if (m->excs[i].used && (!newest || m->excs[i].raised_at > newest->raised_at))
            newest = &m->excs[i];
    for (int i = 0; i < SIM_EXCS; i++) {
        const sim_exc *x = &m->excs[i];
        if (x != newest)
            continue;
        bool cancel = x->cancel || (x->type && strcmp(x->type, "CancelledError") == 0);
        SDL_Color col = cancel ? t->cancel : t->error;
        if (x->state == SIM_EXC_CAUGHT)
            col = t->ok;
        char path[256];
        size_t o = (size_t)snprintf(path, sizeof path, "%s %s",
                                    cancel ? "\xe2\x8a\x98" : "\xe2\x9c\x97",
                                    x->type ? x->type : "exception");
        if (x->text && o < sizeof path)
            o += (size_t)snprintf(path + o, sizeof path - o, ": %s", x->text);
        for (int h = 0; h < x->nhops && o < sizeof path; h++) {
            char nb[32];
            o += (size_t)snprintf(path + o, sizeof path - o, "  %s %s:%d",
                                  h ? "\xe2\x86\x92" : "at",
                                  x->hops[h].func ? x->hops[h].func
                                                  : task_name(f, x->hops[h].task, nb, sizeof nb),
                                  x->hops[h].line);
        }
        static const char *const states[] = {"raised", "travelling up", "stored in the task",
                                             "caught", "unhandled", "sent to the handler"};
        if (o < sizeof path)
            snprintf(path + o, sizeof path - o, "  \xc2\xb7 %s", states[x->state]);
        int ph = th(f, SIM_FACE_BOLD, SIM_SIZE_SMALL) + 4;
        SDL_Rect pill = {c.x, c.y, c.w, ph};
        sim_fill_round(f->p, pill, ph / 2, alpha(col, 40));
        sim_stroke_round(f->p, pill, ph / 2, 1, col);
        text(f, SIM_FACE_BOLD, SIM_SIZE_SMALL, t->text, path, c.x + rnd(L->u * 0.6f), c.y + 2,
             c.w - L->u, 0);
        c.y += ph + rnd(L->u * 0.35f);
        c.h -= ph + rnd(L->u * 0.35f);
        break;
    }
    /* Large text, unless the narration would not fit: then smaller. */
    sim_size sz = SIM_SIZE_LARGE;
    while (sz > SIM_SIZE_SMALL) {
        int fit = c.h / th(f, SIM_FACE_UI, sz);
        if (wrap_lines(f, SIM_FACE_UI, sz, f->v->narration, c.w, fit + 1) <= fit)
            break;
        sz = (sim_size)(sz - 1);
    }
    wrap_text(f, SIM_FACE_UI, sz, t->text, f->v->narration, c);
}

static void draw_status(frame *f)
{
    const layout *L = &f->L;
    const sim_theme *t = f->th;
    const sim_view *v = f->v;
    const sim_model *m = &v->cur;
    SDL_Rect r = L->status;
    int y = r.y + (r.h - th(f, SIM_FACE_UI, SIM_SIZE_NORMAL)) / 2;
    int x = r.x;
    /* Buttons: back, play/pause, forward. */
    static const char *const icons[3] = {"\xe2\x97\x80", "\xe2\x96\xb6", "\xe2\x96\xb6\xe2\x96\xb6"};
    int bw = rnd(L->u * 2.4f), bh = r.h - rnd(L->u * 0.3f);
    for (int i = 0; i < 3; i++) {
        SDL_Rect b = {x, r.y + (r.h - bh) / 2, bw, bh};
        const char *icon = i == 1 && v->playing ? "\xe2\x9d\x9a\xe2\x9d\x9a" : icons[i];
        sim_fill_round(f->p, b, L->radius, i == 1 && v->playing ? t->accent : t->panel);
        sim_stroke_round(f->p, b, L->radius, 1, t->panel_edge);
        text(f, SIM_FACE_UI, SIM_SIZE_SMALL, i == 1 && v->playing ? t->panel : t->text, icon,
             b.x + bw / 2, b.y + (bh - th(f, SIM_FACE_UI, SIM_SIZE_SMALL)) / 2, bw - 2, 1);
        add_hit(f, b, i == 0 ? SIM_HIT_PREV : i == 1 ? SIM_HIT_PLAY : SIM_HIT_NEXT, 0);
        x += bw + rnd(L->u * 0.35f);
    }
    x += L->pad;
    char buf[256], when[32];
    size_t n = sim_timeline_steps(v->tl);
    sim_format_time(m->t, when, sizeof when);
    snprintf(buf, sizeof buf, "step %zu / %zu", v->step, n);
    x += text(f, SIM_FACE_BOLD, SIM_SIZE_NORMAL, t->text, buf, x, y, 0, 0) + L->pad * 2;
    snprintf(buf, sizeof buf, "t = %s", when);
    x += text(f, SIM_FACE_MONO_BOLD, SIM_SIZE_NORMAL, t->text, buf, x, y, 0, 0) + L->pad * 2;
    snprintf(buf, sizeof buf, "%s \xc2\xb7 speed %g\xc3\x97", v->playing ? "playing" : "paused",
             v->speed);
    x += text(f, SIM_FACE_UI, SIM_SIZE_NORMAL, t->muted, buf, x, y, 0, 0) + L->pad * 2;
    /* The most important message on the right: live state, else hints. */
    SDL_Color col = t->muted;
    if (v->status[0]) {
        snprintf(buf, sizeof buf, "%s", v->status);
        col = t->text;
    } else if (v->live_running && v->live_idle > 1.0) {
        /* A live run that has emitted nothing for a while: where its
         * probe says it is (asyncio's debug mode would report the step as
         * taking too long). */
        if (v->live_busy && v->live_line > 0)
            snprintf(buf, sizeof buf, "The loop is blocked: %s has run line %d for %.0f s "
                                      "without awaiting (R stops and re-runs, Q quits)",
                     v->live_who[0] ? v->live_who : "the running code", v->live_line,
                     v->live_idle);
        else
            snprintf(buf, sizeof buf, "The loop is blocked: no event for %.0f s",
                     v->live_idle);
        col = t->warn;
    } else if (m->loop.blocked) {
        sim_format_time(m->loop.blocked_until, when, sizeof when);
        snprintf(buf, sizeof buf, "The loop is blocked by %s (line %d) until t=%s",
                 m->loop.block_text ? m->loop.block_text : "a blocking call", m->loop.block_line,
                 when);
        col = t->warn;
    } else if (v->live_running) {
        snprintf(buf, sizeof buf, "live run \xc2\xb7 %zu events so far",
                 sim_timeline_trace(v->tl)->len);
    } else {
        snprintf(buf, sizeof buf, "Space play \xc2\xb7 \xe2\x86\x90 \xe2\x86\x92 step \xc2\xb7 "
                                  "Shift+\xe2\x86\x92 iteration \xc2\xb7 Ctrl+\xe2\x86\x92 line "
                                  "\xc2\xb7 +/\xe2\x88\x92 speed \xc2\xb7 ? help");
    }
    text(f, SIM_FACE_UI, SIM_SIZE_SMALL, col, buf, r.x + r.w,
         r.y + (r.h - th(f, SIM_FACE_UI, SIM_SIZE_SMALL)) / 2, r.x + r.w - x, 2);
    /* The scrubber. */
    SDL_Rect s = L->scrub;
    int track_h = rnd(L->u * 0.3f) + 1;
    SDL_Rect track = {s.x, s.y + (s.h - track_h) / 2, s.w, track_h};
    sim_fill_round(f->p, track, track_h / 2, t->faint);
    float frac = n ? (float)v->step / (float)n : 0;
    SDL_Rect done = track;
    done.w = rnd(track.w * frac);
    sim_fill_round(f->p, done, track_h / 2, t->muted);
    int kx = track.x + done.w, kr = rnd(L->u * 0.45f);
    sim_fill_circle(f->p, kx, s.y + s.h / 2, kr, t->accent);
    add_hit(f, s, SIM_HIT_SCRUBBER, 0);
}

/* ------------------------------------------------------------------------ */
/* Overlays                                                                 */
/* ------------------------------------------------------------------------ */

typedef struct hist {
    char lines[14][200];
    int n, total;
} hist;

static void collect(void *data, size_t event, const char *text)
{
    (void)event;
    hist *h = data;
    /* Keep the last 14: shift up when full. */
    if (h->n == 14) {
        memmove(h->lines[0], h->lines[1], sizeof h->lines[0] * 13);
        h->n = 13;
    }
    snprintf(h->lines[h->n++], sizeof h->lines[0], "%s", text);
    h->total++;
}

static void draw_details(frame *f)
{
    const layout *L = &f->L;
    const sim_theme *t = f->th;
    const sim_view *v = f->v;
    const sim_task *tk = sim_model_task(&v->cur, v->selected);
    const sim_task_info *ti = sim_index_task(f->ix, v->selected);
    if (!tk || !ti)
        return;
    SDL_Rect r = {L->timers.x + L->timers.w / 3, L->timers.y, L->timers.w * 2 / 3,
                  L->exec.y + L->exec.h - L->timers.y};
    sim_fill_round(f->p, (SDL_Rect){r.x + 4, r.y + 6, r.w, r.h}, L->radius, alpha(t->bg, 160));
    sim_fill_round(f->p, r, L->radius, t->panel);
    SDL_Color c = task_color(f, tk->id);
    sim_stroke_round(f->p, r, L->radius, 2, c);
    int x = r.x + L->pad, y = r.y + L->pad, w = r.w - 2 * L->pad;
    char buf[256], nb[32];
    snprintf(buf, sizeof buf, "%s", ti->name);
    sim_fill_circle(f->p, x + L->u / 2, y + th(f, SIM_FACE_BOLD, SIM_SIZE_LARGE) / 2, L->u / 2, c);
    text(f, SIM_FACE_BOLD, SIM_SIZE_LARGE, t->text, buf, x + L->u + 6, y, w / 2, 0);
    text(f, SIM_FACE_UI, SIM_SIZE_SMALL, t->muted, "click anywhere or Esc to close", x + w, y + 3,
         0, 2);
    y += th(f, SIM_FACE_BOLD, SIM_SIZE_LARGE) + 4;
    if (ti->parent)
        snprintf(buf, sizeof buf, "coroutine %s() \xc2\xb7 created by %s at line %d",
                 ti->func ? ti->func : "?", task_name(f, ti->parent, nb, sizeof nb), ti->line);
    else
        snprintf(buf, sizeof buf, "coroutine %s() \xc2\xb7 created at line %d",
                 ti->func ? ti->func : "?", ti->line);
    text(f, SIM_FACE_UI, SIM_SIZE_NORMAL, t->text, buf, x, y, w, 0);
    y += th(f, SIM_FACE_UI, SIM_SIZE_NORMAL) + 2;
    char awaits[128] = "";
    if (tk->place == SIM_WAITING || tk->place == SIM_SLEEPING) {
        SDL_Color pc;
        uint64_t peer;
        await_label(f, &v->cur, tk, awaits, sizeof awaits, &pc, &peer);
    }
    if (tk->place == SIM_DONE)
        snprintf(buf, sizeof buf, "state: done (%s%s%s)",
                 rt_trace_kind2_name(RT_EV_TASK_DONE, tk->done_state),
                 tk->exc_type ? ", " : "", tk->exc_type ? tk->exc_type : "");
    else if (*awaits)
        snprintf(buf, sizeof buf, "state: %s at line %d \xc2\xb7 awaits %s",
                 sim_place_name(tk->place), tk->line, awaits);
    else
        snprintf(buf, sizeof buf, "state: %s%s%.0d", sim_place_name(tk->place),
                 tk->line ? " at line " : "", tk->line);
    text(f, SIM_FACE_BOLD, SIM_SIZE_NORMAL, t->text, buf, x, y, w, 0);
    y += th(f, SIM_FACE_BOLD, SIM_SIZE_NORMAL) + 2;
    const char *ls;
    size_t ll;
    if (tk->line && source_line(f->tr, tk->line, &ls, &ll)) {
        char code[256];
        size_t k = 0;
        while (k < ll && (ls[k] == ' ' || ls[k] == '\t'))
            k++;
        snprintf(code, sizeof code, "%d: %.*s", tk->line, (int)(ll - k), ls + k);
        text(f, SIM_FACE_MONO, SIM_SIZE_SMALL, t->muted, code, x, y, w, 0);
        y += th(f, SIM_FACE_MONO, SIM_SIZE_SMALL) + 2;
    }
    snprintf(buf, sizeof buf, "steps run: %u", tk->steps);
    text(f, SIM_FACE_UI, SIM_SIZE_SMALL, t->muted, buf, x, y, w, 0);
    y += th(f, SIM_FACE_UI, SIM_SIZE_SMALL) + rnd(L->u * 0.6f);
    text(f, SIM_FACE_BOLD, SIM_SIZE_TITLE, t->title, "HISTORY", x, y, 0, 0);
    y += th(f, SIM_FACE_BOLD, SIM_SIZE_TITLE) + 3;
    hist h;
    h.n = h.total = 0;
    sim_task_history(v->tl, tk->id, v->cur.applied, collect, &h);
    int lh = th(f, SIM_FACE_UI, SIM_SIZE_SMALL) + 1;
    int room = (r.y + r.h - L->pad - y) / lh;
    int from = h.n > room ? h.n - room : 0;
    for (int i = from; i < h.n; i++, y += lh)
        text(f, SIM_FACE_UI, SIM_SIZE_SMALL, i == h.n - 1 ? t->text : t->muted, h.lines[i], x, y,
             w, 0);
}

static void draw_help(frame *f)
{
    const layout *L = &f->L;
    const sim_theme *t = f->th;
    static const char *const keys[][2] = {
        {"Space", "play / pause"},
        {"\xe2\x86\x92  PageDown", "one step forward"},
        {"\xe2\x86\x90  PageUp", "one step back (instant, any step)"},
        {"Shift+\xe2\x86\x92 / Shift+\xe2\x86\x90", "next / previous loop iteration"},
        {"Ctrl+\xe2\x86\x92", "next step on a different source line"},
        {"Home / End", "first / last step"},
        {"+ / \xe2\x88\x92", "faster / slower playback"},
        {"Ctrl+ + / Ctrl+ \xe2\x88\x92", "larger / smaller text"},
        {"click a task", "its details: state, line, what it awaits, history"},
        {"drag the bar", "scrub through all steps"},
        {"T", "dark / light theme"},
        {"P", "projector mode (large, high contrast)"},
        {"R", "reload the file, keeping the step"},
        {"F11", "full screen"},
        {"drop a file", "open it"},
        {"? / Esc / Q", "this help / close / quit"},
    };
    int n = (int)(sizeof keys / sizeof keys[0]);
    int lh = th(f, SIM_FACE_UI, SIM_SIZE_NORMAL) + rnd(L->u * 0.35f);
    int w = rnd(L->u * 36), h = L->pad * 3 + th(f, SIM_FACE_BOLD, SIM_SIZE_LARGE) + n * lh;
    SDL_Rect r = {(f->w - w) / 2, (f->h - h) / 2, w, h};
    sim_fill_rect(f->p, (SDL_Rect){0, 0, f->w, f->h}, alpha(t->bg, 170));
    sim_fill_round(f->p, r, L->radius, t->panel);
    sim_stroke_round(f->p, r, L->radius, 1, t->panel_edge);
    int y = r.y + L->pad;
    text(f, SIM_FACE_BOLD, SIM_SIZE_LARGE, t->text, "Keys", r.x + L->pad, y, 0, 0);
    y += th(f, SIM_FACE_BOLD, SIM_SIZE_LARGE) + L->pad;
    for (int i = 0; i < n; i++, y += lh) {
        text(f, SIM_FACE_BOLD, SIM_SIZE_NORMAL, t->text, keys[i][0], r.x + L->pad, y, w / 3, 0);
        text(f, SIM_FACE_UI, SIM_SIZE_NORMAL, t->muted, keys[i][1], r.x + L->pad + w * 2 / 5, y,
             w * 3 / 5 - 2 * L->pad, 0);
    }
}

/* ------------------------------------------------------------------------ */
/* The frame                                                                */
/* ------------------------------------------------------------------------ */

void sim_draw_panels(sim_gfx *g, sim_view *v, int w, int h, SDL_Rect out[SIM_PANEL__COUNT])
{
    frame fr;
    memset(&fr, 0, sizeof fr);
    fr.g = g;
    fr.p = &g->paint;
    fr.tx = g->text;
    fr.v = v;
    fr.th = &v->theme;
    fr.ix = sim_timeline_index(v->tl);
    fr.tr = sim_timeline_trace(v->tl);
    fr.w = w;
    fr.h = h;
    sim_text_set_px(g->text, sim_text_px_for(v, w, h));
    do_layout(&fr);
    const layout *L = &fr.L;
    out[SIM_PANEL_SOURCE] = L->source;
    out[SIM_PANEL_LOOP] = L->loop;
    out[SIM_PANEL_READY] = L->ready;
    out[SIM_PANEL_TIMERS] = L->timers;
    out[SIM_PANEL_WAITING] = L->waiting;
    out[SIM_PANEL_EXEC] = L->exec;
    out[SIM_PANEL_OUTPUT] = L->output;
    out[SIM_PANEL_NARRATION] = L->narr;
    out[SIM_PANEL_STATUS] = (SDL_Rect){L->status.x, L->status.y, L->status.w,
                                       L->scrub.y + L->scrub.h - L->status.y};
}

/* The point where the segment from r's centre towards (tx, ty) leaves r. */
static void edge_point(SDL_Rect r, float tx, float ty, float *x, float *y)
{
    float cx = r.x + r.w / 2.0f, cy = r.y + r.h / 2.0f;
    float dx = tx - cx, dy = ty - cy;
    float sx = dx != 0 ? (r.w / 2.0f) / fabsf(dx) : 1e9f;
    float sy = dy != 0 ? (r.h / 2.0f) / fabsf(dy) : 1e9f;
    float k = fminf(fminf(sx, sy), 1.0f);
    *x = cx + dx * k;
    *y = cy + dy * k;
}

/* An arrow for what the step's headline does between two tasks: who
 * cancels whom, which task an exception crosses from, who creates whom. */
static void draw_step_arrow(frame *f, const slots *cs)
{
    const sim_view *v = f->v;
    if (!v->step)
        return;
    sim_step st = sim_timeline_step(v->tl, v->step);
    const rt_event *e = &f->tr->events[st.head];
    SDL_Color col;
    char label[64];
    uint64_t from = e->peer, to = e->task;
    switch (e->kind) {
    case RT_EV_TASK_CANCEL_REQUEST:
        col = f->th->cancel;
        snprintf(label, sizeof label, "cancel()");
        break;
    case RT_EV_EXC_PROPAGATE:
        col = f->th->error;
        snprintf(label, sizeof label, "%s", e->type ? e->type : "exception");
        break;
    case RT_EV_TASK_CREATE:
        col = f->th->accent;
        snprintf(label, sizeof label, "create_task()");
        break;
    default:
        return;
    }
    if (!from || !to || from == to)
        return;
    const slot *a = find_slot(cs, KEY_TASK(from)), *b = find_slot(cs, KEY_TASK(to));
    if (!a || !b)
        return;
    float bx = b->r.x + b->r.w / 2.0f, by = b->r.y + b->r.h / 2.0f;
    float ax = a->r.x + a->r.w / 2.0f, ay = a->r.y + a->r.h / 2.0f;
    float x0, y0, x3, y3;
    edge_point(a->r, bx, by, &x0, &y0);
    edge_point(b->r, ax, ay, &x3, &y3);
    /* A gentle arc: control points pushed sideways. */
    float dx = x3 - x0, dy = y3 - y0, len = sqrtf(dx * dx + dy * dy);
    if (len < 4)
        return;
    float nx = -dy / len * len * 0.18f, ny = dx / len * len * 0.18f;
    col = alpha(col, rnd(255 * f->e));
    float thick = (float)f->th->line_px + 1;
    sim_curve(f->p, x0, y0, x0 + dx / 3 + nx, y0 + dy / 3 + ny, x0 + 2 * dx / 3 + nx,
              y0 + 2 * dy / 3 + ny, x3, y3, thick, (float)rnd(f->L.u * 0.8f), col);
    int lw = sim_text_width(f->tx, SIM_FACE_BOLD, SIM_SIZE_SMALL, label) + rnd(f->L.u * 0.8f);
    int lh = th(f, SIM_FACE_BOLD, SIM_SIZE_SMALL) + 2;
    SDL_Rect pill = {rnd(x0 + dx / 2 + nx * 0.75f) - lw / 2, rnd(y0 + dy / 2 + ny * 0.75f) - lh / 2,
                     lw, lh};
    sim_fill_round(f->p, pill, lh / 2, col);
    text(f, SIM_FACE_BOLD, SIM_SIZE_SMALL, alpha(f->th->panel, col.a), label, pill.x + lw / 2,
         pill.y + 1, 0, 1);
}

static float ease(float x)
{
    if (x <= 0)
        return 0;
    if (x >= 1)
        return 1;
    return x < 0.5f ? 4 * x * x * x : 1 - powf(-2 * x + 2, 3) / 2;
}

void sim_draw(sim_gfx *g, sim_view *v, int w, int h)
{
    frame fr;
    memset(&fr, 0, sizeof fr);
    frame *f = &fr;
    f->g = g;
    f->p = &g->paint;
    f->tx = g->text;
    f->v = v;
    f->th = &v->theme;
    f->ix = sim_timeline_index(v->tl);
    f->tr = sim_timeline_trace(v->tl);
    f->w = w;
    f->h = h;
    f->e = ease(v->anim);
    v->nhits = 0;
    sim_text_set_px(g->text, sim_text_px_for(v, w, h));
    do_layout(f);
    SDL_SetRenderDrawBlendMode(g->r, SDL_BLENDMODE_NONE);
    SDL_SetRenderDrawColor(g->r, f->th->bg.r, f->th->bg.g, f->th->bg.b, 255);
    SDL_RenderClear(g->r);

    /* Cards of both states (the previous one only while animating). */
    slots *cs = &g->scratch->cur, *ps = &g->scratch->prev;
    bool animating = f->e < 1.0f;
    place_cards(f, &v->cur, cs);
    if (animating)
        place_cards(f, &v->prev, ps);

    draw_source(f);
    draw_loop(f);
    draw_ready(f);
    axis a = timer_axis(f, &v->cur);
    double now = v->cur.t;
    if (animating) {
        axis pa = timer_axis(f, &v->prev);
        a.t0 = pa.t0 + (a.t0 - pa.t0) * f->e;
        a.t1 = pa.t1 + (a.t1 - pa.t1) * f->e;
        now = v->prev.t + (v->cur.t - v->prev.t) * f->e;
    }
    draw_timers(f, &a, now);
    draw_timer_stems(f, &a, cs);
    draw_waiting(f, cs, animating ? ps : NULL);
    draw_exec(f);
    draw_output(f);
    draw_narration(f);
    draw_status(f);

    /* Cards: still ones first, moving ones on top. */
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < cs->n; i++) {
            const slot *s = &cs->v[i];
            const slot *was = animating ? find_slot(ps, s->key) : NULL;
            bool moving = was && (was->r.x != s->r.x || was->r.y != s->r.y);
            if (moving != (pass == 1))
                continue;
            SDL_Rect r = s->r;
            int fade = 255;
            if (animating && !was)
                fade = rnd(255 * f->e); /* new here: fade in */
            if (was)
                r = lerp_rect(was->r, s->r, f->e);
            draw_card(f, s, r, fade, true);
            const sim_exc *x = s->style == SLOT_TASK ? exc_in(&v->cur, s->task) : NULL;
            if (x) {
                bool cancel = x->cancel || (x->type && strcmp(x->type, "CancelledError") == 0);
                char label[64];
                snprintf(label, sizeof label, "%s %s",
                         x->state == SIM_EXC_CAUGHT ? "\xe2\x9c\x93" : cancel ? "\xe2\x8a\x98" : "\xe2\x9c\x97",
                         x->type ? x->type : "exception");
                draw_badge(f, r.x + r.w + rnd(f->L.u * 0.3f), r.y + 2,
                           x->state == SIM_EXC_CAUGHT ? f->th->ok : cancel ? f->th->cancel : f->th->error,
                           label);
            }
        }
    /* Cards that left the picture fade out where they were. */
    if (animating)
        for (int i = 0; i < ps->n; i++)
            if (!find_slot(cs, ps->v[i].key) && ps->v[i].style != SLOT_MORE)
                draw_card(f, &ps->v[i], ps->v[i].r, rnd(255 * (1 - f->e)), false);

    draw_step_arrow(f, cs);
    if (v->selected)
        draw_details(f);
    if (v->help)
        draw_help(f);
    sim_text_frame_end(g->text);
}
