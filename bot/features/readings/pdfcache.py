"""Laid-out PDFs kept in the database, so a restart or a reload never lays a PDF out again.

Laying a 40-page PDF out and cleaning it takes seconds (pdfminer.six is pure Python); the
result depends only on the file's bytes, the PDF limits and the code that cleans it. Rows
live in ``reading_cache`` with kind ``pdf``: the content key is the SHA-256 of the file's
bytes, the version hashes the PDF code and the limits, ``reading_id`` holds the file name
(one row per file name; a new version of the file replaces the old row). Values are JSON,
never pickles: the database is data, not code.

The library loads in a plain thread (or before the loop serves anyone), so this uses the
``sqlite3`` module directly on the bot's database file (WAL mode lets it read and write
beside the bot's own connection). A missing or unreadable database only means no cache.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
from collections import Counter
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.features.readings.cache import code_version, connect_sync
from bot.features.readings.fulltext import Block, FullText, PdfLimits, Sentence
from bot.features.readings.models import ParsedWork

log = logging.getLogger(__name__)
KIND = "pdf"
PDF_MODULES = ("bot.features.readings.fulltext", "bot.features.readings.parsers.pdf")


def pdf_version(limits: PdfLimits) -> str:
    """The code version and the limits a laid-out PDF was made under."""
    return code_version(*PDF_MODULES) + ":" + repr(limits)


def work_to_json(work: ParsedWork) -> dict[str, Any]:
    """A parsed PDF as JSON values (its source path is not kept: it is the file's, now)."""
    full = work.fulltext
    assert full is not None
    return {
        "csl": work.csl,
        "abstract": work.abstract,
        "keywords": work.keywords,
        "subjects": work.subjects,
        "extra": work.extra,
        "blocks": [asdict(b) for b in full.blocks],
        "page_labels": full.page_labels,
        "title": full.title,
        "first_page": full.first_page,
        "dropped": dict(full.dropped),
        "split": None if full.split is None else [asdict(s) for s in full.split],
    }


def work_from_json(value: dict[str, Any], source: Path) -> ParsedWork:
    """The parsed PDF back (``KeyError``/``TypeError`` if the stored shape moved)."""
    full = FullText(
        blocks=[
            Block(b["kind"], b["text"], [(int(o), str(p)) for o, p in b["pages"]], b["section"])
            for b in value["blocks"]
        ],
        page_labels=list(value["page_labels"]),
        title=value["title"],
        first_page=value["first_page"],
        dropped=Counter(value["dropped"]),
    )
    if value["split"] is not None:
        full.split = [Sentence(**s) for s in value["split"]]
    return ParsedWork(
        kind="pdf",
        source=source,
        csl=value["csl"],
        abstract=value["abstract"],
        keywords=list(value["keywords"]),
        subjects=list(value["subjects"]),
        text=full.text,
        extra=dict(value["extra"]),
        fulltext=full,
    )


class PdfCache:
    """``get``/``put`` laid-out PDFs in the bot's database file (nothing if it is absent)."""

    def __init__(self, database: Path) -> None:
        self.database = database

    def _connect(self) -> sqlite3.Connection | None:
        return connect_sync(self.database)

    def get(self, digest: str, version: str, source: Path) -> ParsedWork | None:
        """The laid-out PDF stored for these bytes and this version, if any."""
        conn = self._connect()
        if conn is None:
            return None
        try:
            row = conn.execute(
                "SELECT value FROM reading_cache WHERE content_key = ? AND kind = ? AND "
                "version = ?",
                (digest, KIND, version),
            ).fetchone()
            return None if row is None else work_from_json(json.loads(row[0]), source)
        except (sqlite3.Error, ValueError, KeyError, TypeError) as exc:
            log.warning("the stored layout of %s is unusable (%s): laying it out", source, exc)
            return None
        finally:
            conn.close()

    def put(self, digest: str, version: str, work: ParsedWork) -> None:
        """Keep a laid-out PDF; the row of an older version of the same file name goes."""
        conn = self._connect()
        if conn is None:
            return
        value = json.dumps(work_to_json(work), ensure_ascii=False)
        try:
            with conn:
                conn.execute(
                    "DELETE FROM reading_cache WHERE kind = ? AND reading_id = ?",
                    (KIND, work.source.name),
                )
                conn.execute(
                    "INSERT OR REPLACE INTO reading_cache "
                    "(content_key, kind, version, reading_id, value, computed_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (digest, KIND, version, work.source.name, value, datetime.now(UTC).isoformat()),
                )
        except sqlite3.Error as exc:
            log.warning("could not keep the layout of %s (%s)", work.source, exc)
        finally:
            conn.close()


def cached_parse_pdf(path: Path, limits: PdfLimits, cache: PdfCache | None) -> ParsedWork:
    """``parse_pdf`` of ``path``, read back from ``cache`` when these bytes were laid out."""
    from bot.features.readings.fulltext import sentences_of
    from bot.features.readings.parsers.pdf import parse_pdf

    if cache is None:
        work = parse_pdf(path, limits)
        sentences_of(work.fulltext)  # split now, while loading, not in a command
        return work
    digest = _sha256(path)
    version = pdf_version(limits)
    work = cache.get(digest, version, path)
    if work is None:
        work = parse_pdf(path, limits)
        sentences_of(work.fulltext)
        cache.put(digest, version, work)
    return work


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
