-- Revises: 0007_scheduler_lease
-- Reason: issue 16, a lean restart. Summaries (sentence splitting and cue scoring of a whole
-- PDF) were recomputed for every reading after every restart, and after every reload. They
-- are kept here, keyed by the reading's content (a SHA-256 of its id, CSL-JSON, abstract,
-- keywords, text and source file names), what was computed ("summary:short", …) and the
-- version of the code that computed it: a changed reading or newer code never reads a stale
-- row, and rows nobody asks for again are pruned when their reading leaves the library.
CREATE TABLE reading_cache (
    content_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    version TEXT NOT NULL,
    reading_id TEXT NOT NULL,
    value TEXT NOT NULL,
    computed_at TEXT NOT NULL,
    PRIMARY KEY (content_key, kind, version)
);
CREATE INDEX reading_cache_reading ON reading_cache (reading_id);
