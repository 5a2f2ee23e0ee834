/*
** maps.c — the built-in segment maps and user code maps; see maps.h.
**
** The built-in maps are written as the grids of DESIGN.md, so that the
** code reads like the documentation: rfm11 is a 5x5 grid over R (rows,
** 5 at the top) and FM = ceil((F+M)/2) (columns); rf10 the same over R and
** F; rfm5 a merge table over rfm11's segments.
*/
#include "maps.h"

#include <string.h>

#include "alloc.h"

/* ---- rfm11 ---------------------------------------------------------- */

enum {
  CHAMPIONS, LOYAL_CUSTOMERS, POTENTIAL_LOYALIST, NEW_CUSTOMERS, PROMISING,
  NEED_ATTENTION, ABOUT_TO_SLEEP, AT_RISK, CANT_LOSE_THEM, HIBERNATING, LOST
};

static const char *const rfm11_segments[] = {
    "Champions",      "Loyal Customers", "Potential Loyalist", "New Customers",
    "Promising",      "Need Attention",  "About To Sleep",     "At Risk",
    "Can't Lose Them", "Hibernating",    "Lost"};

/* Rows R = 5..1 from the top, columns FM = 1..5. */
static const unsigned char rfm11_grid[5][5] = {
    /* R=5 */ {NEW_CUSTOMERS, POTENTIAL_LOYALIST, POTENTIAL_LOYALIST, CHAMPIONS, CHAMPIONS},
    /* R=4 */ {PROMISING, POTENTIAL_LOYALIST, LOYAL_CUSTOMERS, CHAMPIONS, CHAMPIONS},
    /* R=3 */ {ABOUT_TO_SLEEP, NEED_ATTENTION, NEED_ATTENTION, LOYAL_CUSTOMERS, LOYAL_CUSTOMERS},
    /* R=2 */ {HIBERNATING, HIBERNATING, AT_RISK, AT_RISK, CANT_LOSE_THEM},
    /* R=1 */ {LOST, LOST, AT_RISK, CANT_LOSE_THEM, CANT_LOSE_THEM},
};

static int rfm11_index(int r, int f, int m) {
  int fm = (f + m + 1) / 2; /* ceil((f+m)/2) */
  return rfm11_grid[5 - r][fm - 1];
}

/* ---- rfm5: rfm11 merged --------------------------------------------- */

enum { M_CHAMPIONS, M_LOYAL, M_NEW, M_NEEDS_ATTENTION, M_LOST };

static const char *const rfm5_segments[] = {"Champions", "Loyal", "New",
                                            "Needs Attention", "Lost"};

static const unsigned char rfm5_merge[] = {
    [CHAMPIONS] = M_CHAMPIONS,         [LOYAL_CUSTOMERS] = M_LOYAL,
    [POTENTIAL_LOYALIST] = M_LOYAL,    [NEW_CUSTOMERS] = M_NEW,
    [PROMISING] = M_NEW,               [NEED_ATTENTION] = M_NEEDS_ATTENTION,
    [ABOUT_TO_SLEEP] = M_NEEDS_ATTENTION, [AT_RISK] = M_NEEDS_ATTENTION,
    [CANT_LOSE_THEM] = M_NEEDS_ATTENTION, [HIBERNATING] = M_LOST,
    [LOST] = M_LOST};

static int rfm5_index(int r, int f, int m) {
  return rfm5_merge[rfm11_index(r, f, m)];
}

/* ---- rf10: the common R x F map, anchored ----------------------------- */
/* The regex map found in many notebooks ('[1-2][1-2]' -> hibernating, ...,
** '5[4-5]' -> champions) written as the 5x5 partition it is meant to be. */

enum {
  F_CHAMPIONS, F_LOYAL, F_POTENTIAL, F_NEW, F_PROMISING, F_NEED_ATTENTION,
  F_ABOUT_TO_SLEEP, F_AT_RISK, F_CANT_LOSE, F_HIBERNATING
};

