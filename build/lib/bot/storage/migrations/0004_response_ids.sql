-- Revises: 0003_responses
-- Reason: response ids were MAX(id) + 1, so after !forgetme deleted the newest rows a new
-- answer could take the id of an erased one, and an instructor's earlier CSV would then name
-- the wrong answer. The highest id ever issued is kept here; ids are never reused.
CREATE TABLE id_sequences (
    name TEXT PRIMARY KEY,
    last_id INTEGER NOT NULL
);
INSERT INTO id_sequences (name, last_id) SELECT 'responses', COALESCE(MAX(id), 0) FROM responses;
