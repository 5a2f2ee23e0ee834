/*
** reference_features.h — issue 5's feature columns of the segments table
** computed in plain SQL, with no function of the extension: tenure,
** average gap, the recent window, discount share, refunds, lifecycle, and
** the email features and email3 stages.
**
**     char *zSql = reference_features_sql("orders", "customer_id",
**         "created_at", "total", "2025-01-01", 90, "discount > 0",
**         "total < 0", "30, 365, 1.5, 3");
**     // SELECT customer_id, tenure_days, avg_gap_days, recent_orders,
**     //        recent_monetary, discount_share, refund_count, lifecycle
**     char *zMail = reference_email_sql("email_events", "customer_id", "at",
**         "kind", "2025-01-01");
**     // SELECT customer_id, last_open, last_click, opens_30d,
**     //        unsubscribed, stage   (customers with an event only)
**
** Written from docs/segments.md and docs/segmentation/lifecycle.md alone:
** the shop's median gap with row_number(), the stage as one CASE.
*/
#ifndef SEGMENT_REFERENCE_FEATURES_H
#define SEGMENT_REFERENCE_FEATURES_H

#include <sqlite3.h>

/* zLifecycle: "new_days, lost_days, active_factor, cooling_factor". */
static inline char *reference_features_sql(const char *zOrders, const char *zCustomer,
                                           const char *zDate, const char *zAmount,
                                           const char *zAsOf, int nWindow,
                                           const char *zDiscount, const char *zRefund,
                                           const char *zLifecycle) {
  return sqlite3_mprintf(
      "WITH p(new_days, lost_days, af, cf) AS (VALUES(%s)),"
      " o AS (SELECT \"%w\" AS id, julianday(date(\"%w\")) AS jd, \"%w\" AS amount,"
      "   (%s) IS TRUE AS is_disc, (%s) IS TRUE AS is_ref FROM \"%w\""
      "   WHERE \"%w\" IS NOT NULL AND date(\"%w\") <= date(%Q)),"
      " c AS (SELECT id, julianday(date(%Q)) - min(jd) AS tenure,"
      "   julianday(date(%Q)) - max(jd) AS recency,"
      "   CASE WHEN count(*) > 1 THEN (max(jd) - min(jd)) / (count(*) - 1) END AS gap,"
      "   sum(julianday(date(%Q)) - jd < %d) AS recent_orders,"
      "   round(total(CASE WHEN julianday(date(%Q)) - jd < %d THEN amount END), 2)"
      "     AS recent_monetary,"
      "   avg(is_disc) AS discount_share, sum(is_ref) AS refund_count FROM o GROUP BY id),"
      " g AS (SELECT gap, row_number() OVER (ORDER BY gap) AS k, count(*) OVER () AS n"
      "   FROM c WHERE gap IS NOT NULL),"
      " med AS (SELECT coalesce((SELECT avg(gap) FROM g WHERE k IN ((n + 1) / 2, (n + 2) / 2)),"
      "   (SELECT new_days FROM p)) AS shop_gap)"
      "SELECT id AS customer_id, CAST(tenure AS INTEGER) AS tenure_days, gap AS avg_gap_days,"
      " recent_orders, recent_monetary, discount_share, refund_count,"
      " CASE WHEN tenure < new_days THEN 'new' WHEN recency >= lost_days THEN 'lost'"
      "  WHEN recency <= af * max(coalesce(gap, shop_gap), 1) THEN 'active'"
      "  WHEN recency <= cf * max(coalesce(gap, shop_gap), 1) THEN 'cooling'"
      "  ELSE 'lapsed' END AS lifecycle FROM c, med, p",
      zLifecycle, zCustomer, zDate, zAmount, zDiscount, zRefund, zOrders, zCustomer, zDate,
      zAsOf, zAsOf, zAsOf, zAsOf, nWindow, zAsOf, nWindow);
}

/* The email features and the email3 stage of every customer with an
** event on or before zAsOf. */
static inline char *reference_email_sql(const char *zEvents, const char *zCustomer,
                                        const char *zAt, const char *zKind,
                                        const char *zAsOf) {
  return sqlite3_mprintf(
      "WITH e AS (SELECT \"%w\" AS id, julianday(date(\"%w\")) AS jd,"
      "   lower(\"%w\") AS kind FROM \"%w\" WHERE date(\"%w\") <= date(%Q)),"
      " f AS (SELECT id, julianday(date(%Q)) AS now, min(jd) AS first_seen,"
      "   max(CASE WHEN kind = 'open' THEN jd END) AS last_open,"
      "   max(CASE WHEN kind = 'click' THEN jd END) AS last_click,"
      "   max(CASE WHEN kind = 'subscribe' THEN jd END) AS last_sub,"
      "   max(CASE WHEN kind = 'unsubscribe' THEN jd END) AS last_unsub,"
      "   sum(kind = 'open' AND julianday(date(%Q)) - jd < 30) AS opens_30d"
      "   FROM e GROUP BY id),"
      " u AS (SELECT *, last_unsub IS NOT NULL AND (last_sub IS NULL OR last_unsub >= last_sub)"
      "   AS unsubscribed FROM f)"
      "SELECT id AS customer_id, date(last_open) AS last_open, date(last_click) AS last_click,"
      " opens_30d, unsubscribed,"
      " CASE WHEN unsubscribed THEN 'Unsubscribed'"
      "  WHEN now - last_sub < 30 OR now - first_seen < 30 THEN 'New'"
      "  WHEN now - last_open < 30 THEN 'Active'"
      "  WHEN now - last_open < 90 THEN 'Fading'"
      "  ELSE 'Inactive' END AS stage FROM u",
      zCustomer, zAt, zKind, zEvents, zAt, zAsOf, zAsOf, zAsOf);
}

#endif
