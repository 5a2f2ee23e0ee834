/*
** vtab_segments.c — the `segments` virtual table: per-customer RFM
** features, scores and segment over the shop's own tables.
**
**     CREATE VIRTUAL TABLE shop_rfm USING segments(
**       orders = 'orders', customer = 'customer_id',
**       ordered_at = 'created_at', amount = 'total',
**       filter = 'status <> ''cancelled''',   -- optional
**       customers = 'customers',              -- optional: list non-buyers
**       as_of = '2025-01-01');                -- optional, default today
**     SELECT segment, count(*) FROM shop_rfm GROUP BY 1;
**     SELECT * FROM shop_rfm WHERE customer_id = 42;
**     SELECT * FROM shop_rfm('2024-06-30');            -- as of another date
**     INSERT INTO shop_rfm(shop_rfm) VALUES('refresh'); -- store shop_rfm_members
**
** Beyond RFM (docs/segmentation/): lifecycle, recent-window, discount and
** refund features, email engagement and rule maps:
**
**     CREATE VIRTUAL TABLE habits USING segments(
**       orders = 'orders', customer = 'customer_id', ordered_at = 'created_at',
**       amount = 'total', customers = 'customers', as_of = '2025-01-01',
**       discount = 'discount > 0',                 -- discount_share
**       events = 'email_events', events_at = 'at', events_kind = 'kind',
**       map = 'behaviour');     -- a table of (segment, rule, priority) rows
**     SELECT lifecycle, count(*) FROM habits GROUP BY 1;
**     SELECT customer_id, segment, matched_rules FROM habits;
**
** Customer-value models (docs/models.md), fitted on the table's own
** customers as of each as_of, in hidden columns that rule maps can read:
**
**     CREATE VIRTUAL TABLE value USING segments(
**       orders = 'orders', customer = 'customer_id', ordered_at = 'created_at',
**       amount = 'total', as_of = '2025-01-01',
**       model = 'bgnbd', time_unit = 'weeks', horizon = 52);
**     SELECT customer_id, p_alive, expected_orders, expected_value, clv,
**            churn_risk FROM value;
**
** The options are documented in docs/segments.md; each is checked by
** segmentsParseOptions with an error that names it.
**
** HOW IT WORKS
** A "membership" is every customer's features and scores as of one day.
** It is computed in one pass: one prepared SELECT of (customer, date,
** amount) over the orders, each row grouped in C (core/customers.c), then
** scored (core/quantile.c).  The recent-window, discount and refund counts
** are gathered in the same pass (core/order_features.c), and so, with
** model=, are the (customer, day, amount) of the orders of positive amount;
** sorted after the scan, they give each customer's BTYD history (distinct
** purchase days), on which BG/NBD and Gamma-Gamma are fitted once per
** membership (core/btyd.c); the predictions are computed when read.
** Email events are read in one pass over events= (core/email.c);
** lifecycle is computed when read (core/lifecycle.c).  A rule map gives
** each customer a segment key by one prepared statement stepped per
** customer (rule_map.c); keys, like RFM codes, index azName and the
** segment plans.  Sorting by id and laying the rows out by segment happen
** later, once, for the plans that need them.  Nothing is written to the
** user's tables.
**
** Freshness: a membership is keyed by the data version of every attached
** database (SQLITE_FCNTL_DATA_VERSION: commits by anyone) and this
** connection's total_changes (its own uncommitted writes).  A SELECT reuses
** the cached membership only when both are unchanged and it was computed
** outside an explicit transaction (a ROLLBACK changes neither counter, so a
** membership computed inside a transaction is used by that statement's
** cursor only).  Two memberships are cached (two as_of dates: a self-join).
**
** Plans (idxNum bits, set by segmentsBestIndex):
**   1  as_of = ?     the hidden column (shop_rfm('2024-06-30'))
**   2  customer_id = ?   a hash lookup
**   4  customer_id IN (...)  all values at once (sqlite3_vtab_in)
**   8  segment = ?   the customers of the RFM codes that map to it
**  16  ORDER BY customer_id: walk the customers sorted by id (sorted once
**      per membership, on first use)
**  32  ORDER BY segment, or GROUP BY segment: walk them segment by segment
**      (from the RFM-code buckets), so SQLite needs no sorter
** With none of 2, 4, 8, 16, 32 the cursor walks all customers in the order
** they were first seen.
**
** mode='manual': SELECTs without as_of= read <name>_members, the copy the
** last 'refresh' stored, through an ordinary statement.
**
** Shadow tables: <name>_config (k, v) holds the format version and the
** last refresh; <name>_members holds the refreshed membership, readable by
** any program without the extension.
*/
#include "segment.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h> /* sysconf */

#include "core/breaks.h"
#include "core/btyd.h"
#include "core/customers.h"
#include "core/dates.h"
#include "core/email.h"
#include "core/grouper.h"
#include "core/lifecycle.h"
#include "core/maps.h"
#include "core/order_features.h"
#include "core/rounding.h"
#include "map_table.h"
#include "rule_map.h"
#include "sql_guard.h"

/* 2: the feature columns from tenure_days to unsubscribed. */
#define SEGMENTS_FORMAT_VERSION 2
#define NO_ORDERS_SEGMENT "No orders"

enum { DATE_AUTO, DATE_ISO, DATE_UNIX, DATE_JULIAN };
enum { BAD_DATES_ERROR, BAD_DATES_SKIP };
enum { MODE_LIVE, MODE_MANUAL };

enum {
  COL_CUSTOMER_ID, COL_FIRST_ORDER, COL_LAST_ORDER, COL_RECENCY_DAYS,
  COL_FREQUENCY, COL_MONETARY, COL_AVG_ORDER, COL_R, COL_F, COL_M, COL_RFM,
  COL_SEGMENT, COL_TENURE_DAYS, COL_AVG_GAP_DAYS, COL_RECENT_ORDERS,
  COL_RECENT_MONETARY, COL_DISCOUNT_SHARE, COL_REFUND_COUNT, COL_LIFECYCLE,
  COL_LAST_OPEN, COL_LAST_CLICK, COL_OPENS_30D, COL_UNSUBSCRIBED,
  COL_AS_OF, COL_MATCHED_RULES,
  COL_P_ALIVE, COL_EXPECTED_ORDERS, COL_EXPECTED_VALUE, COL_CLV, COL_CHURN_RISK,
  COL_COMMAND
};
#define N_STORED_COLUMNS COL_AS_OF  /* the columns of <name>_members but as_of */

/* The visible columns, as declared and as stored in <name>_members. */
#define SEGMENTS_COLUMNS                                                     \
  "customer_id, first_order TEXT, last_order TEXT, recency_days INTEGER, "   \
  "frequency INTEGER, monetary REAL, avg_order REAL, r INTEGER, f INTEGER, " \
  "m INTEGER, rfm INTEGER, segment TEXT, tenure_days INTEGER, "              \
  "avg_gap_days REAL, recent_orders INTEGER, recent_monetary REAL, "         \
  "discount_share REAL, refund_count INTEGER, lifecycle TEXT, "              \
  "last_open TEXT, last_click TEXT, opens_30d INTEGER, unsubscribed INTEGER"

/* Their names, in order (rule maps bind all but segment as parameters). */
static const char *const azColumnName[] = {
    "customer_id", "first_order", "last_order", "recency_days", "frequency",
    "monetary", "avg_order", "r", "f", "m", "rfm", "segment", "tenure_days",
    "avg_gap_days", "recent_orders", "recent_monetary", "discount_share",
    "refund_count", "lifecycle", "last_open", "last_click", "opens_30d",
    "unsubscribed", "as_of", "matched_rules", "p_alive", "expected_orders",
    "expected_value", "clv", "churn_risk"};

/* The columns of model= (hidden, NULL without it; not in <name>_members). */
#define MODEL_COLUMNS                                                        \
  "p_alive REAL HIDDEN, expected_orders REAL HIDDEN, "                       \
  "expected_value REAL HIDDEN, clv REAL HIDDEN, churn_risk TEXT HIDDEN"

/* The columns a rule map reads: the stored ones and the model's. */
static int isRuleColumn(int iCol) {
  return (iCol < COL_AS_OF && iCol != COL_SEGMENT) ||
         (iCol >= COL_P_ALIVE && iCol < COL_COMMAND);
}

/* churn_risk from p_alive (docs/segments.md): low at 0.7 or more, medium
** at 0.3 or more, high below. */
#define CHURN_LOW_FROM 0.7
#define CHURN_MEDIUM_FROM 0.3

#define PLAN_AS_OF 1
#define PLAN_CUSTOMER_EQ 2
#define PLAN_CUSTOMER_IN 4
#define PLAN_SEGMENT 8
#define PLAN_ORDER_ID 16
#define PLAN_ORDER_SEGMENT 32

typedef struct SegmentsOptions {
  char *zOrders;       /* orders=: table or view, one row per order */
  char *zCustomer;     /* customer=: its customer column */
  char *zOrderedAt;    /* ordered_at=: its date column */
  char *zAmount;       /* amount=: its value column */
  char *zFilter;       /* filter=: an SQL expression, or NULL */
  char *zCustomers;    /* customers=: a table listing every customer, or NULL */
  char *zCustomersId;  /* customers_id=: its id column (default: customer=) */
  char *zAsOf;         /* as_of=: a date, or NULL for today */
  char *zMap;          /* map=: built-in name or map table (default rfm11) */
  char *zBreaks;       /* breaks=: fixed cut points as JSON, or NULL */
  int nBins;           /* bins= */
  int eDateFormat;     /* date_format= */
  int eBadDates;       /* bad_dates= */
  int nMoneyDecimals;  /* money_decimals= */
  int eMode;           /* mode= */
  seg_breaks breaks;   /* zBreaks parsed */
  int nWindowDays;     /* window_days=: recent_orders, recent_monetary */
  seg_lifecycle_options lifecycle; /* new_days=, lost_days=, *_factor= */
  char *zDiscount;     /* discount=: an SQL expression, or NULL */
  char *zRefund;       /* refund=: an SQL expression, or NULL */
  char *zEvents;       /* events=: the email events table, or NULL */
  char *zEventsCustomer; /* events_customer= (default: customer=) */
  char *zEventsAt;     /* events_at= */
  char *zEventsKind;   /* events_kind= */
  char *zModel;        /* model=: 'bgnbd', or NULL (no model columns) */
  int nHorizon;        /* horizon=: time units ahead (0 until defaulted) */
  int bWeeks;          /* time_unit=: 0 days, 1 weeks */
  double discountRate; /* discount_rate=: per time unit, -1 until given */
  int bTimeUnit;       /* time_unit= given */
  int nThreads;        /* threads=: 1 or 2; 0 until given (2 on 2+ cores) */
} SegmentsOptions;

/* Every customer's features and scores as of one day. */
typedef struct Membership {
  int nRef;
  int32_t iAsOfDay;
  sqlite3_uint64 iDataVersion;  /* the key it was computed under */
  sqlite3_int64 nTotalChanges;
  seg_customers *pCust;
  const seg_builtin_map *pBuiltin;  /* the map: built-in ... */
  seg_codemap *pUserMap;            /* ... or read from a table */
  const char *azName[1000];     /* the segment of each RFM code (0: none) */
  int anName[1000];             /* and its length in bytes */
  uint32_t *aByCode;            /* rows grouped by segment, then RFM code */
  uint32_t aCodeStart[1000];    /* code c's rows: aByCode[start..end) */
  uint32_t aCodeEnd[1000];
  int aCodeOrder[1000];         /* the codes in the order of aByCode */
  sqlite3_int64 nBadDates;      /* orders skipped: unreadable dates */
  sqlite3_int64 nNoCustomer;    /* orders skipped: NULL customer */
  seg_features feat;            /* recent window, discounts, refunds per row */
  double shopGap;               /* the shop's median gap (core/lifecycle.h) */
  seg_email *aEmail;            /* per row, when events= is given */
  /* The segment key of each row under a rule map or email3 (NULL: the RFM
  ** code is the key).  Everything indexed by "code" above is by key. */
  uint16_t *aKey;
  SegmentRules *pRules;         /* the rule map, or NULL */
  char *zRowSource;             /* the rules' FROM: features as parameters */
  sqlite3_stmt *pAllRules;      /* matched_rules, prepared on first use */
  /* model=: each row's BTYD history over its orders of positive amount,
  ** x = -1 for a customer without one (model columns NULL); and the fits. */
  int32_t *aRepeat;             /* x: distinct purchase days - 1 */
  int32_t *aFirstBuy, *aLastBuy; /* first and last such day */
  double *aRepeatValue;         /* avg_value: mean value of the repeat days */
  seg_bgnbd bgnbd;
  seg_gg gg;
} Membership;

#define CACHE_SIZE 2

typedef struct SegmentsTable {
  sqlite3_vtab base;            /* Base class - must be first */
  sqlite3 *db;
  char *zSchema;                /* schema of the virtual table */
  char *zName;                  /* its name */
  char *zSource;                /* "schema". prefix for the user's tables, or "" */
  SegmentsOptions opt;
  int bSourcesChecked;          /* orders=, customers=, filter= passed sql_guard */
  int bComputing;               /* guard against orders that read us */
  sqlite3_stmt *pProbe;         /* is an interrupt pending? see segmentsInterrupted */
  Membership *aCache[CACHE_SIZE];
} SegmentsTable;

typedef struct SegmentsCursor {
  sqlite3_vtab_cursor base;     /* Base class - must be first */
  Membership *pM;               /* live mode: the membership walked */
  const uint32_t *aRow;         /* the rows to visit, in order */
  uint32_t *aOwned;             /* aRow when the cursor allocated it */
  size_t nRow, iRow;
  /* Walking pM->aByCode (the segment plans): aRow starts at aByCode +
  ** iBase, and the code of the current row is aCodeOrder[iOrder], known
  ** without reading the row. */
  int bByCode;
  uint32_t iBase;
  int iOrder;
  sqlite3_stmt *pStmt;          /* manual mode: over <name>_members */
  int bEof;
} SegmentsCursor;

/* ---- errors ---------------------------------------------------------------- */

static void setError(SegmentsTable *pTab, const char *zFmt, ...) {
  va_list ap;
  va_start(ap, zFmt);
  sqlite3_free(pTab->base.zErrMsg);
  pTab->base.zErrMsg = sqlite3_vmprintf(zFmt, ap);
  va_end(ap);
}

/* ---- options ----------------------------------------------------------------- */

static const char *const azOptionNames =
    "orders=, customer=, ordered_at=, amount=, filter=, customers=, "
    "customers_id=, as_of=, bins=, map=, breaks=, date_format=, bad_dates=, "
    "money_decimals=, mode=, window_days=, new_days=, lost_days=, "
    "active_factor=, cooling_factor=, discount=, refund=, events=, "
    "events_customer=, events_at=, events_kind=, model=, horizon=, "
    "time_unit=, discount_rate=, threads=";

#define EMAIL3_MAP "email3"
#define MODEL_MAX_HORIZON 10000  /* clv()'s most steps */

static void optionsFree(SegmentsOptions *p) {
  sqlite3_free(p->zOrders);
  sqlite3_free(p->zCustomer);
  sqlite3_free(p->zOrderedAt);
  sqlite3_free(p->zAmount);
  sqlite3_free(p->zFilter);
  sqlite3_free(p->zCustomers);
  sqlite3_free(p->zCustomersId);
  sqlite3_free(p->zAsOf);
  sqlite3_free(p->zMap);
  sqlite3_free(p->zBreaks);
  sqlite3_free(p->zDiscount);
  sqlite3_free(p->zRefund);
  sqlite3_free(p->zEvents);
  sqlite3_free(p->zEventsCustomer);
  sqlite3_free(p->zEventsAt);
  sqlite3_free(p->zEventsKind);
  sqlite3_free(p->zModel);
  memset(p, 0, sizeof(*p));
}

