-- Holds on places in a slot of a bookable service (the catalog's services), beside holds on seats of a show.
ALTER TABLE holds ALTER COLUMN show_id DROP NOT NULL;
ALTER TABLE holds ADD COLUMN service_id uuid NULL;
ALTER TABLE holds ADD COLUMN slot_start timestamptz NULL;
ALTER TABLE holds ADD COLUMN quantity   int NULL;
ALTER TABLE holds ADD CONSTRAINT holds_one_target CHECK (
    (show_id IS NOT NULL AND service_id IS NULL AND slot_start IS NULL AND quantity IS NULL) OR
    (show_id IS NULL AND service_id IS NOT NULL AND slot_start IS NOT NULL AND quantity >= 1));

-- A slot hold's claim on places, with the same lifecycle as seat_claims: counts while expires_at is in the future;
-- a confirmed booking's claim gets expires_at = 'infinity'; releasing or cancelling deletes it.
CREATE TABLE slot_claims (
    hold_id    uuid PRIMARY KEY REFERENCES holds (id) ON DELETE CASCADE,
    service_id uuid NOT NULL,
    slot_start timestamptz NOT NULL,
    quantity   int NOT NULL CHECK (quantity >= 1),
    expires_at timestamptz NOT NULL
);
CREATE INDEX slot_claims_slot ON slot_claims (service_id, slot_start);