static const char *const rf10_segments[] = {
    "Champions",      "Loyal Customers", "Potential Loyalist", "New Customers",
    "Promising",      "Need Attention",  "About To Sleep",     "At Risk",
    "Can't Lose Them", "Hibernating"};

/* Rows R = 5..1 from the top, columns F = 1..5. */
static const unsigned char rf10_grid[5][5] = {
    /* R=5 */ {F_NEW, F_POTENTIAL, F_POTENTIAL, F_CHAMPIONS, F_CHAMPIONS},
    /* R=4 */ {F_PROMISING, F_POTENTIAL, F_POTENTIAL, F_LOYAL, F_LOYAL},
    /* R=3 */ {F_ABOUT_TO_SLEEP, F_ABOUT_TO_SLEEP, F_NEED_ATTENTION, F_LOYAL, F_LOYAL},
    /* R=2 */ {F_HIBERNATING, F_HIBERNATING, F_AT_RISK, F_AT_RISK, F_CANT_LOSE},
    /* R=1 */ {F_HIBERNATING, F_HIBERNATING, F_AT_RISK, F_AT_RISK, F_CANT_LOSE},
};

static int rf10_index(int r, int f, int m) {
  (void)m;
  return rf10_grid[5 - r][f - 1];
}

/* ---- the registry ------------------------------------------------------ */

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const seg_builtin_map builtin_maps[] = {
    {"rfm11", "11 segments on R and FM = ceil((F+M)/2)", COUNT(rfm11_segments),
     rfm11_segments, rfm11_index},
    {"rfm5", "rfm11 merged into 5 segments", COUNT(rfm5_segments),
     rfm5_segments, rfm5_index},
    {"rf10", "10 segments on R and F (the common R x F map)",
     COUNT(rf10_segments), rf10_segments, rf10_index},
};

int seg_builtin_map_count(void) { return COUNT(builtin_maps); }

const seg_builtin_map *seg_builtin_map_at(int i) {
  return (i >= 0 && i < COUNT(builtin_maps)) ? &builtin_maps[i] : NULL;
}

const seg_builtin_map *seg_builtin_map_find(const char *name) {
  for (int i = 0; name && i < COUNT(builtin_maps); i++)
    if (strcmp(builtin_maps[i].name, name) == 0) return &builtin_maps[i];
  return NULL;
}

const char *seg_builtin_map_segment(const seg_builtin_map *map, int r, int f,
                                    int m) {
  if (r < 1 || r > SEG_MAP_MAX_SCORE || f < 1 || f > SEG_MAP_MAX_SCORE ||
      m < 1 || m > SEG_MAP_MAX_SCORE)
    return NULL;
  return map->segments[map->segment_index(r, f, m)];
}

const char *seg_builtin_map_names(void) { return "rfm11, rfm5 or rf10"; }

/* ---- user code maps ------------------------------------------------------ */

struct seg_codemap {
  char *names[1000]; /* by code; NULL = no row */
};

seg_codemap *seg_codemap_new(void) {
  seg_codemap *map = seg_malloc(sizeof *map);
  if (map) memset(map, 0, sizeof *map);
  return map;
}

void seg_codemap_free(seg_codemap *map) {
  if (!map) return;
  for (int i = 0; i < 1000; i++) seg_free(map->names[i]);
  seg_free(map);
}

int seg_codemap_add(seg_codemap *map, int code, const char *name,
                    const char **previous) {
  if (code < 0 || code > 999) return -2;
  if (map->names[code]) {
    if (strcmp(map->names[code], name) == 0) return 0;
    if (previous) *previous = map->names[code];
    return 1;
  }
  map->names[code] = seg_strndup(name, strlen(name));
  return map->names[code] ? 0 : -1;
}

const char *seg_codemap_segment(const seg_codemap *map, int code) {
  if (code < 0 || code > 999 || !map->names[code]) return SEG_OTHER_SEGMENT;
  return map->names[code];
}