/* The value of "key = value": trimmed, and unquoted when it is a quoted SQL
** string ('it''s' -> it's, "x" -> x).  NULL when out of memory. */
static char *optionValue(const char *z) {
  int n;
  char *zOut;
  while (*z == ' ' || *z == '\t' || *z == '\n' || *z == '\r') z++;
  n = (int)strlen(z);
  while (n > 0 && (z[n - 1] == ' ' || z[n - 1] == '\t' || z[n - 1] == '\n' ||
                   z[n - 1] == '\r'))
    n--;
  if (n >= 2 && (z[0] == '\'' || z[0] == '"') && z[n - 1] == z[0]) {
    char q = z[0];
    int j = 0;
    zOut = sqlite3_malloc(n);
    if (!zOut) return NULL;
    for (int i = 1; i < n - 1; i++) {
      zOut[j++] = z[i];
      if (z[i] == q && z[i + 1] == q) i++;
    }
    zOut[j] = 0;
    return zOut;
  }
  return sqlite3_mprintf("%.*s", n, z);
}

/* Parse one integer option in lo..hi; -1 when it is not one. */
static int optionInt(const char *zValue, int lo, int hi) {
  int v = 0, n = 0;
  if (!zValue[0]) return -1;
  for (const char *p = zValue; *p; p++) {
    if (*p < '0' || *p > '9' || ++n > 3) return -1;
    v = v * 10 + (*p - '0');
  }
  return v >= lo && v <= hi ? v : -1;
}

/* Parse a number of days in 1..36500; -1 when it is not one. */
static int optionDays(const char *zValue) {
  int v = 0, n = 0;
  if (!zValue[0]) return -1;
  for (const char *p = zValue; *p; p++) {
    if (*p < '0' || *p > '9' || ++n > 5) return -1;
    v = v * 10 + (*p - '0');
  }
  return v >= 1 && v <= 36500 ? v : -1;
}

/* Parse a factor: a number greater than 0, at most 1000; -1 when not. */
static double optionFactor(const char *zValue) {
  char *zEnd;
  double v;
  if (!zValue[0]) return -1;
  v = strtod(zValue, &zEnd);
  return *zEnd == 0 && v > 0 && v <= 1000 ? v : -1;
}

/* Parse argv[3..] into p.  SQLITE_OK, or an error with *pzErr set. */
static int segmentsParseOptions(int argc, const char *const *argv,
                                SegmentsOptions *p, char **pzErr) {
  int seenBins = 0;
  unsigned seenDays = 0; /* bit per option below */
  static const seg_lifecycle_options lifecycleDefaults = SEG_LIFECYCLE_DEFAULTS;
  memset(p, 0, sizeof(*p));
  p->nBins = 5;
  p->nMoneyDecimals = 2;
  p->nWindowDays = 90;
  p->lifecycle = lifecycleDefaults;
  p->discountRate = -1;
  for (int i = 3; i < argc; i++) {
    const char *zArg = argv[i];
    const char *zEq = strchr(zArg, '=');
    char zKey[32];
    char *zValue;
    char **pzText = NULL;
    int nKey;
    if (!zEq) {
      *pzErr = sqlite3_mprintf(
          "segments: option '%s' must be key=value (expected %s)", zArg,
          azOptionNames);
      return SQLITE_ERROR;
    }
    while (*zArg == ' ' || *zArg == '\t' || *zArg == '\n' || *zArg == '\r') zArg++;
    nKey = (int)(zEq - zArg);
    while (nKey > 0 && (zArg[nKey - 1] == ' ' || zArg[nKey - 1] == '\t')) nKey--;
    if (nKey <= 0 || nKey >= (int)sizeof(zKey)) nKey = 0;
    memcpy(zKey, zArg, nKey);
    zKey[nKey] = 0;
    if (strcmp(zKey, "orders") == 0) pzText = &p->zOrders;
    else if (strcmp(zKey, "customer") == 0) pzText = &p->zCustomer;
    else if (strcmp(zKey, "ordered_at") == 0) pzText = &p->zOrderedAt;
    else if (strcmp(zKey, "amount") == 0) pzText = &p->zAmount;
    else if (strcmp(zKey, "filter") == 0) pzText = &p->zFilter;
    else if (strcmp(zKey, "customers") == 0) pzText = &p->zCustomers;
    else if (strcmp(zKey, "customers_id") == 0) pzText = &p->zCustomersId;
    else if (strcmp(zKey, "as_of") == 0) pzText = &p->zAsOf;
    else if (strcmp(zKey, "map") == 0) pzText = &p->zMap;
    else if (strcmp(zKey, "breaks") == 0) pzText = &p->zBreaks;
    else if (strcmp(zKey, "discount") == 0) pzText = &p->zDiscount;
    else if (strcmp(zKey, "refund") == 0) pzText = &p->zRefund;
    else if (strcmp(zKey, "events") == 0) pzText = &p->zEvents;
    else if (strcmp(zKey, "events_customer") == 0) pzText = &p->zEventsCustomer;
    else if (strcmp(zKey, "events_at") == 0) pzText = &p->zEventsAt;
    else if (strcmp(zKey, "events_kind") == 0) pzText = &p->zEventsKind;
    else if (strcmp(zKey, "model") == 0) pzText = &p->zModel;
    zValue = optionValue(zEq + 1);
    if (!zValue) return SQLITE_NOMEM;
    if (pzText) {
      if (*pzText) {
        *pzErr = sqlite3_mprintf("segments: option '%s' given twice", zKey);
        sqlite3_free(zValue);
        return SQLITE_ERROR;
      }
      if (!zValue[0]) {
        *pzErr = sqlite3_mprintf("segments: option '%s' is empty", zKey);
        sqlite3_free(zValue);
        return SQLITE_ERROR;
      }
      *pzText = zValue;
      continue;
    }
    /* The options that are not text. */
    if (strcmp(zKey, "window_days") == 0 || strcmp(zKey, "new_days") == 0 ||
        strcmp(zKey, "lost_days") == 0 || strcmp(zKey, "active_factor") == 0 ||
        strcmp(zKey, "cooling_factor") == 0) {
      unsigned bit = zKey[0] == 'w' ? 1 : zKey[0] == 'n' ? 2 : zKey[0] == 'l' ? 4
                   : zKey[0] == 'a' ? 8 : 16;
      int bBad;
      if (seenDays & bit) {
        *pzErr = sqlite3_mprintf("segments: option '%s' given twice", zKey);
        sqlite3_free(zValue);
        return SQLITE_ERROR;
      }
      seenDays |= bit;
      if (bit <= 4) {
        int v = optionDays(zValue);
        bBad = v < 0;
        if (bit == 1) p->nWindowDays = v;
        else if (bit == 2) p->lifecycle.new_days = v;
        else p->lifecycle.lost_days = v;
      } else {
        double v = optionFactor(zValue);
        bBad = v < 0;
        if (bit == 8) p->lifecycle.active_factor = v;
        else p->lifecycle.cooling_factor = v;
      }
      if (bBad) {
        *pzErr = bit <= 4
            ? sqlite3_mprintf("segments: %s must be a number of days from 1 to "
                              "36500, got '%s'", zKey, zValue)
            : sqlite3_mprintf("segments: %s must be a number greater than 0 "
                              "(at most 1000), got '%s'", zKey, zValue);
        sqlite3_free(zValue);
        return SQLITE_ERROR;
      }
    } else if (strcmp(zKey, "horizon") == 0 || strcmp(zKey, "time_unit") == 0 ||
               strcmp(zKey, "discount_rate") == 0) {
      int bSeen = zKey[0] == 'h' ? p->nHorizon != 0
                : zKey[0] == 't' ? p->bTimeUnit : p->discountRate >= 0;
      const char *zBad = NULL;
      if (bSeen) {
        *pzErr = sqlite3_mprintf("segments: option '%s' given twice", zKey);
        sqlite3_free(zValue);
        return SQLITE_ERROR;
      }
      if (zKey[0] == 'h') {
        p->nHorizon = optionDays(zValue);
        if (p->nHorizon < 1 || p->nHorizon > MODEL_MAX_HORIZON) {
          p->nHorizon = 0;
          zBad = "segments: horizon must be a whole number of time units from 1 "
                 "to 10000 (days, or weeks with time_unit='weeks'), got '%s'";
        }
      } else if (zKey[0] == 't') {
        p->bTimeUnit = 1;
        if (strcmp(zValue, "days") == 0) p->bWeeks = 0;
        else if (strcmp(zValue, "weeks") == 0) p->bWeeks = 1;
        else zBad = "segments: time_unit must be 'days' or 'weeks', got '%s'";
      } else {
        char *zEnd;
        double v = strtod(zValue, &zEnd);
        if (zValue[0] && *zEnd == 0 && v >= 0 && v < 1) p->discountRate = v;
        else zBad = "segments: discount_rate must be a number from 0 to below 1, "
                    "per time unit (0.001 is 0.1%% a day with the default "
                    "time_unit='days'), got '%s'";
      }
      if (zBad) {
        *pzErr = sqlite3_mprintf(zBad, zValue);
        sqlite3_free(zValue);
        return SQLITE_ERROR;
      }
    } else if (strcmp(zKey, "bins") == 0) {
      p->nBins = optionInt(zValue, SEG_MIN_BINS, SEG_MAX_BINS);
      if (seenBins++ || p->nBins < 0) {
        *pzErr = seenBins > 1
            ? sqlite3_mprintf("segments: option 'bins' given twice")
            : sqlite3_mprintf(
                  "segments: bins must be an integer from 2 to 9, got '%s'",
                  zValue);
        sqlite3_free(zValue);
        return SQLITE_ERROR;
      }
    } else if (strcmp(zKey, "threads") == 0) {
      int bTwice = p->nThreads != 0;
      p->nThreads = optionInt(zValue, 1, 2);
      if (bTwice || p->nThreads < 0) {
        *pzErr = bTwice
            ? sqlite3_mprintf("segments: option 'threads' given twice")
            : sqlite3_mprintf("segments: threads must be 1 or 2 (2: group the "
                              "orders on a second core), got '%s'", zValue);
        sqlite3_free(zValue);
        return SQLITE_ERROR;
      }
    } else if (strcmp(zKey, "money_decimals") == 0) {
      p->nMoneyDecimals = optionInt(zValue, 0, 6);
      if (p->nMoneyDecimals < 0) {
        *pzErr = sqlite3_mprintf(
            "segments: money_decimals must be an integer from 0 to 6, got '%s'",
            zValue);
        sqlite3_free(zValue);
        return SQLITE_ERROR;
      }
    } else if (strcmp(zKey, "date_format") == 0) {
      static const char *const az[] = {"auto", "iso", "unix", "julian"};
      p->eDateFormat = -1;
      for (int k = 0; k < 4; k++)
        if (strcmp(zValue, az[k]) == 0) p->eDateFormat = k;
      if (p->eDateFormat < 0) {
        *pzErr = sqlite3_mprintf(
            "segments: date_format must be 'auto', 'iso', 'unix' or "
            "'julian', got '%s'",
            zValue);
        sqlite3_free(zValue);
        return SQLITE_ERROR;
      }
    } else if (strcmp(zKey, "bad_dates") == 0) {
      if (strcmp(zValue, "error") == 0) p->eBadDates = BAD_DATES_ERROR;
      else if (strcmp(zValue, "skip") == 0) p->eBadDates = BAD_DATES_SKIP;
      else {
        *pzErr = sqlite3_mprintf(
            "segments: bad_dates must be 'error' or 'skip', got '%s'", zValue);
        sqlite3_free(zValue);
        return SQLITE_ERROR;
      }
    } else if (strcmp(zKey, "mode") == 0) {
      if (strcmp(zValue, "live") == 0) p->eMode = MODE_LIVE;
      else if (strcmp(zValue, "manual") == 0) p->eMode = MODE_MANUAL;
      else {
        *pzErr = sqlite3_mprintf(
            "segments: mode must be 'live' or 'manual', got '%s'", zValue);
        sqlite3_free(zValue);
        return SQLITE_ERROR;
      }
    } else {
      *pzErr = sqlite3_mprintf("segments: unknown option '%s' (expected %s)",
                               zKey, azOptionNames);
      sqlite3_free(zValue);
      return SQLITE_ERROR;
    }
    sqlite3_free(zValue);
  }

  /* Required options, then the ones that depend on each other. */
  {
    static const struct {
      const char *zName, *zWhat;
    } aReq[] = {{"orders", "the table or view of orders"},
                {"customer", "the column of the customer id"},
                {"ordered_at", "the column of the order date"},
                {"amount", "the column of the order value"}};
    char *az[4];
    az[0] = p->zOrders, az[1] = p->zCustomer, az[2] = p->zOrderedAt,
    az[3] = p->zAmount;
    for (int k = 0; k < 4; k++) {
      if (!az[k]) {
        *pzErr = sqlite3_mprintf("segments: missing option %s= (%s)",
                                 aReq[k].zName, aReq[k].zWhat);
        return SQLITE_ERROR;
      }
    }
  }
  if (p->lifecycle.new_days >= p->lifecycle.lost_days) {
    *pzErr = sqlite3_mprintf(
        "segments: new_days (%d) must be less than lost_days (%d)",
        p->lifecycle.new_days, p->lifecycle.lost_days);
    return SQLITE_ERROR;
  }
  if (p->lifecycle.active_factor > p->lifecycle.cooling_factor) {
    *pzErr = sqlite3_mprintf(
        "segments: active_factor (%g) must not exceed cooling_factor (%g)",
        p->lifecycle.active_factor, p->lifecycle.cooling_factor);
    return SQLITE_ERROR;
  }
  if (!p->zEvents && (p->zEventsCustomer || p->zEventsAt || p->zEventsKind)) {
    *pzErr = sqlite3_mprintf(
        "segments: %s= needs events= (the table of email events)",
        p->zEventsCustomer ? "events_customer" : p->zEventsAt ? "events_at"
                                                              : "events_kind");
    return SQLITE_ERROR;
  }
  if (p->zEvents && (!p->zEventsAt || !p->zEventsKind)) {
    *pzErr = sqlite3_mprintf(
        "segments: events= needs %s= (the column of the event's %s)",
        p->zEventsAt ? "events_kind" : "events_at",
        p->zEventsAt ? "kind: open, click, subscribe, unsubscribe" : "time");
    return SQLITE_ERROR;
  }
  if (p->zMap && strcmp(p->zMap, EMAIL3_MAP) == 0 && !p->zEvents) {
    *pzErr = sqlite3_mprintf(
        "segments: map 'email3' needs events= (the table of email events)");
    return SQLITE_ERROR;
  }
  if (p->zModel && strcmp(p->zModel, "bgnbd") != 0) {
    *pzErr = sqlite3_mprintf(
        "segments: model must be 'bgnbd' (BG/NBD with Gamma-Gamma), got '%s'",
        p->zModel);
    return SQLITE_ERROR;
  }
  if (!p->zModel && (p->nHorizon || p->bTimeUnit || p->discountRate >= 0)) {
    *pzErr = sqlite3_mprintf(
        "segments: %s= needs model= (model='bgnbd' adds p_alive, "
        "expected_orders, expected_value, clv and churn_risk)",
        p->nHorizon ? "horizon" : p->bTimeUnit ? "time_unit" : "discount_rate");
    return SQLITE_ERROR;
  }
  if (!p->nHorizon) p->nHorizon = p->bWeeks ? 52 : 365;
  if (p->discountRate < 0) p->discountRate = 0;
  if (p->zCustomersId && !p->zCustomers) {
    *pzErr = sqlite3_mprintf(
        "segments: customers_id= needs customers= (the table it is a column "
        "of)");
    return SQLITE_ERROR;
  }
  if (p->zBreaks) {
    char zErr[256];
    if (seenBins) {
      *pzErr = sqlite3_mprintf(
          "segments: bins= and breaks= conflict (breaks= sets the bins: n "
          "cut points make n+1 bins)");
      return SQLITE_ERROR;
    }
    if (seg_breaks_parse(p->zBreaks, strlen(p->zBreaks), &p->breaks, zErr,
                         sizeof(zErr)) != 0) {
      *pzErr = sqlite3_mprintf("segments: %s", zErr);
      return SQLITE_ERROR;
    }
  }
  if (p->zAsOf && sqlite3_stricmp(p->zAsOf, "today") != 0) {
    int32_t day;
    if (seg_day_from_text(p->zAsOf, strlen(p->zAsOf), &day) != 0) {
      *pzErr = sqlite3_mprintf(
          "segments: as_of '%s' is not a date (expected YYYY-MM-DD or "
          "'today')",
          p->zAsOf);
      return SQLITE_ERROR;
    }
  }
  {
    const seg_builtin_map *pMap = seg_builtin_map_find(p->zMap ? p->zMap : "rfm11");
    int bad = 0;
    if (pMap && p->zBreaks) {
      bad = p->breaks.r.n + 1 != 5 || p->breaks.f.n + 1 != 5 ||
            p->breaks.m.n + 1 != 5;
    } else if (pMap) {
      bad = p->nBins != 5;
    }
    if (bad) {
      *pzErr = sqlite3_mprintf(
          "segments: map '%s' covers scores 1 to 5, so it needs 5 bins "
          "(give bins=5, or a map table for other bins)",
          pMap->name);
      return SQLITE_ERROR;
    }
  }
  return SQLITE_OK;
}

