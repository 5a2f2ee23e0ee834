/*
** alloc.c — the core's allocator hook; see alloc.h.
*/
#include "alloc.h"

#include <stdlib.h>
#include <string.h>

static seg_malloc_fn alloc_malloc = malloc;
static seg_realloc_fn alloc_realloc = realloc;
static seg_free_fn alloc_free = free;

void seg_set_allocator(seg_malloc_fn m, seg_realloc_fn r, seg_free_fn f) {
  if (m && r && f) {
    alloc_malloc = m;
    alloc_realloc = r;
    alloc_free = f;
  } else {
    alloc_malloc = malloc;
    alloc_realloc = realloc;
    alloc_free = free;
  }
}

void *seg_malloc(size_t n) { return alloc_malloc(n); }

void *seg_realloc(void *p, size_t n) { return alloc_realloc(p, n); }

void seg_free(void *p) {
  if (p) alloc_free(p);
}

char *seg_strndup(const char *s, size_t n) {
  char *copy = seg_malloc(n + 1);
  if (!copy) return NULL;
  memcpy(copy, s, n);
  copy[n] = 0;
  return copy;
}
