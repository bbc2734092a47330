/*
 * ui.h - the SDL side of the window, shared by its files: themes, text,
 * layout, the display state (sim_view) and drawing.
 *
 * The split follows model / update / draw:
 *   - model.h (no SDL) computes what is true at step n;
 *   - app.c updates the display state (sim_view: which step, animation
 *     progress, play/pause, selection) from input and time;
 *   - draw.c draws a model and the display state, and changes neither.
 *
 * Animation is display-only: the view keeps the model at the previous step
 * and at the current one, and drawing interpolates card positions between
 * the two with an eased progress in [0, 1]. Rendering a frame offscreen
 * uses progress 1, so a step renders the same picture every time.
 */
#ifndef LOOPSCOPE_SIM_UI_H
#define LOOPSCOPE_SIM_UI_H

#include <SDL.h>
#include <SDL_ttf.h>

#include "model.h"

/* ------------------------------------------------------------------------ */
/* Themes                                                                   */
/* ------------------------------------------------------------------------ */

typedef enum sim_theme_id { SIM_THEME_DARK, SIM_THEME_LIGHT } sim_theme_id;

/* Every colour the window uses. Task colours are the Okabe-Ito palette,
 * distinguishable with the common colour-vision deficiencies. */
typedef struct sim_theme {
    SDL_Color bg;          /* window background */
    SDL_Color panel;       /* panel background */
    SDL_Color panel_edge;  /* panel border */
    SDL_Color title;       /* panel titles */
    SDL_Color text;        /* ordinary text */
    SDL_Color muted;       /* secondary text */
    SDL_Color faint;       /* grid lines, disabled things */
    SDL_Color accent;      /* the clock cursor, focus */
    SDL_Color card;        /* neutral cards (callbacks) */
    SDL_Color card_text;
    SDL_Color highlight;   /* the running line's band */
    SDL_Color error;       /* exceptions */
    SDL_Color cancel;      /* cancellation */
    SDL_Color ok;          /* done with a result */
    SDL_Color warn;        /* blocked loop, deadlock */
    SDL_Color tok[SIM_TOK__COUNT]; /* syntax colours */
    SDL_Color task[SIM_TASK_COLORS];
    SDL_Color on_task[SIM_TASK_COLORS]; /* text on a task-coloured card */
    int line_px;           /* base line thickness (projector: thicker) */
} sim_theme;

/* Fills `t` for a theme; projector mode raises contrast. */
void sim_theme_get(sim_theme_id id, bool projector, sim_theme *t);

/* ------------------------------------------------------------------------ */
/* Text                                                                     */
/* ------------------------------------------------------------------------ */

typedef enum sim_face { SIM_FACE_UI, SIM_FACE_BOLD, SIM_FACE_MONO, SIM_FACE_MONO_BOLD,
                        SIM_FACE__COUNT } sim_face;
typedef enum sim_size { SIM_SIZE_SMALL, SIM_SIZE_NORMAL, SIM_SIZE_LARGE, SIM_SIZE_TITLE,
                        SIM_SIZE__COUNT } sim_size;

/* Fonts (found through fontconfig) at the sizes the window needs, and a
 * cache of rendered strings as textures, keyed by text, face, size,
 * colour and width limit, so that a frame costs blits, not rasterising. */
typedef struct sim_text sim_text;

/* Opens the fonts: `ui` and `mono` are fontconfig names (NULL: DejaVu
 * Sans / DejaVu Sans Mono). `why` receives a reason on failure. */
sim_text *sim_text_new(SDL_Renderer *r, const char *ui, const char *mono, char *why,
                       size_t whylen);
void sim_text_free(sim_text *t);

/* Sets the pixel size of the normal size (the others follow); reopening
 * the fonts and emptying the cache when it changes. 0 or -1. */
int sim_text_set_px(sim_text *t, int normal_px);

int sim_text_height(sim_text *t, sim_face f, sim_size s);
int sim_text_width(sim_text *t, sim_face f, sim_size s, const char *str);

