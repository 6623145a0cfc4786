-- Products (add-ons sold with a booking) with stock that never goes below zero, idempotent stock reservations, and
-- the rule that an edited show still starts in the future.

CREATE TABLE products (
    id          uuid PRIMARY KEY,
    venue_id    uuid NOT NULL REFERENCES venues (id) ON DELETE CASCADE,
    city_id     text NOT NULL REFERENCES cities (id),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    category    text NOT NULL CHECK (category ~ '^[a-z0-9_-]{1,40}$'),
    price_minor bigint NOT NULL CHECK (price_minor >= 0),
    currency    text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    -- The backstop under every conditional decrement: however many reservations race, stock stays >= 0.
    stock       bigint NOT NULL CHECK (stock >= 0),
    active      boolean NOT NULL DEFAULT true,
    create_time timestamptz NOT NULL,
    update_time timestamptz NOT NULL
);
CREATE INDEX products_listing ON products (city_id, venue_id, category, id) WHERE active;
CREATE INDEX products_venue ON products (venue_id, id);

-- One row per reservation id (the caller's idempotency key); 'released' rows without lines are tombstones of a
-- release that arrived before its reserve.
CREATE TABLE product_reservations (
    id          uuid PRIMARY KEY,
    status      text NOT NULL CHECK (status IN ('reserved', 'released')),
    create_time timestamptz NOT NULL DEFAULT now(),
    update_time timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE product_reservation_lines (
    reservation_id uuid NOT NULL REFERENCES product_reservations (id) ON DELETE CASCADE,
    product_id     uuid NOT NULL REFERENCES products (id),
    quantity       bigint NOT NULL CHECK (quantity >= 1),
    PRIMARY KEY (reservation_id, product_id)
);
CREATE INDEX product_reservation_lines_product ON product_reservation_lines (product_id);

-- An edited show must still start in the future (moving a show into the past is a mistake, not a schedule).
CREATE TRIGGER shows_moved_start_in_future BEFORE UPDATE OF start_time ON shows FOR EACH ROW
    WHEN (NEW.start_time IS DISTINCT FROM OLD.start_time) EXECUTE FUNCTION shows_start_in_future();

CREATE INDEX events_owner ON events (owner_id, id);
CREATE INDEX shows_event ON shows (event_id);
