-- Revises: 0005_utc_instants (0006 belongs to another change)
-- Reason: issue 15, one scheduler per database. Two bot processes on one file (a restart
-- while the old one is still shutting down, staging beside production) both posted, and the
-- newcomer re-sent the other's in-flight prompts. The process that holds this row's lease
-- (owner, renewed by heartbeat, valid until expires_at) is the only one that posts or
-- reconciles; another waits until the lease expires or is released, then takes over.
CREATE TABLE scheduler_lease (
    name TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    owner_info TEXT NOT NULL DEFAULT '',
    acquired_at TEXT NOT NULL,
    heartbeat_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
