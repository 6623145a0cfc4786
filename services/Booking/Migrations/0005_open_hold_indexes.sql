-- A hold that became a booking (booking_id set) is no longer open: it counts against no limit and is never swept.
-- The two partial indexes of open holds (0001 holds_user_open, 0004 holds_to_sweep) kept such holds, so a user's
-- count of active holds and the expiry sweep walked every booking's hold as well; these skip them.
CREATE INDEX holds_user_active ON holds (user_id, expires_at) WHERE released_at IS NULL AND booking_id IS NULL;
CREATE INDEX holds_sweep_due ON holds (expires_at) WHERE released_at IS NULL AND expired_at IS NULL AND booking_id IS NULL;
DROP INDEX holds_user_open;
DROP INDEX holds_to_sweep;
