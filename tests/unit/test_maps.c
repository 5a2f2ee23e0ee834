/*
** test_maps.c — segment maps (ext/core/maps.c).
**
** The built-in maps are checked against tables typed here independently
** of maps.c:
**   - rfm11 against the grid of DESIGN.md ("Maps"), over R and
**     FM = ceil((F+M)/2);
**   - rfm5 against the merge DESIGN.md describes, applied to that grid;
**   - rf10 against the regex map it comes from, written as patterns over
**     the two-character string "RF" (as the notebooks apply it with
**     str.replace(regex=True) on r+f), checked first to be a partition.
** Each map must be a partition of 1..5 x 1..5 x 1..5 whose every segment
** is reached, and give NULL outside it.
**
**   make build/unit/test_maps && ./build/unit/test_maps
*/
#include "testutil.h"

#include <string.h>

#include "maps.h"

/* ---- the independent tables ------------------------------------------- */

/* DESIGN.md's rfm11 grid, typed row by row: R = 5 at the top, FM = 1..5. */
static const char *const design_rfm11[5][5] = {
    /* R=5 */ {"New Customers", "Potential Loyalist", "Potential Loyalist", "Champions", "Champions"},
    /* R=4 */ {"Promising", "Potential Loyalist", "Loyal Customers", "Champions", "Champions"},
    /* R=3 */ {"About To Sleep", "Need Attention", "Need Attention", "Loyal Customers", "Loyal Customers"},
    /* R=2 */ {"Hibernating", "Hibernating", "At Risk", "At Risk", "Can't Lose Them"},
    /* R=1 */ {"Lost", "Lost", "At Risk", "Can't Lose Them", "Can't Lose Them"},
};

static const char *design_rfm11_name(int r, int f, int m) {
  int fm = (f + m) / 2 + (f + m) % 2; /* ceil((F+M)/2) */
  return design_rfm11[5 - r][fm - 1];
}

/* DESIGN.md: "Champions; Loyal (Loyal Customers, Potential Loyalist); New
** (New Customers, Promising); Needs Attention (Need Attention, About To
** Sleep, At Risk, Can't Lose Them); Lost (Hibernating, Lost)." */
static const struct {
  const char *from, *to;
} design_rfm5_merge[] = {
    {"Champions", "Champions"},
    {"Loyal Customers", "Loyal"},
    {"Potential Loyalist", "Loyal"},
    {"New Customers", "New"},
    {"Promising", "New"},
    {"Need Attention", "Needs Attention"},
    {"About To Sleep", "Needs Attention"},
    {"At Risk", "Needs Attention"},
    {"Can't Lose Them", "Needs Attention"},
    {"Hibernating", "Lost"},
    {"Lost", "Lost"},
};

static const char *design_rfm5_name(int r, int f, int m) {
  const char *from = design_rfm11_name(r, f, m);
  for (size_t i = 0; i < sizeof design_rfm5_merge / sizeof design_rfm5_merge[0]; i++)
    if (strcmp(design_rfm5_merge[i].from, from) == 0) return design_rfm5_merge[i].to;
  return NULL;
}

/* The notebooks' regex map over the string r+f, and our names for its
** segments. */
static const struct {
  const char *pattern, *notebook, *ours;
} rf10_regex[] = {
    {"[1-2][1-2]", "hibernating", "Hibernating"},
    {"[1-2][3-4]", "at_risk", "At Risk"},
    {"[1-2]5", "cant_loose", "Can't Lose Them"},
    {"3[1-2]", "about_to_sleep", "About To Sleep"},
    {"33", "need_attention", "Need Attention"},
    {"[3-4][4-5]", "loyal_customers", "Loyal Customers"},
    {"41", "promising", "Promising"},
    {"51", "new_customers", "New Customers"},
    {"[4-5][2-3]", "potential_loyalists", "Potential Loyalist"},
    {"5[4-5]", "champions", "Champions"},
};
#define N_RF10 ((int)(sizeof rf10_regex / sizeof rf10_regex[0]))

/* Does the pattern (literal characters and [a-b] classes only) match the
** whole of s?  Anchored at both ends. */
static int pattern_matches(const char *pattern, const char *s) {
  const char *p = pattern;
  for (; *s; s++) {
    if (!*p) return 0;
    if (*p == '[') {
      char lo = p[1], hi = p[3];
      assert_int_equal(p[2], '-');
      assert_int_equal(p[4], ']');
      if (*s < lo || *s > hi) return 0;
      p += 5;
    } else {
      if (*s != *p) return 0;
      p++;
    }
  }
  return *p == 0;
}