/* Draws `str` with its top-left at (x, y) (align: 0 left, 1 centre, 2
 * right of x), cut with an ellipsis to maxw pixels (0: no limit). Returns
 * the width drawn. */
int sim_text_draw(sim_text *t, sim_face f, sim_size s, SDL_Color c, const char *str, int x,
                  int y, int maxw, int align);

/* Evicts strings unused for a while; call once per frame. */
void sim_text_frame_end(sim_text *t);

/* Cache statistics for tests: hits and misses since creation. */
void sim_text_stats(const sim_text *t, size_t *hits, size_t *misses);

/* ------------------------------------------------------------------------ */
/* Shapes                                                                   */
/* ------------------------------------------------------------------------ */

enum { SIM_PAINT_RADII = 65 };

/* A renderer with the anti-aliased corner masks rounded shapes are made
 * of (white alpha masks, tinted when drawn), cached by radius. */
typedef struct sim_paint {
    SDL_Renderer *r;
    SDL_Texture *corner[SIM_PAINT_RADII];    /* filled quarter discs */
    SDL_Texture *ring[SIM_PAINT_RADII][4];   /* quarter rings, 1..4 px thick */
} sim_paint;

void sim_paint_init(sim_paint *p, SDL_Renderer *r);
void sim_paint_deinit(sim_paint *p);

/* A filled rectangle with rounded corners (radius clamped to fit). */
void sim_fill_round(sim_paint *p, SDL_Rect rc, int radius, SDL_Color c);
/* Its outline, `thick` pixels wide (1..4). */
void sim_stroke_round(sim_paint *p, SDL_Rect rc, int radius, int thick, SDL_Color c);
void sim_fill_rect(sim_paint *p, SDL_Rect rc, SDL_Color c);
void sim_fill_circle(sim_paint *p, int cx, int cy, int radius, SDL_Color c);
/* A straight line `thick` pixels wide. */
void sim_line(sim_paint *p, float x0, float y0, float x1, float y1, float thick, SDL_Color c);
/* A line ending in an arrow head at (x1, y1). */
void sim_arrow(sim_paint *p, float x0, float y0, float x1, float y1, float thick, float head,
               SDL_Color c);
/* A cubic curve from (x0, y0) to (x3, y3) with an arrow head at the end
 * (head 0: none). */
void sim_curve(sim_paint *p, float x0, float y0, float x1, float y1, float x2, float y2,
               float x3, float y3, float thick, float head, SDL_Color c);

/* ------------------------------------------------------------------------ */
/* The display state                                                        */
/* ------------------------------------------------------------------------ */

/* A rectangle a click can hit, and what it stands for. */
typedef struct sim_hit {
    SDL_Rect r;
    int what;              /* SIM_HIT_* */
    uint64_t id;           /* task id for SIM_HIT_TASK */
} sim_hit;

enum { SIM_HIT_TASK, SIM_HIT_SCRUBBER, SIM_HIT_PREV, SIM_HIT_PLAY, SIM_HIT_NEXT };

enum { SIM_HITS = 512 };

typedef struct sim_view {
    sim_timeline *tl;      /* borrowed from the app */
    size_t step;           /* the step shown */
    sim_model cur;         /* the state after `step` */
    sim_model prev;        /* the state the animation starts from */
    float anim;            /* 0..1: progress from prev to cur */
    bool playing;
    double speed;          /* steps per second while playing */
    sim_theme_id theme_id;
    bool projector;
    float font_scale;      /* user's +/- text size factor (Ctrl+=) */
    sim_theme theme;
    uint64_t selected;     /* task shown in the details panel, or 0 */
    bool help;             /* the help overlay is open */
    char narration[1024];  /* of the current step */
    char status[256];      /* a transient message ("reloaded"), or "" */
    bool live;             /* the trace is being fed by a live run */
    bool live_running;     /* ... which has not finished */
    double live_idle;      /* seconds since its last event */
    int live_line;         /* where a silent live run is (its probe's line), 0 unknown */
    bool live_busy;        /* ... and its code keeps running (the probe ticks) */
    char live_who[64];     /* the task running at the live run's tip, or "" */
    const char *title;     /* the scenario's name */
    sim_hit hits[SIM_HITS];/* filled by drawing, for clicks */
    int nhits;
    int source_top;        /* first source line shown (display state) */
} sim_view;

