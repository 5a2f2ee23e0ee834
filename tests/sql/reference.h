/*
** reference.h — the RFM table computed in plain SQL, with no function of
** the extension: the independent answer the segments table and the
** functions are checked against.
**
**     char *zSql = reference_rfm_sql("orders", "customer_id", "created_at",
**                                    "total", "2025-01-01", 5);
**     // SELECT customer_id, first_order, last_order, recency_days,
**     //        frequency, monetary, avg_order, r, f, m, rfm FROM ...
**     sqlite3_free(zSql);
**
** Cut points follow DESIGN.md literally: the values at the last position of
** each of the first k-1 NTILE(k) groups (sizes n/k, the first n%k groups
** one larger), found with row_number(); a score is 1 + the number of cut
** points strictly below the value; R is reversed.  monetary is
** round(total(amount), 2); dates are compared as date() text.
*/
#ifndef SEGMENT_REFERENCE_H
#define SEGMENT_REFERENCE_H

#include <sqlite3.h>

/* The cut points of column zCol of c as rows (v) of a CTE named zName. */
static inline char *reference_cuts_cte(const char *zName, const char *zCol,
                                       int bins) {
  return sqlite3_mprintf(
      "%s AS (SELECT v FROM (SELECT %s AS v, row_number() OVER (ORDER BY %s) AS pos"
      " FROM c), n, g WHERE g.g < %d AND pos = min(g.g * (n.n / %d) + min(g.g, n.n %% %d), n.n))",
      zName, zCol, zCol, bins, bins, bins);
}

static inline char *reference_rfm_sql(const char *zOrders, const char *zCustomer,
                                      const char *zDate, const char *zAmount,
                                      const char *zAsOf, int bins) {
  char *zR = reference_cuts_cte("cut_r", "recency_days", bins);
  char *zF = reference_cuts_cte("cut_f", "frequency", bins);
  char *zM = reference_cuts_cte("cut_m", "monetary", bins);
  char *zSql = sqlite3_mprintf(
      "WITH o AS (SELECT \"%w\" AS id, date(\"%w\") AS d, \"%w\" AS amount FROM \"%w\""
      "   WHERE \"%w\" IS NOT NULL AND date(\"%w\") <= date(%Q)),"
      " c AS (SELECT id, min(d) AS first_order, max(d) AS last_order,"
      "   CAST(julianday(date(%Q)) - julianday(max(d)) AS INTEGER) AS recency_days,"
      "   count(*) AS frequency, round(total(amount), 2) AS monetary,"
      "   count(amount) AS n_amount FROM o GROUP BY id),"
      " n AS (SELECT count(*) AS n FROM c),"
      " g(g) AS (VALUES(1),(2),(3),(4),(5),(6),(7),(8)),"
      " %s, %s, %s,"
      " s AS (SELECT c.*,"
      "   %d - (SELECT count(*) FROM cut_r WHERE cut_r.v < c.recency_days) AS r,"
      "   1 + (SELECT count(*) FROM cut_f WHERE cut_f.v < c.frequency) AS f,"
      "   1 + (SELECT count(*) FROM cut_m WHERE cut_m.v < c.monetary) AS m FROM c)"
      "SELECT id AS customer_id, first_order, last_order, recency_days, frequency,"
      " monetary, CASE WHEN n_amount > 0 THEN monetary / n_amount END AS avg_order,"
      " r, f, m, r * 100 + f * 10 + m AS rfm FROM s",
      zCustomer, zDate, zAmount, zOrders, zCustomer, zDate, zAsOf, zAsOf, zR,
      zF, zM, bins);
  sqlite3_free(zR);
  sqlite3_free(zF);
  sqlite3_free(zM);
  return zSql;
}

/* DESIGN.md's rfm11 grid typed as SQL over R and FM = ceil((F+M)/2): the
** segment of columns r, f, m, independent of the extension's tables. */
#define REFERENCE_RFM11_SQL                                                   \
  "CASE r WHEN 5 THEN CASE (f + m + 1) / 2 WHEN 1 THEN 'New Customers'"       \
  "  WHEN 2 THEN 'Potential Loyalist' WHEN 3 THEN 'Potential Loyalist'"      \
  "  ELSE 'Champions' END"                                                    \
  " WHEN 4 THEN CASE (f + m + 1) / 2 WHEN 1 THEN 'Promising'"                 \
  "  WHEN 2 THEN 'Potential Loyalist' WHEN 3 THEN 'Loyal Customers'"         \
  "  ELSE 'Champions' END"                                                    \
  " WHEN 3 THEN CASE (f + m + 1) / 2 WHEN 1 THEN 'About To Sleep'"            \
  "  WHEN 2 THEN 'Need Attention' WHEN 3 THEN 'Need Attention'"              \
  "  ELSE 'Loyal Customers' END"                                              \
  " WHEN 2 THEN CASE (f + m + 1) / 2 WHEN 1 THEN 'Hibernating'"               \
  "  WHEN 2 THEN 'Hibernating' WHEN 5 THEN 'Can''t Lose Them'"               \
  "  ELSE 'At Risk' END"                                                      \
  " ELSE CASE (f + m + 1) / 2 WHEN 1 THEN 'Lost' WHEN 2 THEN 'Lost'"          \
  "  WHEN 3 THEN 'At Risk' ELSE 'Can''t Lose Them' END END"

#endif
