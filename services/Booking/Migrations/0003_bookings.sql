-- Bookings: what a checked-out hold became. One booking per hold (hold_id UNIQUE) and one per (user, Idempotency-Key),
-- so a repeated or concurrent checkout can only ever find the first one.
CREATE TABLE bookings (
    id                uuid PRIMARY KEY,
    hold_id           uuid NOT NULL UNIQUE REFERENCES holds (id),
    user_id           text NOT NULL,
    status            text NOT NULL CHECK (status IN ('PENDING', 'CONFIRMED', 'FAILED', 'CANCELLED')),
    show_id           uuid NULL,
    service_id        uuid NULL,
    slot_start        timestamptz NULL,
    quantity          int NULL,
    starts_at         timestamptz NOT NULL,
    amount_minor      bigint NOT NULL CHECK (amount_minor >= 0),
    discount_minor    bigint NOT NULL DEFAULT 0 CHECK (discount_minor >= 0),
    currency          text NOT NULL,
    payment_method_id uuid NOT NULL,
    payment_id        uuid NULL,
    failure_reason    text NULL,
    idempotency_key   text NULL,
    request_hash      bytea NOT NULL,
    create_time       timestamptz NOT NULL,
    -- A PENDING booking that is still PENDING at its deadline fails (PAYMENT_TIMEOUT); nothing stays pending.
    deadline          timestamptz NOT NULL,
    -- When the recovery worker last asked payment (queue task) to settle the charge.
    charge_requested_at timestamptz NULL,
    confirm_time      timestamptz NULL,
    cancel_time       timestamptz NULL,
    cancel_reason     text NULL,
    -- Refunded on cancellation, or the whole amount of a payment that arrived after the booking had failed.
    refund_minor      bigint NOT NULL DEFAULT 0 CHECK (refund_minor >= 0),
    -- The refund task's message id (payment's refund id); set once, so a booking never asks for two refunds.
    refund_task_id    uuid NULL,
    CHECK (refund_minor <= amount_minor),
    CHECK (status <> 'CONFIRMED' OR confirm_time IS NOT NULL),
    CHECK (status <> 'CANCELLED' OR cancel_time IS NOT NULL),
    UNIQUE (user_id, idempotency_key)
);
-- History pages: a user's bookings by start (keyset on starts_at, id).
CREATE INDEX bookings_user_start ON bookings (user_id, starts_at, id);
-- The recovery worker's scan.
CREATE INDEX bookings_pending ON bookings (create_time) WHERE status = 'PENDING';

-- The booking a hold became (read by holds as BOOKED; a booked hold's claims belong to the booking's lifecycle).
ALTER TABLE holds ADD COLUMN booking_id uuid NULL;

-- Tickets of a booking: one per seat of a show, one per place of a service slot. The code is signed (TicketCodes).
CREATE TABLE tickets (
    id         uuid PRIMARY KEY,
    booking_id uuid NOT NULL REFERENCES bookings (id) ON DELETE CASCADE,
    seat_id    uuid NULL,
    row_label  text NOT NULL DEFAULT '',
    label      text NOT NULL DEFAULT '',
    position   int NOT NULL,
    code       text NOT NULL,
    UNIQUE (booking_id, position)
);

-- The key tickets are signed with, generated once per database unless Booking:TicketSigningKey is configured.
CREATE TABLE ticket_signing_keys (
    id  int PRIMARY KEY CHECK (id = 1),
    key bytea NOT NULL CHECK (length(key) >= 32)
);

-- The cancellation policy as data: the rule with the largest min_notice that the time left before the start reaches
-- applies; the refund is refund_percent of the amount paid, less fee_minor, never below zero.
CREATE TABLE cancellation_rules (
    min_notice     interval PRIMARY KEY CHECK (min_notice >= interval '0'),
    refund_percent int NOT NULL CHECK (refund_percent BETWEEN 0 AND 100),
    fee_minor      bigint NOT NULL CHECK (fee_minor >= 0),
    description    text NOT NULL
);
INSERT INTO cancellation_rules (min_notice, refund_percent, fee_minor, description) VALUES
    (interval '24 hours', 100, 0,   'full refund until 24 h before the start'),
    (interval '2 hours',  50,  100, 'half refund less a 1.00 fee until 2 h before the start'),
    (interval '0',        0,   0,   'no refund within 2 h of the start');