/* ---- checking the user's tables ------------------------------------------- */

/* SQLITE_OK when zTable has column zCol (zCol NULL: when zTable exists). */
static int checkColumn(SegmentsTable *pTab, const char *zOption,
                       const char *zTable, const char *zCol, char **pzErr) {
  sqlite3_stmt *pStmt = NULL;
  int nCol = 0, found = 0;
  int rc = sqlite3_prepare_v2(
      pTab->db,
      "SELECT name FROM pragma_table_xinfo(?1, ?2)", -1, &pStmt, 0);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_text(pStmt, 1, zTable, -1, SQLITE_STATIC);
  if (pTab->zSource[0]) sqlite3_bind_text(pStmt, 2, pTab->zSchema, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step(pStmt)) == SQLITE_ROW) {
    const char *zName = (const char *)sqlite3_column_text(pStmt, 0);
    nCol++;
    if (zCol && zName && sqlite3_stricmp(zName, zCol) == 0) found = 1;
  }
  rc = sqlite3_finalize(pStmt);
  if (rc != SQLITE_OK) {
    /* A view that cannot be expanded (one that reads this very table). */
    if (rc != SQLITE_NOMEM)
      *pzErr = sqlite3_mprintf("segments: cannot read %s (%s=): %s", zTable,
                               zOption, sqlite3_errmsg(pTab->db));
    return rc;
  }
  if (nCol == 0) {
    *pzErr = sqlite3_mprintf("segments: no table or view \"%s\" (%s=)", zTable,
                             zOption);
    return SQLITE_ERROR;
  }
  if (zCol && !found) {
    *pzErr = sqlite3_mprintf("segments: no column \"%s\" in table \"%s\" (%s=)",
                             zCol, zTable, zOption);
    return SQLITE_ERROR;
  }
  return SQLITE_OK;
}

/* "(SELECT NULL AS "a", NULL AS "b", ...)": the columns of zTable and no
** code, for sql_guard to compile the filter against. */
static int standInFrom(SegmentsTable *pTab, const char *zTable, char **pzFrom) {
  sqlite3_stmt *pStmt = NULL;
  sqlite3_str *pStr = sqlite3_str_new(pTab->db);
  int n = 0, rc;
  *pzFrom = NULL;
  rc = sqlite3_prepare_v2(pTab->db, "SELECT name FROM pragma_table_xinfo(?1, ?2)",
                          -1, &pStmt, 0);
  if (rc == SQLITE_OK) {
    sqlite3_bind_text(pStmt, 1, zTable, -1, SQLITE_STATIC);
    if (pTab->zSource[0]) sqlite3_bind_text(pStmt, 2, pTab->zSchema, -1, SQLITE_STATIC);
    while (sqlite3_step(pStmt) == SQLITE_ROW) {
      const char *zName = (const char *)sqlite3_column_text(pStmt, 0);
      sqlite3_str_appendf(pStr, "%sNULL AS \"%w\"", n++ ? ", " : "(SELECT ",
                          zName ? zName : "");
    }
    /* A failed step (out of memory) must not pass for "no columns". */
    rc = sqlite3_finalize(pStmt);
  }
  sqlite3_str_appendall(pStr, n ? ")" : "(SELECT NULL)");
  *pzFrom = sqlite3_str_finish(pStr);
  if (rc == SQLITE_OK && !*pzFrom) rc = SQLITE_NOMEM;
  if (rc != SQLITE_OK) {
    sqlite3_free(*pzFrom);
    *pzFrom = NULL;
  }
  return rc;
}

/* Vet what the table reads, once per connection of the table
** (sql_guard.c): orders= and customers= name tables or views, not virtual
** tables; filter= only reads.  The schema may come from someone else's
** file, so this runs on every connection, not only at CREATE. */
static int checkSources(SegmentsTable *pTab) {
  const SegmentsOptions *o = &pTab->opt;
  const char *zSchema = pTab->zSource[0] ? pTab->zSchema : NULL;
  char *zFrom = NULL, *zErr = NULL;
  int rc;
  if (pTab->bSourcesChecked) return SQLITE_OK;
  /* Missing tables first: the guard cannot tell them from fsdir. */
  rc = checkColumn(pTab, "orders", o->zOrders, NULL, &zErr);
  if (rc == SQLITE_OK)
    rc = segment_guard_source(pTab->db, "segments", "orders", zSchema,
                              o->zOrders, &zErr);
  if (rc == SQLITE_OK && o->zCustomers)
    rc = checkColumn(pTab, "customers", o->zCustomers, NULL, &zErr);
  if (rc == SQLITE_OK && o->zCustomers)
    rc = segment_guard_source(pTab->db, "segments", "customers", zSchema,
                              o->zCustomers, &zErr);
  if (rc == SQLITE_OK && o->zEvents)
    rc = checkColumn(pTab, "events", o->zEvents, NULL, &zErr);
  if (rc == SQLITE_OK && o->zEvents)
    rc = segment_guard_source(pTab->db, "segments", "events", zSchema,
                              o->zEvents, &zErr);
  if (rc == SQLITE_OK && (o->zFilter || o->zDiscount || o->zRefund)) {
    rc = standInFrom(pTab, o->zOrders, &zFrom);
    if (rc == SQLITE_OK && o->zFilter)
      rc = segment_guard_expression(pTab->db, "segments", "filter",
                                    o->zFilter, zFrom, &zErr);
    if (rc == SQLITE_OK && o->zDiscount)
      rc = segment_guard_expression(pTab->db, "segments", "discount",
                                    o->zDiscount, zFrom, &zErr);
    if (rc == SQLITE_OK && o->zRefund)
      rc = segment_guard_expression(pTab->db, "segments", "refund",
                                    o->zRefund, zFrom, &zErr);
    sqlite3_free(zFrom);
  }
  if (rc != SQLITE_OK) {
    sqlite3_free(pTab->base.zErrMsg);
    pTab->base.zErrMsg = zErr;
    return rc;
  }
  pTab->bSourcesChecked = 1;
  return SQLITE_OK;
}

/* Whether map= names a table (not rfm11, rfm5, rf10 or email3). */
static int isMapTable(const SegmentsOptions *o) {
  return o->zMap && !seg_builtin_map_find(o->zMap) && strcmp(o->zMap, EMAIL3_MAP) != 0;
}

/* The columns a rule may read, beyond the features: those of customers=
** whose names are not feature names, as ", c."city" AS "city", ..."
** (bStandIn: ", NULL AS "city", ..."). */
static int customerColumns(SegmentsTable *pTab, int bStandIn, sqlite3_str *pStr) {
  sqlite3_stmt *pStmt = NULL;
  int rc;
  if (!pTab->opt.zCustomers) return SQLITE_OK;
  rc = sqlite3_prepare_v2(pTab->db, "SELECT name FROM pragma_table_xinfo(?1, ?2)",
                          -1, &pStmt, 0);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_text(pStmt, 1, pTab->opt.zCustomers, -1, SQLITE_STATIC);
  if (pTab->zSource[0]) sqlite3_bind_text(pStmt, 2, pTab->zSchema, -1, SQLITE_STATIC);
  while (sqlite3_step(pStmt) == SQLITE_ROW) {
    const char *zName = (const char *)sqlite3_column_text(pStmt, 0);
    int bFeature = 0;
    if (!zName) continue;
    for (int i = 0; i < COL_COMMAND; i++)
      if (sqlite3_stricmp(zName, azColumnName[i]) == 0) bFeature = 1;
    if (bFeature) continue;
    if (bStandIn) sqlite3_str_appendf(pStr, ", NULL AS \"%w\"", zName);
    else sqlite3_str_appendf(pStr, ", c.\"%w\" AS \"%w\"", zName, zName);
  }
  return sqlite3_finalize(pStmt);
}

/* The FROM of the rules: every feature column but segment (as parameter
** ?k+1 for column k: segment's number stays unused) and the customers
** table's columns, joined on the id (bStandIn: NULLs, for the guard). */
static int rulesRowSource(SegmentsTable *pTab, int bStandIn, char **pzOut) {
  const SegmentsOptions *o = &pTab->opt;
  sqlite3_str *pStr = sqlite3_str_new(pTab->db);
  int rc;
  *pzOut = NULL;
  sqlite3_str_appendall(pStr, "(SELECT ");
  for (int i = 0; i < COL_COMMAND; i++) {
    if (!isRuleColumn(i)) continue;
    if (bStandIn) sqlite3_str_appendf(pStr, "%sNULL AS \"%w\"", i ? ", " : "", azColumnName[i]);
    else sqlite3_str_appendf(pStr, "%s?%d AS \"%w\"", i ? ", " : "", i + 1, azColumnName[i]);
  }
  rc = customerColumns(pTab, bStandIn, pStr);
  if (!bStandIn && o->zCustomers)
    sqlite3_str_appendf(pStr, " FROM (SELECT 1) LEFT JOIN %s\"%w\" AS c ON c.\"%w\" = ?1",
                        pTab->zSource, o->zCustomers,
                        o->zCustomersId ? o->zCustomersId : o->zCustomer);
  sqlite3_str_appendall(pStr, ")");
  *pzOut = sqlite3_str_finish(pStr);
  if (rc == SQLITE_OK && !*pzOut) rc = SQLITE_NOMEM;
  if (rc != SQLITE_OK) {
    sqlite3_free(*pzOut);
    *pzOut = NULL;
  }
  return rc;
}

/* Read and vet the rule map of map=. */
static int loadRules(SegmentsTable *pTab, SegmentRules **ppRules, char **pzErr) {
  char *zStandIn = NULL;
  int rc = rulesRowSource(pTab, 1, &zStandIn);
  if (rc == SQLITE_OK)
    rc = segment_rules_load(pTab->db, pTab->opt.zMap, zStandIn, ppRules, pzErr);
  sqlite3_free(zStandIn);
  return rc;
}

/* Load map= as a code map (columns code, segment).  A name that is no
** table gets the list of everything map= takes, which is more than
** segment_of's. */
static int loadCodeMap(SegmentsTable *pTab, seg_codemap **ppMap, char **pzErr) {
  return segment_map_table_load(
      pTab->db, "segments", pTab->opt.zMap,
      "rfm11, rfm5, rf10, email3, a table with columns code and segment, or a "
      "rule map with columns segment, rule and priority",
      ppMap, pzErr);
}

/* Everything CREATE checks beyond the option syntax: tables, columns, the
** filter, the map table. */
static int checkTables(SegmentsTable *pTab, char **pzErr) {
  const SegmentsOptions *o = &pTab->opt;
  int rc = checkColumn(pTab, "orders", o->zOrders, NULL, pzErr);
  if (rc == SQLITE_OK) rc = checkColumn(pTab, "customer", o->zOrders, o->zCustomer, pzErr);
  if (rc == SQLITE_OK) rc = checkColumn(pTab, "ordered_at", o->zOrders, o->zOrderedAt, pzErr);
  if (rc == SQLITE_OK) rc = checkColumn(pTab, "amount", o->zOrders, o->zAmount, pzErr);
  if (rc == SQLITE_OK && o->zCustomers)
    rc = checkColumn(pTab, o->zCustomersId ? "customers_id" : "customers",
                     o->zCustomers,
                     o->zCustomersId ? o->zCustomersId : o->zCustomer, pzErr);
  if (rc == SQLITE_OK && o->zEvents) {
    const char *zId = o->zEventsCustomer ? o->zEventsCustomer : o->zCustomer;
    rc = checkColumn(pTab, "events", o->zEvents, NULL, pzErr);
    if (rc == SQLITE_OK)
      rc = checkColumn(pTab, o->zEventsCustomer ? "events_customer" : "customer",
                       o->zEvents, zId, pzErr);
    if (rc == SQLITE_OK) rc = checkColumn(pTab, "events_at", o->zEvents, o->zEventsAt, pzErr);
    if (rc == SQLITE_OK) rc = checkColumn(pTab, "events_kind", o->zEvents, o->zEventsKind, pzErr);
  }
  if (rc == SQLITE_OK) {
    rc = checkSources(pTab);
    if (rc != SQLITE_OK) {
      *pzErr = pTab->base.zErrMsg;
      pTab->base.zErrMsg = NULL;
    }
  }
  if (rc == SQLITE_OK && isMapTable(o)) {
    int bRules = 0;
    rc = segment_rules_is_rule_map(pTab->db, o->zMap, &bRules);
    if (rc == SQLITE_OK && bRules) {
      SegmentRules *pRules = NULL;
      rc = loadRules(pTab, &pRules, pzErr);
      segment_rules_free(pRules);
    } else if (rc != SQLITE_NOMEM) {
      seg_codemap *pMap = NULL;
      rc = loadCodeMap(pTab, &pMap, pzErr);
      seg_codemap_free(pMap);
    }
  }
  return rc;
}

/* ---- memberships --------------------------------------------------------- */

static void membershipUnref(Membership *pM) {
  if (pM && --pM->nRef == 0) {
    seg_customers_free(pM->pCust);
    seg_codemap_free(pM->pUserMap);
    sqlite3_free(pM->aByCode);
    seg_features_clear(&pM->feat);
    sqlite3_free(pM->aEmail);
    sqlite3_free(pM->aKey);
    segment_rules_free(pM->pRules);
    sqlite3_free(pM->zRowSource);
    sqlite3_finalize(pM->pAllRules);
    sqlite3_free(pM->aRepeat);
    sqlite3_free(pM->aFirstBuy);
    sqlite3_free(pM->aLastBuy);
    sqlite3_free(pM->aRepeatValue);
    sqlite3_free(pM);
  }
}


/* The segment key of row i: its rule, its email3 stage or its RFM code. */
static int keyOf(const Membership *pM, size_t i) {
  return pM->aKey ? pM->aKey[i] : seg_customers_code(pM->pCust, i);
}

