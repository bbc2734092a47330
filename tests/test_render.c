/*
 * test_render.c - the window's pictures, without a display: chosen steps
 * of the hand-made traces rendered to PNG at 1280x720 through
 * `loopscope render` (sim_render_main), checked for content in every panel,
 * for differences between steps and themes, and for byte-identical output
 * when the same step is rendered twice; plus the click map, the text
 * cache, the error exits of render and view, and the frame benchmarks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include <SDL_image.h>

#include "sim.h"
#include "ui.h"
#include "window.h"

static char out_dir[4096];

static const char *trace_path(const char *name)
{
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s/tests/traces/%s.jsonl", LOOPSCOPE_SOURCE_DIR, name);
    return buf;
}

static int render(const char *trace, const char *step, const char *out, const char *extra1,
                  const char *extra2)
{
    char *argv[12];
    int argc = 0;
    argv[argc++] = (char *)"render";
    argv[argc++] = (char *)trace;
    if (step) {
        argv[argc++] = (char *)"--step";
        argv[argc++] = (char *)step;
    } else {
        argv[argc++] = (char *)"--all";
    }
    argv[argc++] = (char *)"-o";
    argv[argc++] = (char *)out;
    if (extra1)
        argv[argc++] = (char *)extra1;
    if (extra2)
        argv[argc++] = (char *)extra2;
    argv[argc] = NULL;
    return sim_render_main(argc, argv);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = malloc((size_t)n + 1);
    *len = fread(p, 1, (size_t)n, f);
    fclose(f);
    return p;
}

/* The panel rectangles for a trace or scenario file at 1280x720 (as
 * render lays them out). */
static void panels_of(const char *file, SDL_Rect out[SIM_PANEL__COUNT], sim_theme_id theme)
{
    rt_trace *tr;
    assert_int_equal(sim_load(file, &tr), 0);
    sim_timeline *tl = sim_timeline_new(tr);
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, 1280, 720, 32, SDL_PIXELFORMAT_ARGB8888);
    SDL_Renderer *r = SDL_CreateSoftwareRenderer(s);
    sim_gfx g;
    char why[200];
    assert_int_equal(sim_gfx_init(&g, r, NULL, NULL, why, sizeof why), 0);
    sim_view v;
    sim_view_init(&v, tl);
    v.theme_id = theme;
    sim_draw_panels(&g, &v, 1280, 720, out);
    sim_view_deinit(&v);
    sim_gfx_deinit(&g);
    SDL_DestroyRenderer(r);
    SDL_FreeSurface(s);
    sim_timeline_free(tl);
    rt_trace_free(tr);
}

/* Pixels in rect r (inset past the border and the title) that differ from
 * the panel colour. */
static int content_pixels(SDL_Surface *img, SDL_Rect r, SDL_Color panel, int skip_top)
{
    SDL_Surface *s = SDL_ConvertSurfaceFormat(img, SDL_PIXELFORMAT_ARGB8888, 0);
    int n = 0;
    for (int y = r.y + skip_top; y < r.y + r.h - 4; y++)
        for (int x = r.x + 4; x < r.x + r.w - 4; x++) {
            Uint32 p = ((Uint32 *)((char *)s->pixels + y * s->pitch))[x];
            Uint8 pr = (Uint8)(p >> 16), pg = (Uint8)(p >> 8), pb = (Uint8)p;
            if (abs(pr - panel.r) + abs(pg - panel.g) + abs(pb - panel.b) > 24)
                n++;
        }
    SDL_FreeSurface(s);
    return n;
}

