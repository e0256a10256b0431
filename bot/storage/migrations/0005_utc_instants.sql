-- Revises: 0004_response_ids
-- Reason: issue 9, one time codec. Instants were stored in three ISO 8601 spellings (whole
-- seconds, milliseconds, microseconds, all "+00:00") that compared right as text only because
-- "+" sorts before "."; every one is rewritten here as fixed-width UTC text,
-- YYYY-MM-DDTHH:MM:SS.ffffffZ (bot/core/times.py, registered as utc_instant). A value that is
-- not an instant is kept as it was. plans.exdates is a JSON list of instants.
UPDATE readings_seen SET first_seen = utc_instant(first_seen), last_seen = utc_instant(last_seen);
UPDATE plans SET dtstart = utc_instant(dtstart), created_at = utc_instant(created_at),
    cancelled_at = utc_instant(cancelled_at), exdates = utc_instant_list(exdates);
UPDATE posts SET posted_at = utc_instant(posted_at), closes_at = utc_instant(closes_at),
    closed_at = utc_instant(closed_at);
UPDATE occurrences SET due_at = utc_instant(due_at), attempted_at = utc_instant(attempted_at),
    finished_at = utc_instant(finished_at);
UPDATE responses SET created_at = utc_instant(created_at), edited_at = utc_instant(edited_at),
    deleted_at = utc_instant(deleted_at);
UPDATE response_history SET changed_at = utc_instant(changed_at);
UPDATE optouts SET created_at = utc_instant(created_at);
