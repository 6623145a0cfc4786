-- Payment methods, payments, refunds, idempotency keys and the double-entry ledger. Invariants live here as well as in code.

-- A card as tokenised by the provider: never the number or the CVC.
CREATE TABLE payment_methods (
    id             uuid        PRIMARY KEY,
    user_id        uuid        NOT NULL,
    provider_token text        NOT NULL UNIQUE,
    brand          text        NOT NULL,
    last4          char(4)     NOT NULL CHECK (last4 ~ '^[0-9]{4}$'),
    exp_month      int         NOT NULL CHECK (exp_month BETWEEN 1 AND 12),
    exp_year       int         NOT NULL CHECK (exp_year BETWEEN 2000 AND 2200),
    create_time    timestamptz NOT NULL
);
CREATE INDEX payment_methods_by_user ON payment_methods (user_id, id DESC);

CREATE TABLE payments (
    id                uuid        PRIMARY KEY,
    user_id           uuid        NOT NULL,
    payment_method_id uuid        NOT NULL REFERENCES payment_methods (id),
    amount            bigint      NOT NULL CHECK (amount > 0),
    currency          char(3)     NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    status            text        NOT NULL CHECK (status IN ('requires_capture', 'processing', 'succeeded', 'failed', 'canceled')),
    capture_requested boolean     NOT NULL,
    amount_captured   bigint      NOT NULL DEFAULT 0,
    amount_refunded   bigint      NOT NULL DEFAULT 0,
    failure_code      text        NOT NULL DEFAULT '',
    description       text        NOT NULL DEFAULT '' CHECK (length(description) <= 200),
    create_time       timestamptz NOT NULL,
    update_time       timestamptz NOT NULL,
    -- Money can only be captured once, in full, and refunded up to what was captured — whatever the code does.
    CHECK (amount_captured IN (0, amount)),
    CHECK (amount_captured = 0 OR status = 'succeeded'),
    CHECK (amount_refunded BETWEEN 0 AND amount_captured)
);
CREATE INDEX payments_by_user ON payments (user_id, id DESC);
CREATE INDEX payments_processing ON payments (id) WHERE status = 'processing';

CREATE TABLE refunds (
    id          uuid        PRIMARY KEY,
    payment_id  uuid        NOT NULL REFERENCES payments (id),
    amount      bigint      NOT NULL CHECK (amount > 0),
    currency    char(3)     NOT NULL,
    reason      text        NOT NULL DEFAULT '' CHECK (length(reason) <= 200),
    create_time timestamptz NOT NULL
);
CREATE INDEX refunds_by_payment ON refunds (payment_id);

-- Stripe-like idempotency: one row per (caller, key); the first request's fingerprint and its final response.
CREATE TABLE idempotency_keys (
    user_id       uuid        NOT NULL,
    key           text        NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    request_hash  bytea       NOT NULL,
    -- The id of what the request creates (payment, refund…), fixed when the key is first seen and used as the
    -- provider reference: a retry after a crash reaches the provider with the same reference, which dedupes it.
    reference     uuid        NOT NULL,
    response      bytea,       -- the serialized response message, or
    error         bytea,       -- the serialized google.rpc.Status of the error returned
    create_time   timestamptz NOT NULL,
    expire_time   timestamptz NOT NULL CHECK (expire_time >= create_time + interval '24 hours'),
    PRIMARY KEY (user_id, key),
    CHECK (response IS NULL OR error IS NULL)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expire_time);

-- The journal: every money movement is one transaction of entries summing to zero (debits +, credits -).
CREATE TABLE ledger_transactions (
    id          uuid        PRIMARY KEY,
    payment_id  uuid        NOT NULL REFERENCES payments (id),
    kind        text        NOT NULL CHECK (kind IN ('capture', 'refund')),
    currency    char(3)     NOT NULL,
    create_time timestamptz NOT NULL
);
CREATE INDEX ledger_transactions_by_payment ON ledger_transactions (payment_id);

CREATE TABLE ledger_entries (
    id             bigserial PRIMARY KEY,
    transaction_id uuid      NOT NULL REFERENCES ledger_transactions (id),
    account        text      NOT NULL CHECK (account IN ('provider_clearing', 'customer_payments')),
    amount         bigint    NOT NULL CHECK (amount <> 0)
);
CREATE INDEX ledger_entries_by_transaction ON ledger_entries (transaction_id);

-- Checked at commit: a transaction whose entries do not sum to zero cannot be committed.
CREATE FUNCTION ledger_transaction_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT coalesce(sum(amount), 0) FROM ledger_entries WHERE transaction_id = NEW.transaction_id) <> 0 THEN
        RAISE EXCEPTION 'ledger transaction % is not balanced', NEW.transaction_id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER ledger_entries_balanced AFTER INSERT OR UPDATE ON ledger_entries
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_transaction_balanced();

-- The journal is append-only.
CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the ledger is append-only';
END $$;
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
