-- When the sweeper warned the hold's user that it is about to expire (booking.hold_expiring through the outbox, in
-- the same transaction): set once, so a hold is warned once however many sweeps see it.
ALTER TABLE holds ADD COLUMN warned_at timestamptz NULL;
