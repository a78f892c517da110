/* bidsim/alloc.h - the one allocation pair every module uses, replaceable so
 * tests can inject out-of-memory (as libuv's uv_replace_allocator does). */
#ifndef BIDSIM_ALLOC_H
#define BIDSIM_ALLOC_H
#include <stddef.h>
#include "bidsim/export.h"

typedef void *(*bidsim_malloc_fn)(size_t size);
typedef void *(*bidsim_calloc_fn)(size_t count, size_t size);
typedef void *(*bidsim_realloc_fn)(void *ptr, size_t size);
typedef void  (*bidsim_free_fn)(void *ptr);

/** @brief Replace the allocator (all four or none). Not thread-safe: call
 *  before creating any object. Returns BIDSIM_EINVAL if a function is NULL. */
BIDSIM_API int bidsim_replace_allocator(bidsim_malloc_fn m, bidsim_calloc_fn c,
                                        bidsim_realloc_fn r, bidsim_free_fn f);

BIDSIM_API void *bidsim_malloc(size_t size);
BIDSIM_API void *bidsim_calloc(size_t count, size_t size);
BIDSIM_API void *bidsim_realloc(void *ptr, size_t size);
BIDSIM_API void  bidsim_free(void *ptr);
BIDSIM_API char *bidsim_strdup(const char *s);

#endif
