-- Revises: 0001_initial
-- Reason: issue 5, scheduled discussion prompts. A plan is what an instructor asked for (one
-- time or an RFC 5545 rule), an occurrence is one due time of a plan (materialised one at a
-- time, so 10,000 plans are 10,000 pending rows, not millions), and a post is a prompt that
-- actually reached a channel. `posts.id` is the "prompt id" students and instructors use.
-- Times are ISO 8601 UTC strings; occurrence status walks pending -> sending -> posted, or
-- ends as missed | failed | cancelled. `sending` is written (with attempted_at) before the
-- message is sent, so a crash can be reconciled at start-up instead of posting twice.
CREATE TABLE plans (
    id INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL,
    channel_id INTEGER NOT NULL,
    created_by INTEGER NOT NULL,
    notify_channel_id INTEGER,
    bank_id TEXT,
    text TEXT NOT NULL,
    follow_up TEXT NOT NULL DEFAULT '',
    evidence TEXT NOT NULL DEFAULT '',
    reading_id TEXT,
    rrule TEXT,
    exdates TEXT NOT NULL DEFAULT '[]',
    dtstart TEXT NOT NULL,
    tz TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'active',
    created_at TEXT NOT NULL,
    cancelled_at TEXT
);
CREATE INDEX plans_guild_status ON plans (guild_id, status);

CREATE TABLE posts (
    id INTEGER PRIMARY KEY,
    guild_id INTEGER,
    channel_id INTEGER NOT NULL,
    message_id INTEGER,
    thread_id INTEGER,
    occurrence_id INTEGER,
    bank_id TEXT,
    reading_id TEXT,
    question TEXT NOT NULL,
    follow_up TEXT NOT NULL DEFAULT '',
    evidence TEXT NOT NULL DEFAULT '',
    posted_by INTEGER,
    posted_at TEXT NOT NULL,
    closes_at TEXT,
    closed_at TEXT,
    late INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX posts_channel_posted ON posts (channel_id, posted_at);
CREATE INDEX posts_message ON posts (message_id);
CREATE INDEX posts_thread ON posts (thread_id);
CREATE INDEX posts_guild ON posts (guild_id, posted_at);

CREATE TABLE occurrences (
    id INTEGER PRIMARY KEY,
    plan_id INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL DEFAULT 1,
    due_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    attempted_at TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    post_id INTEGER REFERENCES posts(id),
    late INTEGER NOT NULL DEFAULT 0,
    finished_at TEXT,
    error TEXT,
    UNIQUE (plan_id, due_at)
);
CREATE INDEX occurrences_open_due ON occurrences (status, due_at);
CREATE INDEX occurrences_plan ON occurrences (plan_id, status);
