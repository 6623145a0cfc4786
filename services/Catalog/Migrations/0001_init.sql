-- The catalog: cities, venues with screens and seat maps, events, shows, bookable services.
-- Invariants live here as well as in code: unique seat labels per screen, seats only in categories the screen
-- has, prices >= 0, and no two scheduled shows overlapping on one screen (an exclusion constraint).
CREATE EXTENSION IF NOT EXISTS btree_gist;   -- equality on uuid inside a GiST exclusion constraint
CREATE EXTENSION IF NOT EXISTS pg_trgm;      -- typo-tolerant search (trigram similarity)

CREATE TABLE cities (
    id           text PRIMARY KEY CHECK (id ~ '^[a-z0-9-]{1,60}$'),
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    country_code text NOT NULL CHECK (country_code ~ '^[A-Z]{2}$'),
    time_zone    text NOT NULL
);

CREATE TABLE venues (
    id          uuid PRIMARY KEY,
    city_id     text NOT NULL REFERENCES cities (id),
    owner_id    text NOT NULL,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    address     text NOT NULL CHECK (length(address) BETWEEN 1 AND 500),
    latitude    double precision NOT NULL CHECK (latitude BETWEEN -90 AND 90),
    longitude   double precision NOT NULL CHECK (longitude BETWEEN -180 AND 180),
    amenities   text[] NOT NULL DEFAULT '{}',
    create_time timestamptz NOT NULL,
    update_time timestamptz NOT NULL
);
CREATE INDEX venues_city ON venues (city_id);
CREATE INDEX venues_owner ON venues (owner_id);

-- A screen's seat map as drawn (rows in order, categories): document-shaped, kept as jsonb (docs/decisions/0003).
-- The seats themselves are rows below so labels are unique and categories checked by the database.
CREATE TABLE screens (
    id         uuid PRIMARY KEY,
    venue_id   uuid NOT NULL REFERENCES venues (id) ON DELETE CASCADE,
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    layout     jsonb NOT NULL,
    UNIQUE (venue_id, name)
);

CREATE TABLE seat_categories (
    screen_id uuid NOT NULL REFERENCES screens (id) ON DELETE CASCADE,
    code      text NOT NULL CHECK (code ~ '^[a-z0-9_-]{1,40}$'),
    name      text NOT NULL,
    tier      int NOT NULL CHECK (tier >= 1),
    PRIMARY KEY (screen_id, code)
);

CREATE TABLE seats (
    id         uuid PRIMARY KEY,
    screen_id  uuid NOT NULL REFERENCES screens (id) ON DELETE CASCADE,
    row_label  text NOT NULL,
    label      text NOT NULL CHECK (length(label) BETWEEN 1 AND 20),
    category   text NOT NULL,
    accessible boolean NOT NULL DEFAULT false,
    blocked    boolean NOT NULL DEFAULT false,
    position   int NOT NULL,
    UNIQUE (screen_id, label),
    FOREIGN KEY (screen_id, category) REFERENCES seat_categories (screen_id, code)
);

-- Rich event details (cast, images, …) grow without schema changes: details jsonb.
CREATE TABLE events (
    id               uuid PRIMARY KEY,
    owner_id         text NOT NULL,
    kind             text NOT NULL CHECK (kind ~ '^[a-z_]{1,30}$'),
    title            text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description      text NOT NULL DEFAULT '',
    genres           text[] NOT NULL DEFAULT '{}',
    languages        text[] NOT NULL DEFAULT '{}',
    duration_minutes int NOT NULL CHECK (duration_minutes BETWEEN 1 AND 1440),
    age_rating       text NOT NULL DEFAULT '',
    details          jsonb NOT NULL DEFAULT '{}',
    search           tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', title), 'A') || setweight(to_tsvector('simple', description), 'B')) STORED
);
CREATE INDEX events_search ON events USING gin (search);
CREATE INDEX events_title_trgm ON events USING gin (title gin_trgm_ops);
CREATE INDEX events_genres ON events USING gin (genres);

CREATE TABLE shows (
    id         uuid PRIMARY KEY,
    event_id   uuid NOT NULL REFERENCES events (id),
    screen_id  uuid NOT NULL REFERENCES screens (id),
    venue_id   uuid NOT NULL REFERENCES venues (id),
    city_id    text NOT NULL REFERENCES cities (id),
    start_time timestamptz NOT NULL,
    end_time   timestamptz NOT NULL,
    currency   text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    min_price_minor bigint NOT NULL CHECK (min_price_minor >= 0),
    max_price_minor bigint NOT NULL CHECK (max_price_minor >= min_price_minor),
    status     text NOT NULL CHECK (status IN ('scheduled', 'cancelled')),
    CHECK (end_time > start_time),
    -- The rule that matters most: two scheduled shows never share a screen at the same time, however many
    -- writers race. Cancelled shows free their time.
    CONSTRAINT shows_no_overlap EXCLUDE USING gist (
        screen_id WITH =, tstzrange(start_time, end_time, '[)') WITH &&) WHERE (status = 'scheduled')
);
CREATE INDEX shows_listing ON shows (city_id, start_time, id) WHERE status = 'scheduled';
CREATE INDEX shows_start ON shows (start_time, id) WHERE status = 'scheduled';

CREATE TABLE show_prices (
    show_id     uuid NOT NULL REFERENCES shows (id) ON DELETE CASCADE,
    category    text NOT NULL,
    price_minor bigint NOT NULL CHECK (price_minor >= 0),
    PRIMARY KEY (show_id, category)
);

CREATE TABLE services (
    id               uuid PRIMARY KEY,
    venue_id         uuid NOT NULL REFERENCES venues (id) ON DELETE CASCADE,
    city_id          text NOT NULL REFERENCES cities (id),
    name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    category         text NOT NULL CHECK (category ~ '^[a-z0-9_-]{1,40}$'),
    duration_minutes int NOT NULL CHECK (duration_minutes BETWEEN 5 AND 480),
    capacity         int NOT NULL CHECK (capacity >= 1),
    price_minor      bigint NOT NULL CHECK (price_minor >= 0),
    currency         text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    opening_hours    jsonb NOT NULL
);
CREATE INDEX services_city ON services (city_id, category, id);

-- New shows start in the future. A trigger, not a CHECK: a CHECK must hold forever, and every show eventually lies
-- in the past; this rule is about the moment of scheduling only.
CREATE FUNCTION shows_start_in_future() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.start_time <= now() THEN
        RAISE EXCEPTION 'a new show must start in the future' USING ERRCODE = 'check_violation', CONSTRAINT = 'shows_start_in_future';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER shows_start_in_future BEFORE INSERT ON shows FOR EACH ROW EXECUTE FUNCTION shows_start_in_future();
