-- What the stream consumer keeps in PostgreSQL. The consumer's position in the stream and the ids of the events it has
-- counted change in the SAME transaction as the aggregates they moved, so a replay from any offset counts nothing twice
-- (docs/decisions/0014).

-- The next stream offset each consumer reads from (RabbitMQ stream offsets start at 0).
CREATE TABLE stream_offsets (
    consumer    text PRIMARY KEY,
    next_offset bigint NOT NULL CHECK (next_offset >= 0),
    update_time timestamptz NOT NULL
);

-- Every event counted, by its id (the producer's uuid, or the outbox message id of a business event).
CREATE TABLE processed_events (
    event_id     uuid PRIMARY KEY,
    process_time timestamptz NOT NULL
);
CREATE INDEX processed_events_time ON processed_events (process_time);

-- The city of an item, learnt from the events that name both (business events such as booking.confirmed carry no city).
CREATE TABLE item_cities (
    item    text PRIMARY KEY,
    city_id text NOT NULL CHECK (char_length(city_id) BETWEEN 1 AND 64)
);

-- Each user's events, newest first (GetUserHistory).
CREATE TABLE user_events (
    user_id    text NOT NULL CHECK (char_length(user_id) BETWEEN 1 AND 200),
    event_time timestamptz NOT NULL,
    event_id   uuid NOT NULL,
    type       text NOT NULL,
    device_id  text NOT NULL DEFAULT '',
    item       text NOT NULL DEFAULT '',
    city_id    text NOT NULL DEFAULT '',
    attributes jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(attributes) = 'object'),
    PRIMARY KEY (user_id, event_time, event_id)
);

-- Who reached which step of a show's funnel: one row per show, step and actor ("user:{id}" or "device:{id}"), so the
-- funnel counts distinct people however often each of them viewed or held.
CREATE TABLE funnel_steps (
    show_id uuid NOT NULL,
    step    text NOT NULL CHECK (step IN ('viewed', 'held', 'booked')),
    actor   text NOT NULL CHECK (char_length(actor) BETWEEN 1 AND 220),
    PRIMARY KEY (show_id, step, actor)
);

-- CheckRisk answers other than ALLOW, for staff to review (newest first: ids are uuid v7).
CREATE TABLE risk_cases (
    id               uuid PRIMARY KEY,
    action           text NOT NULL CHECK (action IN ('SIGN_IN', 'HOLD', 'CHECKOUT', 'PAYMENT')),
    decision         text NOT NULL CHECK (decision IN ('CHALLENGE', 'BLOCK')),
    reasons          text[] NOT NULL CHECK (cardinality(reasons) > 0),
    user_id          text NOT NULL DEFAULT '',
    ip               text NOT NULL DEFAULT '',
    device_id        text NOT NULL DEFAULT '',
    card_fingerprint text NOT NULL DEFAULT '',
    item             text NOT NULL DEFAULT '',
    attributes       jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(attributes) = 'object'),
    create_time      timestamptz NOT NULL
);
