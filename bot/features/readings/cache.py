"""What is costly to compute about a reading, kept by the reading's *content*.

A reading's :func:`content_key` changes when anything a summary, a theme list or a citation
reads from it changes, and only then: a reload or a restart that finds the same files gives
the same keys, so nothing is recomputed, while an edited file gives a new key and can never
be served a stale answer. In-memory caches key by it (not by object identity, which a
reload renews); :class:`ReadingCache` keeps results in the ``reading_cache`` table
(migration 0008) so a restart reads them back instead of computing them again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.core.workers import ComputePool
    from bot.features.readings.models import Reading
    from bot.features.readings.summaries import Summary, SummaryCache
    from bot.storage import Database


def content_key(reading: Reading) -> str:
    """A SHA-256 (hex) of everything derived results read from ``reading``.

    Covers its id, CSL-JSON, abstract, keywords, subjects, text, extra fields and the names
    of its source files (summaries name them). Stable across processes (no ``hash()``).
    """
    payload = json.dumps(
        {
            "id": reading.id,
            "csl": reading.csl,
            "abstract": reading.abstract,
            "keywords": reading.keywords,
            "subjects": reading.subjects,
            "extra": reading.extra,
            "sources": [p.name for p in reading.sources],
        },
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    digest = hashlib.sha256(payload.encode("utf-8"))
    digest.update(b"\x00")
    digest.update(reading.text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


class ReadingCache:
    """Rows of ``reading_cache``: JSON values by (content key, kind, code version)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def load(self, kind: str, version: str, keys: Iterable[str]) -> dict[str, Any]:
        """The stored values of ``kind`` for these content keys (missing keys are absent)."""
        wanted = set(keys)
        found: dict[str, Any] = {}
        # A few hundred rows at a time: holding every row's JSON text of 500 readings at once
        # as well as the decoded values raised a restart's resident memory by ~20 MiB.
        async for rows in self.db.stream(
            "SELECT content_key, value FROM reading_cache WHERE kind = ? AND version = ?",
            [kind, version],
            size=LOAD_CHUNK,
        ):
            for r in rows:
                if r["content_key"] in wanted:
                    found[r["content_key"]] = json.loads(r["value"])
        return found

    async def store(self, kind: str, version: str, items: Iterable[tuple[str, str, Any]]) -> int:
        """Write ``(content_key, reading_id, value)`` rows of ``kind``; returns how many."""
        now = datetime.now(UTC).isoformat()
        rows = [
            (key, kind, version, reading_id, json.dumps(value, ensure_ascii=False), now)
            for key, reading_id, value in items
        ]
        if rows:
            async with self.db.write() as conn:
                await conn.executemany(
                    "INSERT OR REPLACE INTO reading_cache "
                    "(content_key, kind, version, reading_id, value, computed_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    rows,
                )
        return len(rows)

    async def prune(self, keep: Iterable[str], files: Iterable[str] = ()) -> int:
        """Delete rows of readings no longer there (content key not in ``keep``).

        Laid-out PDFs and parsed text files (kinds ``pdf`` and ``parsed``, keyed by the
        file's bytes) go when no seed file has their file name any more (``files``: the
        names of every reading's source files).
        """
        kept, names = set(keep), set(files)
        rows = await self.db.fetchall(
            "SELECT DISTINCT content_key, kind, reading_id FROM reading_cache"
        )
        stale = [
            (row["content_key"], row["kind"])
            for row in rows
            if (
                row["reading_id"] not in names
                if row["kind"] in FILE_KINDS
                else row["content_key"] not in kept
            )
        ]
        if stale:
            async with self.db.write() as conn:
                await conn.executemany(
                    "DELETE FROM reading_cache WHERE content_key = ? AND kind = ?", stale
                )
        return len(stale)


