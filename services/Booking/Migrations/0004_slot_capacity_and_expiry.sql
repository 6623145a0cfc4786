-- Slot capacity enforced by the database: one counter row per slot with the catalog's capacity at the slot's first
-- hold, kept equal to the sum of the slot's claim rows by triggers (so every path that inserts or deletes a claim —
-- hold, release, sweep, cancellation, cascade — keeps it right), and a CHECK that taken never exceeds capacity.
-- Expired-but-unswept claims still count in "taken"; CreateHold deletes a slot's expired claims (under the row lock)
-- before it looks at the counter, the way seat holds delete expired seat claims before claiming.
CREATE TABLE slot_usage (
    service_id uuid NOT NULL,
    slot_start timestamptz NOT NULL,
    capacity   int NOT NULL CHECK (capacity >= 1),
    taken      int NOT NULL DEFAULT 0,
    PRIMARY KEY (service_id, slot_start),
    CONSTRAINT slot_usage_within_capacity CHECK (taken >= 0 AND taken <= capacity)
);

ALTER TABLE slot_claims ADD CONSTRAINT slot_claims_slot_usage
    FOREIGN KEY (service_id, slot_start) REFERENCES slot_usage (service_id, slot_start);

CREATE FUNCTION slot_usage_follow_claims() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE slot_usage SET taken = taken + NEW.quantity WHERE service_id = NEW.service_id AND slot_start = NEW.slot_start;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE slot_usage SET taken = taken - OLD.quantity WHERE service_id = OLD.service_id AND slot_start = OLD.slot_start;
    ELSIF TG_OP = 'UPDATE' AND (NEW.service_id, NEW.slot_start, NEW.quantity) IS DISTINCT FROM (OLD.service_id, OLD.slot_start, OLD.quantity) THEN
        UPDATE slot_usage SET taken = taken - OLD.quantity WHERE service_id = OLD.service_id AND slot_start = OLD.slot_start;
        UPDATE slot_usage SET taken = taken + NEW.quantity WHERE service_id = NEW.service_id AND slot_start = NEW.slot_start;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER slot_claims_count AFTER INSERT OR DELETE OR UPDATE ON slot_claims
    FOR EACH ROW EXECUTE FUNCTION slot_usage_follow_claims();

-- The sweeper records when it found a hold expired (and announced it with a booking.hold_expired event).
ALTER TABLE holds ADD COLUMN expired_at timestamptz NULL;
-- Finding holds to sweep: past expiry, not yet released or recorded as expired.
CREATE INDEX holds_to_sweep ON holds (expires_at) WHERE released_at IS NULL AND expired_at IS NULL;
-- The sweeper deletes expired slot claims by expiry, as it does seat claims.
CREATE INDEX slot_claims_expiry ON slot_claims (expires_at);
