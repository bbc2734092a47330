/*
 * test_timer.c - the timer heap and timer firing order, compared with
 * CPython 3.11.
 *
 * In the spirit of libuv's test-timer-order, but the reference is asyncio:
 * equal deadlines fire in heapq's order, not FIFO. The expected orders
 * below were produced once with CPython 3.11.7 by this snippet:
 *
 *   import asyncio
 *   def order(delays, cancel=()):
 *       loop = asyncio.new_event_loop()
 *       out = []
 *       t0 = loop.time()
 *       hs = [loop.call_at(t0 + d, out.append, i)
 *             for i, d in enumerate(delays)]
 *       for i in cancel: hs[i].cancel()
 *       loop.call_at(t0 + max(delays) + 1, loop.stop)
 *       loop.run_forever()
 *       return out
 *
 *   order_seven        = order([1]*7)
 *   order_sixteen      = order([1]*16)
 *   order_mixed        = order([2,1,2,1,2,1,3,1,2,3])
 *   order_mod5         = order([(i*7)%5 for i in range(50)])
 *   order_compact      = order([1]*300, cancel=range(0,200))
 *   order_lazy         = order([1]*300, cancel=range(0,300,3))
 *   order_compact_mod3 = order([1]*300,
 *                              cancel=[i for i in range(300) if i%3!=0])
 *
 * (call_at with one t0, because call_later(1) on CPython's real clock gives
 * slightly different deadlines; on the virtual clock they are equal.)
 */
#include "support.h"

static const int order_seven[7] = {
    0, 2, 6, 5, 1, 3, 4
};
static const int order_sixteen[16] = {
    0, 2, 6, 14, 13, 15, 5, 11, 12, 10, 9, 8, 7, 1, 3, 4
};
static const int order_mixed[10] = {
    1, 5, 3, 7, 2, 0, 4, 8, 6, 9
};
static const int order_mod5[50] = {
    0, 5, 30, 25, 10, 20, 45, 40, 15, 35, 13, 28, 23, 48, 43, 3, 38, 18, 8,
    33, 6, 26, 11, 46, 21, 41, 1, 36, 16, 31, 14, 29, 44, 49, 39, 24, 9, 19,
    4, 34, 37, 32, 27, 47, 42, 2, 7, 22, 17, 12
};
static const int order_compact[100] = {
    262, 230, 214, 206, 202, 200, 261, 249, 223, 297, 247, 295, 201, 293,
    245, 291, 221, 289, 243, 287, 209, 285, 241, 283, 219, 281, 239, 279,
    203, 277, 237, 275, 217, 273, 235, 271, 207, 269, 233, 267, 215, 265,
    231, 263, 260, 259, 229, 213, 257, 227, 255, 205, 253, 225, 251, 211,
    299, 248, 296, 204, 292, 244, 288, 220, 284, 240, 280, 208, 276, 236,
    272, 216, 268, 232, 264, 258, 256, 228, 212, 252, 224, 298, 210, 290,
    242, 282, 218, 274, 234, 266, 254, 250, 226, 222, 286, 238, 270, 294,
    278, 246
};
static const int order_lazy[200] = {
    2, 14, 62, 254, 253, 299, 298, 296, 295, 293, 292, 290, 289, 287, 286,
    284, 283, 281, 280, 278, 277, 275, 274, 272, 271, 269, 268, 266, 265,
    263, 262, 260, 259, 257, 256, 125, 251, 250, 248, 247, 245, 244, 242,
    241, 239, 238, 236, 235, 233, 232, 230, 229, 227, 226, 224, 223, 221,
    220, 218, 217, 215, 214, 212, 211, 209, 208, 206, 205, 203, 202, 200,
    199, 197, 196, 194, 193, 191, 190, 188, 187, 185, 184, 182, 181, 179,
    178, 176, 175, 173, 172, 170, 169, 167, 166, 164, 163, 161, 160, 158,
    157, 155, 154, 152, 151, 149, 148, 146, 145, 143, 142, 140, 139, 137,
    136, 134, 133, 131, 130, 128, 127, 61, 124, 122, 121, 119, 118, 116,
    115, 113, 112, 110, 109, 107, 106, 104, 103, 101, 100, 98, 97, 95, 94,
    92, 91, 89, 88, 86, 85, 83, 82, 80, 79, 77, 76, 74, 73, 71, 70, 68, 67,
    65, 64, 29, 59, 58, 56, 55, 53, 52, 50, 49, 47, 46, 44, 43, 41, 40, 38,
    37, 35, 34, 32, 31, 13, 28, 26, 25, 23, 22, 20, 19, 17, 16, 5, 11, 10,
    8, 7, 1, 4
};
static const int order_compact_mod3[100] = {
    186, 90, 42, 18, 6, 0, 183, 147, 69, 291, 141, 285, 3, 279, 135, 273,
    63, 267, 129, 261, 27, 255, 123, 249, 57, 243, 117, 237, 9, 231, 111,
    225, 51, 219, 105, 213, 21, 207, 99, 201, 45, 195, 93, 189, 180, 177,
    87, 39, 171, 81, 165, 15, 159, 75, 153, 33, 297, 144, 288, 12, 276, 132,
    264, 60, 252, 120, 240, 24, 228, 108, 216, 48, 204, 96, 192, 174, 168,
    84, 36, 156, 72, 294, 30, 270, 126, 246, 54, 222, 102, 198, 162, 150,
    78, 66, 258, 114, 210, 282, 234, 138
};

