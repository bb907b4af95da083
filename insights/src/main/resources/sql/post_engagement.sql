-- Loves and comments per post in five-minute tumbling windows, with the post's author (for
-- whom alone the serving side shows them). The author comes from the post's PostCreated by an
-- event-time temporal join; a post whose creation the job never read (created before the
-- events it starts from) gets an empty author_id rather than losing its counts.

CREATE TEMPORARY VIEW post_engagement_counts AS
SELECT post_id, COUNT(DISTINCT love_id) AS loves, COUNT(DISTINCT comment_id) AS comments,
  window_start, window_end, window_time
FROM TABLE(TUMBLE(TABLE post_reactions, DESCRIPTOR(occurred_at), INTERVAL '5' MINUTE))
GROUP BY window_start, window_end, window_time, post_id;

CREATE TEMPORARY VIEW post_engagement_results AS
SELECT
  c.post_id AS record_key,
  c.post_id AS post_id,
  COALESCE(a.author_id, '') AS author_id,
  c.loves AS loves,
  c.comments AS comments,
  CAST(ROW(CAST(TIMESTAMPDIFF(MINUTE, TIMESTAMP '1970-01-01 00:00:00', c.window_start) AS BIGINT) * 60, 0)
    AS ROW<seconds BIGINT, nanos INT>) AS window_start,
  CAST(ROW(CAST(TIMESTAMPDIFF(MINUTE, TIMESTAMP '1970-01-01 00:00:00', c.window_end) AS BIGINT) * 60, 0)
    AS ROW<seconds BIGINT, nanos INT>) AS window_end
FROM post_engagement_counts AS c
LEFT JOIN post_authors FOR SYSTEM_TIME AS OF c.window_time AS a
ON c.post_id = a.post_id;
