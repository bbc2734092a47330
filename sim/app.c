/*
 * app.c - the interactive window: `loopscope view`.
 *
 * The update half of model / update / draw: it owns the window, the trace
 * and its timeline, and turns input and time into changes of the display
 * state (sim_view): which step is shown, the animation's progress,
 * play/pause and speed, the selected task, overlays. Drawing is sim_draw.
 *
 * A live run feeds events from a thread of its own through sim_live; each
 * frame drains the queue into the trace and folds the new events into the
 * timeline. The window therefore stays responsive even when the scenario
 * never yields. The run's rt_scenario_probe says where such a run is: when
 * no event has come for a second but the probe's ticks keep moving, the
 * status bar says that the loop is blocked and at which line (what
 * asyncio's debug mode reports as a step that took too long). Closing the
 * window or reloading sets the probe's `interrupt`, so the run ends with
 * KeyboardInterrupt at its next loop turn and its thread is joined.
 *
 * With LOOPSCOPE_TEST_LOG=1 in the environment the window prints what the
 * Xvfb test checks on stdout: "step N" whenever the step changes, "live
 * finished", "live blocked at line N", "live interrupted", "live
 * reloaded".
 */
#include <getopt.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <SDL_image.h>

#include "ui.h"
#include "sim.h"
#include "window.h"

typedef struct app {
    SDL_Window *win;
    SDL_Renderer *ren;
    sim_gfx gfx;
    sim_view view;
    rt_trace *tr;
    sim_timeline *tl;
    sim_opts opt;
    const sim_live_run *live; /* a live run, or NULL for a trace file */
    sim_live *feed;
    SDL_Thread *thread;
    rt_scenario_probe *probe; /* the live run's (owned): where it is, its stop
                                 switch; on the heap, as a run that will not
                                 stop keeps using it after the app is gone */
    unsigned long probe_ticks;/* probe.ticks when last read */
    double ticks_moved;       /* `now` when they last moved */
    bool finished;            /* the live run returned and was drained */
    bool quit, test_log, dragging, follow, fullscreen;
    bool vsync;               /* presenting waits for the display */
    bool logged_blocked;      /* the test log said "live blocked" */
    bool runaway;             /* the live run was stopped for its size */
    char dropped[4096];       /* the path of a trace dropped on the window */
    size_t logged;            /* the last step printed by the test log */
    double play_acc;          /* seconds accumulated towards the next step */
    double status_until;      /* when the transient status message goes */
    double now;               /* seconds since start */
} app;

static bool have_display(void)
{
    const char *drv = getenv("SDL_VIDEODRIVER");
    const char *x = getenv("DISPLAY"), *wl = getenv("WAYLAND_DISPLAY");
    return (drv && *drv) || (x && *x) || (wl && *wl);
}

static void no_display_note(const char *why)
{
    fprintf(stderr,
            "loopscope view: cannot open a window: %s.\n"
            "Without a display, run the scenario headless with `loopscope run FILE.py`,\n"
            "or draw its steps as pictures with `loopscope render FILE.py --step N -o "
            "step.png`\n(or `--all -o DIR` for every step).\n",
            why);
}

/* ------------------------------------------------------------------------ */
/* Loading                                                                  */
/* ------------------------------------------------------------------------ */

static void set_status(app *a, const char *msg)
{
    snprintf(a->view.status, sizeof a->view.status, "%s", msg);
    a->status_until = a->now + 4.0;
}

/* Swaps in a new trace and timeline, keeping the step when it exists. */
static void adopt(app *a, rt_trace *tr, sim_timeline *tl, bool keep_step)
{
    size_t step = keep_step ? a->view.step : 0;
    sim_view old = a->view;
    sim_view_init(&a->view, tl);
    a->view.theme_id = old.theme_id;
    a->view.projector = old.projector;
    a->view.font_scale = old.font_scale;
    a->view.speed = old.speed;
    a->view.theme = old.theme;
    a->view.live = a->live != NULL;
    a->view.title = tr->scenario;
    sim_view_deinit(&old);
    sim_timeline_free(a->tl);
    rt_trace_free(a->tr);
    a->tr = tr;
    a->tl = tl;
    sim_view_go(&a->view, step, false);
}

