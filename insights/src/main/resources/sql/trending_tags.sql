-- Trending tags: tag use by posts shared with FOLLOWERS, over a sliding hour that advances
-- every minute and a sliding day that advances every hour. A tag is published only when at
-- least ${trendingMinAuthors} distinct authors used it in the window; a result carries counts,
-- never a post id or an author. Windows are on whole minutes, so epoch minutes * 60 is exact.

CREATE TEMPORARY VIEW trending_tag_counts AS
SELECT 'HOUR' AS window_name, tag, COUNT(DISTINCT post_id) AS uses, COUNT(DISTINCT author_id) AS authors,
  window_start, window_end
FROM TABLE(HOP(TABLE followers_post_tags, DESCRIPTOR(occurred_at), INTERVAL '1' MINUTE, INTERVAL '1' HOUR))
GROUP BY window_start, window_end, tag
HAVING COUNT(DISTINCT author_id) >= ${trendingMinAuthors}
UNION ALL
SELECT 'DAY' AS window_name, tag, COUNT(DISTINCT post_id) AS uses, COUNT(DISTINCT author_id) AS authors,
  window_start, window_end
FROM TABLE(HOP(TABLE followers_post_tags, DESCRIPTOR(occurred_at), INTERVAL '1' HOUR, INTERVAL '1' DAY))
GROUP BY window_start, window_end, tag
HAVING COUNT(DISTINCT author_id) >= ${trendingMinAuthors};

CREATE TEMPORARY VIEW trending_tag_results AS
SELECT
  CONCAT(window_name, ':', tag) AS record_key,
  CONCAT('TRENDING_WINDOW_', window_name) AS `window`,
  tag,
  uses,
  authors,
  CAST(ROW(CAST(TIMESTAMPDIFF(MINUTE, TIMESTAMP '1970-01-01 00:00:00', window_start) AS BIGINT) * 60, 0)
    AS ROW<seconds BIGINT, nanos INT>) AS window_start,
  CAST(ROW(CAST(TIMESTAMPDIFF(MINUTE, TIMESTAMP '1970-01-01 00:00:00', window_end) AS BIGINT) * 60, 0)
    AS ROW<seconds BIGINT, nanos INT>) AS window_end
FROM trending_tag_counts;