/* The one pattern that matches "RF", as an index into rf10_regex. */
static int rf10_pattern_of(int r, int f) {
  char rf[3] = {(char)('0' + r), (char)('0' + f), 0};
  int found = -1;
  for (int i = 0; i < N_RF10; i++) {
    if (pattern_matches(rf10_regex[i].pattern, rf)) {
      if (found >= 0) {
        print_error("'%s' matches both %s and %s\n", rf, rf10_regex[found].pattern,
                    rf10_regex[i].pattern);
        fail();
      }
      found = i;
    }
  }
  if (found < 0) {
    print_error("'%s' matches no pattern\n", rf);
    fail();
  }
  return found;
}

/* ---- helpers ----------------------------------------------------------- */

static const seg_builtin_map *find(const char *name) {
  const seg_builtin_map *map = seg_builtin_map_find(name);
  if (!map) {
    print_error("no built-in map '%s'\n", name);
    fail();
  }
  assert_string_equal(map->name, name);
  return map;
}

/* Every triple of 1..5 gives one of the map's segment names, the same as
** segment_index says; every name in the list is reached; scores outside
** 1..5 give NULL.  want(r, f, m), when given, is the expected name. */
static void check_partition(const seg_builtin_map *map,
                            const char *(*want)(int, int, int)) {
  int reached[32] = {0};
  assert_true(map->nsegments > 0 && map->nsegments <= 32);
  /* The names in the list are distinct. */
  for (int i = 0; i < map->nsegments; i++) {
    assert_non_null(map->segments[i]);
    for (int j = 0; j < i; j++) assert_string_not_equal(map->segments[i], map->segments[j]);
  }
  int triples = 0;
  for (int r = 1; r <= 5; r++)
    for (int f = 1; f <= 5; f++)
      for (int m = 1; m <= 5; m++) {
        const char *name = seg_builtin_map_segment(map, r, f, m);
        assert_non_null(name);
        int index = map->segment_index(r, f, m);
        assert_in_range(index, 0, map->nsegments - 1);
        assert_string_equal(name, map->segments[index]);
        reached[index]++;
        if (want) {
          const char *expect = want(r, f, m);
          if (!expect || strcmp(name, expect) != 0) {
            print_error("%s(%d,%d,%d): want %s, got %s\n", map->name, r, f, m,
                        expect ? expect : "(null)", name);
            fail();
          }
        }
        triples++;
      }
  assert_int_equal(triples, 125);
  for (int i = 0; i < map->nsegments; i++) {
    if (!reached[i]) {
      print_error("%s: segment '%s' is never reached\n", map->name, map->segments[i]);
      fail();
    }
  }
  /* Out of range in each position. */
  static const int bad[] = {-1, 0, 6, 9, 100};
  for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
    assert_null(seg_builtin_map_segment(map, bad[b], 3, 3));
    assert_null(seg_builtin_map_segment(map, 3, bad[b], 3));
    assert_null(seg_builtin_map_segment(map, 3, 3, bad[b]));
    assert_null(seg_builtin_map_segment(map, bad[b], bad[b], bad[b]));
  }
}

/* ---- the built-in maps -------------------------------------------------- */

static void test_rfm11_is_design_grid(void **state) {
  (void)state;
  const seg_builtin_map *map = find("rfm11");
  assert_int_equal(map->nsegments, 11);
  check_partition(map, design_rfm11_name);
}