static void check_panels(const char *file, const char *png, bool exec)
{
    SDL_Rect rects[SIM_PANEL__COUNT];
    panels_of(file, rects, SIM_THEME_DARK);
    sim_theme th;
    sim_theme_get(SIM_THEME_DARK, false, &th);
    SDL_Surface *img = IMG_Load(png);
    assert_non_null(img);
    assert_int_equal(img->w, 1280);
    assert_int_equal(img->h, 720);
    static const char *const names[] = {"source", "loop", "ready", "timers", "waiting",
                                        "executor", "output", "narration", "status"};
    for (int p = 0; p < SIM_PANEL__COUNT; p++) {
        if (p == SIM_PANEL_EXEC && !exec)
            continue;
        /* Skip the title row: the content itself must be there. */
        int skip = p == SIM_PANEL_STATUS ? 2 : 24;
        SDL_Color bg = p == SIM_PANEL_STATUS ? th.bg : th.panel;
        int n = content_pixels(img, rects[p], bg, skip);
        if (n < 150)
            fail_msg("%s: the %s panel looks empty (%d pixels of content)", png, names[p], n);
    }
    SDL_FreeSurface(img);
}

static bool same_pixels(const char *a, const char *b)
{
    SDL_Surface *x = IMG_Load(a), *y = IMG_Load(b);
    assert_non_null(x);
    assert_non_null(y);
    SDL_Surface *cx = SDL_ConvertSurfaceFormat(x, SDL_PIXELFORMAT_ARGB8888, 0);
    SDL_Surface *cy = SDL_ConvertSurfaceFormat(y, SDL_PIXELFORMAT_ARGB8888, 0);
    bool same = cx->w == cy->w && cx->h == cy->h;
    for (int r = 0; same && r < cx->h; r++)
        same = memcmp((char *)cx->pixels + r * cx->pitch, (char *)cy->pixels + r * cy->pitch,
                      (size_t)cx->w * 4) == 0;
    SDL_FreeSurface(x);
    SDL_FreeSurface(y);
    SDL_FreeSurface(cx);
    SDL_FreeSurface(cy);
    return same;
}

static const char *out(const char *name)
{
    static char buf[8][8192];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", out_dir, name);
    return buf[k];
}

/* ------------------------------------------------------------------------ */

