-- What Collection.posts needs to leave out the items a viewer may not see, projected from
-- posts.events and users.events by the collections projector (reads never leave PostgreSQL).
CREATE TABLE IF NOT EXISTS post_audiences (
  post_id    text PRIMARY KEY,
  author_id  text    NOT NULL,
  audience   text    NOT NULL,
  deleted    boolean NOT NULL DEFAULT false
);

-- How an author relates to a viewer: whether the viewer follows the author, and the level at
-- which the author files the viewer (NULL when they are not connected).
CREATE TABLE IF NOT EXISTS audience_grants (
  author_id text    NOT NULL,
  viewer_id text    NOT NULL,
  follows   boolean NOT NULL DEFAULT false,
  level     text,
  PRIMARY KEY (author_id, viewer_id)
);
