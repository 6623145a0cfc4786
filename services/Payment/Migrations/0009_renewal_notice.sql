-- The period end a "subscription_renewing" notice was last written for (PaymentMaintenance → SubscriptionBilling
-- .NoticeRenewalsAsync). A notice is due while it differs from current_period_end, so each period is announced once:
-- the notice and this mark are written in one transaction, and a renewal moves current_period_end on.
ALTER TABLE subscriptions ADD COLUMN renewal_notice_period_end timestamptz NULL;
