"""SQLite storage: the connection, its migrations and the repositories over it."""

from bot.storage.db import Database

__all__ = ["Database"]