/* Name every key (RFM code, rule or email3 stage), once per membership. */
static void membershipNameCodes(Membership *pM, int bEmail3) {
  for (int code = 0; code < 1000; code++) {
    const char *zName = NULL;
    if (pM->pRules)
      zName = code >= 1 && code <= pM->pRules->nRule ? pM->pRules->azSegment[code - 1] : NULL;
    else if (bEmail3) zName = seg_email_stage_name(code);
    else if (code == 0) zName = NO_ORDERS_SEGMENT;
    else if (code % 10 == 0 || code / 10 % 10 == 0 || code < 100) zName = NULL;
    else if (pM->pUserMap) zName = seg_codemap_segment(pM->pUserMap, code);
    else zName = seg_builtin_map_segment(pM->pBuiltin, code / 100, code / 10 % 10, code % 10);
    pM->azName[code] = zName ? zName : SEG_OTHER_SEGMENT;
    pM->anName[code] = (int)strlen(pM->azName[code]);
  }
}

typedef struct CodeName {
  const char *zName;
  int code;
} CodeName;

static int compareCodeNames(const void *a, const void *b) {
  const CodeName *x = a, *y = b;
  int c = strcmp(x->zName, y->zName);
  return c ? c : x->code - y->code;
}

/* Group the rows by segment (in name order) and, within a segment, by RFM
** code, for the segment plans: ORDER BY / GROUP BY segment walks aByCode
** as it is, and segment = ? is one contiguous slice of it. */
static int membershipIndexCodes(Membership *pM) {
  const seg_customers *t = pM->pCust;
  uint32_t aCount[1000], aNext[1000], sum = 0;
  CodeName aCode[1000];
  if (pM->aByCode) return SQLITE_OK;
  pM->aByCode = sqlite3_malloc64((t->n ? t->n : 1) * sizeof(uint32_t));
  if (!pM->aByCode) return SQLITE_NOMEM;
  memset(aCount, 0, sizeof(aCount));
  for (size_t i = 0; i < t->n; i++) aCount[keyOf(pM, i)]++;
  for (int c = 0; c < 1000; c++) {
    aCode[c].zName = pM->azName[c];
    aCode[c].code = c;
  }
  qsort(aCode, 1000, sizeof(aCode[0]), compareCodeNames);
  for (int k = 0; k < 1000; k++) {
    int c = aCode[k].code;
    pM->aCodeOrder[k] = c;
    pM->aCodeStart[c] = aNext[c] = sum;
    sum += aCount[c];
    pM->aCodeEnd[c] = sum;
  }
  for (size_t i = 0; i < t->n; i++)
    pM->aByCode[aNext[keyOf(pM, i)]++] = (uint32_t)i;
  return SQLITE_OK;
}

/* Whether to stop: the core asks every 64k customers while it scores and
** sorts, pure C loops that SQLite cannot stop by itself.  The probe is a
** statement of about 1,100 virtual-machine steps (some 20 microseconds):
** stepping it reports a pending sqlite3_interrupt() (3.40 has no
** sqlite3_is_interrupted), and its steps count towards a progress
** handler's period, so a handler called every 1,000 steps or fewer is
** called at every probe, one with a longer period every few. */
static int segmentsInterrupted(void *pCtx) {
  SegmentsTable *pTab = pCtx;
  int rc = SQLITE_OK;
  if (!pTab->pProbe)
    rc = sqlite3_prepare_v2(pTab->db,
                            "WITH RECURSIVE n(i) AS (VALUES(1) UNION ALL SELECT i + 1 "
                            "FROM n WHERE i < 64) SELECT count(*) FROM n",
                            -1, &pTab->pProbe, 0);
  if (rc == SQLITE_OK) {
    sqlite3_step(pTab->pProbe);
    rc = sqlite3_reset(pTab->pProbe);
  }
  return rc == SQLITE_INTERRUPT;
}

/* A core result (0, -1 out of memory, -2 stopped) as an SQLite code. */
static int coreResult(int rc) {
  return rc == 0 ? SQLITE_OK : rc == -2 ? SQLITE_INTERRUPT : SQLITE_NOMEM;
}

/* The key of the data a membership reflects; see HOW IT WORKS. */
static sqlite3_uint64 dataVersion(sqlite3 *db) {
  sqlite3_uint64 key = 0;
  const char *zDb;
  for (int i = 0; (zDb = sqlite3_db_name(db, i)) != NULL; i++) {
    unsigned int v = 0;
    if (sqlite3_file_control(db, zDb, SQLITE_FCNTL_DATA_VERSION, &v) != SQLITE_OK)
      v = 0;
    key = key * 1000003u + v;
  }
  return key;
}

/* Today (UTC) as a day number. */
static int32_t today(void) {
  time_t now = time(NULL);
  return (int32_t)(now >= 0 ? now / 86400 : -((-now + 86399) / 86400));
}

/* The day of one order date value; 0, or -1 when it cannot be read.
**
** The scan reads each column once with sqlite3_column_value and then the
** value: each sqlite3_column_* call takes the connection's mutex, and at
** ten million rows that shows.  Reading an unprotected value is safe here
** because the whole scan runs inside the outer statement's sqlite3_step,
** which holds that mutex. */
static int orderDay(int eFormat, sqlite3_value *v, int32_t *pDay) {
  int eType = sqlite3_value_type(v);
  switch (eType) {
    case SQLITE_TEXT:
      if (eFormat == DATE_AUTO || eFormat == DATE_ISO) {
        return seg_day_from_text((const char *)sqlite3_value_text(v),
                                 (size_t)sqlite3_value_bytes(v), pDay);
      }
      break;
    case SQLITE_INTEGER:
    case SQLITE_FLOAT:
      if (eFormat == DATE_UNIX || (eFormat == DATE_AUTO && eType == SQLITE_INTEGER))
        return seg_day_from_unix(sqlite3_value_double(v), pDay);
      if (eFormat == DATE_JULIAN || eFormat == DATE_AUTO)
        return seg_day_from_julian(sqlite3_value_double(v), pDay);
      break;
  }
  return -1;
}

/* The row of the customer whose id is v; -1 with *pRc set to
** SQLITE_NOMEM or SQLITE_MISMATCH (an id that is neither integer nor
** text), -2 for a NULL id. */
static int64_t findCustomer(seg_customers *t, sqlite3_value *v, int *pRc) {
  int64_t i;
  double x;
  switch (sqlite3_value_type(v)) {
    case SQLITE_INTEGER:
      i = seg_customers_find_int(t, sqlite3_value_int64(v), 1);
      break;
    case SQLITE_TEXT:
      i = seg_customers_find_text(t, (const char *)sqlite3_value_text(v),
                                  (size_t)sqlite3_value_bytes(v), 1);
      break;
    case SQLITE_FLOAT:
      x = sqlite3_value_double(v);
      if (x > -9.2e18 && x < 9.2e18 && x == (double)(sqlite3_int64)x) {
        i = seg_customers_find_int(t, (sqlite3_int64)x, 1);
        break;
      }
      *pRc = SQLITE_MISMATCH;
      return -1;
    case SQLITE_NULL:
      return -2;
    default:
      *pRc = SQLITE_MISMATCH;
      return -1;
  }
  if (i < 0) *pRc = SQLITE_NOMEM;
  return i;
}

/* An error of a statement reading zTable: its message as it is when it is
** already one of ours ("segments: ...", from a view over this very
** table), else prefixed with what was being read. */
static void setReadError(SegmentsTable *pTab, const char *zTable) {
  const char *zMsg = sqlite3_errmsg(pTab->db);
  if (strncmp(zMsg, "segments: ", 10) == 0) setError(pTab, "%s", zMsg);
  else setError(pTab, "segments: cannot read %s: %s", zTable, zMsg);
}

/* Every column is written src."name": a bare "name" that is not a column
** (renamed since CREATE) would be read by SQLite as a string literal, and
** every order would silently belong to one customer called "name".  A
** qualified one is an error. */

/* A description of the order row the statement is on: "orders row 12"
** (the rowid) or "orders row #12" (the 12th row read, for a view). */
static char *orderRowName(SegmentsTable *pTab, sqlite3_stmt *pStmt, int bRowid,
                          sqlite3_int64 nRead) {
  if (bRowid && sqlite3_column_type(pStmt, 3) != SQLITE_NULL) /* views: NULL */
    return sqlite3_mprintf("%s row %lld", pTab->opt.zOrders,
                           sqlite3_column_int64(pStmt, 3));
  return sqlite3_mprintf("%s row #%lld", pTab->opt.zOrders, nRead);
}

static char *describeColumn(sqlite3_stmt *pStmt, int iCol) {
  return segment_value_describe(sqlite3_column_value(pStmt, iCol));
}

/* ---- the value of a column ------------------------------------------------ */

static int64_t lookupCustomer(const Membership *pM, sqlite3_value *v);

/* One column of one customer, for xColumn, refresh and the rules. */
typedef struct Cell {
  int eType;                      /* SQLITE_NULL, _INTEGER, _FLOAT, _TEXT */
  sqlite3_int64 i;
  double r;
  const char *z;                  /* text: constant, or the row's id, or zBuf */
  int n;
  char zBuf[SEG_DAY_FORMAT_SIZE];
} Cell;

static void cellInt(Cell *p, sqlite3_int64 i) { p->eType = SQLITE_INTEGER, p->i = i; }
static void cellReal(Cell *p, double r) { p->eType = SQLITE_FLOAT, p->r = r; }
static void cellText(Cell *p, const char *z, int n) { p->eType = SQLITE_TEXT, p->z = z, p->n = n; }
static void cellDay(Cell *p, int32_t day) {
  seg_day_format(day, p->zBuf);
  cellText(p, p->zBuf, (int)strlen(p->zBuf));
}

static void cellModel(const SegmentsOptions *o, const Membership *pM,
                      uint32_t iRow, int iCol, Cell *p);

/* Column iCol (COL_CUSTOMER_ID .. COL_UNSUBSCRIBED, COL_AS_OF, or a model
** column) of row iRow, whose segment key is key. */
static void cellOf(const SegmentsOptions *o, const Membership *pM, uint32_t iRow,
                   int key, int iCol, Cell *p) {
  const seg_customer *c = &pM->pCust->rows[iRow];
  const seg_email *e = pM->aEmail ? &pM->aEmail[iRow] : NULL;
  int code = seg_customers_code(pM->pCust, iRow);
  p->eType = SQLITE_NULL;
  switch (iCol) {
    case COL_CUSTOMER_ID:
      if (seg_customers_is_text(pM->pCust, iRow)) {
        size_t n;
        const char *z = seg_customers_text(pM->pCust, iRow, &n);
        cellText(p, z, (int)n);
      } else {
        cellInt(p, c->id);
      }
      break;
    case COL_FIRST_ORDER: if (c->frequency) cellDay(p, c->first_day); break;
    case COL_LAST_ORDER: if (c->frequency) cellDay(p, c->last_day); break;
    case COL_RECENCY_DAYS:
      if (c->frequency) cellInt(p, (sqlite3_int64)pM->iAsOfDay - c->last_day);
      break;
    case COL_FREQUENCY: cellInt(p, c->frequency); break;
    case COL_MONETARY: cellReal(p, c->monetary); break;
    case COL_AVG_ORDER:
      if (c->n_amount) cellReal(p, c->monetary / (double)c->n_amount);
      break;
    case COL_R: if (code) cellInt(p, code / 100); break;
    case COL_F: if (code) cellInt(p, code / 10 % 10); break;
    case COL_M: if (code) cellInt(p, code % 10); break;
    case COL_RFM: if (code) cellInt(p, code); break;
    case COL_SEGMENT: cellText(p, pM->azName[key], pM->anName[key]); break;
    case COL_TENURE_DAYS:
      if (c->frequency) cellInt(p, (sqlite3_int64)pM->iAsOfDay - c->first_day);
      break;
    case COL_AVG_GAP_DAYS:
      if (c->frequency >= 2) cellReal(p, seg_avg_gap(c->frequency, c->first_day, c->last_day));
      break;
    case COL_RECENT_ORDERS: cellInt(p, pM->feat.recent_orders[iRow]); break;
    case COL_RECENT_MONETARY:
      cellReal(p, seg_round(pM->feat.recent_monetary[iRow], o->nMoneyDecimals));
      break;
    case COL_DISCOUNT_SHARE:
      if (pM->feat.discounted && c->frequency)
        cellReal(p, (double)pM->feat.discounted[iRow] / (double)c->frequency);
      break;
    case COL_REFUND_COUNT:
      if (pM->feat.refunds) cellInt(p, pM->feat.refunds[iRow]);
      break;
    case COL_LIFECYCLE: {
      const char *z = seg_lifecycle_name(seg_lifecycle_stage(
          &o->lifecycle, pM->iAsOfDay, c->frequency, c->first_day, c->last_day,
          pM->shopGap));
      if (z) cellText(p, z, (int)strlen(z));
      break;
    }
    case COL_LAST_OPEN: if (e && e->last_open != SEG_EMAIL_NEVER) cellDay(p, e->last_open); break;
    case COL_LAST_CLICK:
      if (e && e->last_click != SEG_EMAIL_NEVER) cellDay(p, e->last_click);
      break;
    case COL_OPENS_30D: if (e) cellInt(p, e->recent_opens); break;
    case COL_UNSUBSCRIBED: if (e) cellInt(p, seg_email_unsubscribed(e)); break;
    case COL_AS_OF: cellDay(p, pM->iAsOfDay); break;
    case COL_P_ALIVE:
    case COL_EXPECTED_ORDERS:
    case COL_EXPECTED_VALUE:
    case COL_CLV:
    case COL_CHURN_RISK: cellModel(o, pM, iRow, iCol, p); break;
    default: break;
  }
}

/* Bind a cell (its text must outlive the step). */
static void cellBind(sqlite3_stmt *pStmt, int iParam, const Cell *p) {
  switch (p->eType) {
    case SQLITE_INTEGER: sqlite3_bind_int64(pStmt, iParam, p->i); break;
    case SQLITE_FLOAT: sqlite3_bind_double(pStmt, iParam, p->r); break;
    case SQLITE_TEXT: sqlite3_bind_text(pStmt, iParam, p->z, p->n, SQLITE_STATIC); break;
    default: sqlite3_bind_null(pStmt, iParam); break;
  }
}

/* ---- customer-value models (model=) ------------------------------------------- */

/* One order of positive amount, kept with model= until the scan ends: the
** customer's row, or its integer id while the order may wait in a batch
** (core/customers.h); ids become rows after the scan.  24 bytes. */
typedef struct ModelOrder {
  int64_t key;
  double amount;
  int32_t day;
  int32_t bRow;      /* key is the row (1) or the id (0) */
} ModelOrder;

typedef struct ModelOrders {
  ModelOrder *a;
  size_t n, nAlloc;
} ModelOrders;

static int modelOrdersAdd(ModelOrders *p, int64_t key, int bRow, int32_t day,
                          double amount) {
  if (p->n == p->nAlloc) {
    size_t nNew = p->nAlloc ? p->nAlloc * 2 : 1024;
    ModelOrder *aNew = sqlite3_realloc64(p->a, nNew * sizeof(ModelOrder));
    if (!aNew) return SQLITE_NOMEM;
    p->a = aNew;
    p->nAlloc = nNew;
  }
  p->a[p->n].key = key;
  p->a[p->n].amount = amount;
  p->a[p->n].day = day;
  p->a[p->n].bRow = bRow;
  p->n++;
  return SQLITE_OK;
}

static int compareModelOrders(const void *pA, const void *pB) {
  const ModelOrder *a = pA, *b = pB;
  if (a->key != b->key) return a->key < b->key ? -1 : 1;
  return (a->day > b->day) - (a->day < b->day);
}

/* A number of days in the model's time unit. */
static double modelTime(const SegmentsOptions *o, int32_t nDays) {
  return o->bWeeks ? nDays / 7.0 : (double)nDays;
}

