/*
 * alloc.c - the one allocator of the runtime and the interpreter, with
 * allocation-failure injection for tests.
 *
 * Every allocation goes through rt_malloc/rt_calloc/rt_realloc so that out
 * of memory has one policy (the caller gets NULL and reports RT_ENOMEM) and
 * the fault-injection tests can make the n-th allocation fail.
 */
#include <stdatomic.h>
#include <stdlib.h>

#include "rt.h"

/* Allocations left before injected failures start; negative: never. */
static _Atomic long fail_countdown = -1;

static bool should_fail(void)
{
    long n = atomic_load_explicit(&fail_countdown, memory_order_relaxed);
    if (n < 0)
        return false;
    if (n == 0)
        return true;
    atomic_fetch_sub_explicit(&fail_countdown, 1, memory_order_relaxed);
    return false;
}

void *rt_malloc(size_t size)
{
    if (should_fail())
        return NULL;
    return malloc(size ? size : 1);
}

void *rt_calloc(size_t count, size_t size)
{
    if (should_fail())
        return NULL;
    return calloc(count ? count : 1, size ? size : 1);
}

void *rt_realloc(void *ptr, size_t size)
{
    if (should_fail())
        return NULL;
    return realloc(ptr, size ? size : 1);
}

void rt_free(void *ptr) { free(ptr); }

void rt_alloc_fail_after(long n)
{
    atomic_store_explicit(&fail_countdown, n, memory_order_relaxed);
}
