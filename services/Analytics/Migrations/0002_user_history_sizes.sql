-- How many events each user's history holds, moved with every insert, so the consumer trims only the users over the
-- cap. Without it each batch re-read every touched user's whole history to find the rows past the cap (the
-- ingestion bound in docs/performance.md §13).
CREATE TABLE user_history_sizes (
    user_id text PRIMARY KEY,
    events  integer NOT NULL CHECK (events >= 0)
);

INSERT INTO user_history_sizes (user_id, events) SELECT user_id, count(*) FROM user_events GROUP BY user_id;