/* Row iRow's history (x, t_x, T) in the time unit: 0, or -1 when the
** customer has no order of positive amount (the model columns are NULL). */
static int modelHistory(const SegmentsOptions *o, const Membership *pM,
                        uint32_t iRow, double *aHistory) {
  if (!pM->aRepeat || pM->aRepeat[iRow] < 0) return -1;
  aHistory[0] = pM->aRepeat[iRow];
  aHistory[1] = modelTime(o, pM->aLastBuy[iRow] - pM->aFirstBuy[iRow]);
  aHistory[2] = modelTime(o, pM->iAsOfDay - pM->aFirstBuy[iRow]);
  return 0;
}

/* A model column of row iRow: the predictions of core/btyd.h for its
** history, as the SQL functions of func_btyd.c compute them. */
static void cellModel(const SegmentsOptions *o, const Membership *pM,
                      uint32_t iRow, int iCol, Cell *p) {
  double h[3], v = NAN;
  double avg = pM->aRepeatValue ? pM->aRepeatValue[iRow] : 0;
  if (modelHistory(o, pM, iRow, h) != 0) return;
  switch (iCol) {
    case COL_P_ALIVE: v = seg_bgnbd_p_alive(&pM->bgnbd, h[0], h[1], h[2]); break;
    case COL_EXPECTED_ORDERS:
      v = seg_bgnbd_expected(&pM->bgnbd, o->nHorizon, h[0], h[1], h[2]);
      break;
    case COL_EXPECTED_VALUE: v = seg_gg_expected_value(&pM->gg, h[0], avg); break;
    case COL_CLV:
      /* Undiscounted, the sum of clv() telescopes to the value of a
      ** purchase times the purchases in the horizon: one evaluation
      ** instead of one per time unit. */
      if (o->discountRate == 0)
        v = seg_gg_expected_value(&pM->gg, h[0], avg) *
            seg_bgnbd_expected(&pM->bgnbd, o->nHorizon, h[0], h[1], h[2]);
      else
        v = seg_clv(&pM->bgnbd, &pM->gg, h[0], h[1], h[2], avg, o->nHorizon, 1.0,
                    o->discountRate);
      break;
    case COL_CHURN_RISK: {
      double alive = seg_bgnbd_p_alive(&pM->bgnbd, h[0], h[1], h[2]);
      const char *z = alive >= CHURN_LOW_FROM ? "low"
                    : alive >= CHURN_MEDIUM_FROM ? "medium" : "high";
      cellText(p, z, (int)strlen(z));
      return;
    }
  }
  /* NaN: an infinite expected value or a horizon beyond the series (see
  ** docs/segments.md) reads as NULL. */
  if (v == v) cellReal(p, v);
}

/* Each row's history from the orders of positive amount (pOrders, freed
** here), then the fits: BG/NBD on every customer with such an order,
** Gamma-Gamma on those with x > 0.  A fit that fails is an error. */
static int membershipFitModel(SegmentsTable *pTab, Membership *pM,
                              ModelOrders *pOrders) {
  seg_customers *t = pM->pCust;
  size_t nCust = t->n ? t->n : 1, nBuyer = 0;
  seg_bgnbd_obs *aObs = NULL;
  seg_gg_obs *aGg = NULL;
  seg_fit_info info;
  char zErr[256];
  int rc = SQLITE_OK, rcFit;

  pM->aRepeat = sqlite3_malloc64(nCust * sizeof(int32_t));
  pM->aFirstBuy = sqlite3_malloc64(nCust * sizeof(int32_t));
  pM->aLastBuy = sqlite3_malloc64(nCust * sizeof(int32_t));
  pM->aRepeatValue = sqlite3_malloc64(nCust * sizeof(double));
  if (!pM->aRepeat || !pM->aFirstBuy || !pM->aLastBuy || !pM->aRepeatValue) {
    rc = SQLITE_NOMEM;
    goto fit_end;
  }
  for (size_t i = 0; i < t->n; i++) pM->aRepeat[i] = -1;
  /* With no order waiting in a batch, every id finds its row. */
  if (seg_customers_flush(t) != 0) {
    rc = SQLITE_NOMEM;
    goto fit_end;
  }
  for (size_t i = 0; i < pOrders->n; i++) {
    ModelOrder *pO = &pOrders->a[i];
    if (!pO->bRow) pO->key = seg_customers_find_int(t, pO->key, 0);
  }
  if (pOrders->n) qsort(pOrders->a, pOrders->n, sizeof(ModelOrder), compareModelOrders);
  for (size_t i = 0; i < pOrders->n;) {
    /* One customer's orders, by day: sum each day, count the days. */
    int64_t iRow = pOrders->a[i].key;
    int32_t nDays = 0;
    double total = 0, firstValue = 0;
    pM->aFirstBuy[iRow] = pOrders->a[i].day;
    while (i < pOrders->n && pOrders->a[i].key == iRow) {
      int32_t day = pOrders->a[i].day;
      double dayValue = 0;
      for (; i < pOrders->n && pOrders->a[i].key == iRow && pOrders->a[i].day == day; i++)
        dayValue += pOrders->a[i].amount;
      if (nDays++ == 0) firstValue = dayValue;
      total += dayValue;
      pM->aLastBuy[iRow] = day;
    }
    pM->aRepeat[iRow] = nDays - 1;
    pM->aRepeatValue[iRow] = nDays > 1 ? (total - firstValue) / (nDays - 1) : 0;
    nBuyer++;
  }
  sqlite3_free(pOrders->a);
  pOrders->a = NULL;

  aObs = sqlite3_malloc64((nBuyer ? nBuyer : 1) * sizeof(seg_bgnbd_obs));
  aGg = sqlite3_malloc64((nBuyer ? nBuyer : 1) * sizeof(seg_gg_obs));
  if (!aObs || !aGg) {
    rc = SQLITE_NOMEM;
    goto fit_end;
  }
  nBuyer = 0;
  for (size_t i = 0; i < t->n; i++) {
    double h[3];
    if (modelHistory(&pTab->opt, pM, (uint32_t)i, h) != 0) continue;
    aObs[nBuyer].x = h[0], aObs[nBuyer].t_x = h[1], aObs[nBuyer].T = h[2];
    aObs[nBuyer].weight = 1;
    aGg[nBuyer].x = h[0], aGg[nBuyer].avg_value = pM->aRepeatValue[i];
    aGg[nBuyer].weight = 1;
    nBuyer++;
  }
  rcFit = seg_bgnbd_fit(aObs, nBuyer, 0.0, &pM->bgnbd, &info, zErr, sizeof zErr);
  if (rcFit == SEG_BTYD_OK)
    rcFit = seg_gg_fit(aGg, nBuyer, 0.0, &pM->gg, &info, zErr, sizeof zErr);
  if (rcFit == SEG_BTYD_NOMEM) {
    rc = SQLITE_NOMEM;
  } else if (rcFit == SEG_BTYD_ERROR) {
    setError(pTab, "segments: %s", zErr);
    rc = SQLITE_ERROR;
  } else if (rcFit != SEG_BTYD_OK) {
    char zAsOf[SEG_DAY_FORMAT_SIZE];
    seg_day_format(pM->iAsOfDay, zAsOf);
    setError(pTab,
             "segments: cannot fit model 'bgnbd' as of %s: no customer has an "
             "order with a positive amount by then", zAsOf);
    rc = SQLITE_ERROR;
  }

fit_end:
  sqlite3_free(pOrders->a);
  pOrders->a = NULL;
  sqlite3_free(aObs);
  sqlite3_free(aGg);
  return rc;
}

/* ---- email events and rules ----------------------------------------------- */

/* Read events= into pM->aEmail: each event of a customer the membership
** lists, dated on or before as_of. */
static int membershipReadEvents(SegmentsTable *pTab, Membership *pM) {
  const SegmentsOptions *o = &pTab->opt;
  seg_customers *t = pM->pCust;
  sqlite3_stmt *pStmt = NULL;
  sqlite3_int64 nRead = 0;
  char *zSql;
  int rc;
  pM->aEmail = sqlite3_malloc64((t->n ? t->n : 1) * sizeof(seg_email));
  if (!pM->aEmail) return SQLITE_NOMEM;
  for (size_t i = 0; i < t->n; i++) seg_email_init(&pM->aEmail[i]);
  zSql = sqlite3_mprintf("SELECT src.\"%w\", src.\"%w\", src.\"%w\" FROM %s\"%w\" AS src",
                         o->zEventsCustomer ? o->zEventsCustomer : o->zCustomer,
                         o->zEventsAt, o->zEventsKind, pTab->zSource, o->zEvents);
  rc = zSql ? sqlite3_prepare_v2(pTab->db, zSql, -1, &pStmt, 0) : SQLITE_NOMEM;
  sqlite3_free(zSql);
  if (rc != SQLITE_OK) {
    if (rc != SQLITE_NOMEM) setReadError(pTab, o->zEvents);
    return rc;
  }
  while ((rc = sqlite3_step(pStmt)) == SQLITE_ROW) {
    int32_t day;
    int64_t iRow;
    sqlite3_value *pKind = sqlite3_column_value(pStmt, 2);
    nRead++;
    if (orderDay(o->eDateFormat, sqlite3_column_value(pStmt, 1), &day) != 0) {
      char *zVal;
      if (o->eBadDates == BAD_DATES_SKIP) {
        pM->nBadDates++;
        continue;
      }
      zVal = describeColumn(pStmt, 1);
      setError(pTab,
               "segments: %s row #%lld: %s %s is not a date (ISO-8601, unix "
               "seconds or julian day; bad_dates='skip' skips such rows)",
               o->zEvents, nRead, o->zEventsAt, zVal ? zVal : "?");
      sqlite3_free(zVal);
      rc = SQLITE_ERROR;
      break;
    }
    if (day > pM->iAsOfDay) continue;
    iRow = lookupCustomer(pM, sqlite3_column_value(pStmt, 0));
    if (iRow < 0) continue; /* not a customer of this table */
    seg_email_add(&pM->aEmail[iRow],
                  sqlite3_value_type(pKind) == SQLITE_TEXT
                      ? seg_email_kind((const char *)sqlite3_value_text(pKind),
                                       (size_t)sqlite3_value_bytes(pKind))
                      : SEG_EVENT_OTHER,
                  day, pM->iAsOfDay);
  }
  if (rc != SQLITE_DONE && rc != SQLITE_ERROR) setReadError(pTab, o->zEvents);
  sqlite3_finalize(pStmt);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Bind every feature of row iRow to a rules statement. */
static void bindFeatures(const SegmentsOptions *o, const Membership *pM,
                         uint32_t iRow, sqlite3_stmt *pStmt, Cell *aCell) {
  for (int k = 0; k < COL_COMMAND; k++) {
    if (!isRuleColumn(k)) continue;
    cellOf(o, pM, iRow, 0, k, &aCell[k]);
    cellBind(pStmt, k + 1, &aCell[k]);
  }
}

/* Give every customer the key of the first rule it matches (0: none). */
static int membershipApplyRules(SegmentsTable *pTab, Membership *pM) {
  const seg_customers *t = pM->pCust;
  sqlite3_stmt *pStmt = NULL;
  Cell aCell[COL_COMMAND];
  int rc = rulesRowSource(pTab, 0, &pM->zRowSource);
  if (rc != SQLITE_OK) return rc;
  pM->aKey = sqlite3_malloc64((t->n ? t->n : 1) * sizeof(uint16_t));
  if (!pM->aKey) return SQLITE_NOMEM;
  rc = segment_rules_prepare(pM->pRules, pTab->db, pM->zRowSource, 0, &pStmt);
  for (size_t i = 0; rc == SQLITE_OK && i < t->n; i++) {
    bindFeatures(&pTab->opt, pM, (uint32_t)i, pStmt, aCell);
    if (sqlite3_step(pStmt) == SQLITE_ROW) pM->aKey[i] = (uint16_t)sqlite3_column_int(pStmt, 0);
    rc = sqlite3_reset(pStmt);
  }
  if (rc != SQLITE_OK && rc != SQLITE_NOMEM) {
    const char *zMsg = sqlite3_errmsg(pTab->db);
    if (strncmp(zMsg, "segments: ", 10) == 0) setError(pTab, "%s", zMsg);
    else setError(pTab, "segments: map \"%s\": %s", pTab->opt.zMap, zMsg);
  }
  sqlite3_finalize(pStmt);
  return rc;
}

/* Integer-id orders read before the grouper's thread starts: a small shop
** is grouped before a thread would have started. */
#define GROUPER_AFTER 65536

/* Whether SQLite's allocator, which the core uses, may be called from two
** threads: SQLite built with its mutexes (SQLITE_THREADSAFE) and not in
** single-thread mode.  The query's connection cannot say (the sqlite3
** shell opens its own without a mutex); a connection asking for one gets
** it exactly when SQLite's core mutexes are on. */
static int sqliteAllocatorIsThreadsafe(void) {
  sqlite3 *db = NULL;
  int bSafe;
  if (!sqlite3_threadsafe()) return 0;
  bSafe = sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX,
                          NULL) == SQLITE_OK &&
          sqlite3_db_mutex(db) != NULL;
  sqlite3_close(db);
  return bSafe;
}

/* Whether this scan may group on a second thread (core/grouper.h), as far
** as the options and the machine say: threads=2, or two cores. */
static int threadsWanted(const SegmentsOptions *o) {
  if (o->nThreads) return o->nThreads == 2;
  return sysconf(_SC_NPROCESSORS_ONLN) >= 2;
}

/* Wait for the grouper's thread to group what it was given, and end it:
** SQLITE_OK, or SQLITE_NOMEM when it ran out of memory. */
static int grouperEnd(seg_grouper **ppGrouper) {
  int rc = seg_grouper_finish(*ppGrouper) == 0 ? SQLITE_OK : SQLITE_NOMEM;
  *ppGrouper = NULL;
  return rc;
}