static int load_trace(app *a, const char *path, bool keep_step, bool report)
{
    rt_trace *tr;
    rt_trace_error err;
    int rc;
    if (sim_is_scenario(path)) {
        /* A scenario dropped on the window or reloaded: run it now. */
        rc = sim_load(path, &tr);
        snprintf(err.file, sizeof err.file, "%s", path);
        err.line = 0;
        snprintf(err.message, sizeof err.message, "it does not run");
    } else {
        rc = rt_trace_read(path, 0, &tr, &err);
    }
    if (rc) {
        if (report) {
            if (!sim_is_scenario(path))
                rt_trace_error_print(&err, stderr);
        } else {
            char msg[200];
            snprintf(msg, sizeof msg, "cannot open %.80s:%d: %.100s", err.file, err.line,
                     err.message);
            set_status(a, msg);
        }
        return 2;
    }
    sim_timeline *tl = sim_timeline_new(tr);
    if (!tl) {
        rt_trace_free(tr);
        fprintf(stderr, "loopscope view: out of memory\n");
        return 2;
    }
    adopt(a, tr, tl, keep_step);
    return 0;
}

/* A live run that emits this many events is taken to run forever (a
 * `while True:` that awaits): the window stops it rather than fill the
 * memory. About 100 bytes an event. */
enum { LIVE_MAX_EVENTS = 4000000 };

static void test_log(app *a, const char *fmt, long arg)
{
    if (a->test_log) {
        printf(fmt, arg);
        putchar('\n');
        fflush(stdout);
    }
}

/* What a run thread needs, copied when it starts so that it never reads
 * the app (which a run that will not stop may outlive). */
typedef struct run_ctx {
    int (*run)(void *arg, rt_event_hook hook, void *hook_data, rt_scenario_probe *probe);
    void *arg;
    sim_live *feed;
    rt_scenario_probe *probe;
} run_ctx;

static int run_thread(void *data)
{
    run_ctx *c = data;
    c->run(c->arg, sim_live_hook, c->feed, c->probe);
    sim_live_finish(c->feed);
    rt_free(c);
    return 0;
}

/* Stops a live run that has not finished: sets its probe's interrupt (a
 * KeyboardInterrupt at its next loop turn), then waits up to `wait`
 * seconds for the thread to end and joins it. Returns true when no run
 * thread is left. A run that does not stop in time (a worker thread
 * spinning, or a scenario that catches KeyboardInterrupt and goes on) is
 * detached and its queue deliberately kept, since its thread may still
 * call the hook; the process is about to exit or reload elsewhere. */
static bool stop_live(app *a, double wait)
{
    if (!a->thread)
        return true;
    Uint64 freq = SDL_GetPerformanceFrequency(), t0 = SDL_GetPerformanceCounter();
    while (!sim_live_finished(a->feed)) {
        /* Ask again each time: a run may swallow one KeyboardInterrupt. */
        atomic_store_explicit(&a->probe->interrupt, 1, memory_order_relaxed);
        if ((double)(SDL_GetPerformanceCounter() - t0) / (double)freq > wait) {
            SDL_DetachThread(a->thread);
            a->thread = NULL;
            a->feed = NULL;  /* leaked on purpose: see above */
            a->probe = NULL; /* likewise */
            a->finished = true;
            a->view.live_running = false;
            return false;
        }
        SDL_Delay(5);
    }
    SDL_WaitThread(a->thread, NULL);
    a->thread = NULL;
    return true;
}