static void test_panels_have_content(void **state)
{
    (void)state;
    /* Steps chosen where every panel has something to show. */
    struct { const char *trace, *step; bool exec; } cases[] = {
        {"executor", "11", true},  {"executor", "24", true}, {"two_tasks", "14", false},
        {"exception", "14", false}, {"cancel", "13", false}, {"deadlock", "14", false},
        {"hello", "7", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char name[128];
        snprintf(name, sizeof name, "%s-%s.png", cases[i].trace, cases[i].step);
        assert_int_equal(render(trace_path(cases[i].trace), cases[i].step, out(name), NULL, NULL),
                         0);
        check_panels(trace_path(cases[i].trace), out(name), cases[i].exec);
    }
}

/* The same on real lessons: golden traces, and a scenario file run on the
 * spot (what `loopscope render FILE.py` does). */
static void test_lesson_panels_have_content(void **state)
{
    (void)state;
    struct { const char *file, *step; bool exec; } cases[] = {
        {"tests/golden/06_run_in_executor.jsonl", "11", true},
        {"scenarios/06_run_in_executor.py", "29", true},
        {"tests/golden/07_custom_executor.jsonl", "13", true},
        {"tests/golden/03_tasks_create_task.jsonl", "20", false},
        {"tests/golden/14_gather.jsonl", "15", false},
        {"tests/golden/21_locks_and_semaphores.jsonl", "24", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char file[4096], name[128];
        snprintf(file, sizeof file, "%s/%s", LOOPSCOPE_SOURCE_DIR, cases[i].file);
        snprintf(name, sizeof name, "lesson%zu-%s.png", i, cases[i].step);
        assert_int_equal(render(file, cases[i].step, out(name), NULL, NULL), 0);
        check_panels(file, out(name), cases[i].exec);
    }
}

static void test_steps_differ_and_repeat(void **state)
{
    (void)state;
    assert_int_equal(render(trace_path("two_tasks"), "5", out("a5.png"), NULL, NULL), 0);
    assert_int_equal(render(trace_path("two_tasks"), "6", out("a6.png"), NULL, NULL), 0);
    assert_int_equal(render(trace_path("two_tasks"), "5", out("b5.png"), NULL, NULL), 0);
    assert_false(same_pixels(out("a5.png"), out("a6.png")));
    /* The same step renders to the same bytes. */
    size_t la = 0, lb = 0;
    char *a = slurp(out("a5.png"), &la), *b = slurp(out("b5.png"), &lb);
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(la, lb);
    assert_memory_equal(a, b, la);
    free(a);
    free(b);
    /* Themes and projector mode change the picture. */
    assert_int_equal(render(trace_path("two_tasks"), "5", out("l5.png"), "--theme", "light"), 0);
    assert_int_equal(render(trace_path("two_tasks"), "5", out("p5.png"), "--projector", NULL), 0);
    assert_false(same_pixels(out("a5.png"), out("l5.png")));
    assert_false(same_pixels(out("a5.png"), out("p5.png")));
    /* Another size. */
    assert_int_equal(render(trace_path("two_tasks"), "5", out("big5.png"), "--size", "1920x1080"),
                     0);
    SDL_Surface *img = IMG_Load(out("big5.png"));
    assert_int_equal(img->w, 1920);
    assert_int_equal(img->h, 1080);
    SDL_FreeSurface(img);
}

static void test_render_all(void **state)
{
    (void)state;
    assert_int_equal(render(trace_path("hello"), NULL, out("hello-all"), NULL, NULL), 0);
    for (int s = 1; s <= 12; s++) {
        char name[64];
        snprintf(name, sizeof name, "hello-all/step-%05d.png", s);
        struct stat st;
        if (stat(out(name), &st) != 0)
            fail_msg("missing %s", name);
    }
    struct stat st;
    assert_int_not_equal(stat(out("hello-all/step-00013.png"), &st), 0);
}

static void test_render_errors(void **state)
{
    (void)state;
    /* A step past the end, a missing trace, a bad option: exit 2. */
    assert_int_equal(render(trace_path("hello"), "13", out("x.png"), NULL, NULL), 2);
    assert_int_equal(render("/nonexistent.jsonl", "1", out("x.png"), NULL, NULL), 2);
    assert_int_equal(render(trace_path("hello"), "1", out("x.png"), "--theme", "pink"), 2);
    assert_int_equal(render(trace_path("hello"), "1", out("x.png"), "--size", "9x9"), 2);
    char *argv[] = {"render", (char *)trace_path("hello"), "--step", "1", NULL};
    assert_int_equal(sim_render_main(4, argv), 2); /* no -o */
    /* A truncated trace is refused with file:line. */
    const char *bad = out("cut.jsonl");
    size_t len = 0;
    char *text = slurp(trace_path("hello"), &len);
    FILE *f = fopen(bad, "wb");
    fwrite(text, 1, len - 20, f);
    fclose(f);
    free(text);
    assert_int_equal(render(bad, "1", out("x.png"), NULL, NULL), 2);
}

static void test_view_without_display(void **state)
{
    (void)state;
    char *keep_drv = getenv("SDL_VIDEODRIVER") ? strdup(getenv("SDL_VIDEODRIVER")) : NULL;
    char *keep_disp = getenv("DISPLAY") ? strdup(getenv("DISPLAY")) : NULL;
    unsetenv("SDL_VIDEODRIVER");
    unsetenv("DISPLAY");
    unsetenv("WAYLAND_DISPLAY");
    char *argv[] = {"view", (char *)trace_path("hello"), NULL};
    assert_int_equal(sim_view_main(2, argv), 2);
    char *bad[] = {"view", NULL};
    assert_int_equal(sim_view_main(1, bad), 2);
    if (keep_drv)
        setenv("SDL_VIDEODRIVER", keep_drv, 1);
    if (keep_disp)
        setenv("DISPLAY", keep_disp, 1);
    free(keep_drv);
    free(keep_disp);
}

/* The click map finds the task under a card; a second frame of the same
 * state renders no new strings. */
static void test_hits_and_text_cache(void **state)
{
    (void)state;
    rt_trace *tr;
    rt_trace_error err;
    assert_int_equal(rt_trace_read(trace_path("two_tasks"), 0, &tr, &err), 0);
    sim_timeline *tl = sim_timeline_new(tr);
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, 1280, 720, 32, SDL_PIXELFORMAT_ARGB8888);
    SDL_Renderer *r = SDL_CreateSoftwareRenderer(s);
    sim_gfx g;
    char why[200];
    assert_int_equal(sim_gfx_init(&g, r, NULL, NULL, why, sizeof why), 0);
    sim_view v;
    sim_view_init(&v, tl);
    sim_view_go(&v, 14, false);
    sim_draw(&g, &v, 1280, 720);
    size_t h0, m0, h1, m1;
    sim_text_stats(g.text, &h0, &m0);
    sim_draw(&g, &v, 1280, 720);
    sim_text_stats(g.text, &h1, &m1);
    assert_int_equal(m1, m0);
    assert_true(h1 > h0);
    int found = 0;
    for (int i = 0; i < v.nhits; i++) {
        if (v.hits[i].what != SIM_HIT_TASK)
            continue;
        uint64_t id = 0;
        SDL_Rect rc = v.hits[i].r;
        assert_int_equal(sim_view_hit(&v, rc.x + rc.w / 2, rc.y + rc.h / 2, &id), SIM_HIT_TASK);
        assert_true(id > 0);
        found++;
    }
    assert_true(found >= 3); /* Task-2 running, main and Task-3 waiting */
    /* The details overlay draws for a selected task. */
    v.selected = 1;
    sim_draw(&g, &v, 1280, 720);
    v.help = true;
    sim_draw(&g, &v, 1280, 720);
    /* Animation frames between two steps draw too. */
    sim_view_go(&v, 15, true);
    for (int k = 0; k <= 4; k++) {
        v.anim = k / 4.0f;
        sim_draw(&g, &v, 1280, 720);
    }
    sim_view_deinit(&v);
    sim_gfx_deinit(&g);
    SDL_DestroyRenderer(r);
    SDL_FreeSurface(s);
    sim_timeline_free(tl);
    rt_trace_free(tr);
}


static void test_bench(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_int_equal(sim_bench_frames(f), 0);
    fclose(f);
    print_message("%s", text);
    const char *p = strstr(text, "frame_ms_1000_tasks: ");
    const char *q = strstr(text, "seek_ms_100k_events: ");
    assert_non_null(p);
    assert_non_null(q);
    double frame = atof(p + strlen("frame_ms_1000_tasks: "));
    double seek = atof(q + strlen("seek_ms_100k_events: "));
    /* The figures are checked for shape only: speed claims live in
     * `loopscope bench`, not in timed tests. */
    assert_true(frame > 0);
    assert_true(seek >= 0);
    free(text);
}

static int setup(void **state)
{
    (void)state;
    const char *d = getenv("LOOPSCOPE_TRACE_OUT");
    snprintf(out_dir, sizeof out_dir, "%s/render", d && *d ? d : ".");
    mkdir(d && *d ? d : ".", 0777);
    mkdir(out_dir, 0777);
    if (SDL_Init(0) != 0 || !(IMG_Init(IMG_INIT_PNG) & IMG_INIT_PNG))
        return -1;
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_panels_have_content),
        cmocka_unit_test(test_lesson_panels_have_content),
        cmocka_unit_test(test_steps_differ_and_repeat),
        cmocka_unit_test(test_render_all),
        cmocka_unit_test(test_render_errors),
        cmocka_unit_test(test_view_without_display),
        cmocka_unit_test(test_hits_and_text_cache),
        cmocka_unit_test(test_bench),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