def connect_sync(database: Path | None) -> sqlite3.Connection | None:
    """A plain ``sqlite3`` connection to the bot's database for the library loaders, or None.

    The library loads in a thread or before the loop serves anyone, so the seed-file caches
    (``pdfcache``, ``textcache``) use ``sqlite3`` directly (WAL mode lets them read and write
    beside the bot's own connection). None when there is no database yet (``seeds check``
    before the bot ever ran: no cache, and none created) or it has no ``reading_cache``.
    """
    if database is None or not database.is_file():
        return None
    try:
        conn = sqlite3.connect(database, timeout=5)
        conn.execute("SELECT 1 FROM reading_cache LIMIT 1")
    except sqlite3.Error:
        return None
    return conn


LOAD_CHUNK = 200  # rows decoded per step when reading a kind back
FILE_KINDS = frozenset({"pdf", "parsed"})  # rows kept per seed file name, not per reading
SUMMARY_KINDS = (("summary:short", False), ("summary:long", True))


def code_version(*modules: str) -> str:
    """A short hash of these modules' source: rows computed by other code are never read."""
    import importlib.util

    digest = hashlib.sha256()
    for name in modules:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.origin:
            with open(spec.origin, "rb") as handle:
                digest.update(handle.read())
    return digest.hexdigest()[:16]


def summary_from_json(value: dict[str, Any]) -> Any:
    """A stored summary back as a ``Summary`` (``TypeError``/``KeyError`` if its shape moved)."""
    from bot.features.readings.summaries import KeyPoint, Summary

    points = tuple(KeyPoint(**p) for p in value["points"])
    return Summary(**{**value, "points": points})


@dataclass
class WarmStats:
    """What a precompute did: values read back from the database, and values computed."""

    loaded: int = 0
    computed: int = 0
    computed_ids: list[str] = field(default_factory=list)


async def summary_of(
    summaries: SummaryCache,
    pool: ComputePool,
    reading: Reading,
    long: bool = False,
    *,
    background: bool = False,
) -> Summary:
    """The reading's summary: cached, else computed in the worker process and kept.

    The sentence splitter's regular expressions hold the interpreter lock for hundreds of
    milliseconds on a long plain text, so the summary is made in a process, never a thread.
    ``background`` (the warm-up) lets any command's job go first.
    """
    from bot.features.readings.summaries import summarize

    key = content_key(reading)
    hit = summaries.peek(key, long)
    if hit is None:
        run = pool.background if background else pool.run
        hit = await run(summarize, reading, long)
        summaries.put(key, long, hit)
    return hit


async def warm_summaries(
    summaries: SummaryCache,
    store: ReadingCache,
    readings: Iterable[Reading],
    pool: ComputePool,
    *,
    prune: bool = False,
) -> WarmStats:
    """Fill ``summaries`` for ``readings``: from the database, else computed in ``pool``.

    Each missing summary is computed alone in the worker process (the loop keeps answering
    between them) and written back, so the next start reads it instead. With ``prune``
    (``readings`` is the whole library), rows of readings no longer there go.
    """
    version = code_version("bot.features.readings.summaries", "bot.core.text")
    by_key = {content_key(r): r for r in readings}
    stats = WarmStats()
    for kind, long in SUMMARY_KINDS:
        stored = set()
        for key, value in (await store.load(kind, version, by_key)).items():
            try:
                summaries.put(key, long, summary_from_json(value))
            except (TypeError, KeyError):
                continue
            stored.add(key)
        stats.loaded += len(stored)
        fresh = []
        for key, reading in by_key.items():
            if key in stored:
                continue
            if summaries.peek(key, long) is None:
                stats.computed += 1
                stats.computed_ids.append(reading.id)
            summary = await summary_of(summaries, pool, reading, long, background=True)
            fresh.append((key, reading.id, dataclasses.asdict(summary)))
        await store.store(kind, version, fresh)
    if prune:
        await store.prune(by_key, (p.name for r in by_key.values() for p in r.sources))
    return stats
