-- Plans and subscriptions; renewals create ordinary payments (so the ledger and events are the same).

CREATE TABLE plans (
    id         text    PRIMARY KEY,
    name       text    NOT NULL,
    amount     bigint  NOT NULL CHECK (amount > 0),
    currency   char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    interval   text    NOT NULL CHECK (interval IN ('month', 'year')),
    trial_days int     NOT NULL DEFAULT 0 CHECK (trial_days BETWEEN 0 AND 90)
);

INSERT INTO plans (id, name, amount, currency, interval, trial_days) VALUES
    ('basic-monthly', 'Basic', 999, 'EUR', 'month', 14),
    ('plus-monthly', 'Plus', 1999, 'EUR', 'month', 0),
    ('plus-yearly', 'Plus (yearly)', 19999, 'EUR', 'year', 0);

CREATE TABLE subscriptions (
    id                   uuid        PRIMARY KEY,
    user_id              uuid        NOT NULL,
    plan_id              text        NOT NULL REFERENCES plans (id),
    payment_method_id    uuid        NOT NULL REFERENCES payment_methods (id),
    status               text        NOT NULL CHECK (status IN ('trialing', 'active', 'past_due', 'canceled')),
    current_period_start timestamptz NOT NULL,
    current_period_end   timestamptz NOT NULL CHECK (current_period_end > current_period_start),
    cancel_at_period_end boolean     NOT NULL DEFAULT false,
    failed_attempts      int         NOT NULL DEFAULT 0 CHECK (failed_attempts BETWEEN 0 AND 4),
    next_attempt_time    timestamptz,
    create_time          timestamptz NOT NULL,
    update_time          timestamptz NOT NULL,
    CHECK ((status = 'past_due') = (next_attempt_time IS NOT NULL))
);
CREATE INDEX subscriptions_by_user ON subscriptions (user_id, id DESC);
CREATE INDEX subscriptions_due ON subscriptions (current_period_end) WHERE status IN ('trialing', 'active');
CREATE INDEX subscriptions_dunning ON subscriptions (next_attempt_time) WHERE status = 'past_due';

-- Which payment paid which period (a renewal is charged at most once per period).
CREATE TABLE subscription_charges (
    subscription_id uuid        NOT NULL REFERENCES subscriptions (id),
    period_start    timestamptz NOT NULL,
    attempt         int         NOT NULL,
    payment_id      uuid        NOT NULL REFERENCES payments (id),
    PRIMARY KEY (subscription_id, period_start, attempt)
);
