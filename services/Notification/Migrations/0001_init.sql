-- The inbox (one row per user and event: the unique constraint is the dedupe), the email/SMS deliveries of each
-- notification (one row per notification and channel, with its state, attempts and back-off), what the sandbox
-- provider "sent" (keyed by the delivery id it got as idempotency key), preferences, scheduled reminders, and
-- broadcasts.
CREATE TABLE notifications (
    id          uuid        PRIMARY KEY,
    -- Arrival order: keyset pages and the live streams' cursor (UUIDv7 ids of one millisecond are not ordered).
    seq         bigint      GENERATED ALWAYS AS IDENTITY UNIQUE,
    user_id     uuid        NOT NULL,
    -- The message id of the event it came from (or the reminder's / broadcast's id): a second delivery of the same
    -- event to the same user finds this row and adds nothing.
    event_id    uuid        NOT NULL,
    kind        text        NOT NULL CHECK (length(kind) BETWEEN 1 AND 100),
    category    text        NOT NULL CHECK (category IN ('bookings', 'payments', 'subscriptions', 'referrals', 'support', 'reminders', 'announcements')),
    title       text        NOT NULL,
    body        text        NOT NULL,
    data        jsonb       NOT NULL DEFAULT '{}',
    create_time timestamptz NOT NULL,
    read_time   timestamptz,
    CONSTRAINT notifications_once_per_user_and_event UNIQUE (user_id, event_id)
);
CREATE INDEX notifications_inbox ON notifications (user_id, seq DESC);
CREATE INDEX notifications_unread ON notifications (user_id) WHERE read_time IS NULL;

CREATE TABLE deliveries (
    id                uuid        PRIMARY KEY,
    notification_id   uuid        NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    user_id           uuid        NOT NULL,
    channel           text        NOT NULL CHECK (channel IN ('email', 'sms')),
    destination       text        NOT NULL CHECK (length(destination) > 0),
    state             text        NOT NULL CHECK (state IN ('pending', 'sent', 'dead')),
    -- 0 for a user's own events, 1 for broadcasts: a broadcast's mail never waits in front of a confirmation's.
    priority          smallint    NOT NULL DEFAULT 0 CHECK (priority IN (0, 1)),
    attempts          integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_time timestamptz NOT NULL,
    last_error        text,
    create_time       timestamptz NOT NULL,
    sent_time         timestamptz,
    dead_time         timestamptz,
    CONSTRAINT deliveries_once_per_channel UNIQUE (notification_id, channel),
    CHECK ((state = 'sent') = (sent_time IS NOT NULL)),
    CHECK ((state = 'dead') = (dead_time IS NOT NULL))
);
CREATE INDEX deliveries_due ON deliveries (priority, next_attempt_time) WHERE state = 'pending';
CREATE INDEX deliveries_dead ON deliveries (dead_time, id) WHERE state = 'dead';

-- The sandbox provider's record of what it would have sent. The primary key is the idempotency key (the delivery
-- id): a send repeated after a crash between "sent" and "marked sent" is recorded once.
CREATE TABLE sandbox_messages (
    idempotency_key uuid        PRIMARY KEY,
    channel         text        NOT NULL CHECK (channel IN ('email', 'sms')),
    destination     text        NOT NULL,
    subject         text        NOT NULL,
    body            text        NOT NULL,
    send_time       timestamptz NOT NULL
);

CREATE TABLE preferences (
    user_id      uuid        PRIMARY KEY,
    -- {"bookings": {"email": true, "sms": false}, …}; categories not named take the defaults.
    channels     jsonb       NOT NULL DEFAULT '{}',
    quiet_start  time,
    quiet_end    time,
    time_zone    text        NOT NULL DEFAULT 'UTC',
    unsubscribed boolean     NOT NULL DEFAULT false,
    locale       text        NOT NULL DEFAULT 'en' CHECK (locale IN ('en', 'de')),
    email        text,
    phone        text,
    home_city_id text,
    update_time  timestamptz NOT NULL,
    CHECK ((quiet_start IS NULL) = (quiet_end IS NULL))
);
CREATE INDEX preferences_city ON preferences (home_city_id, user_id) WHERE home_city_id IS NOT NULL;

-- "Your show starts tomorrow": one per booking, due 24 h before the start; a cancellation removes it.
CREATE TABLE reminders (
    id         uuid        PRIMARY KEY,
    booking_id uuid        NOT NULL UNIQUE,
    user_id    uuid        NOT NULL,
    due_time   timestamptz NOT NULL,
    data       jsonb       NOT NULL,
    state      text        NOT NULL CHECK (state IN ('scheduled', 'sent', 'cancelled'))
);
CREATE INDEX reminders_due ON reminders (due_time) WHERE state = 'scheduled';

-- A broadcast to every user of a city, planned into batches of user-id ranges (each a message on the broadcast work
-- queue). One per show: a second show.created delivery plans nothing.
CREATE TABLE broadcasts (
    id          uuid        PRIMARY KEY,
    source_id   uuid        NOT NULL UNIQUE,
    city_id     text        NOT NULL,
    kind        text        NOT NULL,
    data        jsonb       NOT NULL,
    batches     integer     NOT NULL CHECK (batches >= 0),
    create_time timestamptz NOT NULL
);
