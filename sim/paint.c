/*
 * paint.c - the shapes the window is drawn with: rounded rectangles,
 * circles, thick lines, arrows and curves, on any SDL renderer (the
 * software one included).
 *
 * SDL draws hard-edged rectangles and triangles only. Rounded shapes are
 * therefore assembled from rectangles plus small anti-aliased corner masks
 * (a quarter disc or a quarter ring, white with coverage as alpha,
 * computed once per radius by 4x4 supersampling) tinted with the shape's
 * colour. Lines are quads drawn with SDL_RenderGeometry.
 */
#include <math.h>

#include "ui.h"

/* Coverage of pixel (px, py) of a quarter disc of radius r centred at
 * (r, r), between radii inner and r. */
static float coverage(int px, int py, float r, float inner)
{
    int inside = 0;
    for (int sy = 0; sy < 4; sy++)
        for (int sx = 0; sx < 4; sx++) {
            float x = px + (sx + 0.5f) / 4.0f - r;
            float y = py + (sy + 0.5f) / 4.0f - r;
            float d2 = x * x + y * y;
            if (d2 <= r * r && (inner <= 0 || d2 >= inner * inner))
                inside++;
        }
    return inside / 16.0f;
}

/* A top-left corner mask of radius r (ring of `thick` px when thick > 0). */
static SDL_Texture *make_corner(SDL_Renderer *rd, int r, int thick)
{
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, r, r, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!s)
        return NULL;
    Uint32 *px = s->pixels;
    float inner = thick > 0 ? (float)(r - thick) : -1.0f;
    for (int y = 0; y < r; y++)
        for (int x = 0; x < r; x++) {
            Uint32 a = (Uint32)(coverage(x, y, (float)r, inner) * 255.0f + 0.5f);
            px[y * (s->pitch / 4) + x] = a << 24 | 0xFFFFFF;
        }
    SDL_Texture *t = SDL_CreateTextureFromSurface(rd, s);
    SDL_FreeSurface(s);
    if (t)
        SDL_SetTextureBlendMode(t, SDL_BLENDMODE_BLEND);
    return t;
}

void sim_paint_init(sim_paint *p, SDL_Renderer *r)
{
    SDL_memset(p, 0, sizeof *p);
    p->r = r;
}

void sim_paint_deinit(sim_paint *p)
{
    for (int i = 0; i < SIM_PAINT_RADII; i++) {
        if (p->corner[i])
            SDL_DestroyTexture(p->corner[i]);
        for (int k = 0; k < 4; k++)
            if (p->ring[i][k])
                SDL_DestroyTexture(p->ring[i][k]);
    }
    SDL_memset(p, 0, sizeof *p);
}

static void set_color(sim_paint *p, SDL_Color c)
{
    SDL_SetRenderDrawBlendMode(p->r, c.a == 255 ? SDL_BLENDMODE_NONE : SDL_BLENDMODE_BLEND);
    SDL_SetRenderDrawColor(p->r, c.r, c.g, c.b, c.a);
}

void sim_fill_rect(sim_paint *p, SDL_Rect rc, SDL_Color c)
{
    if (rc.w <= 0 || rc.h <= 0)
        return;
    set_color(p, c);
    SDL_RenderFillRect(p->r, &rc);
}

/* Draws the four corners of rc from mask t (radius r). */
static void corners(sim_paint *p, SDL_Texture *t, SDL_Rect rc, int r, SDL_Color c)
{
    if (!t)
        return;
    SDL_SetTextureColorMod(t, c.r, c.g, c.b);
    SDL_SetTextureAlphaMod(t, c.a);
    SDL_Rect d = {rc.x, rc.y, r, r};
    SDL_RenderCopyEx(p->r, t, NULL, &d, 0, NULL, SDL_FLIP_NONE);
    d.x = rc.x + rc.w - r;
    SDL_RenderCopyEx(p->r, t, NULL, &d, 0, NULL, SDL_FLIP_HORIZONTAL);
    d.y = rc.y + rc.h - r;
    SDL_RenderCopyEx(p->r, t, NULL, &d, 0, NULL,
                     (SDL_RendererFlip)(SDL_FLIP_HORIZONTAL | SDL_FLIP_VERTICAL));
    d.x = rc.x;
    SDL_RenderCopyEx(p->r, t, NULL, &d, 0, NULL, SDL_FLIP_VERTICAL);
}

static int clamp_radius(SDL_Rect rc, int radius)
{
    if (radius > rc.w / 2)
        radius = rc.w / 2;
    if (radius > rc.h / 2)
        radius = rc.h / 2;
    if (radius >= SIM_PAINT_RADII)
        radius = SIM_PAINT_RADII - 1;
    return radius < 0 ? 0 : radius;
}

void sim_fill_round(sim_paint *p, SDL_Rect rc, int radius, SDL_Color c)
{
    if (rc.w <= 0 || rc.h <= 0)
        return;
    int r = clamp_radius(rc, radius);
    if (r < 2) {
        sim_fill_rect(p, rc, c);
        return;
    }
    if (!p->corner[r])
        p->corner[r] = make_corner(p->r, r, 0);
    sim_fill_rect(p, (SDL_Rect){rc.x + r, rc.y, rc.w - 2 * r, rc.h}, c);
    sim_fill_rect(p, (SDL_Rect){rc.x, rc.y + r, r, rc.h - 2 * r}, c);
    sim_fill_rect(p, (SDL_Rect){rc.x + rc.w - r, rc.y + r, r, rc.h - 2 * r}, c);
    corners(p, p->corner[r], rc, r, c);
}

