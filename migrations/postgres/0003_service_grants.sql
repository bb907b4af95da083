-- Least privilege: what each service's role may do with the collections read model. The roles
-- (no superuser, no CREATEDB, no CREATEROLE; the stack's generated passwords) are made by
-- stack/engines/postgres before migrations run; migrations run as the stack's admin, which
-- owns the tables. Nothing runs as a superuser at run time.

-- The collections projector owns the read model: it writes it, and a rebuild truncates it.
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON collections, collection_items, post_audiences, audience_grants
  TO projectors;

-- The collections subgraph serves it: read only.
GRANT SELECT ON collections, collection_items, post_audiences, audience_grants TO collections;
