/* engine/alloc.c - the replaceable allocator. The function pointers are set
 * once before any object exists; they are the engine's only process-wide
 * state and are never written on a hot path. */
#include <stdlib.h>
#include <string.h>
#include "bidsim/alloc.h"
#include "bidsim/error.h"

static struct {
  bidsim_malloc_fn m;
  bidsim_calloc_fn c;
  bidsim_realloc_fn r;
  bidsim_free_fn f;
} allocator = { malloc, calloc, realloc, free };

int bidsim_replace_allocator(bidsim_malloc_fn m, bidsim_calloc_fn c,
                             bidsim_realloc_fn r, bidsim_free_fn f) {
  if (!m || !c || !r || !f) return BIDSIM_EINVAL;
  allocator.m = m; allocator.c = c; allocator.r = r; allocator.f = f;
  return BIDSIM_OK;
}

void *bidsim_malloc(size_t size) { return size ? allocator.m(size) : NULL; }
void *bidsim_calloc(size_t count, size_t size) { return (count && size) ? allocator.c(count, size) : NULL; }
void *bidsim_realloc(void *ptr, size_t size) { return allocator.r(ptr, size); }
void bidsim_free(void *ptr) { if (ptr) allocator.f(ptr); }

char *bidsim_strdup(const char *s) {
  if (s == NULL) return NULL;
  size_t n = strlen(s) + 1;
  char *d = bidsim_malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}
