-- Reviews, their votes, reports and moderation log, and one aggregate row per reviewed item. Invariants live here as
-- well as in code: one review per author and item, stars 1-5, text lengths, one vote and one report per user, no vote
-- on one's own review, and an aggregate whose count and sum are computed from its histogram, never stored apart.

CREATE TABLE reviews (
    id              uuid PRIMARY KEY,
    -- "events/{uuid}", …: the catalog's name of the item.
    item            text NOT NULL CHECK (item ~ '^(products|services|events|venues)/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'),
    author_id       text NOT NULL CHECK (length(author_id) BETWEEN 1 AND 200),
    stars           int  NOT NULL CHECK (stars BETWEEN 1 AND 5),
    title           text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 120),
    body            text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 5000),
    -- Open shape: aspect name → 1-5 (validated in code; at most 10 keys).
    aspects         jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(aspects) = 'object'),
    -- Open shape: what the booking service answered when the review was written (booking id, show or service, start).
    purchase        jsonb NOT NULL CHECK (jsonb_typeof(purchase) = 'object'),
    helpful_count   int  NOT NULL DEFAULT 0 CHECK (helpful_count >= 0),
    state           text NOT NULL CHECK (state IN ('VISIBLE', 'HIDDEN')),
    hidden_reason   text NULL,
    -- Reports since the last moderator decision: reaching Rating:ReportsToHide hides the review.
    pending_reports int  NOT NULL DEFAULT 0 CHECK (pending_reports >= 0),
    create_time     timestamptz NOT NULL,
    update_time     timestamptz NOT NULL,
    UNIQUE (item, author_id),
    CHECK ((state = 'HIDDEN') = (hidden_reason IS NOT NULL))
);
-- Listings: newest, most helpful and by stars, visible reviews of one item.
CREATE INDEX reviews_item_newest  ON reviews (item, create_time DESC, id DESC) WHERE state = 'VISIBLE';
CREATE INDEX reviews_item_helpful ON reviews (item, helpful_count DESC, create_time DESC, id DESC) WHERE state = 'VISIBLE';
CREATE INDEX reviews_item_stars   ON reviews (item, stars, create_time DESC, id DESC) WHERE state = 'VISIBLE';
CREATE INDEX reviews_author ON reviews (author_id);

-- One helpful vote per user and review; never the author's own.
CREATE TABLE review_votes (
    review_id   uuid NOT NULL REFERENCES reviews (id) ON DELETE CASCADE,
    voter_id    text NOT NULL,
    author_id   text NOT NULL,
    create_time timestamptz NOT NULL,
    PRIMARY KEY (review_id, voter_id),
    CHECK (voter_id <> author_id)
);

-- One report per user and review; never the author's own.
CREATE TABLE review_reports (
    review_id   uuid NOT NULL REFERENCES reviews (id) ON DELETE CASCADE,
    reporter_id text NOT NULL,
    author_id   text NOT NULL,
    reason      text NOT NULL CHECK (char_length(reason) BETWEEN 1 AND 500),
    create_time timestamptz NOT NULL,
    PRIMARY KEY (review_id, reporter_id),
    CHECK (reporter_id <> author_id)
);

-- Every hide and restore, by reports or by a moderator, with its reason.
CREATE TABLE review_moderations (
    id          uuid PRIMARY KEY,
    review_id   uuid NOT NULL REFERENCES reviews (id) ON DELETE CASCADE,
    action      text NOT NULL CHECK (action IN ('HIDE', 'RESTORE')),
    -- The moderator's user id, or 'reports' for the automatic hide.
    actor       text NOT NULL,
    reason      text NOT NULL,
    create_time timestamptz NOT NULL
);
CREATE INDEX review_moderations_review ON review_moderations (review_id, create_time);

-- The aggregate of an item's VISIBLE reviews, changed by each write in the write's own transaction (never recomputed
-- by a scan). The histogram is the truth; count, sum and the Bayesian average are generated from it. The prior of the
-- Bayesian average (10 reviews of 3.5 stars; docs/decisions/0010) is part of the schema, so every row is ranked by the
-- same rule; changing it is a migration.
CREATE TABLE item_ratings (
    item         text PRIMARY KEY,
    kind         text NOT NULL CHECK (kind IN ('products', 'services', 'events', 'venues')),
    -- The catalog city of the item ('' when unknown), from the catalog when the first review was written.
    city_id      text NOT NULL DEFAULT '',
    stars1       int NOT NULL DEFAULT 0 CHECK (stars1 >= 0),
    stars2       int NOT NULL DEFAULT 0 CHECK (stars2 >= 0),
    stars3       int NOT NULL DEFAULT 0 CHECK (stars3 >= 0),
    stars4       int NOT NULL DEFAULT 0 CHECK (stars4 >= 0),
    stars5       int NOT NULL DEFAULT 0 CHECK (stars5 >= 0),
    review_count int GENERATED ALWAYS AS (stars1 + stars2 + stars3 + stars4 + stars5) STORED,
    star_sum     bigint GENERATED ALWAYS AS (stars1 + 2 * stars2 + 3 * stars3 + 4 * stars4 + 5 * stars5) STORED,
    bayesian     double precision GENERATED ALWAYS AS
                 ((10 * 3.5 + stars1 + 2 * stars2 + 3 * stars3 + 4 * stars4 + 5 * stars5)::double precision
                  / (10 + stars1 + stars2 + stars3 + stars4 + stars5)) STORED,
    -- Raised by every change: the Redis copy is replaced only by a newer version (Aggregates/RatingCache).
    version      bigint NOT NULL DEFAULT 0
);
-- Top-rated: by city and kind, by city, by kind, or overall.
CREATE INDEX item_ratings_city_kind_rank ON item_ratings (city_id, kind, bayesian DESC, review_count DESC, item) WHERE stars1 + stars2 + stars3 + stars4 + stars5 > 0;
CREATE INDEX item_ratings_rank ON item_ratings (bayesian DESC, review_count DESC, item) WHERE stars1 + stars2 + stars3 + stars4 + stars5 > 0;