/* Read the orders (and customers) into a new membership as of iAsOfDay. */
static int membershipCompute(SegmentsTable *pTab, int32_t iAsOfDay,
                             Membership **ppM) {
  const SegmentsOptions *o = &pTab->opt;
  Membership *pM = NULL;
  sqlite3_stmt *pStmt = NULL;
  char *zSql = NULL;
  int bRowid = 1, iFlagCol;
  sqlite3_int64 nRead = 0;
  seg_score_options score;
  ModelOrders modelOrders = {NULL, 0, 0};
  seg_grouper *pGrouper = NULL;
  int bGrouper = threadsWanted(o);
  sqlite3_int64 nIntInline = 0;
  int rc;

  *ppM = NULL;
  if (pTab->bComputing) {
    setError(pTab, "segments: %s reads %s itself", o->zOrders, pTab->zName);
    return SQLITE_ERROR;
  }
  rc = checkSources(pTab);
  if (rc != SQLITE_OK) return rc;
  pTab->bComputing = 1;

  pM = sqlite3_malloc(sizeof(*pM));
  if (!pM) {
    rc = SQLITE_NOMEM;
    goto compute_end;
  }
  memset(pM, 0, sizeof(*pM));
  pM->nRef = 1;
  pM->iAsOfDay = iAsOfDay;
  pM->pCust = seg_customers_new();
  if (!pM->pCust) {
    rc = SQLITE_NOMEM;
    goto compute_end;
  }
  pM->pCust->stop = segmentsInterrupted;
  pM->pCust->stop_ctx = pTab;
  seg_features_init(&pM->feat, iAsOfDay - o->nWindowDays + 1, o->zDiscount != 0,
                    o->zRefund != 0);
  pM->pBuiltin = seg_builtin_map_find(o->zMap ? o->zMap : "rfm11");
  if (isMapTable(o)) {
    char *zErr = NULL;
    int bRules = 0;
    /* A map that cannot be read is reported by the code-map loader. */
    rc = segment_rules_is_rule_map(pTab->db, o->zMap, &bRules);
    if (rc == SQLITE_OK && bRules) rc = loadRules(pTab, &pM->pRules, &zErr);
    else if (rc != SQLITE_NOMEM)
      rc = loadCodeMap(pTab, &pM->pUserMap, &zErr);
    if (rc != SQLITE_OK) {
      sqlite3_free(pTab->base.zErrMsg);
      pTab->base.zErrMsg = zErr;
      goto compute_end;
    }
  }

  /* The orders: with the rowid when the source has one, for messages. */
  for (int attempt = 0; attempt < 2 && !pStmt; attempt++) {
    bRowid = attempt == 0;
    sqlite3_free(zSql);
    /* discount= and refund= as 0/1 columns after the rowid. */
    zSql = sqlite3_mprintf(
        "SELECT src.\"%w\", src.\"%w\", src.\"%w\"%s%s%s%s%s%s%s FROM %s\"%w\" AS src%s%s%s",
        o->zCustomer, o->zOrderedAt, o->zAmount, bRowid ? ", src.rowid" : "",
        o->zDiscount ? ", ((" : "", o->zDiscount ? o->zDiscount : "",
        o->zDiscount ? "\n) IS TRUE)" : "",
        o->zRefund ? ", ((" : "", o->zRefund ? o->zRefund : "",
        o->zRefund ? "\n) IS TRUE)" : "",
        pTab->zSource, o->zOrders, o->zFilter ? " WHERE (" : "",
        o->zFilter ? o->zFilter : "", o->zFilter ? "\n)" : "");
    if (!zSql) {
      rc = SQLITE_NOMEM;
      goto compute_end;
    }
    rc = sqlite3_prepare_v2(pTab->db, zSql, -1, &pStmt, 0);
    if (rc != SQLITE_OK && !bRowid) {
      /* Say what CREATE would say (a column renamed since), if it can. */
      char *zCheck = NULL;
      setReadError(pTab, o->zOrders);
      if (rc != SQLITE_NOMEM && checkTables(pTab, &zCheck) != SQLITE_OK && zCheck) {
        sqlite3_free(pTab->base.zErrMsg);
        pTab->base.zErrMsg = zCheck;
      }
      goto compute_end;
    }
  }

  iFlagCol = bRowid ? 4 : 3;
  while ((rc = sqlite3_step(pStmt)) == SQLITE_ROW) {
    int32_t day;
    int64_t iRow;
    int hasAmount = 0;
    double amount = 0;
    unsigned flags = 0;
    nRead++;
    sqlite3_value *pCustomer = sqlite3_column_value(pStmt, 0);
    sqlite3_value *pAmount = sqlite3_column_value(pStmt, 2);
    if (orderDay(o->eDateFormat, sqlite3_column_value(pStmt, 1), &day) != 0) {
      if (o->eBadDates == BAD_DATES_SKIP) {
        pM->nBadDates++;
        continue;
      }
      char *zRow = orderRowName(pTab, pStmt, bRowid, nRead);
      char *zVal = describeColumn(pStmt, 1);
      setError(pTab,
               "segments: %s: %s %s is not a date (ISO-8601, unix seconds or "
               "julian day; bad_dates='skip' skips such rows)",
               zRow, o->zOrderedAt, zVal);
      sqlite3_free(zRow);
      sqlite3_free(zVal);
      rc = SQLITE_ERROR;
      goto compute_end;
    }
    if (day > iAsOfDay) continue;
    if (o->zDiscount && sqlite3_value_int(sqlite3_column_value(pStmt, iFlagCol)))
      flags |= SEG_ORDER_DISCOUNTED;
    if (o->zRefund &&
        sqlite3_value_int(sqlite3_column_value(pStmt, iFlagCol + (o->zDiscount != 0))))
      flags |= SEG_ORDER_REFUND;
    switch (sqlite3_value_type(pAmount)) {
      case SQLITE_NULL:
        break;
      case SQLITE_INTEGER:
      case SQLITE_FLOAT:
        hasAmount = 1;
        amount = sqlite3_value_double(pAmount);
        break;
      case SQLITE_TEXT: /* '12.50' counts; 'lots' does not */
        if (sqlite3_value_numeric_type(pAmount) != SQLITE_TEXT) {
          hasAmount = 1;
          amount = sqlite3_value_double(pAmount);
          break;
        }
        /* fall through */
      default:
        hasAmount = -1;
    }
    if (hasAmount < 0 || (hasAmount && (amount != amount || amount - amount != 0))) {
      char *zRow = orderRowName(pTab, pStmt, bRowid, nRead);
      char *zVal = describeColumn(pStmt, 2);
      setError(pTab, "segments: %s: %s %s is not a finite number", zRow,
               o->zAmount, zVal);
      sqlite3_free(zRow);
      sqlite3_free(zVal);
      rc = SQLITE_ERROR;
      goto compute_end;
    }
    if (o->zModel && hasAmount && amount > 0 &&
        sqlite3_value_type(pCustomer) == SQLITE_INTEGER &&
        modelOrdersAdd(&modelOrders, sqlite3_value_int64(pCustomer), 0, day,
                       amount) != SQLITE_OK) {
      rc = SQLITE_NOMEM;
      goto compute_end;
    }
    if (sqlite3_value_type(pCustomer) == SQLITE_INTEGER) {
      /* The common case, batched for speed (customers.h), on a second
      ** thread once the shop is big enough to be worth one (grouper.h). */
      sqlite3_int64 id = sqlite3_value_int64(pCustomer);
      if (pGrouper ? seg_grouper_add(pGrouper, id, day, hasAmount, amount, flags)
                   : seg_features_add_int_order(&pM->feat, pM->pCust, id, day,
                                                hasAmount, amount, flags)) {
        rc = SQLITE_NOMEM;
        goto compute_end;
      }
      if (!pGrouper && bGrouper && ++nIntInline == GROUPER_AFTER &&
          sqliteAllocatorIsThreadsafe())
        pGrouper = seg_grouper_start(pM->pCust, &pM->feat);
      continue;
    }
    /* A text id: the table is this thread's again, for the rest. */
    bGrouper = 0;
    if (pGrouper && grouperEnd(&pGrouper) != SQLITE_OK) {
      rc = SQLITE_NOMEM;
      goto compute_end;
    }
    iRow = findCustomer(pM->pCust, pCustomer, &rc);
    if (iRow == -2) { /* no customer: not anyone's order */
      pM->nNoCustomer++;
      continue;
    }
    if (iRow < 0) {
      if (rc == SQLITE_MISMATCH) {
        char *zRow = orderRowName(pTab, pStmt, bRowid, nRead);
        char *zVal = describeColumn(pStmt, 0);
        setError(pTab,
                 "segments: %s: %s %s is not a customer id (expected an "
                 "integer or a text)",
                 zRow, o->zCustomer, zVal);
        sqlite3_free(zRow);
        sqlite3_free(zVal);
        rc = SQLITE_ERROR;
      }
      goto compute_end;
    }
    seg_customers_add_order(pM->pCust, iRow, day, hasAmount, amount);
    if (o->zModel && hasAmount && amount > 0 &&
        modelOrdersAdd(&modelOrders, iRow, 1, day, amount) != SQLITE_OK) {
      rc = SQLITE_NOMEM;
      goto compute_end;
    }
    if (seg_features_add_order(&pM->feat, pM->pCust, iRow, day, hasAmount,
                               amount, flags) != 0) {
      rc = SQLITE_NOMEM;
      goto compute_end;
    }
  }
  if (pGrouper && grouperEnd(&pGrouper) != SQLITE_OK) {
    rc = SQLITE_NOMEM;
    goto compute_end;
  }
  if (rc != SQLITE_DONE) {
    if (!pTab->base.zErrMsg || rc != SQLITE_NOMEM) setReadError(pTab, o->zOrders);
    goto compute_end;
  }
  sqlite3_finalize(pStmt);
  pStmt = NULL;

  /* Customers without orders, when a customers table is given. */
  if (o->zCustomers) {
    sqlite3_free(zSql);
    zSql = sqlite3_mprintf("SELECT src.\"%w\" FROM %s\"%w\" AS src",
                           o->zCustomersId ? o->zCustomersId : o->zCustomer,
                           pTab->zSource, o->zCustomers);
    rc = zSql ? sqlite3_prepare_v2(pTab->db, zSql, -1, &pStmt, 0) : SQLITE_NOMEM;
    if (rc != SQLITE_OK) {
      char *zCheck = NULL;
      if (rc == SQLITE_NOMEM) goto compute_end;
      setReadError(pTab, o->zCustomers);
      if (checkTables(pTab, &zCheck) != SQLITE_OK && zCheck) {
        sqlite3_free(pTab->base.zErrMsg);
        pTab->base.zErrMsg = zCheck;
      }
      goto compute_end;
    }
    while ((rc = sqlite3_step(pStmt)) == SQLITE_ROW) {
      if (findCustomer(pM->pCust, sqlite3_column_value(pStmt, 0), &rc) == -1) {
        if (rc == SQLITE_MISMATCH) {
          char *zVal = describeColumn(pStmt, 0);
          setError(pTab,
                   "segments: %s: id %s is not a customer id (expected an "
                   "integer or a text)",
                   o->zCustomers, zVal);
          sqlite3_free(zVal);
          rc = SQLITE_ERROR;
        }
        goto compute_end;
      }
    }
    if (rc != SQLITE_DONE) {
      setReadError(pTab, o->zCustomers);
      goto compute_end;
    }
  }

  /* Amounts are finite, but their sum can overflow. */
  if (seg_features_finish(&pM->feat, pM->pCust) != 0) {
    rc = SQLITE_NOMEM;
    goto compute_end;
  }
  for (size_t i = 0; i < pM->pCust->n; i++) {
    if (isfinite(pM->pCust->rows[i].monetary)) continue;
    if (seg_customers_is_text(pM->pCust, i)) {
      size_t n;
      const char *z = seg_customers_text(pM->pCust, i, &n);
      setError(pTab, "segments: customer '%.*s': the sum of %s is not a finite number",
               (int)n, z, o->zAmount);
    } else {
      setError(pTab, "segments: customer %lld: the sum of %s is not a finite number",
               (long long)pM->pCust->rows[i].id, o->zAmount);
    }
    rc = SQLITE_ERROR;
    goto compute_end;
  }

  score.bins = o->nBins;
  score.as_of_day = iAsOfDay;
  score.money_decimals = o->nMoneyDecimals;
  score.breaks = o->zBreaks ? &o->breaks : NULL;
  rc = coreResult(seg_customers_score(pM->pCust, &score, NULL));
  if (rc != SQLITE_OK) goto compute_end;
  if (seg_lifecycle_shop_gap(pM->pCust, &o->lifecycle, &pM->shopGap) != 0) {
    rc = SQLITE_NOMEM;
    goto compute_end;
  }
  if (o->zEvents) {
    rc = membershipReadEvents(pTab, pM);
    if (rc != SQLITE_OK) goto compute_end;
  }
  if (o->zModel) {
    rc = membershipFitModel(pTab, pM, &modelOrders);
    if (rc != SQLITE_OK) goto compute_end;
  }
  if (pM->pRules) {
    rc = membershipApplyRules(pTab, pM);
    if (rc != SQLITE_OK) goto compute_end;
  } else if (o->zMap && strcmp(o->zMap, EMAIL3_MAP) == 0) {
    pM->aKey = sqlite3_malloc64((pM->pCust->n ? pM->pCust->n : 1) * sizeof(uint16_t));
    if (!pM->aKey) {
      rc = SQLITE_NOMEM;
      goto compute_end;
    }
    for (size_t i = 0; i < pM->pCust->n; i++)
      pM->aKey[i] = (uint16_t)seg_email_stage(&pM->aEmail[i], iAsOfDay);
  }
  membershipNameCodes(pM, o->zMap && strcmp(o->zMap, EMAIL3_MAP) == 0);
  rc = SQLITE_OK;

compute_end:
  if (pGrouper) grouperEnd(&pGrouper); /* after an error: the thread ends first */
  pTab->bComputing = 0;
  sqlite3_free(modelOrders.a);
  sqlite3_finalize(pStmt);
  sqlite3_free(zSql);
  if (rc == SQLITE_OK) {
    *ppM = pM;
  } else {
    membershipUnref(pM);
  }
  return rc;
}

/* The membership as of iAsOfDay: the cursor's own, a cached one whose key
** still holds, or a new one. */
static int membershipGet(SegmentsTable *pTab, Membership *pCurrent,
                         int32_t iAsOfDay, Membership **ppM) {
  sqlite3_uint64 iVersion = dataVersion(pTab->db);
  sqlite3_int64 nChanges = sqlite3_total_changes64(pTab->db);
  int bAutocommit = sqlite3_get_autocommit(pTab->db);
  Membership *pM;
  int rc;

  /* The same cursor again (the inner loop of a join): same statement. */
  if (pCurrent && pCurrent->iAsOfDay == iAsOfDay &&
      pCurrent->iDataVersion == iVersion && pCurrent->nTotalChanges == nChanges) {
    pCurrent->nRef++;
    *ppM = pCurrent;
    return SQLITE_OK;
  }
  /* Cached memberships were all computed outside a transaction, so no
  ** rollback can undo what they saw: any change since then moved a
  ** counter.  They serve inside a transaction too. */
  for (int i = 0; i < CACHE_SIZE; i++) {
    pM = pTab->aCache[i];
    if (pM && pM->iAsOfDay == iAsOfDay && pM->iDataVersion == iVersion &&
        pM->nTotalChanges == nChanges) {
      pM->nRef++;
      *ppM = pM;
      return SQLITE_OK;
    }
  }
  rc = membershipCompute(pTab, iAsOfDay, &pM);
  if (rc != SQLITE_OK) return rc;
  pM->iDataVersion = iVersion;
  pM->nTotalChanges = nChanges;
  if (bAutocommit) {
    /* Newest first; the oldest falls out. */
    membershipUnref(pTab->aCache[CACHE_SIZE - 1]);
    memmove(&pTab->aCache[1], &pTab->aCache[0],
            (CACHE_SIZE - 1) * sizeof(pTab->aCache[0]));
    pTab->aCache[0] = pM;
    pM->nRef++;
  }
  *ppM = pM;
  return SQLITE_OK;
}

/* The as_of day the table uses when no as_of is given. */
static int32_t defaultAsOf(SegmentsTable *pTab) {
  int32_t day;
  if (pTab->opt.zAsOf && sqlite3_stricmp(pTab->opt.zAsOf, "today") != 0 &&
      seg_day_from_text(pTab->opt.zAsOf, strlen(pTab->opt.zAsOf), &day) == 0)
    return day;
  return today();
}

/* ---- create, connect, destroy ---------------------------------------------- */

static int isColumnName(const char *zName) {
  for (int i = 0; i < COL_COMMAND; i++)
    if (sqlite3_stricmp(zName, azColumnName[i]) == 0) return 1;
  return 0;
}