void sim_stroke_round(sim_paint *p, SDL_Rect rc, int radius, int thick, SDL_Color c)
{
    if (rc.w <= 0 || rc.h <= 0)
        return;
    if (thick < 1)
        thick = 1;
    if (thick > 4)
        thick = 4;
    int r = clamp_radius(rc, radius);
    if (r < thick + 1) {
        sim_fill_rect(p, (SDL_Rect){rc.x, rc.y, rc.w, thick}, c);
        sim_fill_rect(p, (SDL_Rect){rc.x, rc.y + rc.h - thick, rc.w, thick}, c);
        sim_fill_rect(p, (SDL_Rect){rc.x, rc.y + thick, thick, rc.h - 2 * thick}, c);
        sim_fill_rect(p, (SDL_Rect){rc.x + rc.w - thick, rc.y + thick, thick, rc.h - 2 * thick},
                      c);
        return;
    }
    if (!p->ring[r][thick - 1])
        p->ring[r][thick - 1] = make_corner(p->r, r, thick);
    sim_fill_rect(p, (SDL_Rect){rc.x + r, rc.y, rc.w - 2 * r, thick}, c);
    sim_fill_rect(p, (SDL_Rect){rc.x + r, rc.y + rc.h - thick, rc.w - 2 * r, thick}, c);
    sim_fill_rect(p, (SDL_Rect){rc.x, rc.y + r, thick, rc.h - 2 * r}, c);
    sim_fill_rect(p, (SDL_Rect){rc.x + rc.w - thick, rc.y + r, thick, rc.h - 2 * r}, c);
    corners(p, p->ring[r][thick - 1], rc, r, c);
}

void sim_fill_circle(sim_paint *p, int cx, int cy, int radius, SDL_Color c)
{
    sim_fill_round(p, (SDL_Rect){cx - radius, cy - radius, 2 * radius, 2 * radius}, radius, c);
}

void sim_line(sim_paint *p, float x0, float y0, float x1, float y1, float thick, SDL_Color c)
{
    float dx = x1 - x0, dy = y1 - y0;
    float len = sqrtf(dx * dx + dy * dy);
    if (len < 0.01f)
        return;
    float nx = -dy / len * thick / 2, ny = dx / len * thick / 2;
    SDL_Vertex v[4];
    SDL_FPoint pts[4] = {{x0 + nx, y0 + ny}, {x1 + nx, y1 + ny}, {x1 - nx, y1 - ny},
                         {x0 - nx, y0 - ny}};
    for (int i = 0; i < 4; i++) {
        v[i].position = pts[i];
        v[i].color = c;
        v[i].tex_coord = (SDL_FPoint){0, 0};
    }
    static const int idx[6] = {0, 1, 2, 0, 2, 3};
    SDL_SetRenderDrawBlendMode(p->r, SDL_BLENDMODE_BLEND);
    SDL_RenderGeometry(p->r, NULL, v, 4, idx, 6);
}

static void head_at(sim_paint *p, float x0, float y0, float x1, float y1, float head,
                    SDL_Color c)
{
    float dx = x1 - x0, dy = y1 - y0;
    float len = sqrtf(dx * dx + dy * dy);
    if (len < 0.01f || head <= 0)
        return;
    dx /= len;
    dy /= len;
    float bx = x1 - dx * head, by = y1 - dy * head;
    float nx = -dy * head * 0.55f, ny = dx * head * 0.55f;
    SDL_Vertex v[3] = {{{x1, y1}, c, {0, 0}}, {{bx + nx, by + ny}, c, {0, 0}},
                       {{bx - nx, by - ny}, c, {0, 0}}};
    SDL_SetRenderDrawBlendMode(p->r, SDL_BLENDMODE_BLEND);
    SDL_RenderGeometry(p->r, NULL, v, 3, NULL, 0);
}

void sim_arrow(sim_paint *p, float x0, float y0, float x1, float y1, float thick, float head,
               SDL_Color c)
{
    float dx = x1 - x0, dy = y1 - y0;
    float len = sqrtf(dx * dx + dy * dy);
    if (len < 0.01f)
        return;
    /* Stop the shaft inside the head so its end does not poke out. */
    float k = len > head ? (len - head * 0.6f) / len : 0.0f;
    sim_line(p, x0, y0, x0 + dx * k, y0 + dy * k, thick, c);
    head_at(p, x0, y0, x1, y1, head, c);
}

void sim_curve(sim_paint *p, float x0, float y0, float x1, float y1, float x2, float y2,
               float x3, float y3, float thick, float head, SDL_Color c)
{
    enum { N = 24 };
    float px = x0, py = y0;
    for (int i = 1; i <= N; i++) {
        float t = (float)i / N, u = 1 - t;
        float x = u * u * u * x0 + 3 * u * u * t * x1 + 3 * u * t * t * x2 + t * t * t * x3;
        float y = u * u * u * y0 + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t * t * t * y3;
        if (i == N && head > 0) {
            head_at(p, px, py, x, y, head, c);
            float dx = x - px, dy = y - py, len = sqrtf(dx * dx + dy * dy);
            if (len > 0.01f) {
                x -= dx / len * head * 0.6f;
                y -= dy / len * head * 0.6f;
            }
        }
        sim_line(p, px, py, x, y, thick, c);
        px = x;
        py = y;
    }
}