/* Initialises a view on a timeline at step 0. */
void sim_view_init(sim_view *v, sim_timeline *tl);
void sim_view_deinit(sim_view *v);

/* Goes to step s (clamped). animate: start an animation from the current
 * state; otherwise jump. Refreshes the narration. */
void sim_view_go(sim_view *v, size_t s, bool animate);

/* The task a click at (x, y) hits, or 0; and what else it hit. */
int sim_view_hit(const sim_view *v, int x, int y, uint64_t *id);

/* ------------------------------------------------------------------------ */
/* Command-line options of view and render                                  */
/* ------------------------------------------------------------------------ */

typedef struct sim_opts {
    const char *path;        /* the trace (positional) */
    const char *ui_font, *mono_font; /* --font, --mono-font (fontconfig names) */
    sim_theme_id theme;      /* --theme dark|light */
    bool projector;          /* --projector */
    int w, h;                /* --size WxH: window or image size */
    long step;               /* --step N, -1 when not given */
    double speed;            /* --speed: steps per second when playing */
    bool all;                /* render --all */
    const char *out;         /* render -o: a PNG file, or a directory with --all */
} sim_opts;

/* Parses argv (argv[0] is the command name, "view" or "render"). Returns
 * 0, 1 after printing --help, or 2 after printing an error. */
int sim_opts_parse(int argc, char **argv, sim_opts *o, const char *cmd);
void sim_opts_usage(const char *cmd, FILE *out);

/* ------------------------------------------------------------------------ */
/* Drawing                                                                  */
/* ------------------------------------------------------------------------ */

/* What drawing needs that outlives a frame: the renderer, the fonts and
 * their string cache, the corner masks. */
typedef struct sim_draw_scratch sim_draw_scratch; /* per-frame card lists */

typedef struct sim_gfx {
    SDL_Renderer *r;       /* borrowed */
    sim_text *text;        /* owned */
    sim_paint paint;       /* owned */
    sim_draw_scratch *scratch; /* owned: reused by every frame */
} sim_gfx;

sim_draw_scratch *sim_draw_scratch_new(void);
void sim_draw_scratch_free(sim_draw_scratch *s);

/* Sets up drawing on `r` with fonts `ui` and `mono` (NULL: DejaVu). 0, or
 * -1 with a reason in `why`. */
int sim_gfx_init(sim_gfx *g, SDL_Renderer *r, const char *ui, const char *mono, char *why,
                 size_t whylen);
void sim_gfx_deinit(sim_gfx *g);

/* Draws the whole window for view `v` (w x h output pixels). Reads the
 * view's models; writes only the click map (v->hits) and the source
 * scroll position, which are display state. */
void sim_draw(sim_gfx *g, sim_view *v, int w, int h);

/* The panels, for tests and tools. */
enum { SIM_PANEL_SOURCE, SIM_PANEL_LOOP, SIM_PANEL_READY, SIM_PANEL_TIMERS, SIM_PANEL_WAITING,
       SIM_PANEL_EXEC, SIM_PANEL_OUTPUT, SIM_PANEL_NARRATION, SIM_PANEL_STATUS, SIM_PANEL__COUNT };

/* Where sim_draw puts each panel for view `v` at w x h. */
void sim_draw_panels(sim_gfx *g, sim_view *v, int w, int h, SDL_Rect out[SIM_PANEL__COUNT]);

/* The pixel size of normal text for a w x h output. */
int sim_text_px_for(const sim_view *v, int w, int h);

#endif /* LOOPSCOPE_SIM_UI_H */
