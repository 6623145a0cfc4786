-- The card fingerprints each user has saved at payment (payment_method.saved): payment's keyed hash of the card
-- number, never the number. A reward is refused when the referrer and the invitee share one (ADR 0009). One row per
-- user and card, however often the card is saved or the event delivered.
CREATE TABLE card_fingerprints (
    user_id     text NOT NULL,
    fingerprint text NOT NULL CHECK (fingerprint ~ '^[0-9a-f]{64}$'),
    first_seen  timestamptz NOT NULL,
    PRIMARY KEY (user_id, fingerprint)
);
CREATE INDEX card_fingerprints_by_fingerprint ON card_fingerprints (fingerprint, user_id);