static int start_live(app *a, bool keep_step)
{
    const sim_live_run *r = a->live;
    rt_trace *tr = rt_trace_new(r->scenario, r->source, r->source_len, r->clock);
    sim_timeline *tl = tr ? sim_timeline_new(tr) : NULL;
    sim_live *feed = sim_live_new();
    run_ctx *ctx = rt_malloc(sizeof *ctx);
    if (!a->probe)
        a->probe = rt_calloc(1, sizeof *a->probe);
    if (!tr || !tl || !feed || !ctx || !a->probe) {
        sim_timeline_free(tl);
        rt_trace_free(tr);
        sim_live_free(feed);
        rt_free(ctx);
        return 2;
    }
    if (a->thread)
        SDL_WaitThread(a->thread, NULL); /* finished: reload checks */
    a->thread = NULL;
    sim_live_free(a->feed);
    a->feed = feed;
    a->finished = false;
    a->logged_blocked = false;
    a->runaway = false;
    atomic_store_explicit(&a->probe->interrupt, 0, memory_order_relaxed);
    atomic_store_explicit(&a->probe->line, 0, memory_order_relaxed);
    a->probe_ticks = atomic_load_explicit(&a->probe->ticks, memory_order_relaxed);
    a->ticks_moved = a->now;
    adopt(a, tr, tl, keep_step);
    a->view.live_running = true;
    *ctx = (run_ctx){r->run, r->arg, feed, a->probe};
    a->thread = SDL_CreateThread(run_thread, "scenario", ctx);
    if (!a->thread) {
        rt_free(ctx);
        return 2;
    }
    return 0;
}

static void reload(app *a)
{
    if (a->live) {
        bool interrupted = false;
        if (!a->finished) {
            /* Still running (perhaps spinning): stop it, then run again. */
            if (!stop_live(a, 2.0)) {
                set_status(a, "the run does not stop (a worker thread spins?): "
                              "quit and start again");
                return;
            }
            interrupted = true;
            test_log(a, "live interrupted", 0);
        }
        if (start_live(a, true) == 0) {
            set_status(a, interrupted ? "stopped the run and re-ran the scenario"
                                      : "re-ran the scenario");
            test_log(a, "live reloaded", 0);
        }
        return;
    }
    if (a->opt.path && load_trace(a, a->opt.path, true, false) == 0)
        set_status(a, "reloaded from disk");
}

/* ------------------------------------------------------------------------ */
/* Update                                                                   */
/* ------------------------------------------------------------------------ */

static void log_step(app *a)
{
    if (a->test_log && a->view.step != a->logged) {
        printf("step %zu\n", a->view.step);
        fflush(stdout);
        a->logged = a->view.step;
    }
}

static void go(app *a, size_t s, bool animate)
{
    if (s == a->view.step && a->view.anim >= 1.0f)
        return;
    sim_view_go(&a->view, s, animate);
    log_step(a);
}

static void toggle_fullscreen(app *a)
{
    a->fullscreen = !a->fullscreen;
    SDL_SetWindowFullscreen(a->win, a->fullscreen ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0);
}

static void restyle(app *a)
{
    sim_theme_get(a->view.theme_id, a->view.projector, &a->view.theme);
}

