-- Followers each user gained and lost, per hour (tumbling).

CREATE TEMPORARY VIEW follower_change_results AS
SELECT
  user_id AS record_key,
  user_id,
  COUNT(DISTINCT gained_id) AS gained,
  COUNT(DISTINCT lost_id) AS lost,
  CAST(ROW(CAST(TIMESTAMPDIFF(MINUTE, TIMESTAMP '1970-01-01 00:00:00', window_start) AS BIGINT) * 60, 0)
    AS ROW<seconds BIGINT, nanos INT>) AS window_start,
  CAST(ROW(CAST(TIMESTAMPDIFF(MINUTE, TIMESTAMP '1970-01-01 00:00:00', window_end) AS BIGINT) * 60, 0)
    AS ROW<seconds BIGINT, nanos INT>) AS window_end
FROM TABLE(TUMBLE(TABLE follow_changes, DESCRIPTOR(occurred_at), INTERVAL '1' HOUR))
GROUP BY window_start, window_end, user_id;
