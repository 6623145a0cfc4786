-- Referral codes, claims and their rewards. One claim per invitee (unique), never one's own (check); a referral is
-- GRANTED only with both reward coupons; the rewards a referrer gets are counted in referrer_rewards, whose CHECK holds
-- the per-referrer cap (copied from configuration when the counter row is made) the way coupon_users holds a coupon's
-- per-user limit.
CREATE TABLE referral_codes (
    user_id     text PRIMARY KEY,
    code        text NOT NULL UNIQUE CHECK (code ~ '^[A-Z0-9]{8}$'),
    create_time timestamptz NOT NULL
);

CREATE TABLE referrals (
    id                 uuid PRIMARY KEY,
    referrer_id        text NOT NULL,
    invitee_id         text NOT NULL UNIQUE,
    code               text NOT NULL,
    claim_time         timestamptz NOT NULL,
    reward_state       text NOT NULL CHECK (reward_state IN ('WAITING', 'GRANTED', 'REFUSED')),
    reward_reason      text,
    first_booking_id   uuid,
    referrer_coupon_id uuid REFERENCES coupons (id),
    invitee_coupon_id  uuid REFERENCES coupons (id),
    reward_time        timestamptz,
    CHECK (referrer_id <> invitee_id),
    CHECK ((reward_state = 'GRANTED') = (referrer_coupon_id IS NOT NULL AND invitee_coupon_id IS NOT NULL)),
    CHECK ((reward_state = 'REFUSED') = (reward_reason IS NOT NULL))
);
CREATE INDEX referrals_referrer ON referrals (referrer_id, claim_time, id);
CREATE INDEX referrals_waiting ON referrals (first_booking_id) WHERE reward_state = 'WAITING';

CREATE TABLE referrer_rewards (
    referrer_id text PRIMARY KEY,
    granted     int NOT NULL CHECK (granted >= 0),
    max_rewards int NOT NULL,
    CHECK (granted <= max_rewards)
);