static void on_key(app *a, const SDL_KeyboardEvent *k)
{
    sim_view *v = &a->view;
    size_t n = sim_timeline_steps(a->tl);
    bool shift = k->keysym.mod & KMOD_SHIFT, ctrl = k->keysym.mod & KMOD_CTRL;
    switch (k->keysym.sym) {
    case SDLK_SPACE:
        v->playing = !v->playing;
        if (v->playing && v->step >= n)
            go(a, 0, false);
        a->play_acc = 0;
        break;
    case SDLK_RIGHT:
    case SDLK_PAGEDOWN:
    case SDLK_DOWN:
        a->follow = false;
        if (shift)
            go(a, sim_timeline_next_iteration(a->tl, v->step), true);
        else if (ctrl)
            go(a, sim_timeline_next_line(a->tl, v->step), true);
        else if (v->step < n)
            go(a, v->step + 1, true);
        break;
    case SDLK_LEFT:
    case SDLK_PAGEUP:
    case SDLK_UP:
        a->follow = false;
        if (shift)
            go(a, sim_timeline_prev_iteration(a->tl, v->step), true);
        else if (v->step > 0)
            go(a, v->step - 1, true);
        break;
    case SDLK_HOME:
        a->follow = false;
        go(a, 0, false);
        break;
    case SDLK_END:
        a->follow = a->live != NULL;
        go(a, n, false);
        break;
    case SDLK_EQUALS:
    case SDLK_PLUS:
    case SDLK_KP_PLUS:
        if (ctrl)
            v->font_scale = v->font_scale * 1.1f > 2.5f ? 2.5f : v->font_scale * 1.1f;
        else
            v->speed = v->speed * 2 > 64 ? 64 : v->speed * 2;
        break;
    case SDLK_MINUS:
    case SDLK_KP_MINUS:
        if (ctrl)
            v->font_scale = v->font_scale / 1.1f < 0.6f ? 0.6f : v->font_scale / 1.1f;
        else
            v->speed = v->speed / 2 < 0.25 ? 0.25 : v->speed / 2;
        break;
    case SDLK_r:
        reload(a);
        break;
    case SDLK_t:
        v->theme_id = v->theme_id == SIM_THEME_DARK ? SIM_THEME_LIGHT : SIM_THEME_DARK;
        restyle(a);
        break;
    case SDLK_p:
        v->projector = !v->projector;
        restyle(a);
        break;
    case SDLK_F11:
        toggle_fullscreen(a);
        break;
    case SDLK_SLASH:
    case SDLK_QUESTION:
    case SDLK_F1:
        v->help = !v->help;
        break;
    case SDLK_ESCAPE:
        if (v->help)
            v->help = false;
        else if (v->selected)
            v->selected = 0;
        else
            a->quit = true;
        break;
    case SDLK_q:
        a->quit = true;
        break;
    default:
        break;
    }
}

static void scrub_to(app *a, int x)
{
    const SDL_Rect *r = NULL;
    for (int i = 0; i < a->view.nhits; i++)
        if (a->view.hits[i].what == SIM_HIT_SCRUBBER)
            r = &a->view.hits[i].r;
    if (!r || r->w <= 0)
        return;
    double frac = (double)(x - r->x) / r->w;
    frac = frac < 0 ? 0 : frac > 1 ? 1 : frac;
    size_t n = sim_timeline_steps(a->tl);
    go(a, (size_t)(frac * n + 0.5), false);
}

/* Window coordinates to renderer output pixels (HiDPI). */
static void to_output(app *a, int *x, int *y)
{
    int ww, wh, ow, oh;
    SDL_GetWindowSize(a->win, &ww, &wh);
    SDL_GetRendererOutputSize(a->ren, &ow, &oh);
    if (ww > 0 && wh > 0) {
        *x = *x * ow / ww;
        *y = *y * oh / wh;
    }
}

static void on_mouse_down(app *a, int x, int y)
{
    to_output(a, &x, &y);
    sim_view *v = &a->view;
    if (v->help) {
        v->help = false;
        return;
    }
    uint64_t id = 0;
    int what = sim_view_hit(v, x, y, &id);
    size_t n = sim_timeline_steps(a->tl);
    switch (what) {
    case SIM_HIT_TASK:
        v->selected = v->selected == id ? 0 : id;
        break;
    case SIM_HIT_SCRUBBER:
        a->dragging = true;
        a->follow = false;
        scrub_to(a, x);
        break;
    case SIM_HIT_PREV:
        if (v->step > 0)
            go(a, v->step - 1, true);
        break;
    case SIM_HIT_NEXT:
        if (v->step < n)
            go(a, v->step + 1, true);
        break;
    case SIM_HIT_PLAY:
        v->playing = !v->playing;
        if (v->playing && v->step >= n)
            go(a, 0, false);
        break;
    default:
        v->selected = 0;
    }
}

