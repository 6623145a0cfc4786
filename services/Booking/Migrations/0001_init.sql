-- Holds: a user's claim on seats of a show until expires_at (or until released early).
CREATE TABLE holds (
    id           uuid PRIMARY KEY,
    user_id      text NOT NULL,
    show_id      uuid NOT NULL,
    currency     text NOT NULL,
    amount_minor bigint NOT NULL CHECK (amount_minor >= 0),
    create_time  timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    released_at  timestamptz NULL
);
-- Counting a user's active holds (the per-user limit).
CREATE INDEX holds_user_open ON holds (user_id, expires_at) WHERE released_at IS NULL;

-- What was held, with the catalog's price at the time (the hold's record; kept after release/expiry).
CREATE TABLE hold_seats (
    hold_id     uuid NOT NULL REFERENCES holds (id) ON DELETE CASCADE,
    seat_id     uuid NOT NULL,
    row_label   text NOT NULL,
    label       text NOT NULL,
    category    text NOT NULL,
    price_minor bigint NOT NULL,
    position    int NOT NULL,
    PRIMARY KEY (hold_id, seat_id)
);

-- The exclusivity: at most one claim per seat of a show, enforced here and not only in code. A claim whose
-- expires_at has passed no longer counts (readers filter on it; CreateHold deletes it before claiming; a worker
-- sweeps the rest). Releasing a hold deletes its claims.
CREATE TABLE seat_claims (
    show_id    uuid NOT NULL,
    seat_id    uuid NOT NULL,
    hold_id    uuid NOT NULL REFERENCES holds (id) ON DELETE CASCADE,
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (show_id, seat_id)
);
CREATE INDEX seat_claims_hold ON seat_claims (hold_id);
CREATE INDEX seat_claims_expiry ON seat_claims (expires_at);
