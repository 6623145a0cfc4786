-- Ads: campaigns, their days (budget and spend), impressions, clicks, frequency counts.
-- Money is kept in thousandths of a minor unit ("milli"): a CPM bid of 150 minor is 150 milli per impression.

CREATE TABLE campaigns (
    id                 uuid PRIMARY KEY,
    partner_id         text NOT NULL,
    name               text NOT NULL,
    creative           jsonb NOT NULL,
    cities             text[] NOT NULL DEFAULT '{}',
    genres             text[] NOT NULL DEFAULT '{}',
    categories         text[] NOT NULL DEFAULT '{}',
    start_time         timestamptz NOT NULL,
    end_time           timestamptz NOT NULL,
    daily_budget_minor bigint NOT NULL CHECK (daily_budget_minor > 0),
    currency           char(3) NOT NULL,
    bid_type           text NOT NULL CHECK (bid_type IN ('CPM', 'CPC')),
    bid_minor          bigint NOT NULL CHECK (bid_minor > 0),
    state              text NOT NULL CHECK (state IN ('PENDING_APPROVAL', 'APPROVED', 'REJECTED')),
    reject_reason      text,
    create_time        timestamptz NOT NULL,
    CHECK (start_time < end_time),
    -- One impression (CPM: a thousandth of the bid) or one click (CPC) never costs more than a day's budget.
    CHECK ((bid_type = 'CPM' AND bid_minor <= daily_budget_minor * 1000) OR (bid_type = 'CPC' AND bid_minor <= daily_budget_minor))
);
CREATE INDEX campaigns_partner ON campaigns (partner_id, id DESC);
CREATE INDEX campaigns_live ON campaigns (state, end_time) WHERE state = 'APPROVED';

-- One row per campaign and UTC day: the budget of that day and what was billed against it. The CHECK is the last word
-- on overspending: a billing UPDATE that would pass the budget fails, whatever the code above it believed.
CREATE TABLE campaign_days (
    campaign_id  uuid NOT NULL REFERENCES campaigns (id),
    day          date NOT NULL,
    budget_milli bigint NOT NULL CHECK (budget_milli > 0),
    spent_milli  bigint NOT NULL DEFAULT 0,
    impressions  bigint NOT NULL DEFAULT 0,
    clicks       bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign_id, day),
    CONSTRAINT spend_within_budget CHECK (spent_milli >= 0 AND spent_milli <= budget_milli)
);

-- Every served ad. price_milli is what the impression was billed (CPM), click_price_milli what its first click costs (CPC).
CREATE TABLE impressions (
    id                uuid PRIMARY KEY,
    campaign_id       uuid NOT NULL REFERENCES campaigns (id),
    day               date NOT NULL,
    viewer            text NOT NULL,
    city              text NOT NULL,
    slot              int NOT NULL,
    price_milli       bigint NOT NULL CHECK (price_milli >= 0),
    click_price_milli bigint NOT NULL CHECK (click_price_milli >= 0),
    create_time       timestamptz NOT NULL
);
CREATE INDEX impressions_campaign ON impressions (campaign_id, day);

-- At most one click per impression (the primary key): a replayed click finds its row and bills nothing.
CREATE TABLE clicks (
    impression_id uuid PRIMARY KEY REFERENCES impressions (id),
    campaign_id   uuid NOT NULL REFERENCES campaigns (id),
    day           date NOT NULL,
    billed_milli  bigint NOT NULL CHECK (billed_milli >= 0),
    create_time   timestamptz NOT NULL
);

-- Impressions per campaign, viewer (user id or device id) and day, for the frequency cap.
CREATE TABLE frequency (
    campaign_id uuid NOT NULL REFERENCES campaigns (id),
    viewer      text NOT NULL,
    day         date NOT NULL,
    shown       int NOT NULL CHECK (shown >= 1),
    PRIMARY KEY (campaign_id, viewer, day)
);