/* A few cells worked out by hand from the grid, as a check on the test's
** own FM arithmetic: (5,4,5): FM = ceil(9/2) = 5 -> Champions;
** (1,1,2): FM = ceil(3/2) = 2 -> Lost; (1,2,2): FM = 2 -> Lost;
** (1,2,3): FM = ceil(5/2) = 3 -> At Risk; (4,5,1): FM = 3 -> Loyal
** Customers; (5,1,1): New Customers; (5,1,2): FM = 2 -> Potential
** Loyalist; (2,5,5) -> Can't Lose Them; (3,3,4): FM = 4 -> Loyal. */
static void test_rfm11_hand_cells(void **state) {
  (void)state;
  const seg_builtin_map *map = find("rfm11");
  assert_string_equal(seg_builtin_map_segment(map, 5, 4, 5), "Champions");
  assert_string_equal(seg_builtin_map_segment(map, 1, 1, 2), "Lost");
  assert_string_equal(seg_builtin_map_segment(map, 1, 2, 2), "Lost");
  assert_string_equal(seg_builtin_map_segment(map, 1, 2, 3), "At Risk");
  assert_string_equal(seg_builtin_map_segment(map, 4, 5, 1), "Loyal Customers");
  assert_string_equal(seg_builtin_map_segment(map, 5, 1, 1), "New Customers");
  assert_string_equal(seg_builtin_map_segment(map, 5, 1, 2), "Potential Loyalist");
  assert_string_equal(seg_builtin_map_segment(map, 2, 5, 5), "Can't Lose Them");
  assert_string_equal(seg_builtin_map_segment(map, 3, 3, 4), "Loyal Customers");
  assert_string_equal(seg_builtin_map_segment(map, 3, 1, 1), "About To Sleep");
  assert_string_equal(seg_builtin_map_segment(map, 2, 1, 1), "Hibernating");
}

static void test_rfm5_is_design_merge(void **state) {
  (void)state;
  const seg_builtin_map *map = find("rfm5");
  assert_int_equal(map->nsegments, 5);
  check_partition(map, design_rfm5_name);
  assert_string_equal(seg_builtin_map_segment(map, 5, 5, 5), "Champions");
  assert_string_equal(seg_builtin_map_segment(map, 1, 1, 1), "Lost");
  assert_string_equal(seg_builtin_map_segment(map, 5, 1, 1), "New");
}

static const char *regex_rf10_name(int r, int f, int m) {
  (void)m;
  return rf10_regex[rf10_pattern_of(r, f)].ours;
}

/* First the regex map itself: over "11".."55" exactly one pattern matches
** each cell, and each pattern matches at least one. */
static void test_rf10_regex_is_partition(void **state) {
  (void)state;
  int hits[N_RF10] = {0};
  for (int r = 1; r <= 5; r++)
    for (int f = 1; f <= 5; f++) hits[rf10_pattern_of(r, f)]++;
  for (int i = 0; i < N_RF10; i++) assert_true(hits[i] > 0);
  /* Anchored: a pattern never matches a longer string. */
  assert_false(pattern_matches("[1-2][1-2]", "115"));
  assert_false(pattern_matches("[1-2][1-2]", "1"));
  assert_true(pattern_matches("[1-2][1-2]", "21"));
}

static void test_rf10_is_regex_map(void **state) {
  (void)state;
  const seg_builtin_map *map = find("rf10");
  assert_int_equal(map->nsegments, 10);
  check_partition(map, regex_rf10_name);
  /* M is ignored. */
  for (int r = 1; r <= 5; r++)
    for (int f = 1; f <= 5; f++)
      for (int m = 2; m <= 5; m++)
        assert_string_equal(seg_builtin_map_segment(map, r, f, m),
                            seg_builtin_map_segment(map, r, f, 1));
  /* The ten names are ours, in some order. */
  for (int i = 0; i < N_RF10; i++) {
    int found = 0;
    for (int j = 0; j < map->nsegments; j++)
      found += strcmp(map->segments[j], rf10_regex[i].ours) == 0;
    assert_int_equal(found, 1);
  }
}

/* ---- the registry ------------------------------------------------------ */

static void test_registry(void **state) {
  (void)state;
  assert_int_equal(seg_builtin_map_count(), 3);
  static const char *const names[] = {"rfm11", "rfm5", "rf10"};
  for (int i = 0; i < 3; i++) {
    const seg_builtin_map *map = seg_builtin_map_at(i);
    assert_non_null(map);
    assert_string_equal(map->name, names[i]);
    assert_ptr_equal(seg_builtin_map_find(names[i]), map);
    assert_non_null(map->description);
    assert_true(strlen(map->description) > 0);
    assert_null(strchr(map->description, '\n')); /* one line */
  }
  assert_null(seg_builtin_map_find("RFM11")); /* case-sensitive */
  assert_null(seg_builtin_map_find("rfm"));
  assert_null(seg_builtin_map_find("rfm11 "));
  assert_null(seg_builtin_map_find(""));
  /* The names for error messages, in registry order. */
  assert_string_equal(seg_builtin_map_names(), "rfm11, rfm5 or rf10");
}

