-- A customer message retried by the widget's outbox (its `Idempotency-Key`) is stored once.
-- NULL keys (agent messages, events, old widgets) never conflict.
ALTER TABLE messages ADD COLUMN client_key TEXT;
CREATE UNIQUE INDEX IF NOT EXISTS messages_client_key ON messages (handoff_id, client_key);