static void on_drop(app *a, const char *file)
{
    size_t n = strlen(file);
    if (n > 6 && strcmp(file + n - 6, ".jsonl") == 0) {
        if (load_trace(a, file, false, false) == 0) {
            snprintf(a->dropped, sizeof a->dropped, "%s", file);
            a->opt.path = a->dropped;
            a->live = NULL;
            set_status(a, "opened the dropped trace");
        }
    } else {
        set_status(a, "drop a trace (.jsonl) here; run scenarios with `loopscope view FILE.py`");
    }
}

/* Advances time: live events, playback, animation. */
static void tick(app *a, double dt)
{
    sim_view *v = &a->view;
    if (a->feed && !a->finished) {
        bool fin = false;
        long got = sim_live_drain(a->feed, a->tr, &fin);
        if (got > 0 && sim_timeline_sync(a->tl) < 0)
            set_status(a, "out of memory while following the run");
        if (got < 0)
            set_status(a, "out of memory: events were lost");
        v->live_idle = sim_live_idle(a->feed);
        /* Where a silent run is: its probe's line, and whether its code
         * still runs (the ticks move) or it waits for something. */
        unsigned long ticks = atomic_load_explicit(&a->probe->ticks, memory_order_relaxed);
        if (ticks != a->probe_ticks) {
            a->probe_ticks = ticks;
            a->ticks_moved = a->now;
        }
        v->live_busy = a->now - a->ticks_moved < 0.5;
        v->live_line = atomic_load_explicit(&a->probe->line, memory_order_relaxed);
        const sim_model *tip = sim_timeline_tip(a->tl);
        v->live_who[0] = '\0';
        if (tip->loop.running_task) {
            char tmp[64];
            snprintf(v->live_who, sizeof v->live_who, "%s",
                     sim_task_label(sim_timeline_index(a->tl), tip->loop.running_task, tmp,
                                    sizeof tmp));
        }
        if (!fin && !a->runaway && a->tr->len > LIVE_MAX_EVENTS) {
            a->runaway = true;
            atomic_store_explicit(&a->probe->interrupt, 1, memory_order_relaxed);
            set_status(a, "stopped the run after 4 million events: it seems to run forever");
        }
        if (fin) {
            a->finished = true;
            v->live_running = false;
            test_log(a, "live finished %ld steps", (long)sim_timeline_steps(a->tl));
        } else if (v->live_idle > 1.0 && v->live_busy && v->live_line > 0 &&
                   !a->logged_blocked) {
            test_log(a, "live blocked at line %ld", v->live_line);
            a->logged_blocked = true;
        }
        if (got > 0 && a->follow)
            go(a, sim_timeline_steps(a->tl), false);
        if (got > 0 && v->step == sim_timeline_steps(a->tl))
            sim_view_go(v, v->step, false); /* the open step grew */
    }
    size_t n = sim_timeline_steps(a->tl);
    if (v->playing) {
        a->play_acc += dt;
        double every = 1.0 / v->speed;
        if (a->play_acc >= every) {
            a->play_acc -= every;
            if (a->play_acc > every)
                a->play_acc = 0;
            if (v->step < n)
                go(a, v->step + 1, true);
            else if (!a->feed || a->finished)
                v->playing = false;
        }
    }
    if (v->anim < 1.0f) {
        double dur = 0.32 / (v->speed > 2 ? v->speed / 2 : 1);
        if (dur < 0.06)
            dur = 0.06;
        v->anim += (float)(dt / dur);
        if (v->anim > 1.0f)
            v->anim = 1.0f;
    }
    if (v->status[0] && a->now > a->status_until)
        v->status[0] = '\0';
}

