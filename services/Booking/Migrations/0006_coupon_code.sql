-- The coupon a booking was checked out with (its redemption lives in referral, keyed by the booking id). A discount
-- only ever comes from a coupon.
ALTER TABLE bookings ADD COLUMN coupon_code text;
ALTER TABLE bookings ADD CONSTRAINT bookings_discount_needs_coupon CHECK (discount_minor = 0 OR coupon_code IS NOT NULL);
