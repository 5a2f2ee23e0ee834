/*
** alloc.h — the one allocator of the core.
**
** The core (ext/core) never calls malloc directly: it calls seg_malloc,
** seg_realloc and seg_free.  By default they are the C library's; the
** extension points them at SQLite's allocator when it loads, so that an
** out-of-memory test that fails SQLite's Nth allocation reaches the core's
** allocations too, and so that sqlite3_memory_used() counts them.
**
**     seg_set_allocator(my_malloc, my_realloc, my_free);  // all three or none
**     double *a = seg_malloc(n * sizeof *a);  // NULL when out of memory
**     seg_free(a);                             // NULL is fine
**
** Sizes are size_t; a request of 0 bytes returns a valid pointer or NULL
** as the underlying allocator does, and callers must not rely on either.
*/
#ifndef SEGMENT_CORE_ALLOC_H
#define SEGMENT_CORE_ALLOC_H

#include <stddef.h>

typedef void *(*seg_malloc_fn)(size_t);
typedef void *(*seg_realloc_fn)(void *, size_t);
typedef void (*seg_free_fn)(void *);

void seg_set_allocator(seg_malloc_fn m, seg_realloc_fn r, seg_free_fn f);
void *seg_malloc(size_t n);
void *seg_realloc(void *p, size_t n);
void seg_free(void *p);

/* A copy of the first n bytes of s with a NUL after them, or NULL. */
char *seg_strndup(const char *s, size_t n);

#endif
