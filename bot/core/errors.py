"""Domain exceptions, each carrying the short message the user should see.

The one error handler (``cogs/error_handler.py``) and the console both print
``exc.message``; anything that is not a ``UserFacingError`` is a bug and is logged with
its traceback instead.
"""

from __future__ import annotations


class UserFacingError(Exception):
    """An error whose message is safe and useful to show to whoever typed the command."""

    def __init__(self, message: str, *, title: str = "Sorry") -> None:
        super().__init__(message)
        self.message = message
        self.title = title

    def __reduce__(self) -> tuple[object, ...]:
        # Raised in the worker process and re-raised here: keep the title (and a subclass's
        # own fields), not only the message: Exception pickles ``args`` alone. Every field
        # besides ``message`` is a keyword argument of the same name.
        fields = {k: v for k, v in vars(self).items() if k != "message"}
        return (_rebuild, (type(self), self.message, fields))


def _rebuild(
    cls: type[UserFacingError], message: str, fields: dict[str, object]
) -> UserFacingError:
    return cls(message, **fields)


class UnknownReading(UserFacingError):
    """No reading matches what the user typed; the message lists the closest ones."""


class RemovedReading(UnknownReading):
    """The user named a reading that was taken off the list (``!readings remove``).

    ``reading_id`` is its id, so a command can still show what refers to it (its prompts).
    """

    def __init__(
        self, message: str, *, title: str = "Reading removed", reading_id: str = ""
    ) -> None:
        super().__init__(message, title=title)
        self.reading_id = reading_id


class AmbiguousReading(UserFacingError):
    """Several readings match equally well; the message lists them."""


class BadArgument(UserFacingError):
    """An argument could not be understood (bad style, time, id, over-long text…)."""


class NotInstructor(UserFacingError):
    """The command is for instructors only."""


class NotFound(UserFacingError):
    """A prompt, plan or response id that does not exist (in this server)."""


class StorageError(UserFacingError):
    """A database write failed after its retries; the user is told rather than losing data."""
