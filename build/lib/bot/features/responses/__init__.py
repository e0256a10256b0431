"""Student responses: the log, its store, reports and the privacy commands."""