/* Where fired callbacks record their index. */
typedef struct fired {
    int order[400];
    int n;
} fired;

static void record_cb(rt_loop *loop, rt_handle *h)
{
    fired *f = h->data;
    f->order[f->n++] = (int)h->arg.u.i;
}

static void stop_cb(rt_loop *loop, rt_handle *h) { rt_loop_stop(loop); }

/* Runs the snippet above on the runtime and compares with CPython. */
static void check_order(const double *delays, int n, const int *cancel,
                        int ncancel, const int *expected, int nexpected)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, false);
    fired f = {{0}, 0};
    rt_handle **hs = calloc((size_t)n, sizeof *hs);
    double t0 = rt_loop_time(e.loop), max = 0;
    for (int i = 0; i < n; i++) {
        assert_int_equal(rt_loop_call_at(e.loop, t0 + delays[i], record_cb, &f,
                                         NULL, rt_int(i), &hs[i]),
                         RT_OK);
        if (delays[i] > max)
            max = delays[i];
    }
    for (int i = 0; i < ncancel; i++)
        rt_handle_cancel(hs[cancel[i]]);
    assert_int_equal(rt_loop_call_at(e.loop, t0 + max + 1, stop_cb, NULL,
                                     NULL, RT_NONE, NULL),
                     RT_OK);
    assert_int_equal(rt_loop_run_forever(e.loop), RT_OK);
    assert_int_equal(f.n, nexpected);
    for (int i = 0; i < nexpected; i++)
        if (f.order[i] != expected[i])
            fail_msg("position %d: fired %d, CPython fired %d", i, f.order[i],
                     expected[i]);
    for (int i = 0; i < n; i++)
        rt_handle_release(hs[i]);
    free(hs);
    tenv_free(&e);
}

static void fill(double *d, int n, double v)
{
    for (int i = 0; i < n; i++)
        d[i] = v;
}

static void test_seven_equal_deadlines(void **state)
{
    double d[7];
    fill(d, 7, 1.0);
    check_order(d, 7, NULL, 0, order_seven, 7);
    /* The brief's example, spelled out. */
    assert_int_equal(order_seven[1], 2);
    assert_int_equal(order_seven[2], 6);
}

static void test_sixteen_equal_deadlines(void **state)
{
    double d[16];
    fill(d, 16, 1.0);
    check_order(d, 16, NULL, 0, order_sixteen, 16);
}

static void test_mixed_deadlines(void **state)
{
    double d[10] = {2, 1, 2, 1, 2, 1, 3, 1, 2, 3};
    check_order(d, 10, NULL, 0, order_mixed, 10);
}

static void test_mod5_deadlines(void **state)
{
    double d[50];
    for (int i = 0; i < 50; i++)
        d[i] = (i * 7) % 5;
    check_order(d, 50, NULL, 0, order_mod5, 50);
}