static int run_window(app *a)
{
    if (!have_display()) {
        no_display_note("no display (DISPLAY and WAYLAND_DISPLAY are not set)");
        return 2;
    }
    if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_TIMER) != 0) {
        char why[300];
        snprintf(why, sizeof why, "SDL could not start video (%s)", SDL_GetError());
        no_display_note(why);
        return 2;
    }
    SDL_SetHint(SDL_HINT_VIDEO_X11_NET_WM_BYPASS_COMPOSITOR, "0");
    char title[300];
    snprintf(title, sizeof title, "loopscope \xe2\x80\x94 %s",
             a->tr && a->tr->scenario[0] ? a->tr->scenario : "trace");
    a->win = SDL_CreateWindow(title, SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, a->opt.w,
                              a->opt.h, SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI);
    if (!a->win) {
        char why[300];
        snprintf(why, sizeof why, "no window (%s)", SDL_GetError());
        no_display_note(why);
        SDL_Quit();
        return 2;
    }
    SDL_SetWindowMinimumSize(a->win, 640, 400);
    a->ren = SDL_CreateRenderer(a->win, -1, SDL_RENDERER_ACCELERATED | SDL_RENDERER_PRESENTVSYNC);
    if (!a->ren)
        a->ren = SDL_CreateRenderer(a->win, -1, SDL_RENDERER_SOFTWARE);
    SDL_RendererInfo info;
    a->vsync = a->ren && SDL_GetRendererInfo(a->ren, &info) == 0 &&
               (info.flags & SDL_RENDERER_PRESENTVSYNC);
    char why[300];
    if (!a->ren || sim_gfx_init(&a->gfx, a->ren, a->opt.ui_font, a->opt.mono_font, why,
                                sizeof why) != 0) {
        fprintf(stderr, "loopscope view: %s\n", a->ren ? why : SDL_GetError());
        if (a->ren)
            SDL_DestroyRenderer(a->ren);
        SDL_DestroyWindow(a->win);
        SDL_Quit();
        return 2;
    }
    a->test_log = getenv("LOOPSCOPE_TEST_LOG") && strcmp(getenv("LOOPSCOPE_TEST_LOG"), "1") == 0;
    a->logged = (size_t)-1;
    log_step(a);
    Uint64 freq = SDL_GetPerformanceFrequency(), last = SDL_GetPerformanceCounter();
    Uint64 start = last;
    while (!a->quit) {
        SDL_Event e;
        /* Animating or playing: draw every frame. Otherwise sleep until an
         * event, waking ten times a second to follow a live run. */
        bool busy = a->view.playing || a->view.anim < 1.0f || a->dragging;
        bool live = a->feed && !a->finished;
        bool got = busy ? SDL_PollEvent(&e)
                        : SDL_WaitEventTimeout(&e, live || a->view.status[0] ? 100 : 250);
        while (got) {
            switch (e.type) {
            case SDL_QUIT:
                a->quit = true;
                break;
            case SDL_KEYDOWN:
                on_key(a, &e.key);
                break;
            case SDL_MOUSEBUTTONDOWN:
                if (e.button.button == SDL_BUTTON_LEFT)
                    on_mouse_down(a, e.button.x, e.button.y);
                break;
            case SDL_MOUSEBUTTONUP:
                a->dragging = false;
                break;
            case SDL_MOUSEMOTION:
                if (a->dragging) {
                    int x = e.motion.x, y = e.motion.y;
                    to_output(a, &x, &y);
                    scrub_to(a, x);
                }
                break;
            case SDL_MOUSEWHEEL:
                a->view.source_top -= e.wheel.y * 3;
                break;
            case SDL_DROPFILE:
                on_drop(a, e.drop.file);
                SDL_free(e.drop.file);
                break;
            default:
                break;
            }
            got = SDL_PollEvent(&e);
        }
        Uint64 t = SDL_GetPerformanceCounter();
        double dt = (double)(t - last) / (double)freq;
        last = t;
        a->now = (double)(t - start) / (double)freq;
        tick(a, dt > 0.1 ? 0.1 : dt);
        int w, h;
        SDL_GetRendererOutputSize(a->ren, &w, &h);
        sim_draw(&a->gfx, &a->view, w, h);
        SDL_RenderPresent(a->ren);
        /* Without vsync, cap a busy window near 120 frames a second. */
        if (busy && !a->vsync) {
            double spent = (double)(SDL_GetPerformanceCounter() - t) / (double)freq;
            if (spent < 0.008)
                SDL_Delay((Uint32)((0.008 - spent) * 1000) + 1);
        }
    }
    sim_gfx_deinit(&a->gfx);
    SDL_DestroyRenderer(a->ren);
    SDL_DestroyWindow(a->win);
    return 0;
}

