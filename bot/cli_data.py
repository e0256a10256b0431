"""CLI sub-commands over the stored data: ``export responses`` and ``db backup``.

Both open the database next to a possibly running bot: SQLite's WAL lets them read while the
bot writes, and the backup uses SQLite's online backup API, which copies a consistent
snapshot page by page.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.config import load_settings


def add_data_commands(sub: argparse._SubParsersAction) -> None:
    """Register ``export responses`` and ``db backup`` on the CLI's sub-parsers."""
    export = sub.add_parser("export", help="export stored data")
    export_sub = export.add_subparsers(dest="export_command", required=True)
    responses = export_sub.add_parser("responses", help="every logged response, as CSV or JSON")
    responses.add_argument("--format", choices=("csv", "json"), default="csv")
    responses.add_argument("--prompt", type=int, metavar="ID", help="only this prompt's responses")
    responses.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="write here instead of standard output"
    )
    responses.set_defaults(func=cmd_export_responses)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    backup = db_sub.add_parser("backup", help="copy the database safely, even while the bot runs")
    backup.add_argument("path", type=Path, help="the backup file to write")
    backup.add_argument("--force", action="store_true", help="overwrite an existing file")
    backup.set_defaults(func=cmd_db_backup)


def _existing_database() -> Path | None:
    path = load_settings().database_path
    if not path.exists():
        print(f"No database at {path} (set DATABASE_PATH).", file=sys.stderr)
        return None
    return path


def cmd_export_responses(args: argparse.Namespace) -> int:
    """Print or write the responses (all servers), optionally of one prompt."""
    path = _existing_database()
    if path is None:
        return 1
    data = asyncio.run(_export(path, args.format, args.prompt))
    if args.output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        try:
            args.output.parent.mkdir(parents=True, exist_ok=True)
            args.output.write_bytes(data)
        except OSError as exc:
            print(f"Cannot write {args.output} ({exc.strerror or exc}).", file=sys.stderr)
            return 1
        print(f"Wrote {args.output} ({len(data)} bytes).", file=sys.stderr)
    return 0


async def _export(path: Path, fmt: str, prompt: int | None) -> bytes:
    from bot.core.clock import SystemClock
    from bot.features.responses.log import ResponseLog
    from bot.features.responses.reports import ResponseReports
    from bot.storage import Database

    db = await Database.open(path)
    try:
        log = ResponseReports(ResponseLog(db, SystemClock()))
        if fmt == "json":
            return await log.export_json(post_id=prompt)
        return await log.export_csv(post_id=prompt)
    finally:
        await db.close()


def cmd_db_backup(args: argparse.Namespace) -> int:
    """Copy the live database to ``path`` with SQLite's online backup."""
    source = _existing_database()
    if source is None:
        return 1
    target: Path = args.path
    if target.resolve() == source.resolve():
        print("The backup must go to a different file than the database.", file=sys.stderr)
        return 2
    if target.exists() and not args.force:
        print(f"{target} exists; pass --force to overwrite it.", file=sys.stderr)
        return 2
    asyncio.run(_backup(source, target))
    print(f"Backed up {source} to {target}.", file=sys.stderr)
    return 0


async def _backup(source: Path, target: Path) -> None:
    from bot.storage import Database

    db = await Database.open(source)
    try:
        await db.backup(target)
    finally:
        await db.close()
