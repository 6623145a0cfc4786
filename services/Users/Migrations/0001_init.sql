-- Accounts and the keys that sign access tokens. Invariants live here as well as in code.

CREATE TABLE users (
    id            uuid        PRIMARY KEY,
    -- Stored normalised (trimmed, lower case); unique case-insensitively even if a writer forgets to normalise.
    email         text        NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    display_name  text        NOT NULL CHECK (length(display_name) BETWEEN 1 AND 100),
    -- "pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>"
    password_hash text        NOT NULL CHECK (password_hash LIKE 'pbkdf2-sha256$%'),
    roles         text[]      NOT NULL DEFAULT ARRAY['customer']
                              CHECK (cardinality(roles) >= 1
                                     AND roles <@ ARRAY['customer', 'partner', 'support_agent', 'admin']),
    create_time   timestamptz NOT NULL,
    update_time   timestamptz NOT NULL
);

CREATE UNIQUE INDEX users_email_unique ON users (lower(email));

-- ES256 signing keys: the newest signs, the recent ones still verify (rotation). PKCS#8 private keys.
CREATE TABLE signing_keys (
    kid         text        PRIMARY KEY CHECK (length(kid) BETWEEN 8 AND 64),
    private_key bytea       NOT NULL,
    create_time timestamptz NOT NULL
);

CREATE INDEX signing_keys_by_age ON signing_keys (create_time DESC);
