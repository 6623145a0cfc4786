-- Payments that need a second step (3-D Secure), the idempotency key a payment was created under, charge tasks for
-- recurring billing (enqueued once through the outbox), and subscription charges of every kind (initial, renewal,
-- proration) so a period's payments can be found for proration credits.

ALTER TABLE payments DROP CONSTRAINT payments_status_check;
ALTER TABLE payments ADD CONSTRAINT payments_status_check
    CHECK (status IN ('requires_action', 'requires_capture', 'processing', 'succeeded', 'failed', 'canceled'));
-- The key the payment was created under (null: none); events carry it so a caller can match outcome to request.
ALTER TABLE payments ADD COLUMN idempotency_key text CHECK (idempotency_key IS NULL OR length(idempotency_key) BETWEEN 1 AND 255);
-- When an unconfirmed REQUIRES_ACTION payment fails on its own.
ALTER TABLE payments ADD COLUMN action_expire_time timestamptz;
ALTER TABLE payments ADD CONSTRAINT payments_action_expiry CHECK (status <> 'requires_action' OR action_expire_time IS NOT NULL);
CREATE INDEX payments_requires_action ON payments (action_expire_time) WHERE status = 'requires_action';

-- One row per due recurring charge (a subscription period's attempt). The scheduler inserts it and its queue message
-- in one transaction; the unique key makes each due charge enqueued once; the consumer marks it done.
CREATE TABLE charge_tasks (
    id              uuid        PRIMARY KEY,   -- also the payment id and provider reference of the charge
    subscription_id uuid        NOT NULL REFERENCES subscriptions (id),
    period_start    timestamptz NOT NULL,      -- the period the charge pays for
    attempt         int         NOT NULL CHECK (attempt BETWEEN 1 AND 4),
    status          text        NOT NULL CHECK (status IN ('enqueued', 'done', 'skipped')),
    create_time     timestamptz NOT NULL,
    enqueue_time    timestamptz NOT NULL,      -- last (re-)enqueue, for redelivery of a lost message
    done_time       timestamptz,
    UNIQUE (subscription_id, period_start, attempt)
);
CREATE INDEX charge_tasks_enqueued ON charge_tasks (enqueue_time) WHERE status = 'enqueued';

ALTER TABLE subscription_charges DROP CONSTRAINT subscription_charges_pkey;
ALTER TABLE subscription_charges ADD COLUMN kind text NOT NULL DEFAULT 'renewal' CHECK (kind IN ('initial', 'renewal', 'proration'));
ALTER TABLE subscription_charges ADD PRIMARY KEY (payment_id);
CREATE UNIQUE INDEX subscription_charges_one_renewal ON subscription_charges (subscription_id, period_start, attempt) WHERE kind = 'renewal';
CREATE INDEX subscription_charges_by_period ON subscription_charges (subscription_id, period_start);
