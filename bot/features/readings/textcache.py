"""Parsed text seed files kept in the database, so a restart reads its files without parsing them.

Parsing 500 small exports (bibtexparser, rispy, the portal reader) takes ~0.7 s, most of a
restart's time to the first answer; the result depends only on the file's name and bytes,
the record limit and the parsers' code. Rows live in ``reading_cache`` with kind
``parsed``: the content key is the SHA-256 of the file's name and the bytes read, the
version hashes the parser modules and the limits, ``reading_id`` holds the file name (one
row per file name, pruned with the PDFs' rows when the file goes). Values are JSON (the
works and the notes ``parse_file`` returned), never pickles. A file that fails to parse is
not kept: it is tried again, and its warning given again, at every load.

One connection serves a whole load: rows are read one file at a time by the primary key,
and new ones are written in one transaction at the end (``flush``, which closes it). A
missing or unreadable database only means no cache.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.features.readings.cache import code_version, connect_sync
from bot.features.readings.models import ParsedWork

log = logging.getLogger(__name__)
KIND = "parsed"
TEXT_MODULES = (
    "bot.features.readings.library",
    "bot.features.readings.models",
    "bot.features.readings.parsers.bibtex",
    "bot.features.readings.parsers.csljson",
    "bot.features.readings.parsers.medline",
    "bot.features.readings.parsers.portal",
    "bot.features.readings.parsers.ris",
    "bot.features.readings.parsers.tagged",
    "bot.features.readings.parsers.wos",
)


def text_key(name: str, data: bytes) -> str:
    """The content key of a text seed: SHA-256 of its file name, a NUL and the bytes read."""
    digest = hashlib.sha256(name.encode("utf-8", "surrogateescape"))
    digest.update(b"\0")
    digest.update(data)
    return digest.hexdigest()


def _work_to_json(work: ParsedWork) -> dict[str, Any]:
    return {
        "kind": work.kind,
        "csl": work.csl,
        "abstract": work.abstract,
        "keywords": work.keywords,
        "subjects": work.subjects,
        "text": work.text,
        "extra": work.extra,
    }


def _work_from_json(value: dict[str, Any], source: Path) -> ParsedWork:
    return ParsedWork(
        kind=str(value["kind"]),
        source=source,
        csl=dict(value["csl"]),
        abstract=str(value["abstract"]),
        keywords=list(value["keywords"]),
        subjects=list(value["subjects"]),
        text=str(value["text"]),
        extra=dict(value["extra"]),
    )


class TextCache:
    """Parsed text seeds of one load: ``get`` from the rows read at open, ``put``, ``flush``.

    ``version`` is the parsers' code version plus the limits the works were parsed under.
    """

    def __init__(self, database: Path | None, limits_key: str) -> None:
        self.database = database
        self.version = code_version(*TEXT_MODULES) + ":" + limits_key
        self._new: list[tuple[str, str, str]] = []  # (content key, file name, JSON)
        self.hits = 0
        self.misses = 0
        # One connection for the whole load (closed by ``flush``); rows are read one key at
        # a time (the primary key's index), so only the files being read are ever in memory.
        self._conn = self._connect()

    def _connect(self) -> sqlite3.Connection | None:
        return connect_sync(self.database)

    def get(self, key: str, source: Path) -> tuple[list[ParsedWork], list[str]] | None:
        """The works and notes kept for this key, or None (not kept, or unreadable)."""
        raw = self._row(key)
        if raw is None:
            self.misses += 1
            return None
        try:
            value = json.loads(raw)
            found = [_work_from_json(w, source) for w in value["works"]]
            notes = [str(n) for n in value["notes"]]
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("the stored parse of %s is unusable (%s): parsing it", source.name, exc)
            self.misses += 1
            return None
        self.hits += 1
        return found, notes

    def _row(self, key: str) -> str | None:
        if self._conn is None:
            return None
        try:
            row = self._conn.execute(
                "SELECT value FROM reading_cache WHERE content_key = ? AND kind = ? AND "
                "version = ?",
                (key, KIND, self.version),
            ).fetchone()
        except sqlite3.Error as exc:
            log.warning("could not read a parsed seed file kept in the database (%s)", exc)
            return None
        return None if row is None else str(row[0])

    def put(self, key: str, source: Path, found: list[ParsedWork], notes: list[str]) -> None:
        """Keep a file's parse, written at ``flush``."""
        value = {"works": [_work_to_json(w) for w in found], "notes": notes}
        self._new.append((key, source.name, json.dumps(value, ensure_ascii=False)))

    def flush(self) -> None:
        """Write the parses kept since open (each replacing its file name's older row); close."""
        conn, self._conn = self._conn, None
        if conn is None:
            self._new.clear()
            return
        now = datetime.now(UTC).isoformat()
        try:
            if self._new:
                with conn:
                    conn.executemany(
                        "DELETE FROM reading_cache WHERE kind = ? AND reading_id = ?",
                        [(KIND, name) for _, name, _ in self._new],
                    )
                    conn.executemany(
                        "INSERT OR REPLACE INTO reading_cache "
                        "(content_key, kind, version, reading_id, value, computed_at) "
                        "VALUES (?, ?, ?, ?, ?, ?)",
                        [(k, KIND, self.version, name, v, now) for k, name, v in self._new],
                    )
        except sqlite3.Error as exc:
            log.warning("could not keep the parsed seed files (%s)", exc)
        finally:
            conn.close()
            self._new.clear()
