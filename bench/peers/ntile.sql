-- bench/peers/ntile.sql — peer: the plain-SQL RFM query, the job of the
-- extension's  SELECT segment, count(*) FROM t GROUP BY 1  done with
-- ntile(5) windows and the rfm11 map typed as a CASE (the map of
-- docs/maps.md over R and FM = ceil((F + M) / 2)).
--   sqlite3 -readonly shop.db '.read bench/peers/ntile.sql'
.read bench/peers/rfm.sql
SELECT CASE r
         WHEN 5 THEN CASE (f + m + 1) / 2 WHEN 1 THEN 'New Customers'
           WHEN 2 THEN 'Potential Loyalist' WHEN 3 THEN 'Potential Loyalist'
           ELSE 'Champions' END
         WHEN 4 THEN CASE (f + m + 1) / 2 WHEN 1 THEN 'Promising'
           WHEN 2 THEN 'Potential Loyalist' WHEN 3 THEN 'Loyal Customers'
           ELSE 'Champions' END
         WHEN 3 THEN CASE (f + m + 1) / 2 WHEN 1 THEN 'About To Sleep'
           WHEN 2 THEN 'Need Attention' WHEN 3 THEN 'Need Attention'
           ELSE 'Loyal Customers' END
         WHEN 2 THEN CASE (f + m + 1) / 2 WHEN 1 THEN 'Hibernating'
           WHEN 2 THEN 'Hibernating' WHEN 5 THEN 'Can''t Lose Them'
           ELSE 'At Risk' END
         ELSE CASE (f + m + 1) / 2 WHEN 1 THEN 'Lost' WHEN 2 THEN 'Lost'
           WHEN 3 THEN 'At Risk' ELSE 'Can''t Lose Them' END
       END AS segment,
       count(*)
FROM peer_scores
GROUP BY 1;
