-- A keyed fingerprint of the card number (HMAC-SHA256 under Payment:CardFingerprintKey, see Provider/CardFingerprints.cs):
-- never the number itself. Published in payment_method.saved so referral can refuse rewards between accounts that
-- share a card. Cards saved before this migration have none (the number was never kept, so it cannot be computed).
ALTER TABLE payment_methods ADD COLUMN card_fingerprint text CHECK (card_fingerprint ~ '^[0-9a-f]{64}$');
CREATE INDEX payment_methods_by_fingerprint ON payment_methods (card_fingerprint) WHERE card_fingerprint IS NOT NULL;
