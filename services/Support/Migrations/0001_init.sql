-- Tickets, their conversation (chat messages, replies and internal notes in one per-ticket sequence), read receipts,
-- the agents who work support, and SLA breaches (one row per ticket and deadline: the breach is raised exactly once).
CREATE TABLE tickets (
    id                      uuid        PRIMARY KEY,
    -- Creation order for the lists' keyset pages (UUIDv7 ids made in the same millisecond are not ordered).
    number                  bigint      GENERATED ALWAYS AS IDENTITY UNIQUE,
    customer_id             uuid        NOT NULL,
    subject                 text        NOT NULL CHECK (length(subject) BETWEEN 1 AND 200),
    body                    text        NOT NULL CHECK (length(body) BETWEEN 1 AND 10000),
    category                text        NOT NULL CHECK (category IN ('booking', 'payment', 'account', 'other')),
    priority                text        NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    status                  text        NOT NULL CHECK (status IN ('open', 'pending_agent', 'pending_customer', 'resolved', 'closed')),
    booking_id              uuid,
    payment_id              uuid,
    assignee_id             uuid,
    create_time             timestamptz NOT NULL,
    update_time             timestamptz NOT NULL,
    first_response_deadline timestamptz NOT NULL,
    resolution_deadline     timestamptz NOT NULL,
    first_response_time     timestamptz,
    resolve_time            timestamptz,
    close_time              timestamptz,
    -- The sequence of the ticket's last message: the next one takes last_sequence + 1 under this row's lock.
    last_sequence           bigint      NOT NULL DEFAULT 0 CHECK (last_sequence >= 0),
    CHECK (status <> 'resolved' OR resolve_time IS NOT NULL),
    CHECK ((status = 'closed') = (close_time IS NOT NULL))
);
CREATE INDEX tickets_customer ON tickets (customer_id, number DESC);
CREATE INDEX tickets_assignee ON tickets (assignee_id, number);
CREATE INDEX tickets_assignee_open ON tickets (assignee_id) WHERE status NOT IN ('resolved', 'closed');
CREATE INDEX tickets_first_response_due ON tickets (first_response_deadline) WHERE first_response_time IS NULL AND status NOT IN ('resolved', 'closed');
CREATE INDEX tickets_resolution_due ON tickets (resolution_deadline) WHERE status NOT IN ('resolved', 'closed');

CREATE TABLE ticket_messages (
    ticket_id         uuid        NOT NULL REFERENCES tickets (id),
    sequence          bigint      NOT NULL CHECK (sequence > 0),
    author_id         uuid        NOT NULL,
    author_role       text        NOT NULL CHECK (author_role IN ('customer', 'agent')),
    body              text        NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
    internal          boolean     NOT NULL,
    client_message_id text        CHECK (length(client_message_id) BETWEEN 1 AND 64),
    create_time       timestamptz NOT NULL,
    PRIMARY KEY (ticket_id, sequence),
    CHECK (NOT internal OR author_role = 'agent')
);
-- A client's retry (after a lost ack or a reconnect) finds its message instead of storing it again.
CREATE UNIQUE INDEX ticket_messages_client_id ON ticket_messages (ticket_id, author_id, client_message_id) WHERE client_message_id IS NOT NULL;

CREATE TABLE ticket_reads (
    ticket_id uuid   NOT NULL REFERENCES tickets (id),
    reader_id uuid   NOT NULL,
    sequence  bigint NOT NULL CHECK (sequence >= 0),
    PRIMARY KEY (ticket_id, reader_id)
);

-- Staff who have used support (a token with the role support_agent): the pool least-loaded assignment picks from.
CREATE TABLE agents (
    id                 uuid        PRIMARY KEY,
    last_assigned_time timestamptz
);

CREATE TABLE sla_breaches (
    ticket_id   uuid        NOT NULL REFERENCES tickets (id),
    kind        text        NOT NULL CHECK (kind IN ('first_response', 'resolution')),
    deadline    timestamptz NOT NULL,
    raised_time timestamptz NOT NULL,
    PRIMARY KEY (ticket_id, kind)
);