static int segmentsInit(sqlite3 *db, void *pAux, int argc,
                        const char *const *argv, sqlite3_vtab **ppVtab,
                        char **pzErr, int isCreate) {
  SegmentsTable *pTab = NULL;
  char *zSql = NULL;
  int rc;
  (void)pAux;

  pTab = sqlite3_malloc(sizeof(*pTab));
  if (!pTab) return SQLITE_NOMEM;
  memset(pTab, 0, sizeof(*pTab));
  pTab->db = db;
  pTab->zSchema = sqlite3_mprintf("%s", argv[1]);
  pTab->zName = sqlite3_mprintf("%s", argv[2]);
  /* The user's tables are read from the schema of the virtual table; a
  ** temp table reads them from wherever SQLite finds them first. */
  pTab->zSource = sqlite3_stricmp(argv[1], "temp") == 0
                      ? sqlite3_mprintf("")
                      : sqlite3_mprintf("\"%w\".", argv[1]);
  if (!pTab->zSchema || !pTab->zName || !pTab->zSource) {
    rc = SQLITE_NOMEM;
    goto init_error;
  }
  rc = segmentsParseOptions(argc, argv, &pTab->opt, pzErr);
  if (rc != SQLITE_OK) goto init_error;
  if (isColumnName(argv[2])) {
    /* The command column is named after the table. */
    *pzErr = sqlite3_mprintf(
        "segments: a segments table cannot be named '%s', the name of one of "
        "its columns (try shop_%s)",
        argv[2], argv[2]);
    rc = SQLITE_ERROR;
    goto init_error;
  }

  zSql = sqlite3_mprintf(
      "CREATE TABLE x(" SEGMENTS_COLUMNS ", as_of HIDDEN, matched_rules HIDDEN, "
      MODEL_COLUMNS ", \"%w\" HIDDEN)",
      argv[2]);
  rc = zSql ? sqlite3_declare_vtab(db, zSql) : SQLITE_NOMEM;
  sqlite3_free(zSql);
  zSql = NULL;
  if (rc != SQLITE_OK) goto init_error;

  if (isCreate) {
    rc = checkTables(pTab, pzErr);
    if (rc != SQLITE_OK) goto init_error;
    zSql = sqlite3_mprintf(
        "CREATE TABLE \"%w\".\"%w_config\"(k TEXT PRIMARY KEY, v) WITHOUT ROWID;"
        "INSERT INTO \"%w\".\"%w_config\" VALUES('version', %d);"
        "CREATE TABLE \"%w\".\"%w_members\"(" SEGMENTS_COLUMNS ", as_of TEXT,"
        " PRIMARY KEY(customer_id), UNIQUE(segment, customer_id));",
        argv[1], argv[2], argv[1], argv[2], SEGMENTS_FORMAT_VERSION, argv[1],
        argv[2]);
    rc = zSql ? sqlite3_exec(db, zSql, 0, 0, pzErr) : SQLITE_NOMEM;
    sqlite3_free(zSql);
    if (rc != SQLITE_OK) goto init_error;
  }

  /* INNOCUOUS: the table only reads the tables its own options name (all
  ** in the same database), runs filter= only after sql_guard has vetted it,
  ** and writes only its shadow tables, on 'refresh'.  So a view or trigger
  ** over it, even in a database from someone else, can do nothing that
  ** the schema could not do with plain SELECTs; and views over segments
  ** tables are the way reports are written. */
  sqlite3_vtab_config(db, SQLITE_VTAB_INNOCUOUS);
  *ppVtab = &pTab->base;
  return SQLITE_OK;

init_error:
  if (rc == SQLITE_NOMEM && pzErr && !*pzErr) *pzErr = NULL;
  optionsFree(&pTab->opt);
  sqlite3_free(pTab->zSchema);
  sqlite3_free(pTab->zName);
  sqlite3_free(pTab->zSource);
  sqlite3_free(pTab);
  return rc;
}

static int segmentsCreate(sqlite3 *db, void *pAux, int argc,
                          const char *const *argv, sqlite3_vtab **ppVtab,
                          char **pzErr) {
  return segmentsInit(db, pAux, argc, argv, ppVtab, pzErr, 1);
}

static int segmentsConnect(sqlite3 *db, void *pAux, int argc,
                           const char *const *argv, sqlite3_vtab **ppVtab,
                           char **pzErr) {
  return segmentsInit(db, pAux, argc, argv, ppVtab, pzErr, 0);
}

static int segmentsDisconnect(sqlite3_vtab *pVtab) {
  SegmentsTable *pTab = (SegmentsTable *)pVtab;
  for (int i = 0; i < CACHE_SIZE; i++) membershipUnref(pTab->aCache[i]);
  sqlite3_finalize(pTab->pProbe);
  optionsFree(&pTab->opt);
  sqlite3_free(pTab->zSchema);
  sqlite3_free(pTab->zName);
  sqlite3_free(pTab->zSource);
  sqlite3_free(pTab);
  return SQLITE_OK;
}

static int segmentsDestroy(sqlite3_vtab *pVtab) {
  SegmentsTable *pTab = (SegmentsTable *)pVtab;
  char *zSql = sqlite3_mprintf(
      "DROP TABLE IF EXISTS \"%w\".\"%w_members\";"
      "DROP TABLE IF EXISTS \"%w\".\"%w_config\";",
      pTab->zSchema, pTab->zName, pTab->zSchema, pTab->zName);
  int rc = zSql ? sqlite3_exec(pTab->db, zSql, 0, 0, 0) : SQLITE_NOMEM;
  sqlite3_free(zSql);
  if (rc == SQLITE_OK) segmentsDisconnect(pVtab);
  return rc;
}

static int segmentsRename(sqlite3_vtab *pVtab, const char *zNew) {
  SegmentsTable *pTab = (SegmentsTable *)pVtab;
  char *zName;
  char *zSql = sqlite3_mprintf(
      "ALTER TABLE \"%w\".\"%w_members\" RENAME TO \"%w_members\";"
      "ALTER TABLE \"%w\".\"%w_config\" RENAME TO \"%w_config\";",
      pTab->zSchema, pTab->zName, zNew, pTab->zSchema, pTab->zName, zNew);
  int rc = zSql ? sqlite3_exec(pTab->db, zSql, 0, 0, 0) : SQLITE_NOMEM;
  sqlite3_free(zSql);
  if (rc == SQLITE_OK) {
    zName = sqlite3_mprintf("%s", zNew);
    if (!zName) return SQLITE_NOMEM;
    sqlite3_free(pTab->zName);
    pTab->zName = zName;
  }
  return rc;
}

static int segmentsShadowName(const char *zSuffix) {
  return sqlite3_stricmp(zSuffix, "config") == 0 ||
         sqlite3_stricmp(zSuffix, "members") == 0;
}

/* ---- planning ---------------------------------------------------------------- */

static int segmentsBestIndex(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo) {
  SegmentsTable *pTab = (SegmentsTable *)pVtab;
  int iAsOf = -1, iCustomer = -1, iSegment = -1, nArg = 0;
  double nRows = 100000;
  for (int i = 0; i < CACHE_SIZE; i++)
    if (pTab->aCache[i]) nRows = (double)pTab->aCache[i]->pCust->n + 1;

  for (int i = 0; i < pInfo->nConstraint; i++) {
    const struct sqlite3_index_constraint *p = &pInfo->aConstraint[i];
    if (p->op != SQLITE_INDEX_CONSTRAINT_EQ) continue;
    if (p->iColumn == COL_AS_OF) {
      if (!p->usable) return SQLITE_CONSTRAINT; /* wait for a plan with it */
      iAsOf = i;
    } else if (!p->usable) {
      continue;
    } else if (sqlite3_stricmp(sqlite3_vtab_collation(pInfo, i), "BINARY") != 0) {
      continue; /* our lookups compare bytes */
    } else if (p->iColumn == COL_CUSTOMER_ID && iCustomer < 0) {
      iCustomer = i;
    } else if (p->iColumn == COL_SEGMENT && iSegment < 0) {
      iSegment = i;
    }
  }
  pInfo->idxNum = 0;
  if (iAsOf >= 0) {
    pInfo->idxNum |= PLAN_AS_OF;
    pInfo->aConstraintUsage[iAsOf].argvIndex = ++nArg;
    pInfo->aConstraintUsage[iAsOf].omit = 1;
  }
  if (iCustomer >= 0) {
    int bLive = pTab->opt.eMode == MODE_LIVE || iAsOf >= 0;
    if (bLive && sqlite3_vtab_in(pInfo, iCustomer, -1)) {
      sqlite3_vtab_in(pInfo, iCustomer, 1);
      pInfo->idxNum |= PLAN_CUSTOMER_IN;
    } else {
      pInfo->idxNum |= PLAN_CUSTOMER_EQ;
    }
    pInfo->aConstraintUsage[iCustomer].argvIndex = ++nArg;
    pInfo->aConstraintUsage[iCustomer].omit = 1;
    pInfo->estimatedCost = 10;
    pInfo->estimatedRows = 1;
  } else if (iSegment >= 0) {
    pInfo->idxNum |= PLAN_SEGMENT;
    pInfo->aConstraintUsage[iSegment].argvIndex = ++nArg;
    pInfo->aConstraintUsage[iSegment].omit = 1;
    pInfo->estimatedCost = nRows / 5;
    pInfo->estimatedRows = (sqlite3_int64)(nRows / 5);
  } else {
    pInfo->estimatedCost = nRows;
    pInfo->estimatedRows = (sqlite3_int64)nRows;
    if (pInfo->nOrderBy == 1 && !pInfo->aOrderBy[0].desc) {
      if (pInfo->aOrderBy[0].iColumn == COL_CUSTOMER_ID) {
        pInfo->idxNum |= PLAN_ORDER_ID;
        pInfo->orderByConsumed = 1;
      } else if (pInfo->aOrderBy[0].iColumn == COL_SEGMENT) {
        pInfo->idxNum |= PLAN_ORDER_SEGMENT;
        pInfo->orderByConsumed = 1;
      }
    }
  }
  return SQLITE_OK;
}

/* ---- cursors -------------------------------------------------------------------- */

static int segmentsOpen(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCursor) {
  SegmentsCursor *pCur = sqlite3_malloc(sizeof(*pCur));
  (void)pVtab;
  if (!pCur) return SQLITE_NOMEM;
  memset(pCur, 0, sizeof(*pCur));
  pCur->bEof = 1;
  *ppCursor = &pCur->base;
  return SQLITE_OK;
}

static void cursorReset(SegmentsCursor *pCur) {
  sqlite3_free(pCur->aOwned);
  pCur->aOwned = NULL;
  pCur->aRow = NULL;
  pCur->nRow = pCur->iRow = 0;
  pCur->bByCode = 0;
  pCur->iBase = 0;
  pCur->iOrder = 0;
  sqlite3_finalize(pCur->pStmt);
  pCur->pStmt = NULL;
  pCur->bEof = 1;
}

static int segmentsClose(sqlite3_vtab_cursor *cur) {
  SegmentsCursor *pCur = (SegmentsCursor *)cur;
  cursorReset(pCur);
  membershipUnref(pCur->pM);
  sqlite3_free(pCur);
  return SQLITE_OK;
}

/* The row of the customer id in v, or -1. */
static int64_t lookupCustomer(const Membership *pM, sqlite3_value *v) {
  seg_customers *t = pM->pCust;
  double x;
  switch (sqlite3_value_type(v)) {
    case SQLITE_INTEGER:
      return seg_customers_find_int(t, sqlite3_value_int64(v), 0);
    case SQLITE_FLOAT:
      x = sqlite3_value_double(v);
      if (x > -9.2e18 && x < 9.2e18 && x == (double)(sqlite3_int64)x)
        return seg_customers_find_int(t, (sqlite3_int64)x, 0);
      return -1;
    case SQLITE_TEXT:
      return seg_customers_find_text(t, (const char *)sqlite3_value_text(v),
                                     (size_t)sqlite3_value_bytes(v), 0);
    default:
      return -1;
  }
}

/* Append row iRow to the cursor's own list. */
static int cursorAdd(SegmentsCursor *pCur, size_t *pnAlloc, uint32_t iRow) {
  if (pCur->nRow == *pnAlloc) {
    size_t n = *pnAlloc ? *pnAlloc * 2 : 16;
    uint32_t *a = sqlite3_realloc64(pCur->aOwned, n * sizeof(uint32_t));
    if (!a) return SQLITE_NOMEM;
    pCur->aOwned = a;
    *pnAlloc = n;
  }
  pCur->aOwned[pCur->nRow++] = iRow;
  return SQLITE_OK;
}

/* Whether <name>_members has the columns of format 1 only (a table
** created by version 0.1.0: no tenure_days .. unsubscribed). */
static int membersFormat1(SegmentsTable *pTab, int *pbOld) {
  sqlite3_stmt *pStmt = NULL;
  char *zTable = sqlite3_mprintf("%s_members", pTab->zName);
  int rc = zTable ? sqlite3_prepare_v2(
                        pTab->db,
                        "SELECT 1 FROM pragma_table_xinfo(?1, ?2) WHERE name = 'tenure_days'",
                        -1, &pStmt, 0)
                  : SQLITE_NOMEM;
  if (rc == SQLITE_OK) {
    sqlite3_bind_text(pStmt, 1, zTable, -1, SQLITE_STATIC);
    sqlite3_bind_text(pStmt, 2, pTab->zSchema, -1, SQLITE_STATIC);
    *pbOld = sqlite3_step(pStmt) != SQLITE_ROW;
    rc = sqlite3_finalize(pStmt);
  }
  sqlite3_free(zTable);
  return rc;
}