/* 300 timers, 200 cancelled: 200/301 > 1/2, so the first iteration
 * rebuilds the heap with heapify, which reorders the ties. */
static void test_compaction_order(void **state)
{
    double d[300];
    int c[200];
    fill(d, 300, 1.0);
    for (int i = 0; i < 200; i++)
        c[i] = i;
    check_order(d, 300, c, 200, order_compact, 100);
}

/* 100 of 301 cancelled: no compaction; cancelled ones are popped lazily. */
static void test_lazy_deletion_order(void **state)
{
    double d[300];
    int c[100];
    fill(d, 300, 1.0);
    for (int i = 0; i < 100; i++)
        c[i] = 3 * i;
    check_order(d, 300, c, 100, order_lazy, 200);
}

static void test_compaction_order_scattered(void **state)
{
    double d[300];
    int c[200], nc = 0;
    fill(d, 300, 1.0);
    for (int i = 0; i < 300; i++)
        if (i % 3 != 0)
            c[nc++] = i;
    check_order(d, 300, c, nc, order_compact_mod3, 100);
}

/* The compaction itself: counts before and after the first iteration. */
static void test_compaction_counts(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, false);
    fired f = {{0}, 0};
    rt_handle *hs[300];
    for (int i = 0; i < 300; i++)
        assert_int_equal(rt_loop_call_at(e.loop, 5.0, record_cb, &f, NULL,
                                         rt_int(i), &hs[i]),
                         RT_OK);
    for (int i = 0; i < 200; i++)
        rt_handle_cancel(hs[i]);
    assert_int_equal(rt_loop_timer_count(e.loop), 300);
    assert_loop_ok(e.loop);
    assert_int_equal(rt_loop_run_once(e.loop), RT_OK);
    /* Compacted to the 100 live ones, then all due at t=5 fired. */
    assert_int_equal(rt_loop_timer_count(e.loop), 0);
    assert_int_equal(f.n, 100);
    for (int i = 0; i < 300; i++) {
        assert_false(hs[i]->scheduled);
        rt_handle_release(hs[i]);
    }
    tenv_free(&e);
}

/* Timers due within 1 ns of the clock fire in the same pass. */
static void test_resolution(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, false);
    fired f = {{0}, 0};
    rt_loop_call_at(e.loop, 1.0, record_cb, &f, NULL, rt_int(0), NULL);
    rt_loop_call_at(e.loop, 1.0 + 5e-10, record_cb, &f, NULL, rt_int(1), NULL);
    rt_loop_call_at(e.loop, 1.0 + 3e-9, record_cb, &f, NULL, rt_int(2), NULL);
    assert_int_equal(rt_loop_run_once(e.loop), RT_OK);
    assert_int_equal(f.n, 2);
    assert_true(rt_loop_time(e.loop) == 1.0);
    assert_int_equal(rt_loop_run_once(e.loop), RT_OK);
    assert_int_equal(f.n, 3);
    assert_int_equal(f.order[2], 2);
    tenv_free(&e);
}

/* The clock lands on now + (when - now), Python's float sum, which is not
 * always `when`; the timer still fires thanks to the 1 ns resolution. */
static void test_clock_arithmetic(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, false);
    fired f = {{0}, 0};
    const double a = 411.8573772918771, b = 30139.0365676647;
    rt_loop_call_at(e.loop, a, record_cb, &f, NULL, rt_int(0), NULL);
    rt_loop_call_at(e.loop, b, record_cb, &f, NULL, rt_int(1), NULL);
    assert_int_equal(rt_loop_run_once(e.loop), RT_OK);
    assert_true(rt_loop_time(e.loop) == a);
    assert_int_equal(rt_loop_run_once(e.loop), RT_OK);
    /* Python: 411.8573772918771 + (30139.0365676647 - 411.8573772918771)
     * == 30139.036567664698 */
    if (rt_loop_time(e.loop) != 30139.036567664698)
        fail_msg("clock %.17g", rt_loop_time(e.loop));
    assert_true(rt_loop_time(e.loop) != b);
    assert_int_equal(f.n, 2);
    tenv_free(&e);
}

