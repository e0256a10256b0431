"""``seminar-bot``: run the Discord bot, the offline console, and maintenance commands."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.cli_data import add_data_commands
from bot.config import Settings, load_settings
from bot.storage.db import DatabaseUnavailable

if TYPE_CHECKING:
    from bot.features.readings.library import Library

log = logging.getLogger("bot")
SHUTDOWN_TIMEOUT_S = 5.0


def _setup_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("discord").setLevel(
        max(logging.INFO, logging.getLevelName(settings.log_level))
    )


def cmd_run(args: argparse.Namespace) -> int:
    """Connect to Discord (needs ``DISCORD_TOKEN``)."""
    settings = load_settings()
    if settings.discord_token is None or not settings.discord_token.get_secret_value().strip():
        print(
            "DISCORD_TOKEN is not set: put it in .env or the environment (see .env.example). "
            "`seminar-bot console` works without one.",
            file=sys.stderr,
        )
        return 2
    _setup_logging(settings)
    # The database is checked before discord.py and the features are imported (seconds),
    # so a broken one ends the process within a second or two.
    asyncio.run(_preflight(settings))
    return asyncio.run(_run_bot(settings))


async def _preflight(settings: Settings) -> None:
    """Before connecting to Discord: the database opens (one line and exit 1 if not).

    Also says in the first lines when another process holds the scheduler, so an operator
    who started a second bot sees at once that this one will only stand by. That is the
    one notice: the scheduler does not repeat it (``announce_standby``).
    """
    from bot.features.prompts.scheduler import announce_standby
    from bot.features.prompts.store import PlanStore
    from bot.storage import Database

    db = await Database.open(settings.database_path)
    try:
        holder = await PlanStore(db).lease_holder(datetime.now(UTC))
    finally:
        await db.close()
    if holder is not None:
        announce_standby(holder, settings.database_path)


async def _run_bot(settings: Settings) -> int:
    import discord

    from bot.app import create_bot

    bot = create_bot(settings)
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    token = settings.discord_token.get_secret_value()  # type: ignore[union-attr]
    runner = asyncio.create_task(bot.start(token))
    stopper = asyncio.create_task(stopping.wait())
    done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
    code = 0
    if runner in done and runner.exception() is not None:
        exc = runner.exception()
        if isinstance(exc, discord.LoginFailure):
            print("Discord refused the token: check DISCORD_TOKEN.", file=sys.stderr)
        elif isinstance(exc, DatabaseUnavailable):
            print(f"seminar-bot: {exc}", file=sys.stderr)
        elif isinstance(exc, discord.PrivilegedIntentsRequired):
            print(
                "Discord refused the Message Content intent: turn on MESSAGE CONTENT INTENT "
                "under Bot → Privileged Gateway Intents at https://discord.com/developers/applications.",
                file=sys.stderr,
            )
        else:
            log.error("the bot stopped", exc_info=exc)
        code = 1
    log.info("shutting down")
    try:
        await asyncio.wait_for(bot.close(), timeout=SHUTDOWN_TIMEOUT_S)
    except TimeoutError:
        log.warning("shutdown took longer than %.0f s", SHUTDOWN_TIMEOUT_S)
    stopper.cancel()
    runner.cancel()
    return code


def cmd_console(args: argparse.Namespace) -> int:
    """The offline console: same commands, plain text."""
    settings = load_settings()
    _setup_logging(settings)
    asyncio.run(_preflight(settings))  # before the heavy imports: fail in a second or two
    from bot.core.console import run_console

    return asyncio.run(run_console(settings, user=args.user, instructor=args.instructor))


def cmd_seeds_check(args: argparse.Namespace) -> int:
    """Print every reading with its fields and every warning; exit 1 if a file failed."""
    settings = load_settings()
    from bot.coursedata import check_seed_data
    from bot.features.readings.library import SeedLimits, load_library

    library = load_library(settings.seeds_dir, SeedLimits.from_settings(settings))
    base_warnings = len(library.warnings)
    for extra_check in [check_seed_data, *SEED_CHECKS]:
        library.warnings.extend(extra_check(settings))
    code = 1 if library.failed_files or len(library.warnings) > base_warnings else 0
    if not settings.seeds_dir.is_dir():
        code = 1  # nothing to check is a mistake in SEEDS_DIR, not a pass
    try:
        return _print_seeds(args, library, code)
    except BrokenPipeError:  # `seeds check | head`: the reader left; say nothing more
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115  (interpreter exit flushes stdout)
        return code


def _print_seeds(args: argparse.Namespace, library: Library, code: int) -> int:
    """The report of ``seeds check``, as text or JSON; returns ``code``."""
    from bot.features.readings.library import seeds_report

    if args.json:
        json.dump(seeds_report(library), sys.stdout, ensure_ascii=False, indent=2)
        print()
        return code
    for reading in library:
        print(f"{reading.id}")
        print(f"  title:     {reading.title}")
        who = "editors" if reading.edited else "authors"
        print(f"  {who}:   {'; '.join(reading.author_names) or '(none)'}")
        print(f"  year:      {reading.year or '(none)'}")
        if reading.csl.get("issued"):
            print(f"  issued:    {_plain(reading.csl['issued'])}")
        for key, value in reading.csl.items():
            if key not in ("title", "author", "issued") and value:
                print(f"  {key + ':':<10} {_plain(value)}")
        print(f"  abstract:  {len(reading.abstract.split())} words")
        print(f"  text:      {len(reading.text.split())} words")
        print(f"  keywords:  {', '.join(reading.keywords) or '(none)'}")
        if reading.subjects:
            print(f"  subjects:  {', '.join(reading.subjects)}")
        for label, value in sorted(reading.extra.items()):
            print(f"  {label + ':':<10} {value}")
        print(f"  sources:   {', '.join(p.name for p in reading.sources)}")
        for note in library.merges.get(reading.id, []):
            print(f"  note:      {note}")
    for warning in library.warnings:
        print(f"warning: {warning}")
    print(f"{len(library)} readings, {len(library.warnings)} warnings")
    return code


def _plain(value: object) -> str:
    """A CSL value as one line: names as "Given Family", dates as Y-M-D, text as is."""
    if isinstance(value, list):
        return "; ".join(
            n.get("literal") or " ".join(p for p in (n.get("given"), n.get("family")) if p)
            for n in value
            if isinstance(n, dict)
        )
    if isinstance(value, dict):
        parts = value.get("date-parts")
        return "-".join(str(p) for p in parts[0]) if parts else str(value.get("literal", ""))
    return str(value)


# Validators of other seed files, run after the glossary and prompt bank's
# (``bot.coursedata.check_seed_data``, imported lazily: it pulls in the theme engine, seconds
# that a failing start-up must not wait for). Each returns warnings.
SEED_CHECKS: list[Callable[[Settings], list[str]]] = []


def build_parser() -> argparse.ArgumentParser:
    """The CLI's sub-commands."""
    parser = argparse.ArgumentParser(prog="seminar-bot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="connect to Discord (needs DISCORD_TOKEN)")
    run.set_defaults(func=cmd_run)
    console = sub.add_parser("console", help="try the bot offline, one command per line")
    console.add_argument("--instructor", action="store_true", help="act as an instructor")
    console.add_argument("--user", default="student", help="the name you act as")
    console.set_defaults(func=cmd_console)
    seeds = sub.add_parser("seeds", help="check the seed files")
    seeds_sub = seeds.add_subparsers(dest="seeds_command", required=True)
    check = seeds_sub.add_parser("check", help="parse seeds/ and print every reading and warning")
    check.add_argument(
        "--json",
        action="store_true",
        help='print {"readings": [{"id", "csl", "files", "warnings"}], "warnings"} as JSON',
    )
    check.set_defaults(func=cmd_seeds_check)
    add_data_commands(sub)  # export responses, db backup
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``seminar-bot`` console script.

    A database that cannot be opened ends any command with one line on stderr and exit
    status 1 (``Database.open`` has closed its thread, so the process really ends).
    """
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except DatabaseUnavailable as exc:
        print(f"seminar-bot: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
