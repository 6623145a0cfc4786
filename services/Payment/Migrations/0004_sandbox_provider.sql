-- The SIMULATED provider's own records (Provider/SimulatedProvider.cs), in their own schema: the sandbox account a
-- real provider would keep on its side. The payment service never reads these tables; it asks the provider. Kept in
-- paymentdb (not memory) so lookups and reconciliation still work after a restart.
CREATE SCHEMA sandbox_provider;

CREATE TABLE sandbox_provider.tokens (
    token    text PRIMARY KEY,
    behavior text NOT NULL
);

CREATE TABLE sandbox_provider.charges (
    reference         text        PRIMARY KEY,   -- the merchant's reference (our payment id): the provider dedupes by it
    token             text        NOT NULL,
    amount            bigint      NOT NULL CHECK (amount > 0),
    currency          char(3)     NOT NULL,
    state             text        NOT NULL,
    decline_code      text        NOT NULL DEFAULT '',
    capture_requested boolean     NOT NULL,
    refunded          bigint      NOT NULL DEFAULT 0 CHECK (refunded >= 0 AND refunded <= amount),
    create_time       timestamptz NOT NULL
);
CREATE INDEX charges_by_time ON sandbox_provider.charges (create_time DESC);

CREATE TABLE sandbox_provider.refunds (
    refund_reference text        PRIMARY KEY,
    charge_reference text        NOT NULL REFERENCES sandbox_provider.charges (reference),
    amount           bigint      NOT NULL CHECK (amount > 0),
    create_time      timestamptz NOT NULL
);
