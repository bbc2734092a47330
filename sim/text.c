/*
 * text.c - fonts and a cache of rendered strings.
 *
 * Fonts are found by name through fontconfig (DejaVu Sans and DejaVu Sans
 * Mono by default, bold variants by weight) and opened with SDL_ttf at
 * pixel sizes derived from one "normal" size; when the window is resized
 * or the DPI changes, the sizes change and the fonts are reopened, so text
 * is rasterised at the size it is shown and stays crisp.
 *
 * Rasterising text is the slow part of a frame, so every string is
 * rendered once, in white, into a texture kept in a hash table keyed by
 * (text, face, size, width limit); drawing tints it with the texture's
 * colour modulation. Entries unused for EVICT_FRAMES frames are dropped
 * when the table fills up. Strings wider than their limit are cut at a
 * character boundary and end with an ellipsis.
 */
#include <fontconfig/fontconfig.h>
#include <string.h>

#include "ui.h"

enum { CACHE_CAP = 4096, CACHE_MAX = 2600, EVICT_FRAMES = 90 };

/* Size factors relative to the normal size. */
static const float size_factor[SIM_SIZE__COUNT] = {0.86f, 1.0f, 1.24f, 0.78f};

typedef struct entry {
    uint64_t hash;         /* 0: empty slot */
    char *str;             /* owned copy, for exact comparison */
    uint8_t face, size;
    int maxw;
    SDL_Texture *tex;      /* white text; NULL for an empty string */
    int w, h;
    uint64_t used;         /* frame it was last drawn in */
} entry;

struct sim_text {
    SDL_Renderer *r;
    char path[SIM_FACE__COUNT][1024]; /* font files */
    TTF_Font *font[SIM_FACE__COUNT][SIM_SIZE__COUNT];
    int px;                /* the normal size in pixels, 0 before set_px */
    entry *slots;          /* CACHE_CAP slots, linear probing */
    size_t count;
    uint64_t frame;
    size_t hits, misses;
};

/* Asks fontconfig for the file of `name` at `weight`. */
static bool find_font(const char *name, int weight, char *out, size_t size)
{
    FcPattern *pat = FcNameParse((const FcChar8 *)name);
    if (!pat)
        return false;
    FcPatternAddInteger(pat, FC_WEIGHT, weight);
    FcConfigSubstitute(NULL, pat, FcMatchPattern);
    FcDefaultSubstitute(pat);
    FcResult res;
    FcPattern *match = FcFontMatch(NULL, pat, &res);
    bool ok = false;
    FcChar8 *file = NULL;
    if (match && FcPatternGetString(match, FC_FILE, 0, &file) == FcResultMatch) {
        snprintf(out, size, "%s", (const char *)file);
        ok = true;
    }
    if (match)
        FcPatternDestroy(match);
    FcPatternDestroy(pat);
    return ok;
}

sim_text *sim_text_new(SDL_Renderer *r, const char *ui, const char *mono, char *why,
                       size_t whylen)
{
    if (!TTF_WasInit() && TTF_Init() != 0) {
        snprintf(why, whylen, "cannot start SDL_ttf: %s", TTF_GetError());
        return NULL;
    }
    if (!FcInit()) {
        snprintf(why, whylen, "cannot start fontconfig");
        return NULL;
    }
    sim_text *t = rt_calloc(1, sizeof *t);
    if (!t) {
        snprintf(why, whylen, "out of memory");
        return NULL;
    }
    t->r = r;
    t->slots = rt_calloc(CACHE_CAP, sizeof *t->slots);
    const char *names[SIM_FACE__COUNT] = {ui ? ui : "DejaVu Sans", ui ? ui : "DejaVu Sans",
                                          mono ? mono : "DejaVu Sans Mono",
                                          mono ? mono : "DejaVu Sans Mono"};
    const int weights[SIM_FACE__COUNT] = {FC_WEIGHT_REGULAR, FC_WEIGHT_BOLD, FC_WEIGHT_REGULAR,
                                          FC_WEIGHT_BOLD};
    bool found = true;
    for (int f = 0; f < SIM_FACE__COUNT && found; f++) {
        found = find_font(names[f], weights[f], t->path[f], sizeof t->path[f]);
        if (!found)
            snprintf(why, whylen, "no font matches '%s' (fontconfig)", names[f]);
    }
    /* Fontconfig is only needed to find the files: release it now. */
    FcFini();
    if (!found) {
        sim_text_free(t);
        return NULL;
    }
    if (!t->slots) {
        snprintf(why, whylen, "out of memory");
        sim_text_free(t);
        return NULL;
    }
    return t;
}

