/*
 * theme.c - the window's colours: a dark and a light theme, each with a
 * high-contrast projector variant.
 *
 * Task colours are the Okabe-Ito palette (Okabe and Ito, "Color Universal
 * Design", 2008), chosen to stay distinguishable for the common colour
 * vision deficiencies; the window never relies on colour alone (cards
 * carry names, exceptions a cross, cancellations a slashed circle). Text
 * on a task-coloured card is black or white, whichever contrasts more.
 */
#include "ui.h"

static SDL_Color rgb(unsigned hex)
{
    SDL_Color c = {(Uint8)(hex >> 16), (Uint8)(hex >> 8), (Uint8)hex, 255};
    return c;
}

/* WCAG relative luminance of an sRGB colour. */
static double luminance(SDL_Color c)
{
    double ch[3] = {c.r / 255.0, c.g / 255.0, c.b / 255.0};
    for (int i = 0; i < 3; i++)
        ch[i] = ch[i] <= 0.03928 ? ch[i] / 12.92 : SDL_pow((ch[i] + 0.055) / 1.055, 2.4);
    return 0.2126 * ch[0] + 0.7152 * ch[1] + 0.0722 * ch[2];
}

void sim_theme_get(sim_theme_id id, bool projector, sim_theme *t)
{
    /* Okabe-Ito, main (task 1) first in sky blue. */
    static const unsigned palette[SIM_TASK_COLORS] = {0x56B4E9, 0xE69F00, 0x009E73, 0xCC79A7,
                                                      0xF0E442, 0x0072B2, 0xD55E00, 0xA0A0A0};
    SDL_memset(t, 0, sizeof *t);
    if (id == SIM_THEME_LIGHT) {
        t->bg = rgb(0xEEF0F3);
        t->panel = rgb(0xFFFFFF);
        t->panel_edge = rgb(0xD5D9E0);
        t->title = rgb(0x5E6677);
        t->text = rgb(0x1C2130);
        t->muted = rgb(0x5A6274);
        t->faint = rgb(0xE2E5EA);
        t->accent = rgb(0x1C2130);
        t->card = rgb(0xE4E7EC);
        t->card_text = rgb(0x1C2130);
        t->highlight = (SDL_Color){0x1C, 0x21, 0x30, 0x12};
        t->error = rgb(0xC62828);
        t->cancel = rgb(0xB45309);
        t->ok = rgb(0x1B7F4B);
        t->warn = rgb(0xB91C1C);
        t->tok[SIM_TOK_TEXT] = rgb(0x1C2130);
        t->tok[SIM_TOK_KEYWORD] = rgb(0x7C3AED);
        t->tok[SIM_TOK_BUILTIN] = rgb(0x1D4ED8);
        t->tok[SIM_TOK_STRING] = rgb(0x15803D);
        t->tok[SIM_TOK_NUMBER] = rgb(0xC2410C);
        t->tok[SIM_TOK_COMMENT] = rgb(0x7A8498);
        t->tok[SIM_TOK_DEFNAME] = rgb(0x0F5FB8);
        t->tok[SIM_TOK_DECORATOR] = rgb(0xA16207);
        t->tok[SIM_TOK_AWAIT] = rgb(0xB45309);
    } else {
        t->bg = rgb(0x101217);
        t->panel = rgb(0x191C23);
        t->panel_edge = rgb(0x2A2F3A);
        t->title = rgb(0x8D96A8);
        t->text = rgb(0xE7EAF0);
        t->muted = rgb(0x9BA3B4);
        t->faint = rgb(0x2E3441);
        t->accent = rgb(0xF5F7FA);
        t->card = rgb(0x343A47);
        t->card_text = rgb(0xE7EAF0);
        t->highlight = (SDL_Color){0xFF, 0xFF, 0xFF, 0x12};
        t->error = rgb(0xFF5C5C);
        t->cancel = rgb(0xFFA94D);
        t->ok = rgb(0x5FD68A);
        t->warn = rgb(0xFF6B6B);
        t->tok[SIM_TOK_TEXT] = rgb(0xD8DEE9);
        t->tok[SIM_TOK_KEYWORD] = rgb(0xC79BF2);
        t->tok[SIM_TOK_BUILTIN] = rgb(0x82AAFF);
        t->tok[SIM_TOK_STRING] = rgb(0xB5E08C);
        t->tok[SIM_TOK_NUMBER] = rgb(0xF9A66C);
        t->tok[SIM_TOK_COMMENT] = rgb(0x6C7488);
        t->tok[SIM_TOK_DEFNAME] = rgb(0x7FD0FF);
        t->tok[SIM_TOK_DECORATOR] = rgb(0xFFCB6B);
        t->tok[SIM_TOK_AWAIT] = rgb(0xFFCB6B);
    }
    t->line_px = 2;
    if (projector) {
        /* Higher contrast for a washed-out projector: darker or lighter
         * backgrounds, full-strength text, thicker lines. */
        t->line_px = 3;
        if (id == SIM_THEME_LIGHT) {
            t->bg = rgb(0xFFFFFF);
            t->panel = rgb(0xFFFFFF);
            t->panel_edge = rgb(0x8A92A0);
            t->text = rgb(0x000000);
            t->muted = rgb(0x2B303A);
            t->title = rgb(0x2B303A);
            t->card = rgb(0xD9DDE4);
            t->card_text = rgb(0x000000);
            t->highlight = (SDL_Color){0x00, 0x00, 0x00, 0x1C};
            t->tok[SIM_TOK_TEXT] = rgb(0x000000);
            t->tok[SIM_TOK_COMMENT] = rgb(0x4A5263);
        } else {
            t->bg = rgb(0x000000);
            t->panel = rgb(0x0B0C0F);
            t->panel_edge = rgb(0x4A5060);
            t->text = rgb(0xFFFFFF);
            t->muted = rgb(0xD0D5DE);
            t->title = rgb(0xC4CAD6);
            t->card = rgb(0x3A4150);
            t->card_text = rgb(0xFFFFFF);
            t->highlight = (SDL_Color){0xFF, 0xFF, 0xFF, 0x22};
            t->tok[SIM_TOK_TEXT] = rgb(0xFFFFFF);
            t->tok[SIM_TOK_COMMENT] = rgb(0xA0A8B8);
        }
    }
    for (int i = 0; i < SIM_TASK_COLORS; i++) {
        t->task[i] = rgb(palette[i]);
        /* Black on the colour when it contrasts at least as well as white. */
        double l = luminance(t->task[i]);
        t->on_task[i] = (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) ? rgb(0x000000) : rgb(0xFFFFFF);
    }
}
