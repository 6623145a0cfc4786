-- A subscription or instalment plan whose first charge is still PROCESSING (the provider's answer was lost): it is
-- 'incomplete' — not paid, not charged again — until the payment settles (PaymentMaintenance), then active, or
-- canceled / defaulted when the charge turns out declined.
ALTER TABLE subscriptions DROP CONSTRAINT subscriptions_status_check;
ALTER TABLE subscriptions ADD CONSTRAINT subscriptions_status_check
    CHECK (status IN ('incomplete', 'trialing', 'active', 'past_due', 'canceled'));

ALTER TABLE instalment_plans DROP CONSTRAINT instalment_plans_status_check;
ALTER TABLE instalment_plans ADD CONSTRAINT instalment_plans_status_check
    CHECK (status IN ('incomplete', 'active', 'past_due', 'completed', 'defaulted'));
