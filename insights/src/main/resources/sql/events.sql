-- The facts each insight counts, read from the raw event tables (post_events, user_events:
-- one row per protobuf event, a column per oneof case, null unless that case is set).
-- Every view keeps occurred_at, the event time (the envelope's occurred_at), as its time
-- attribute, and message_id, so that an event delivered twice is counted once.

CREATE TEMPORARY VIEW followers_post_tags AS
SELECT
  e.envelope.message_id AS message_id,
  e.post_created.post_id AS post_id,
  e.post_created.author_id AS author_id,
  t.tag AS tag,
  e.occurred_at AS occurred_at
FROM post_events AS e
CROSS JOIN UNNEST(e.post_created.tags) AS t (tag)
WHERE e.post_created IS NOT NULL AND e.post_created.audience = 'AUDIENCE_FOLLOWERS';

CREATE TEMPORARY VIEW post_reactions AS
SELECT
  envelope.message_id AS message_id,
  COALESCE(post_loved.post_id, comment_added.post_id) AS post_id,
  CASE WHEN post_loved IS NOT NULL THEN envelope.message_id END AS love_id,
  CASE WHEN comment_added IS NOT NULL THEN envelope.message_id END AS comment_id,
  occurred_at
FROM post_events
WHERE post_loved IS NOT NULL OR comment_added IS NOT NULL;

-- The author of each post as of a point in event time: a versioned view (the latest
-- PostCreated per post) for the event-time temporal join of post_engagement.sql.
CREATE TEMPORARY VIEW post_authors AS
SELECT post_id, author_id, occurred_at
FROM (
  SELECT
    e.post_created.post_id AS post_id,
    e.post_created.author_id AS author_id,
    e.occurred_at AS occurred_at,
    ROW_NUMBER() OVER (PARTITION BY e.post_created.post_id ORDER BY e.occurred_at DESC) AS version
  FROM post_events AS e
  WHERE e.post_created IS NOT NULL
)
WHERE version = 1;

CREATE TEMPORARY VIEW follow_changes AS
SELECT
  COALESCE(followed.followee_id, unfollowed.followee_id) AS user_id,
  CASE WHEN followed IS NOT NULL THEN envelope.message_id END AS gained_id,
  CASE WHEN unfollowed IS NOT NULL THEN envelope.message_id END AS lost_id,
  occurred_at
FROM user_events
WHERE followed IS NOT NULL OR unfollowed IS NOT NULL;

-- What the flood guard counts: who did which guarded action, when.
CREATE TEMPORARY VIEW guarded_actions AS
SELECT comment_added.author_id AS user_id, 'COMMENT' AS action, envelope.message_id AS message_id, occurred_at
FROM post_events
WHERE comment_added IS NOT NULL
UNION ALL
SELECT followed.follower_id AS user_id, 'FOLLOW' AS action, envelope.message_id AS message_id, occurred_at
FROM user_events
WHERE followed IS NOT NULL
UNION ALL
SELECT
  connection_requested.requester_id AS user_id,
  'CONNECTION_REQUEST' AS action,
  envelope.message_id AS message_id,
  occurred_at
FROM user_events
WHERE connection_requested IS NOT NULL;