/* ---- user code maps ------------------------------------------------------ */

static void test_codemap(void **state) {
  (void)state;
  seg_codemap *m = seg_codemap_new();
  assert_non_null(m);
  const char *previous = "untouched";

  /* Nothing listed: everything is Other. */
  assert_string_equal(seg_codemap_segment(m, 555), "Other");
  assert_string_equal(SEG_OTHER_SEGMENT, "Other");

  char name[16] = "VIP";
  assert_int_equal(seg_codemap_add(m, 555, name, &previous), 0);
  strcpy(name, "changed");            /* the map keeps its own copy */
  assert_string_equal(seg_codemap_segment(m, 555), "VIP");
  assert_string_equal(seg_codemap_segment(m, 554), "Other");
  assert_string_equal(seg_codemap_segment(m, 111), "Other");

  /* The same name again is fine. */
  assert_int_equal(seg_codemap_add(m, 555, "VIP", &previous), 0);
  assert_string_equal(previous, "untouched");

  /* Another name: ambiguous, the first stays. */
  assert_int_equal(seg_codemap_add(m, 555, "Gold", &previous), 1);
  assert_string_equal(previous, "VIP");
  assert_string_equal(seg_codemap_segment(m, 555), "VIP");
  /* Names are compared exactly. */
  assert_int_equal(seg_codemap_add(m, 555, "vip", &previous), 1);
  assert_int_equal(seg_codemap_add(m, 555, "VIP ", &previous), 1);

  /* Out of range. */
  assert_int_equal(seg_codemap_add(m, -1, "x", &previous), -2);
  assert_int_equal(seg_codemap_add(m, 1000, "x", &previous), -2);
  assert_int_equal(seg_codemap_add(m, 99999, "x", &previous), -2);
  assert_string_equal(seg_codemap_segment(m, -1), "Other");
  assert_string_equal(seg_codemap_segment(m, 1000), "Other");

  /* The ends of the range. */
  assert_int_equal(seg_codemap_add(m, 999, "Top", NULL), 0);
  assert_int_equal(seg_codemap_add(m, 0, "Zero", NULL), 0);
  assert_int_equal(seg_codemap_add(m, 100, "Low", NULL), 0);
  assert_string_equal(seg_codemap_segment(m, 999), "Top");
  assert_string_equal(seg_codemap_segment(m, 0), "Zero");
  assert_string_equal(seg_codemap_segment(m, 100), "Low");
  assert_string_equal(seg_codemap_segment(m, 101), "Other");

  seg_codemap_free(m);
  seg_codemap_free(NULL);
}

/* A user map copied from rfm11: all 125 codes, each row added once, give
** the built-in map's answers; codes not in 1..5 digits stay Other. */
static void test_codemap_from_builtin(void **state) {
  (void)state;
  const seg_builtin_map *bm = find("rfm11");
  seg_codemap *m = seg_codemap_new();
  assert_non_null(m);
  for (int r = 1; r <= 5; r++)
    for (int f = 1; f <= 5; f++)
      for (int mm = 1; mm <= 5; mm++)
        assert_int_equal(
            seg_codemap_add(m, r * 100 + f * 10 + mm,
                            seg_builtin_map_segment(bm, r, f, mm), NULL),
            0);
  int listed = 0;
  for (int code = 0; code <= 999; code++) {
    int r = code / 100, f = code / 10 % 10, mm = code % 10;
    const char *got = seg_codemap_segment(m, code);
    if (r >= 1 && r <= 5 && f >= 1 && f <= 5 && mm >= 1 && mm <= 5) {
      assert_string_equal(got, design_rfm11_name(r, f, mm));
      listed++;
    } else {
      assert_string_equal(got, "Other");
    }
  }
  assert_int_equal(listed, 125);
  seg_codemap_free(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rfm11_is_design_grid),
      cmocka_unit_test(test_rfm11_hand_cells),
      cmocka_unit_test(test_rfm5_is_design_merge),
      cmocka_unit_test(test_rf10_regex_is_partition),
      cmocka_unit_test(test_rf10_is_regex_map),
      cmocka_unit_test(test_registry),
      cmocka_unit_test(test_codemap),
      cmocka_unit_test(test_codemap_from_builtin),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
