-- Agent console and live relay (owned by the console module). Same text for SQLite and
-- Postgres.

-- Live streams read a handoff's message log after a sequence number.
CREATE INDEX IF NOT EXISTS messages_handoff ON messages (handoff_id, seq);

-- The dashboard counts conversations per day on the server's clock.
CREATE INDEX IF NOT EXISTS conversations_received ON conversations (site, received_at);

-- Queue pages and counts: open work per queue, closed-today counts.
CREATE INDEX IF NOT EXISTS handoffs_closed ON handoffs (site, status, closed_at);
