-- Baton schema, Postgres flavour. Kept in step with migrations/sqlite/ (same tables, columns
-- and constraints; only auto-increment is spelled differently: BIGSERIAL for AUTOINCREMENT);
-- tests/it/schema.rs compares both live schemas. Times are Unix milliseconds (BIGINT), flags
-- 0/1 (BIGINT), JSON documents TEXT.

-- Server-wide settings shared by every instance (e.g. the customer-token key).
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Every conversation the widget started, self-resolved ones included (dashboard denominators).
CREATE TABLE conversations (
    site        TEXT   NOT NULL,
    id          TEXT   NOT NULL,
    started_at  BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    page_url    TEXT,
    page_title  TEXT,
    locale      TEXT,
    escalated   BIGINT NOT NULL DEFAULT 0,
    resolved    BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (site, id)
);
CREATE INDEX conversations_started ON conversations (site, started_at);

-- The event log behind the dashboard (no texts required).
CREATE TABLE conversation_events (
    seq             BIGSERIAL PRIMARY KEY,
    site            TEXT   NOT NULL,
    conversation_id TEXT   NOT NULL,
    kind            TEXT   NOT NULL,
    at              BIGINT NOT NULL,
    received_at     BIGINT NOT NULL,
    detail          TEXT
);
CREATE INDEX conversation_events_conv ON conversation_events (site, conversation_id);
CREATE INDEX conversation_events_at ON conversation_events (site, at);

-- One row per handoff bundle, stored once: `id` is the idempotency key; a conversation
-- escalates at most once.
CREATE TABLE handoffs (
    id                TEXT   PRIMARY KEY,
    site              TEXT   NOT NULL,
    conversation_id   TEXT   NOT NULL,
    created_at        BIGINT NOT NULL,  -- the widget's clock
    received_at       BIGINT NOT NULL,  -- the server's clock
    body_hash         TEXT   NOT NULL,  -- SHA-256 of the bundle as received (canonical JSON)
    bundle            TEXT   NOT NULL,  -- the enriched bundle (verified flag, customer record)
    queue             TEXT   NOT NULL,
    priority          TEXT   NOT NULL,
    priority_rank     BIGINT NOT NULL,  -- 0 low … 3 urgent, for ORDER BY
    rule              TEXT   NOT NULL,
    triggers          TEXT   NOT NULL,  -- JSON array of re-derived (trusted) triggers
    claimed_triggers  TEXT   NOT NULL,  -- JSON array of triggers the widget reported
    reasons_match     BIGINT NOT NULL,  -- 1 when both sets agree
    verification      TEXT   NOT NULL,  -- JSON: derived reasons, missing, extra
    customer_id       TEXT,
    customer_verified BIGINT NOT NULL,
    summary           TEXT   NOT NULL,
    status            TEXT   NOT NULL DEFAULT 'queued',  -- queued | claimed | closed
    agent_id          BIGINT,
    claimed_at        BIGINT,
    closed_at         BIGINT,
    clean_handoff     BIGINT,           -- agent's answer at close: 1 = never asked to repeat
    response          TEXT   NOT NULL,  -- the 201 body, replayed verbatim for duplicates
    UNIQUE (site, conversation_id)
);
CREATE INDEX handoffs_queue ON handoffs (site, queue, status, priority_rank, received_at);
CREATE INDEX handoffs_customer ON handoffs (site, customer_id, received_at);
CREATE INDEX handoffs_received ON handoffs (site, received_at);

-- The server's own customer store (seeded from the site config or imported).
CREATE TABLE customers (
    site           TEXT NOT NULL,
    id             TEXT NOT NULL,
    email          TEXT,
    name           TEXT,
    account_status TEXT,
    attributes     TEXT NOT NULL DEFAULT '{}',
    orders         TEXT NOT NULL DEFAULT '[]',
    updated_at     BIGINT NOT NULL,
    PRIMARY KEY (site, id)
);

-- Webhook outbox: written in the same transaction as the handoff, delivered by a background
-- task. `locked_until` lets several instances share the work (a claim expires if the
-- instance dies).
CREATE TABLE webhook_deliveries (
    id              BIGSERIAL PRIMARY KEY,
    handoff_id      TEXT   NOT NULL,
    site            TEXT   NOT NULL,
    webhook         TEXT   NOT NULL,
    kind            TEXT   NOT NULL,
    url             TEXT   NOT NULL,
    payload         TEXT   NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    max_attempts    BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    locked_until    BIGINT NOT NULL DEFAULT 0,
    last_error      TEXT,
    created_at      BIGINT NOT NULL,
    UNIQUE (handoff_id, webhook)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at);

-- Deliveries that exhausted their attempts; shown in the console, can be re-queued.
CREATE TABLE webhook_dead_letters (
    id          BIGSERIAL PRIMARY KEY,
    handoff_id  TEXT   NOT NULL,
    site        TEXT   NOT NULL,
    webhook     TEXT   NOT NULL,
    kind        TEXT   NOT NULL,
    url         TEXT   NOT NULL,
    payload     TEXT   NOT NULL,
    attempts    BIGINT NOT NULL,
    last_error  TEXT,
    created_at  BIGINT NOT NULL,
    failed_at   BIGINT NOT NULL
);

CREATE TABLE csat (
    site            TEXT   NOT NULL,
    conversation_id TEXT   NOT NULL,
    rating          BIGINT NOT NULL,
    escalated       BIGINT NOT NULL,
    at              BIGINT NOT NULL,
    PRIMARY KEY (site, conversation_id)
);

-- Agent console (owned by the console module): accounts, queue membership, sessions, and the
-- live messages exchanged after handoff.
CREATE TABLE agents (
    id            BIGSERIAL PRIMARY KEY,
    email         TEXT   NOT NULL UNIQUE,
    name          TEXT   NOT NULL,
    password_hash TEXT   NOT NULL,  -- argon2id PHC string
    created_at    BIGINT NOT NULL,
    disabled      BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE agent_queues (
    agent_id BIGINT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    site     TEXT   NOT NULL,
    queue    TEXT   NOT NULL,  -- '*' = every queue of the site
    PRIMARY KEY (agent_id, site, queue)
);

CREATE TABLE sessions (
    id_hash    TEXT   PRIMARY KEY,  -- SHA-256 of the cookie value; the value itself is never stored
    agent_id   BIGINT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    csrf       TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE messages (
    seq             BIGSERIAL PRIMARY KEY,
    site            TEXT   NOT NULL,
    conversation_id TEXT   NOT NULL,
    handoff_id      TEXT   NOT NULL,
    role            TEXT   NOT NULL,  -- customer | agent | system
    agent_id        BIGINT,
    text            TEXT   NOT NULL,
    at              BIGINT NOT NULL
);
CREATE INDEX messages_conv ON messages (site, conversation_id, seq);
