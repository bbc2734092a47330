/*
 * timer.c - the timer heap: asyncio's `_scheduled` list, kept with heapq.
 *
 * The heap compares deadlines only, exactly as CPython's TimerHandle.__lt__
 * does, and moves items exactly as heapq does (Lib/heapq.py, which the C
 * _heapq module mirrors). That choice matters: timers with equal deadlines
 * do not fire first-in first-out. Seven call_later(1) callbacks registered
 * 0..6 fire as 0, 2, 6, 5, 1, 3, 4 in CPython, and they must here too, or a
 * scenario would print lines in a different order. libuv breaks ties by
 * start order; we deliberately do not.
 *
 * Cancelled timers stay in the heap (lazy deletion) until they reach the
 * top, or until more than half of over 100 timers are cancelled, when the
 * heap is rebuilt from the live ones (base_events.py _run_once).
 *
 * Each entry stores the deadline next to the handle pointer, so a sift
 * compares within the array and never touches handle memory: with a
 * million timers that is the difference between cache hits and misses.
 */
#include "rt_internal.h"

/* heapq's only comparison: `a < b` on the deadline. */
static inline bool timer_less(const rt__timer *a, const rt__timer *b)
{
    return a->when < b->when;
}

/* heapq._siftdown: moves the item at `pos` toward the root while it is
 * strictly less than its parent. `start` is the root of the subtree. */
static void sift_down(rt__timer *heap, size_t start, size_t pos)
{
    rt__timer item = heap[pos];
    while (pos > start) {
        size_t parent = (pos - 1) >> 1;
        if (timer_less(&item, &heap[parent])) {
            heap[pos] = heap[parent];
            pos = parent;
            continue;
        }
        break;
    }
    heap[pos] = item;
}

/* heapq._siftup: moves the smaller child up until a leaf is reached (the
 * right child when the left one is NOT less than it), puts the item there,
 * then sifts it back toward `pos` as heappush does. This is "bottom-up"
 * heapsort's trick: fewer comparisons, and a tie order of its own. */
static void sift_up(rt__timer *heap, size_t n, size_t pos)
{
    size_t start = pos;
    rt__timer item = heap[pos];
    size_t child = 2 * pos + 1;
    while (child < n) {
        /* The next level's candidates, 4*pos+3 .. 4*pos+6, are adjacent:
         * fetch them while this level is compared. With a million timers
         * the lower levels are cache misses, and this halves their cost. */
        __builtin_prefetch(&heap[2 * child + 1]);
        __builtin_prefetch(&heap[2 * child + 4]);
        size_t right = child + 1;
        if (right < n && !timer_less(&heap[child], &heap[right]))
            child = right;
        heap[pos] = heap[child];
        pos = child;
        child = 2 * pos + 1;
    }
    heap[pos] = item;
    sift_down(heap, start, pos);
}

/* Makes room for `n` more timers. RT_ENOMEM leaves the heap as it was. */
int rt__heap_reserve(rt_loop *loop, size_t n)
{
    if (loop->nheap + n <= loop->capheap)
        return RT_OK;
    size_t cap = loop->capheap ? loop->capheap : 16;
    while (cap < loop->nheap + n)
        cap *= 2;
    rt__timer *heap = rt_realloc(loop->heap, cap * sizeof *heap);
    if (!heap)
        return RT_ENOMEM;
    loop->heap = heap;
    loop->capheap = cap;
    return RT_OK;
}

/* heapq.heappush: append, then sift toward the root. The capacity must have
 * been reserved. The heap takes over the caller's reference to `h`. */
void rt__heap_push(rt_loop *loop, rt_handle *h)
{
    size_t pos = loop->nheap++;
    loop->heap[pos].when = h->when;
    loop->heap[pos].h = h;
    sift_down(loop->heap, 0, pos);
}

/* heapq.heappop: take the last item; if the heap is not empty then, put it
 * at the root and _siftup it; return the old root. The caller receives the
 * heap's reference. The heap must not be empty. */
rt_handle *rt__heap_pop(rt_loop *loop)
{
    rt__timer last = loop->heap[--loop->nheap];
    if (loop->nheap == 0)
        return last.h;
    rt_handle *top = loop->heap[0].h;
    loop->heap[0] = last;
    sift_up(loop->heap, loop->nheap, 0);
    return top;
}

/* heapq.heapify: _siftup over the indexes n/2-1 down to 0. */
void rt__heap_heapify(rt__timer *heap, size_t n)
{
    for (size_t i = n / 2; i-- > 0;)
        sift_up(heap, n, i);
}

/* Step 1 of _run_once. With more than 100 timers of which more than half
 * are cancelled, rebuilds the heap from the live ones (kept in array order,
 * then heapified); otherwise pops cancelled timers off the top. Handles are
 * released only once the heap is consistent again, because a release may
 * free objects whose clean-up schedules new timers. */
void rt__timers_prune(rt_loop *loop)
{
    size_t n = loop->nheap;
    if (n > RT__MIN_SCHEDULED_TIMERS &&
        (double)loop->ncancelled / (double)n > RT__CANCELLED_FRACTION) {
        /* Cancelled handles have already dropped their target (Handle.cancel
         * clears the callback), so `target` can chain them meanwhile. */
        rt_handle *dropped = NULL;
        size_t kept = 0;
        for (size_t i = 0; i < n; i++) {
            rt_handle *h = loop->heap[i].h;
            if (h->cancelled) {
                h->scheduled = false;
                h->target = (rt_object *)dropped;
                dropped = h;
            } else {
                loop->heap[kept++] = loop->heap[i];
            }
        }
        loop->nheap = kept;
        rt__heap_heapify(loop->heap, kept);
        loop->ncancelled = 0;
        while (dropped) {
            rt_handle *h = dropped;
            dropped = (rt_handle *)h->target;
            h->target = NULL;
            rt_handle_release(h);
        }
        return;
    }
    while (loop->nheap > 0 && loop->heap[0].h->cancelled) {
        loop->ncancelled--;
        rt_handle *h = rt__heap_pop(loop);
        h->scheduled = false;
        rt_handle_release(h);
    }
}