static void app_free(app *a)
{
    sim_view_deinit(&a->view);
    /* A run still going is interrupted and joined; one that will not stop
     * keeps its thread and queue (stop_live): the process is about to
     * exit. */
    if (a->thread && !a->finished && stop_live(a, 2.0))
        test_log(a, "live interrupted", 0);
    if (a->thread)
        SDL_WaitThread(a->thread, NULL);
    a->thread = NULL;
    sim_live_free(a->feed);
    a->feed = NULL;
    rt_free(a->probe);
    a->probe = NULL;
    sim_timeline_free(a->tl);
    rt_trace_free(a->tr);
    SDL_Quit();
}

int sim_view_main(int argc, char **argv)
{
    app a;
    memset(&a, 0, sizeof a);
    int rc = sim_opts_parse(argc, argv, &a.opt, "view");
    if (rc)
        return rc == 1 ? 0 : rc;
    if (!a.opt.path) {
        fprintf(stderr, "loopscope view: which scenario or trace? (loopscope view "
                        "FILE.py|TRACE.jsonl)\n");
        sim_opts_usage("view", stderr);
        return 2;
    }
    if (sim_is_scenario(a.opt.path)) {
        /* A scenario: run it live, the window showing events as they come. */
        sim_live_source src;
        if (sim_live_prepare(a.opt.path, &src))
            return 2;
        sim_live_run run = {src.name, src.text, src.len, RT_CLOCK_VIRTUAL, src.run,
                            src.arg};
        rc = sim_view_live(&run, argc, argv);
        sim_live_release(&src);
        return rc;
    }
    /* An empty view to start from, so that load_trace can swap. */
    sim_view_init(&a.view, NULL);
    a.view.theme_id = a.opt.theme;
    a.view.projector = a.opt.projector;
    a.view.speed = a.opt.speed;
    restyle(&a);
    if (load_trace(&a, a.opt.path, false, true)) {
        sim_view_deinit(&a.view);
        return 2;
    }
    if (a.opt.step >= 0)
        sim_view_go(&a.view, (size_t)a.opt.step, false);
    rc = run_window(&a);
    app_free(&a);
    return rc;
}

int sim_view_live(const sim_live_run *run, int argc, char **argv)
{
    app a;
    memset(&a, 0, sizeof a);
    int rc = sim_opts_parse(argc, argv, &a.opt, "view");
    if (rc)
        return rc == 1 ? 0 : rc;
    a.opt.path = NULL;
    if (!have_display()) {
        no_display_note("no display (DISPLAY and WAYLAND_DISPLAY are not set)");
        return 2;
    }
    a.live = run;
    sim_view_init(&a.view, NULL);
    a.view.theme_id = a.opt.theme;
    a.view.projector = a.opt.projector;
    a.view.speed = a.opt.speed;
    restyle(&a);
    if (start_live(&a, false)) {
        fprintf(stderr, "loopscope view: cannot start the run\n");
        sim_view_deinit(&a.view);
        return 2;
    }
    rc = run_window(&a);
    app_free(&a);
    return rc;
}