/* A select never waits more than a day (MAXIMUM_SELECT_TIMEOUT). */
static void test_max_select_timeout(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, false);
    fired f = {{0}, 0};
    rt_loop_call_later(e.loop, 100000.0, record_cb, &f, NULL, rt_int(0), NULL);
    assert_int_equal(rt_loop_run_once(e.loop), RT_OK);
    assert_true(rt_loop_time(e.loop) == 86400.0);
    assert_int_equal(f.n, 0);
    assert_int_equal(rt_loop_run_once(e.loop), RT_OK);
    assert_true(rt_loop_time(e.loop) == 100000.0);
    assert_int_equal(f.n, 1);
    tenv_free(&e);
}

/* Handle.cancel drops the callback's target and argument at once. */
static void test_cancel_releases_target(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, false);
    rt_value exc = texc_new("ValueError", "held");
    rt_object *obj = exc.u.p;
    rt_handle *h;
    assert_int_equal(rt_loop_call_later(e.loop, 1.0, record_cb, NULL, obj,
                                        exc, &h),
                     RT_OK);
    assert_int_equal(obj->refs, 3); /* ours, target, arg */
    rt_handle_cancel(h);
    assert_true(h->cancelled);
    assert_int_equal(obj->refs, 1);
    rt_handle_cancel(h); /* idempotent */
    assert_int_equal(rt_loop_timer_count(e.loop), 1); /* lazily deleted */
    /* The iteration pops it, then finds nothing to wait for: CPython would
     * block forever, the runtime reports a deadlock without moving time. */
    assert_int_equal(rt_loop_run_once(e.loop), RT_EDEADLOCK);
    assert_int_equal(rt_loop_timer_count(e.loop), 0);
    assert_true(rt_loop_time(e.loop) == 0.0);
    rt_handle_release(h);
    rt_value_release(exc);
    tenv_free(&e);
}

/* Events: timer.arm, timer.cancel, timer.fire, clock.advance. */
static void test_timer_events(void **state)
{
    tenv e;
    tenv_init(&e, RT_CLOCK_VIRTUAL, true);
    fired f = {{0}, 0};
    rt_handle *h;
    rt_loop_call_later(e.loop, 2.0, record_cb, &f, NULL, rt_int(0), NULL);
    rt_loop_call_later(e.loop, 1.0, record_cb, &f, NULL, rt_int(1), &h);
    rt_handle_cancel(h);
    rt_handle_release(h);
    assert_int_equal(run_until_idle(e.loop, 10), 1);
    assert_int_equal(e.rec.counts[RT_EV_TIMER_ARM], 2);
    assert_int_equal(e.rec.counts[RT_EV_TIMER_CANCEL], 1);
    assert_int_equal(e.rec.counts[RT_EV_TIMER_FIRE], 1);
    assert_int_equal(e.rec.counts[RT_EV_CLOCK_ADVANCE], 1);
    assert_non_null(strstr(e.rec.buf, "clock.advance loop=0 task=0 fut=0 "
                                      "h=0 job=0 ex=0 peer=0 w=-1 line=0 "
                                      "k2=0 n=0 when=2 name= type= "
                                      "text=timer"));
    assert_non_null(strstr(e.rec.buf, "timer.fire loop=1 task=0 fut=0 h=1"));
    tenv_free(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seven_equal_deadlines),
        cmocka_unit_test(test_sixteen_equal_deadlines),
        cmocka_unit_test(test_mixed_deadlines),
        cmocka_unit_test(test_mod5_deadlines),
        cmocka_unit_test(test_compaction_order),
        cmocka_unit_test(test_lazy_deletion_order),
        cmocka_unit_test(test_compaction_order_scattered),
        cmocka_unit_test(test_compaction_counts),
        cmocka_unit_test(test_resolution),
        cmocka_unit_test(test_clock_arithmetic),
        cmocka_unit_test(test_max_select_timeout),
        cmocka_unit_test(test_cancel_releases_target),
        cmocka_unit_test(test_timer_events),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
