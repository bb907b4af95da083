-- The flood guard: a user who does more than the configured number of comments, follows or
-- connection requests within one minute (tumbling, on whole minutes) is throttled for that
-- action until the minute ends. A tumbling window's result would come only after the window
-- closed, when the throttle is already over; so the minute is counted cumulatively, in steps
-- of ${floodStepSeconds} s (CUMULATE), and a user is throttled as soon as a step's count goes past
-- the limit. Each later step of that minute repeats the throttle with the count so far (the
-- topic is compacted by user and action: the latest record wins).

CREATE TEMPORARY VIEW throttle_counts AS
SELECT user_id, action, COUNT(DISTINCT message_id) AS attempts, window_start
FROM TABLE(CUMULATE(TABLE guarded_actions, DESCRIPTOR(occurred_at), INTERVAL '${floodStepSeconds}' SECOND,
  INTERVAL '1' MINUTE))
GROUP BY window_start, window_end, user_id, action;

CREATE TEMPORARY VIEW throttle_results AS
SELECT record_key, user_id, `action`, `until`, attempts, `limit`
FROM (
  SELECT
    CONCAT(user_id, ':', action) AS record_key,
    user_id,
    CONCAT('THROTTLED_ACTION_', action) AS `action`,
    CAST(ROW(CAST(TIMESTAMPDIFF(MINUTE, TIMESTAMP '1970-01-01 00:00:00', window_start) AS BIGINT) * 60 + 60, 0)
      AS ROW<seconds BIGINT, nanos INT>) AS `until`,
    attempts,
    CAST(CASE action
      WHEN 'COMMENT' THEN ${floodCommentsPerMinute}
      WHEN 'FOLLOW' THEN ${floodFollowsPerMinute}
      ELSE ${floodConnectionRequestsPerMinute}
    END AS BIGINT) AS `limit`
  FROM throttle_counts
)
WHERE attempts > `limit`;
