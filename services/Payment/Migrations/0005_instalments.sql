-- Instalment plans: a total paid in instalments on a saved method; instalments after the first are charge tasks like
-- subscription renewals (same queue, same once-only rules).

CREATE TABLE instalment_plans (
    id                uuid        PRIMARY KEY,
    user_id           uuid        NOT NULL,
    payment_method_id uuid        NOT NULL REFERENCES payment_methods (id),
    total_amount      bigint      NOT NULL CHECK (total_amount > 0),
    currency          char(3)     NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    instalments       int         NOT NULL CHECK (instalments BETWEEN 2 AND 24 AND total_amount >= instalments),
    interval          text        NOT NULL CHECK (interval IN ('month', 'year')),
    description       text        NOT NULL DEFAULT '' CHECK (length(description) <= 200),
    status            text        NOT NULL CHECK (status IN ('active', 'past_due', 'completed', 'defaulted')),
    instalments_paid  int         NOT NULL CHECK (instalments_paid BETWEEN 0 AND instalments),
    due_time          timestamptz NOT NULL,   -- when the current (next unpaid) instalment fell due
    next_charge_time  timestamptz,            -- when it is (re)tried: due_time, then the dunning retries
    failed_attempts   int         NOT NULL DEFAULT 0 CHECK (failed_attempts BETWEEN 0 AND 4),
    create_time       timestamptz NOT NULL,
    update_time       timestamptz NOT NULL,
    CHECK ((status IN ('active', 'past_due')) = (next_charge_time IS NOT NULL)),
    CHECK ((status = 'completed') = (instalments_paid = instalments))
);
CREATE INDEX instalment_plans_by_user ON instalment_plans (user_id, id DESC);
CREATE INDEX instalment_plans_due ON instalment_plans (next_charge_time) WHERE status IN ('active', 'past_due');

-- A charge task is for a subscription period or for an instalment (period_start = the instalment's due time).
ALTER TABLE charge_tasks ALTER COLUMN subscription_id DROP NOT NULL;
ALTER TABLE charge_tasks ADD COLUMN instalment_plan_id uuid REFERENCES instalment_plans (id);
ALTER TABLE charge_tasks ADD CONSTRAINT charge_tasks_one_owner CHECK ((subscription_id IS NULL) <> (instalment_plan_id IS NULL));
ALTER TABLE charge_tasks ADD CONSTRAINT charge_tasks_one_per_instalment_try UNIQUE (instalment_plan_id, period_start, attempt);

-- Which payment paid which instalment.
CREATE TABLE instalment_charges (
    payment_id         uuid PRIMARY KEY REFERENCES payments (id),
    instalment_plan_id uuid NOT NULL REFERENCES instalment_plans (id),
    instalment         int  NOT NULL CHECK (instalment >= 1),
    attempt            int  NOT NULL
);
CREATE INDEX instalment_charges_by_plan ON instalment_charges (instalment_plan_id);
