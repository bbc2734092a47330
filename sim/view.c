/*
 * view.c - the display state (sim_view) and the drawing resources
 * (sim_gfx) shared by the interactive window and the offscreen renderer.
 *
 * sim_view_go is the one place a step changes: it seeks the model to the
 * new step (keeping the old state for the animation), and refreshes the
 * narration.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"

void sim_opts_usage(const char *cmd, FILE *out)
{
    if (strcmp(cmd, "render") == 0)
        fputs("usage: loopscope render FILE.py|TRACE.jsonl --step N -o OUT.png [options]\n"
              "       loopscope render FILE.py|TRACE.jsonl --all -o DIR [options]\n"
              "options: --size WxH (1280x720)  --theme dark|light  --projector\n"
              "         --font NAME  --mono-font NAME\n",
              out);
    else
        fputs("usage: loopscope view FILE.py|TRACE.jsonl [options]\n"
              "options: --theme dark|light  --projector  --font NAME  --mono-font NAME\n"
              "         --size WxH  --step N  --speed STEPS_PER_SECOND\n",
              out);
}

static bool parse_size(const char *s, int *w, int *h)
{
    char *end;
    long a = strtol(s, &end, 10);
    if (*end != 'x' && *end != 'X')
        return false;
    long b = strtol(end + 1, &end, 10);
    if (*end || a < 320 || b < 200 || a > 16384 || b > 16384)
        return false;
    *w = (int)a;
    *h = (int)b;
    return true;
}

int sim_opts_parse(int argc, char **argv, sim_opts *o, const char *cmd)
{
    static const struct option longopts[] = {
        {"theme", required_argument, NULL, 't'}, {"projector", no_argument, NULL, 'p'},
        {"font", required_argument, NULL, 'f'},  {"mono-font", required_argument, NULL, 'm'},
        {"size", required_argument, NULL, 's'},  {"step", required_argument, NULL, 'n'},
        {"speed", required_argument, NULL, 'v'}, {"all", no_argument, NULL, 'a'},
        {"output", required_argument, NULL, 'o'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    bool render = strcmp(cmd, "render") == 0;
    memset(o, 0, sizeof *o);
    o->w = 1280;
    o->h = 720;
    o->step = -1;
    o->speed = 2.0;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":ho:", longopts, NULL)) != -1) {
        switch (c) {
        case 't':
            if (strcmp(optarg, "dark") == 0) {
                o->theme = SIM_THEME_DARK;
            } else if (strcmp(optarg, "light") == 0) {
                o->theme = SIM_THEME_LIGHT;
            } else {
                fprintf(stderr, "loopscope %s: unknown theme '%s' (dark or light)\n", cmd, optarg);
                return 2;
            }
            break;
        case 'p': o->projector = true; break;
        case 'f': o->ui_font = optarg; break;
        case 'm': o->mono_font = optarg; break;
        case 's':
            if (!parse_size(optarg, &o->w, &o->h)) {
                fprintf(stderr, "loopscope %s: bad size '%s' (WxH, e.g. 1280x720)\n", cmd, optarg);
                return 2;
            }
            break;
        case 'n': {
            char *end;
            o->step = strtol(optarg, &end, 10);
            if (*end || !*optarg || o->step < 0) {
                fprintf(stderr, "loopscope %s: bad step '%s'\n", cmd, optarg);
                return 2;
            }
            break;
        }
        case 'v': {
            char *end;
            o->speed = strtod(optarg, &end);
            if (*end || o->speed <= 0 || o->speed > 1000) {
                fprintf(stderr, "loopscope %s: bad speed '%s'\n", cmd, optarg);
                return 2;
            }
            break;
        }
        case 'a':
        case 'o':
            if (!render) {
                fprintf(stderr, "loopscope %s: unknown option %s\n", cmd, argv[optind - 1]);
                return 2;
            }
            if (c == 'a')
                o->all = true;
            else
                o->out = optarg;
            break;
        case 'h':
            sim_opts_usage(cmd, stdout);
            return 1;
        case ':':
            fprintf(stderr, "loopscope %s: option %s needs a value\n", cmd, argv[optind - 1]);
            return 2;
        default:
            fprintf(stderr, "loopscope %s: unknown option %s\n", cmd, argv[optind - 1]);
            sim_opts_usage(cmd, stderr);
            return 2;
        }
    }
    if (optind < argc)
        o->path = argv[optind++];
    if (optind < argc) {
        fprintf(stderr, "loopscope %s: unexpected argument '%s'\n", cmd, argv[optind]);
        return 2;
    }
    return 0;
}

void sim_view_init(sim_view *v, sim_timeline *tl)
{
    memset(v, 0, sizeof *v);
    v->tl = tl;
    v->speed = 2.0;
    v->font_scale = 1.0f;
    v->anim = 1.0f;
    v->source_top = 1;
    sim_model_init(&v->cur);
    sim_model_init(&v->prev);
    sim_theme_get(v->theme_id, v->projector, &v->theme);
    if (tl)
        sim_narrate(tl, 0, v->narration, sizeof v->narration);
}

void sim_view_deinit(sim_view *v)
{
    sim_model_deinit(&v->cur);
    sim_model_deinit(&v->prev);
}

void sim_view_go(sim_view *v, size_t s, bool animate)
{
    size_t n = sim_timeline_steps(v->tl);
    if (s > n)
        s = n;
    if (animate) {
        /* Animate from what is on screen now. */
        sim_model_copy(&v->prev, &v->cur);
        v->anim = 0.0f;
    } else {
        v->anim = 1.0f;
    }
    if (sim_timeline_seek(v->tl, s, &v->cur) != RT_OK)
        snprintf(v->status, sizeof v->status, "out of memory: the picture may be incomplete");
    v->step = s;
    sim_narrate(v->tl, s, v->narration, sizeof v->narration);
    /* A task that no longer exists cannot stay selected. */
    if (v->selected && !sim_model_task(&v->cur, v->selected))
        v->selected = 0;
}

int sim_view_hit(const sim_view *v, int x, int y, uint64_t *id)
{
    /* Later hits were drawn on top: search from the end. */
    for (int i = v->nhits; i-- > 0;) {
        const sim_hit *h = &v->hits[i];
        if (x >= h->r.x && x < h->r.x + h->r.w && y >= h->r.y && y < h->r.y + h->r.h) {
            if (id)
                *id = h->id;
            return h->what;
        }
    }
    return -1;
}

int sim_gfx_init(sim_gfx *g, SDL_Renderer *r, const char *ui, const char *mono, char *why,
                 size_t whylen)
{
    memset(g, 0, sizeof *g);
    g->r = r;
    g->text = sim_text_new(r, ui, mono, why, whylen);
    if (!g->text)
        return -1;
    g->scratch = sim_draw_scratch_new();
    if (!g->scratch) {
        snprintf(why, whylen, "out of memory");
        sim_text_free(g->text);
        return -1;
    }
    sim_paint_init(&g->paint, r);
    return 0;
}

void sim_gfx_deinit(sim_gfx *g)
{
    sim_paint_deinit(&g->paint);
    sim_text_free(g->text);
    sim_draw_scratch_free(g->scratch);
    memset(g, 0, sizeof *g);
}
