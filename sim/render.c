/*
 * render.c - `loopscope render`: steps of a trace drawn into PNG files
 * with SDL's software renderer on an offscreen surface, so that slides,
 * documentation and screenshot tests need no display.
 *
 * A rendered step is the state at the end of the step with no animation
 * in progress, drawn by the same sim_draw as the window; the software
 * renderer is deterministic, so the same step renders to the same bytes
 * every time.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include <SDL_image.h>

#include "ui.h"
#include "sim.h"
#include "window.h"

/* An offscreen canvas: a surface, its software renderer, fonts. */
typedef struct canvas {
    SDL_Surface *surf;
    SDL_Renderer *ren;
    sim_gfx gfx;
} canvas;

static int canvas_open(canvas *c, int w, int h, const sim_opts *o, char *why, size_t whylen)
{
    memset(c, 0, sizeof *c);
    c->surf = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!c->surf) {
        snprintf(why, whylen, "cannot make a %dx%d surface: %s", w, h, SDL_GetError());
        return -1;
    }
    c->ren = SDL_CreateSoftwareRenderer(c->surf);
    if (!c->ren) {
        snprintf(why, whylen, "no software renderer: %s", SDL_GetError());
        SDL_FreeSurface(c->surf);
        return -1;
    }
    if (sim_gfx_init(&c->gfx, c->ren, o ? o->ui_font : NULL, o ? o->mono_font : NULL, why,
                     whylen) != 0) {
        SDL_DestroyRenderer(c->ren);
        SDL_FreeSurface(c->surf);
        return -1;
    }
    return 0;
}

static void canvas_close(canvas *c)
{
    sim_gfx_deinit(&c->gfx);
    if (c->ren)
        SDL_DestroyRenderer(c->ren);
    if (c->surf)
        SDL_FreeSurface(c->surf);
    memset(c, 0, sizeof *c);
}

/* Draws step s of view v and saves it as `path`. */
static int render_step(canvas *c, sim_view *v, size_t s, const char *path)
{
    sim_view_go(v, s, false);
    sim_draw(&c->gfx, v, c->surf->w, c->surf->h);
    SDL_RenderPresent(c->ren);
    if (IMG_SavePNG(c->surf, path) != 0) {
        fprintf(stderr, "loopscope render: cannot write %s: %s\n", path, IMG_GetError());
        return 1;
    }
    return 0;
}

