/*
** maps.h — segment maps: from an RFM code to a segment's name.
**
** A map is a table of the codes r*100+f*10+m to segment names.  The
** built-in maps (DESIGN.md, "Maps") are partitions of the 5x5x5 score grid:
** every triple of scores 1..5 has exactly one segment, and every segment
** they name is reached by at least one triple.
**
**   rfm11  eleven segments on R and FM = ceil((F+M)/2)
**   rfm5   rfm11 merged into five
**   rf10   the common R x F map, ten segments, M ignored
**
** A user map is a table with the same shape as segment_map('rfm11'); the
** glue reads it into the same seg_codemap.  A code that no row of a user
** map names gets "Other".
**
**     const seg_builtin_map *bm = seg_builtin_map_find("rfm11");
**     const char *name = seg_builtin_map_segment(bm, 5, 4, 5);  // "Champions"
**
**     seg_codemap *m = seg_codemap_new();
**     seg_codemap_add(m, 555, "VIP");              // user rows
**     seg_codemap_segment(m, 555);                // "VIP"
**     seg_codemap_segment(m, 111);                // "Other"
**     seg_codemap_free(m);
*/
#ifndef SEGMENT_CORE_MAPS_H
#define SEGMENT_CORE_MAPS_H

#define SEG_OTHER_SEGMENT "Other"
#define SEG_MAP_MAX_SCORE 5    /* built-in maps cover scores 1..5 */

typedef struct seg_builtin_map {
  const char *name;            /* "rfm11" */
  const char *description;     /* one line, for docs and segment_map */
  int nsegments;
  const char *const *segments; /* in display order, best first */
  /* The index into segments of the scores r, f, m (each 1..5). */
  int (*segment_index)(int r, int f, int m);
} seg_builtin_map;

/* The built-in maps, in a fixed order: i = 0 .. seg_builtin_map_count()-1. */
int seg_builtin_map_count(void);
const seg_builtin_map *seg_builtin_map_at(int i);

/* The built-in map of that name (case-sensitive), or NULL. */
const seg_builtin_map *seg_builtin_map_find(const char *name);

/* The segment of scores r, f, m under a built-in map, or NULL when a score
** is outside 1..5. */
const char *seg_builtin_map_segment(const seg_builtin_map *map, int r, int f,
                                    int m);

/* "rfm11, rfm5 or rf10": the names, for error messages. */
const char *seg_builtin_map_names(void);

/* A user map: RFM codes 0..999 to names; unlisted codes give "Other". */
typedef struct seg_codemap seg_codemap;

seg_codemap *seg_codemap_new(void);         /* NULL when out of memory */
void seg_codemap_free(seg_codemap *map);    /* NULL is fine */

/* Give code (100..999) the segment name.  Returns 0; 1 when the code
** already has a different name (the map is ambiguous: *previous is set to
** that name); -1 when out of memory; -2 when code is outside 0..999. */
int seg_codemap_add(seg_codemap *map, int code, const char *name,
                    const char **previous);

/* The name of code, or "Other" when no row gives it one. */
const char *seg_codemap_segment(const seg_codemap *map, int code);

#endif
