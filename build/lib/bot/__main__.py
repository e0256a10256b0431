"""``python -m bot``: the same as the ``seminar-bot`` command (see :mod:`bot.cli`)."""

from bot.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