int sim_render_main(int argc, char **argv)
{
    sim_opts o;
    int rc = sim_opts_parse(argc, argv, &o, "render");
    if (rc)
        return rc == 1 ? 0 : rc;
    if (!o.path || !o.out || (o.step < 0 && !o.all) || (o.step >= 0 && o.all)) {
        fprintf(stderr, "loopscope render: give a trace, -o, and either --step N or --all\n");
        sim_opts_usage("render", stderr);
        return 2;
    }
    rt_trace *tr;
    if (sim_load(o.path, &tr))
        return 2;
    sim_timeline *tl = sim_timeline_new(tr);
    if (!tl) {
        fprintf(stderr, "loopscope render: out of memory\n");
        rt_trace_free(tr);
        return 1;
    }
    size_t n = sim_timeline_steps(tl);
    if (o.step >= 0 && (size_t)o.step > n) {
        fprintf(stderr, "loopscope render: step %ld does not exist (the trace has steps 0 to %zu)\n",
                o.step, n);
        sim_timeline_free(tl);
        rt_trace_free(tr);
        return 2;
    }
    /* No video subsystem is needed: the surface is in memory. */
    if (SDL_Init(0) != 0 || (IMG_Init(IMG_INIT_PNG) & IMG_INIT_PNG) == 0) {
        fprintf(stderr, "loopscope render: SDL: %s\n", SDL_GetError());
        sim_timeline_free(tl);
        rt_trace_free(tr);
        return 1;
    }
    canvas c;
    char why[300];
    rc = 0;
    if (canvas_open(&c, o.w, o.h, &o, why, sizeof why) != 0) {
        fprintf(stderr, "loopscope render: %s\n", why);
        rc = 1;
    } else {
        sim_view v;
        sim_view_init(&v, tl);
        v.theme_id = o.theme;
        v.projector = o.projector;
        sim_theme_get(v.theme_id, v.projector, &v.theme);
        if (o.all) {
            if (mkdir(o.out, 0777) != 0 && errno != EEXIST) {
                fprintf(stderr, "loopscope render: cannot make %s: %s\n", o.out, strerror(errno));
                rc = 1;
            }
            for (size_t s = 1; s <= n && rc == 0; s++) {
                char path[4096];
                snprintf(path, sizeof path, "%s/step-%05zu.png", o.out, s);
                rc = render_step(&c, &v, s, path);
            }
        } else {
            rc = render_step(&c, &v, (size_t)o.step, o.out);
        }
        sim_view_deinit(&v);
        canvas_close(&c);
    }
    IMG_Quit();
    TTF_Quit();
    SDL_Quit();
    sim_timeline_free(tl);
    rt_trace_free(tr);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Benchmarks                                                               */
/* ------------------------------------------------------------------------ */

static double seconds(void)
{
    return (double)SDL_GetPerformanceCounter() / (double)SDL_GetPerformanceFrequency();
}

int sim_bench_frames(FILE *out)
{
    if (SDL_Init(0) != 0)
        return 1;
    int rc = 0;
    /* frame_ms_1000_tasks: the step where 1,000 tasks sleep at once. */
    rt_trace *tr = sim_synth_trace(1000, 0);
    sim_timeline *tl = tr ? sim_timeline_new(tr) : NULL;
    canvas c;
    char why[300];
    if (!tl || canvas_open(&c, 1920, 1080, NULL, why, sizeof why) != 0) {
        fprintf(stderr, "bench: %s\n", tl ? why : "out of memory");
        sim_timeline_free(tl);
        rt_trace_free(tr);
        SDL_Quit();
        return 1;
    }
    sim_view v;
    sim_view_init(&v, tl);
    size_t n = sim_timeline_steps(tl), best = 0, most = 0;
    for (size_t s = 1; s <= n; s++) {
        sim_view_go(&v, s, false);
        size_t k = sim_model_count(&v.cur, SIM_SLEEPING) + sim_model_count(&v.cur, SIM_READY);
        if (k > most) {
            most = k;
            best = s;
        }
    }
    sim_view_go(&v, best, false);
    for (int i = 0; i < 5; i++)
        sim_draw(&c.gfx, &v, 1920, 1080); /* warm the text cache */
    int frames = 60;
    double t0 = seconds();
    for (int i = 0; i < frames; i++)
        sim_draw(&c.gfx, &v, 1920, 1080);
    double ms = (seconds() - t0) * 1000.0 / frames;
    /* The same while a step animates (both states placed and blended). */
    double t1 = seconds();
    for (int i = 0; i < frames; i++) {
        sim_view_go(&v, best + (size_t)(i % 2), true);
        v.anim = 0.5f;
        sim_draw(&c.gfx, &v, 1920, 1080);
    }
    double ams = (seconds() - t1) * 1000.0 / frames;
    fprintf(out, "frame_ms_1000_tasks: %.2f ms\n", ms);
    fprintf(out, "frame_ms_1000_tasks_animating: %.2f ms\n", ams);
    sim_view_deinit(&v);
    canvas_close(&c);
    sim_timeline_free(tl);
    rt_trace_free(tr);

    /* seek_ms_100k_events: from step 0 to random steps. */
    tr = sim_synth_trace(120, 100);
    tl = tr ? sim_timeline_new(tr) : NULL;
    if (!tl) {
        rc = 1;
    } else {
        sim_model m;
        sim_model_init(&m);
        n = sim_timeline_steps(tl);
        double worst = 0;
        uint32_t seed = 12345;
        for (int i = 0; i < 100; i++) {
            sim_timeline_seek(tl, 0, &m);
            seed = seed * 1103515245u + 12345u;
            size_t s = (seed >> 8) % (n + 1);
            double a = seconds();
            sim_timeline_seek(tl, s, &m);
            double d = (seconds() - a) * 1000.0;
            worst = d > worst ? d : worst;
        }
        fprintf(out, "seek_ms_100k_events: %.3f ms (%zu events, %zu steps, worst of 100)\n", worst,
                tr->len, n);
        sim_model_deinit(&m);
    }
    sim_timeline_free(tl);
    rt_trace_free(tr);
    TTF_Quit();
    SDL_Quit();
    return rc;
}
