-- When the customer first asked to cancel a subscription now. Written in its own committed transaction before the
-- cancellation itself, so a retried cancellation (the RPC is retried by clients' resilience layers, with or without an
-- idempotency key) prorates at the same instant and asks the provider for the same refund amount under the same
-- refund reference: the provider dedupes it instead of refunding twice or disagreeing about the amount.
ALTER TABLE subscriptions ADD COLUMN cancel_request_time timestamptz;
