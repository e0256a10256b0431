-- Revises: 0002_prompts
-- Reason: issue 5, student responses. A response belongs to a post (the "prompt id"); it is
-- written in the post's thread, as a reply to the post's message, or with !respond (source).
-- message_id is the Discord message that carried it (NULL for the console and slash
-- commands), UNIQUE so a message fetched again at start-up is never logged twice. Edits and
-- deletions keep the previous text in response_history; late = written after the post closed.
-- optouts: guild_id 0 means every server (an opt-out typed in a DM or in the console).
-- No ON DELETE CASCADE from posts: removing a post must never silently drop responses.
CREATE TABLE responses (
    id INTEGER PRIMARY KEY,
    post_id INTEGER NOT NULL REFERENCES posts(id),
    guild_id INTEGER,
    channel_id INTEGER,
    user_id INTEGER NOT NULL,
    display_name TEXT NOT NULL,
    message_id INTEGER UNIQUE,
    text TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('thread', 'reply', 'command')),
    created_at TEXT NOT NULL,
    edited_at TEXT,
    deleted_at TEXT,
    late INTEGER NOT NULL DEFAULT 0 CHECK (late IN (0, 1))
);
CREATE INDEX responses_post ON responses (post_id, created_at);
CREATE INDEX responses_user ON responses (user_id);
CREATE INDEX responses_guild_created ON responses (guild_id, created_at);

CREATE TABLE response_history (
    id INTEGER PRIMARY KEY,
    response_id INTEGER NOT NULL REFERENCES responses(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('edit', 'delete')),
    previous_text TEXT NOT NULL,
    changed_at TEXT NOT NULL
);
CREATE INDEX response_history_response ON response_history (response_id, changed_at);

CREATE TABLE optouts (
    guild_id INTEGER NOT NULL DEFAULT 0,
    user_id INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);