static void cache_clear(sim_text *t)
{
    for (size_t i = 0; i < CACHE_CAP; i++) {
        entry *e = &t->slots[i];
        if (e->hash) {
            if (e->tex)
                SDL_DestroyTexture(e->tex);
            rt_free(e->str);
        }
    }
    memset(t->slots, 0, CACHE_CAP * sizeof *t->slots);
    t->count = 0;
}

void sim_text_free(sim_text *t)
{
    if (!t)
        return;
    if (t->slots) {
        cache_clear(t);
        rt_free(t->slots);
    }
    for (int f = 0; f < SIM_FACE__COUNT; f++)
        for (int s = 0; s < SIM_SIZE__COUNT; s++)
            if (t->font[f][s])
                TTF_CloseFont(t->font[f][s]);
    rt_free(t);
}

int sim_text_set_px(sim_text *t, int px)
{
    if (px < 6)
        px = 6;
    if (px == t->px)
        return 0;
    cache_clear(t);
    for (int f = 0; f < SIM_FACE__COUNT; f++)
        for (int s = 0; s < SIM_SIZE__COUNT; s++) {
            int want = (int)(px * size_factor[s] + 0.5f);
            if (t->font[f][s]) {
                if (TTF_SetFontSize(t->font[f][s], want) == 0)
                    continue;
                TTF_CloseFont(t->font[f][s]);
            }
            t->font[f][s] = TTF_OpenFont(t->path[f], want);
            if (!t->font[f][s])
                return -1;
            TTF_SetFontHinting(t->font[f][s], TTF_HINTING_LIGHT);
        }
    t->px = px;
    return 0;
}

int sim_text_height(sim_text *t, sim_face f, sim_size s)
{
    return t->font[f][s] ? TTF_FontHeight(t->font[f][s]) : 0;
}

int sim_text_width(sim_text *t, sim_face f, sim_size s, const char *str)
{
    int w = 0, h = 0;
    if (t->font[f][s] && str && *str)
        TTF_SizeUTF8(t->font[f][s], str, &w, &h);
    return w;
}

static uint64_t hash_key(const char *s, int face, int size, int maxw)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    h ^= (uint64_t)face << 48 ^ (uint64_t)size << 40 ^ (uint64_t)(unsigned)maxw << 8;
    h *= 1099511628211ull;
    return h ? h : 1;
}

/* Drops entries unused for EVICT_FRAMES frames, rebuilding the table. */
static void evict(sim_text *t)
{
    entry *old = t->slots;
    entry *fresh = rt_calloc(CACHE_CAP, sizeof *fresh);
    if (!fresh) {
        cache_clear(t);
        return;
    }
    t->slots = fresh;
    t->count = 0;
    for (size_t i = 0; i < CACHE_CAP; i++) {
        entry *e = &old[i];
        if (!e->hash)
            continue;
        if (e->used + EVICT_FRAMES < t->frame) {
            if (e->tex)
                SDL_DestroyTexture(e->tex);
            rt_free(e->str);
            continue;
        }
        size_t j = e->hash % CACHE_CAP;
        while (fresh[j].hash)
            j = (j + 1) % CACHE_CAP;
        fresh[j] = *e;
        t->count++;
    }
    rt_free(old);
}