/* Manual mode: a statement over <name>_members. */
static int manualFilter(SegmentsCursor *pCur, SegmentsTable *pTab, int idxNum,
                        sqlite3_value *pKey) {
  char *zSql, *zColumns;
  int rc;
  sqlite3_stmt *pStmt = NULL;
  int bRefreshed = 0;
  zSql = sqlite3_mprintf("SELECT 1 FROM \"%w\".\"%w_config\" WHERE k='refreshed_at'",
                         pTab->zSchema, pTab->zName);
  rc = zSql ? sqlite3_prepare_v2(pTab->db, zSql, -1, &pStmt, 0) : SQLITE_NOMEM;
  sqlite3_free(zSql);
  if (rc == SQLITE_OK) {
    bRefreshed = sqlite3_step(pStmt) == SQLITE_ROW;
    rc = sqlite3_finalize(pStmt);
  }
  if (rc != SQLITE_OK) return rc;
  if (!bRefreshed) {
    setError(pTab,
             "segments: %s is in mode 'manual' and has not been refreshed yet "
             "(run INSERT INTO \"%s\"(\"%s\") VALUES('refresh'))",
             pTab->zName, pTab->zName, pTab->zName);
    return SQLITE_ERROR;
  }
  {
    /* A format-1 table reads NULL for the columns it does not have. */
    int bOld = 0;
    sqlite3_str *pStr;
    rc = membersFormat1(pTab, &bOld);
    if (rc != SQLITE_OK) return rc;
    pStr = sqlite3_str_new(pTab->db);
    for (int i = 0; i <= COL_AS_OF; i++) {
      int bNew = i >= COL_TENURE_DAYS && i <= COL_UNSUBSCRIBED;
      sqlite3_str_appendf(pStr, "%s%s%s", i ? ", " : "SELECT ",
                          bOld && bNew ? "NULL AS " : "", azColumnName[i]);
    }
    zColumns = sqlite3_str_finish(pStr);
    if (!zColumns) return SQLITE_NOMEM;
  }
  zSql = sqlite3_mprintf(
      "%s FROM \"%w\".\"%w_members\"%s ORDER BY customer_id", zColumns,
      pTab->zSchema, pTab->zName,
      (idxNum & PLAN_CUSTOMER_EQ) ? " WHERE customer_id = ?1"
      : (idxNum & PLAN_SEGMENT) ? " WHERE segment = ?1" : "");
  sqlite3_free(zColumns);
  rc = zSql ? sqlite3_prepare_v2(pTab->db, zSql, -1, &pCur->pStmt, 0) : SQLITE_NOMEM;
  sqlite3_free(zSql);
  if (rc != SQLITE_OK) return rc;
  if (pKey) sqlite3_bind_value(pCur->pStmt, 1, pKey);
  rc = sqlite3_step(pCur->pStmt);
  pCur->bEof = rc != SQLITE_ROW;
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* In a walk of aByCode, move iOrder to the code of the current row. */
static void cursorFindCode(SegmentsCursor *pCur) {
  const Membership *pM = pCur->pM;
  uint32_t iPos = pCur->iBase + (uint32_t)pCur->iRow;
  while (pCur->iOrder < 999 && iPos >= pM->aCodeEnd[pM->aCodeOrder[pCur->iOrder]])
    pCur->iOrder++;
}

static int segmentsFilter(sqlite3_vtab_cursor *cur, int idxNum,
                          const char *idxStr, int argc, sqlite3_value **argv) {
  SegmentsCursor *pCur = (SegmentsCursor *)cur;
  SegmentsTable *pTab = (SegmentsTable *)cur->pVtab;
  int32_t iAsOfDay;
  int iArg = 0, rc;
  Membership *pM = NULL;
  (void)idxStr, (void)argc;

  cursorReset(pCur);
  if (idxNum & PLAN_AS_OF) {
    sqlite3_value *v = argv[iArg++];
    if (sqlite3_value_type(v) == SQLITE_NULL) {
      iAsOfDay = defaultAsOf(pTab);
    } else if (sqlite3_value_type(v) != SQLITE_TEXT ||
               seg_day_from_text((const char *)sqlite3_value_text(v),
                                 (size_t)sqlite3_value_bytes(v), &iAsOfDay) != 0) {
      char *zVal = segment_value_describe(v);
      setError(pTab, "segments: as_of must be a date like '2024-06-30', got %s",
               zVal ? zVal : "?");
      sqlite3_free(zVal);
      return SQLITE_ERROR;
    }
  } else {
    iAsOfDay = defaultAsOf(pTab);
    if (pTab->opt.eMode == MODE_MANUAL) {
      return manualFilter(pCur, pTab, idxNum,
                          (idxNum & (PLAN_CUSTOMER_EQ | PLAN_SEGMENT)) ? argv[iArg] : NULL);
    }
  }

  rc = membershipGet(pTab, pCur->pM, iAsOfDay, &pM);
  if (rc != SQLITE_OK) return rc;
  membershipUnref(pCur->pM);
  pCur->pM = pM;

  if (idxNum & (PLAN_CUSTOMER_EQ | PLAN_CUSTOMER_IN)) {
    size_t nAlloc = 0;
    sqlite3_value *v = argv[iArg];
    if (idxNum & PLAN_CUSTOMER_IN) {
      for (rc = sqlite3_vtab_in_first(v, &v); rc == SQLITE_OK && v;
           rc = sqlite3_vtab_in_next(argv[iArg], &v)) {
        int64_t iRow = lookupCustomer(pM, v);
        if (iRow >= 0 && cursorAdd(pCur, &nAlloc, (uint32_t)iRow) != SQLITE_OK)
          return SQLITE_NOMEM;
      }
      if (rc != SQLITE_OK && rc != SQLITE_DONE) return rc;
    } else {
      int64_t iRow = lookupCustomer(pM, v);
      if (iRow >= 0 && cursorAdd(pCur, &nAlloc, (uint32_t)iRow) != SQLITE_OK)
        return SQLITE_NOMEM;
    }
    pCur->aRow = pCur->aOwned;
  } else if (idxNum & PLAN_SEGMENT) {
    /* The segment's codes are adjacent in aByCode: one slice. */
    const char *zWant = (const char *)sqlite3_value_text(argv[iArg]);
    uint32_t iStart = UINT32_MAX, iEnd = 0;
    rc = membershipIndexCodes(pM);
    if (rc != SQLITE_OK) return rc;
    for (int code = 0; zWant && code < 1000; code++) {
      if (pM->aCodeStart[code] == pM->aCodeEnd[code]) continue;
      if (strcmp(pM->azName[code], zWant) != 0) continue;
      if (pM->aCodeStart[code] < iStart) iStart = pM->aCodeStart[code];
      if (pM->aCodeEnd[code] > iEnd) iEnd = pM->aCodeEnd[code];
    }
    pCur->aRow = pM->aByCode + (iStart < iEnd ? iStart : 0);
    pCur->nRow = iStart < iEnd ? iEnd - iStart : 0;
    pCur->bByCode = 1;
    pCur->iBase = iStart < iEnd ? iStart : 0;
  } else if (idxNum & PLAN_ORDER_ID) {
    if (!pM->pCust->order) {
      rc = coreResult(seg_customers_sort(pM->pCust));
      if (rc != SQLITE_OK) return rc;
    }
    pCur->aRow = pM->pCust->order;
    pCur->nRow = pM->pCust->n;
  } else if (idxNum & PLAN_ORDER_SEGMENT) {
    rc = membershipIndexCodes(pM);
    if (rc != SQLITE_OK) return rc;
    pCur->aRow = pM->aByCode;
    pCur->nRow = pM->pCust->n;
    pCur->bByCode = 1;
    pCur->iBase = 0;
  } else {
    pCur->aRow = NULL; /* every row, as first seen */
    pCur->nRow = pM->pCust->n;
  }
  pCur->bEof = pCur->nRow == 0;
  if (pCur->bByCode && !pCur->bEof) cursorFindCode(pCur);
  return SQLITE_OK;
}

static int segmentsNext(sqlite3_vtab_cursor *cur) {
  SegmentsCursor *pCur = (SegmentsCursor *)cur;
  if (pCur->pStmt) {
    int rc = sqlite3_step(pCur->pStmt);
    pCur->bEof = rc != SQLITE_ROW;
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
  }
  pCur->bEof = ++pCur->iRow >= pCur->nRow;
  if (pCur->bByCode && !pCur->bEof) cursorFindCode(pCur);
  return SQLITE_OK;
}

static int segmentsEof(sqlite3_vtab_cursor *cur) {
  return ((SegmentsCursor *)cur)->bEof;
}

/* matched_rules: the JSON array of every rule row iRow matches. */
static int columnMatchedRules(SegmentsTable *pTab, Membership *pM, uint32_t iRow,
                              sqlite3_context *ctx) {
  Cell aCell[COL_COMMAND];
  char *zJson;
  int rc = SQLITE_OK;
  if (!pM->pRules) return SQLITE_OK; /* NULL: the map is not a rule map */
  if (!pM->pAllRules)
    rc = segment_rules_prepare(pM->pRules, pTab->db, pM->zRowSource, 1, &pM->pAllRules);
  if (rc == SQLITE_OK) {
    bindFeatures(&pTab->opt, pM, iRow, pM->pAllRules, aCell);
    if (sqlite3_step(pM->pAllRules) == SQLITE_ROW) {
      zJson = segment_rules_matched_json(pM->pRules, pM->pAllRules);
      if (zJson) sqlite3_result_text(ctx, zJson, -1, sqlite3_free);
      else rc = SQLITE_NOMEM;
    }
    if (sqlite3_reset(pM->pAllRules) != SQLITE_OK && rc == SQLITE_OK)
      rc = sqlite3_errcode(pTab->db);
  }
  if (rc != SQLITE_OK && rc != SQLITE_NOMEM)
    setError(pTab, "segments: map \"%s\": %s", pTab->opt.zMap, sqlite3_errmsg(pTab->db));
  return rc;
}

static int segmentsColumn(sqlite3_vtab_cursor *cur, sqlite3_context *ctx,
                          int iCol) {
  SegmentsCursor *pCur = (SegmentsCursor *)cur;
  SegmentsTable *pTab = (SegmentsTable *)cur->pVtab;
  Membership *pM = pCur->pM;
  uint32_t iRow;
  int key;
  Cell cell;

  if (pCur->pStmt) {
    /* <name>_members has no model columns: they read NULL. */
    if (iCol <= COL_AS_OF) sqlite3_result_value(ctx, sqlite3_column_value(pCur->pStmt, iCol));
    return SQLITE_OK;
  }
  iRow = pCur->aRow ? pCur->aRow[pCur->iRow] : (uint32_t)pCur->iRow;
  key = pCur->bByCode ? pM->aCodeOrder[pCur->iOrder] : keyOf(pM, iRow);
  if (iCol == COL_SEGMENT) {
    /* The hot column of GROUP BY segment: no read of the row at all.
    ** Built-in names are constants: no copy per row.  A map table's names
    ** live with the membership, which SQLite may outlive. */
    sqlite3_result_text(ctx, pM->azName[key], pM->anName[key],
                        pM->pUserMap || pM->pRules ? SQLITE_TRANSIENT : SQLITE_STATIC);
    return SQLITE_OK;
  }
  if (iCol == COL_MATCHED_RULES) return columnMatchedRules(pTab, pM, iRow, ctx);
  if (iCol == COL_COMMAND) return SQLITE_OK; /* the command column reads as NULL */
  cellOf(&pTab->opt, pM, iRow, key, iCol, &cell);
  switch (cell.eType) {
    case SQLITE_INTEGER: sqlite3_result_int64(ctx, cell.i); break;
    case SQLITE_FLOAT: sqlite3_result_double(ctx, cell.r); break;
    case SQLITE_TEXT: sqlite3_result_text(ctx, cell.z, cell.n, SQLITE_TRANSIENT); break;
    default: break;
  }
  return SQLITE_OK;
}

static int segmentsRowid(sqlite3_vtab_cursor *cur, sqlite_int64 *pRowid) {
  SegmentsCursor *pCur = (SegmentsCursor *)cur;
  if (pCur->pStmt) *pRowid = 0;
  else *pRowid = (sqlite3_int64)(pCur->aRow ? pCur->aRow[pCur->iRow] : pCur->iRow) + 1;
  return SQLITE_OK;
}

/* ---- commands: INSERT INTO t(t) VALUES('refresh') ------------------------------ */

/* Store the membership as of the table's as_of in <name>_members, replacing
** what was there.  The writes run inside the INSERT statement, so a failure
** anywhere rolls all of them back with it: the old members stay. */
static int segmentsRefresh(SegmentsTable *pTab) {
  Membership *pM = NULL;
  sqlite3_stmt *pInsert = NULL;
  char *zSql;
  char zAsOf[SEG_DAY_FORMAT_SIZE];
  int bOld = 0;
  int rc = membershipGet(pTab, NULL, defaultAsOf(pTab), &pM);
  if (rc != SQLITE_OK) return rc;
  if (!pM->pCust->order && (rc = coreResult(seg_customers_sort(pM->pCust))) != SQLITE_OK) {
    membershipUnref(pM);
    return rc;
  }
  rc = membersFormat1(pTab, &bOld);
  if (rc == SQLITE_OK && bOld) {
    setError(pTab,
             "segments: %s_members has the columns of format 1 (version 0.1.0), "
             "without tenure_days .. unsubscribed; DROP TABLE \"%s\" and CREATE "
             "it again to refresh it",
             pTab->zName, pTab->zName);
    rc = SQLITE_ERROR;
  }
  if (rc != SQLITE_OK) {
    membershipUnref(pM);
    return rc;
  }
  seg_day_format(pM->iAsOfDay, zAsOf);

  /* WHERE 1: row by row, so that an interrupt or a progress handler can
  ** stop it.  A bare DELETE clears the whole table in one uninterruptible
  ** step (about a second at a million members, inside a transaction). */
  zSql = sqlite3_mprintf("DELETE FROM \"%w\".\"%w_members\" WHERE 1", pTab->zSchema,
                         pTab->zName);
  rc = zSql ? sqlite3_exec(pTab->db, zSql, 0, 0, 0) : SQLITE_NOMEM;
  sqlite3_free(zSql);
  if (rc != SQLITE_OK) goto refresh_end;
  zSql = sqlite3_mprintf(
      "INSERT INTO \"%w\".\"%w_members\" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, "
      "?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, "
      "?22, ?23, ?24)",
      pTab->zSchema, pTab->zName);
  rc = zSql ? sqlite3_prepare_v2(pTab->db, zSql, -1, &pInsert, 0) : SQLITE_NOMEM;
  sqlite3_free(zSql);
  if (rc != SQLITE_OK) goto refresh_end;
  for (size_t i = 0; i < pM->pCust->n; i++) {
    uint32_t iRow = pM->pCust->order[i];
    int key = keyOf(pM, iRow);
    Cell aCell[N_STORED_COLUMNS];
    for (int k = 0; k < N_STORED_COLUMNS; k++) {
      cellOf(&pTab->opt, pM, iRow, key, k, &aCell[k]);
      cellBind(pInsert, k + 1, &aCell[k]);
    }
    sqlite3_bind_text(pInsert, N_STORED_COLUMNS + 1, zAsOf, -1, SQLITE_STATIC);
    sqlite3_step(pInsert);
    rc = sqlite3_reset(pInsert);
    if (rc != SQLITE_OK) goto refresh_end;
  }
  zSql = sqlite3_mprintf(
      "INSERT OR REPLACE INTO \"%w\".\"%w_config\"(k, v) VALUES"
      "('refreshed_at', strftime('%%Y-%%m-%%d %%H:%%M:%%S', 'now')),"
      "('as_of', %Q), ('customers', %lld), ('skipped_bad_dates', %lld),"
      "('skipped_no_customer', %lld)",
      pTab->zSchema, pTab->zName, zAsOf, (sqlite3_int64)pM->pCust->n,
      pM->nBadDates, pM->nNoCustomer);
  rc = zSql ? sqlite3_exec(pTab->db, zSql, 0, 0, 0) : SQLITE_NOMEM;
  sqlite3_free(zSql);

refresh_end:
  if (rc != SQLITE_OK && rc != SQLITE_NOMEM && !pTab->base.zErrMsg)
    setError(pTab, "segments: refresh failed: %s", sqlite3_errmsg(pTab->db));
  sqlite3_finalize(pInsert);
  membershipUnref(pM);
  return rc;
}

static int segmentsUpdate(sqlite3_vtab *pVtab, int argc, sqlite3_value **argv,
                          sqlite_int64 *pRowid) {
  SegmentsTable *pTab = (SegmentsTable *)pVtab;
  (void)pRowid;
  if (argc > 1 && sqlite3_value_type(argv[0]) == SQLITE_NULL &&
      sqlite3_value_type(argv[2 + COL_COMMAND]) != SQLITE_NULL) {
    const char *zCmd = (const char *)sqlite3_value_text(argv[2 + COL_COMMAND]);
    if (zCmd && strcmp(zCmd, "refresh") == 0) return segmentsRefresh(pTab);
    {
      char *zVal = segment_value_describe(argv[2 + COL_COMMAND]);
      setError(pTab, "segments: unknown command %s (expected 'refresh')",
               zVal ? zVal : "?");
      sqlite3_free(zVal);
    }
    return SQLITE_ERROR;
  }
  setError(pTab,
           "segments: %s is read-only (its rows come from %s; INSERT INTO "
           "\"%s\"(\"%s\") VALUES('refresh') stores them in %s_members)",
           pTab->zName, pTab->opt.zOrders, pTab->zName, pTab->zName,
           pTab->zName);
  return SQLITE_ERROR;
}

static sqlite3_module segmentsModule = {
    3,                    /* iVersion: xShadowName */
    segmentsCreate,       /* xCreate */
    segmentsConnect,      /* xConnect */
    segmentsBestIndex,    /* xBestIndex */
    segmentsDisconnect,   /* xDisconnect */
    segmentsDestroy,      /* xDestroy */
    segmentsOpen,         /* xOpen */
    segmentsClose,        /* xClose */
    segmentsFilter,       /* xFilter */
    segmentsNext,         /* xNext */
    segmentsEof,          /* xEof */
    segmentsColumn,       /* xColumn */
    segmentsRowid,        /* xRowid */
    segmentsUpdate,       /* xUpdate */
    0,                    /* xBegin */
    0,                    /* xSync */
    0,                    /* xCommit */
    0,                    /* xRollback */
    0,                    /* xFindFunction */
    segmentsRename,       /* xRename */
    0,                    /* xSavepoint */
    0,                    /* xRelease */
    0,                    /* xRollbackTo */
    segmentsShadowName    /* xShadowName */
};

int segment_register_segments(sqlite3 *db) {
  return sqlite3_create_module(db, "segments", &segmentsModule, 0);
}
