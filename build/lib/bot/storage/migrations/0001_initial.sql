-- Revises: nothing (first migration)
-- Reason: record which readings the bot has loaded, so reports can name readings that
-- later leave seeds/ and so the schema has a version from the start.
CREATE TABLE IF NOT EXISTS readings_seen (
    reading_id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL
);
