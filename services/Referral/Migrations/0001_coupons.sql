-- Coupons and their redemptions. The limits are held by the database: coupons.redeemed counts the redemptions that
-- are RESERVED or CONFIRMED and may never pass total_limit; coupon_users.redeemed does the same per user. Reserving
-- increments both counters (a conditional UPDATE that also takes the row lock, so concurrent reservations of one
-- coupon queue on it), releasing decrements them, in the same transaction as the redemption's state change.
CREATE TABLE coupons (
    id                 uuid PRIMARY KEY,
    code               text NOT NULL UNIQUE CHECK (code ~ '^[A-Z0-9_-]{3,32}$'),
    kind               text NOT NULL CHECK (kind IN ('PERCENT', 'FIXED')),
    percent_off        int NOT NULL DEFAULT 0,
    amount_off_minor   bigint NOT NULL DEFAULT 0,
    currency           text NOT NULL DEFAULT '' CHECK (currency = '' OR currency ~ '^[A-Z]{3}$'),
    min_spend_minor    bigint NOT NULL DEFAULT 0 CHECK (min_spend_minor >= 0),
    max_discount_minor bigint NOT NULL DEFAULT 0 CHECK (max_discount_minor >= 0),
    start_time         timestamptz NOT NULL,
    end_time           timestamptz NOT NULL,
    total_limit        int NOT NULL CHECK (total_limit > 0),
    per_user_limit     int NOT NULL CHECK (per_user_limit > 0 AND per_user_limit <= total_limit),
    redeemed           int NOT NULL DEFAULT 0 CHECK (redeemed >= 0 AND redeemed <= total_limit),
    scope_city_id      uuid,
    scope_category     text NOT NULL DEFAULT '',
    scope_show_id      uuid,
    first_booking_only boolean NOT NULL DEFAULT false,
    owner_id           text,              -- a reward coupon: only this user may redeem it
    created_by         text NOT NULL,
    create_time        timestamptz NOT NULL,
    CHECK (end_time > start_time),
    CHECK ((kind = 'PERCENT' AND percent_off BETWEEN 1 AND 100 AND amount_off_minor = 0)
        OR (kind = 'FIXED' AND percent_off = 0 AND amount_off_minor > 0 AND currency <> '')),
    CHECK ((min_spend_minor = 0 AND max_discount_minor = 0) OR currency <> '')
);
CREATE INDEX coupons_owner ON coupons (owner_id, create_time DESC, id DESC) WHERE owner_id IS NOT NULL;
CREATE INDEX coupons_creator ON coupons (created_by, create_time DESC, id DESC);

-- Per-user counter; per_user_limit is copied from the coupon so the CHECK can hold it.
CREATE TABLE coupon_users (
    coupon_id      uuid NOT NULL REFERENCES coupons (id),
    user_id        text NOT NULL,
    redeemed       int NOT NULL CHECK (redeemed >= 0),
    per_user_limit int NOT NULL,
    PRIMARY KEY (coupon_id, user_id),
    CHECK (redeemed <= per_user_limit)
);

-- One redemption per booking (booking_id is the idempotency key of ReserveRedemption).
CREATE TABLE redemptions (
    id             uuid PRIMARY KEY,
    booking_id     uuid NOT NULL UNIQUE,
    coupon_id      uuid NOT NULL REFERENCES coupons (id),
    user_id        text NOT NULL,
    discount_minor bigint NOT NULL CHECK (discount_minor > 0),
    currency       text NOT NULL,
    state          text NOT NULL CHECK (state IN ('RESERVED', 'CONFIRMED', 'RELEASED')),
    reserve_time   timestamptz NOT NULL,
    expires_at     timestamptz NOT NULL,
    settle_time    timestamptz,
    release_reason text,
    CHECK ((state = 'RELEASED') = (release_reason IS NOT NULL))
);
CREATE INDEX redemptions_reserved_expiry ON redemptions (expires_at) WHERE state = 'RESERVED';

-- The bookings referral has heard of (booking's events through the inbox): whether a user has booked before
-- (first_booking_only coupons) and when an invitee's first booking can no longer be cancelled (referral rewards).
CREATE TABLE customer_bookings (
    booking_id   uuid PRIMARY KEY,
    user_id      text NOT NULL,
    starts_at    timestamptz NOT NULL,
    confirm_time timestamptz NOT NULL,
    cancelled    boolean NOT NULL DEFAULT false
);
CREATE INDEX customer_bookings_user ON customer_bookings (user_id, confirm_time, booking_id);