/* The longest prefix of s, cut at a character, that fits maxw with "…". */
static char *ellipsize(TTF_Font *font, const char *s, int maxw)
{
    size_t n = strlen(s);
    char *buf = rt_malloc(n + 4);
    if (!buf)
        return NULL;
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi + 1) / 2;
        while (mid > 0 && ((unsigned char)s[mid] & 0xc0) == 0x80)
            mid--;
        if (mid <= lo) {
            hi = lo;
            break;
        }
        memcpy(buf, s, mid);
        memcpy(buf + mid, "\xe2\x80\xa6", 4);
        int w = 0, h = 0;
        TTF_SizeUTF8(font, buf, &w, &h);
        if (w <= maxw)
            lo = mid;
        else
            hi = mid - 1;
    }
    while (lo > 0 && ((unsigned char)s[lo] & 0xc0) == 0x80)
        lo--;
    while (lo > 0 && s[lo - 1] == ' ')
        lo--;
    memcpy(buf, s, lo);
    memcpy(buf + lo, "\xe2\x80\xa6", 4);
    return buf;
}

/* The cache entry for a string, rendering it on a miss. */
static entry *lookup(sim_text *t, sim_face f, sim_size s, const char *str, int maxw)
{
    TTF_Font *font = t->font[f][s];
    if (!font || !t->slots)
        return NULL;
    uint64_t h = hash_key(str, f, s, maxw);
    size_t j = h % CACHE_CAP;
    while (t->slots[j].hash) {
        entry *e = &t->slots[j];
        if (e->hash == h && e->face == f && e->size == s && e->maxw == maxw &&
            strcmp(e->str, str) == 0) {
            e->used = t->frame;
            t->hits++;
            return e;
        }
        j = (j + 1) % CACHE_CAP;
    }
    t->misses++;
    if (t->count >= CACHE_MAX) {
        evict(t);
        if (t->count >= CACHE_MAX)
            cache_clear(t);
        return lookup(t, f, s, str, maxw);
    }
    entry *e = &t->slots[j];
    size_t slen = strlen(str) + 1;
    e->str = rt_malloc(slen);
    if (!e->str)
        return NULL;
    memcpy(e->str, str, slen);
    e->hash = h;
    e->face = (uint8_t)f;
    e->size = (uint8_t)s;
    e->maxw = maxw;
    e->used = t->frame;
    e->tex = NULL;
    e->w = 0;
    e->h = TTF_FontHeight(font);
    t->count++;
    if (!*str)
        return e;
    const char *shown = str;
    char *cut = NULL;
    if (maxw > 0) {
        int w = 0, hh = 0;
        TTF_SizeUTF8(font, str, &w, &hh);
        if (w > maxw) {
            cut = ellipsize(font, str, maxw);
            if (cut)
                shown = cut;
        }
    }
    SDL_Color white = {255, 255, 255, 255};
    SDL_Surface *surf = TTF_RenderUTF8_Blended(font, shown, white);
    rt_free(cut);
    if (!surf)
        return e;
    e->tex = SDL_CreateTextureFromSurface(t->r, surf);
    e->w = surf->w;
    e->h = surf->h;
    SDL_FreeSurface(surf);
    if (e->tex)
        SDL_SetTextureBlendMode(e->tex, SDL_BLENDMODE_BLEND);
    return e;
}

int sim_text_draw(sim_text *t, sim_face f, sim_size s, SDL_Color c, const char *str, int x,
                  int y, int maxw, int align)
{
    if (!str || !*str)
        return 0;
    if (maxw < 0)
        return 0;
    entry *e = lookup(t, f, s, str, maxw);
    if (!e || !e->tex)
        return 0;
    if (align == 1)
        x -= e->w / 2;
    else if (align == 2)
        x -= e->w;
    SDL_SetTextureColorMod(e->tex, c.r, c.g, c.b);
    SDL_SetTextureAlphaMod(e->tex, c.a);
    SDL_Rect dst = {x, y, e->w, e->h};
    SDL_RenderCopy(t->r, e->tex, NULL, &dst);
    return e->w;
}

void sim_text_frame_end(sim_text *t)
{
    t->frame++;
    if (t->count > CACHE_MAX * 3 / 4)
        evict(t);
}

void sim_text_stats(const sim_text *t, size_t *hits, size_t *misses)
{
    *hits = t->hits;
    *misses = t->misses;
}
