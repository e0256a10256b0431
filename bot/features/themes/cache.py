"""Fingerprints kept in the database (``reading_cache``, kind ``themes``) across restarts.

A fingerprint depends on the reading's content, the glossary and the theme code; the row's
content key is the reading's :func:`~bot.features.readings.cache.content_key` and its version
hashes the code and the glossary, so an edited reading, glossary or engine never gets a stale
list. Computing goes to the worker process in small batches, after start-up.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from bot.features.readings.cache import WarmStats, code_version, content_key
from bot.features.themes.engine import Fingerprint, Theme
from bot.features.themes.jobs import fingerprints_job, glossary_key

if TYPE_CHECKING:
    from bot.core.workers import ComputePool
    from bot.features.readings.cache import ReadingCache
    from bot.features.readings.models import Reading
    from bot.features.themes.engine import ThemeEngine

KIND = "themes"
BATCH = 8  # readings per worker job at most: few round trips
# ... and at most this much text per job (~10,000 words, ~1-2 s of lemmatising): a command
# that needs the worker waits at most for the job already running.
BATCH_CHARS = 60_000
THEME_MODULES = (
    "bot.features.themes.engine",
    "bot.features.themes.tokens",
    "bot.features.themes.ranking",
    "bot.features.themes.keyphrases",
    "bot.core.text",
)


def fingerprint_to_json(fingerprint: Fingerprint) -> dict[str, Any]:
    """A fingerprint as plain JSON values (every field of it and of its themes)."""
    return dataclasses.asdict(fingerprint)


def fingerprint_from_json(value: dict[str, Any]) -> Fingerprint:
    """A stored fingerprint back (``TypeError``/``KeyError`` if its shape moved)."""
    return Fingerprint(
        reading_id=value["reading_id"],
        themes=tuple(Theme(**t) for t in value["themes"]),
        all_themes=tuple(Theme(**t) for t in value["all_themes"]),
        basis=value["basis"],
        note=value.get("note", ""),
    )


async def warm_themes(
    engine: ThemeEngine, store: ReadingCache, readings: Iterable[Reading], pool: ComputePool
) -> WarmStats:
    """Fill ``engine``'s cache for ``readings``: from the database, else computed in ``pool``.

    Computed fingerprints are written back, batch by batch, so a restart (or a crash midway)
    reads them instead of computing them again.
    """
    version = code_version(*THEME_MODULES) + glossary_key(engine.glossary)[:16]
    by_key = {content_key(r): r for r in readings}
    stats = WarmStats()
    missing: list[tuple[str, Reading]] = []
    stored = await store.load(KIND, version, by_key)
    for key, reading in by_key.items():
        value = stored.get(key)
        if value is not None:
            try:
                engine.put(reading, fingerprint_from_json(value))
                stats.loaded += 1
                continue
            except (TypeError, KeyError):
                pass
        cached = engine.cached(reading)
        if cached is not None:
            await store.store(KIND, version, [(key, reading.id, fingerprint_to_json(cached))])
        else:
            missing.append((key, reading))
    keys = {id(reading): key for key, reading in missing}
    for batch in job_batches([reading for _, reading in missing]):
        computed = await pool.background(fingerprints_job, engine.glossary, batch)
        rows = []
        for reading, fingerprint in zip(batch, computed, strict=True):
            key = keys[id(reading)]
            engine.put(reading, fingerprint)
            rows.append((key, reading.id, fingerprint_to_json(fingerprint)))
            stats.computed += 1
            stats.computed_ids.append(reading.id)
        await store.store(KIND, version, rows)
    return stats


def job_batches(readings: list[Reading]) -> list[list[Reading]]:
    """``readings`` cut into worker jobs: at most ``BATCH`` readings, ``BATCH_CHARS`` of text.

    A reading longer than ``BATCH_CHARS`` goes alone.
    """
    out: list[list[Reading]] = []
    size = 0
    for reading in readings:
        chars = len(reading.text) + len(reading.abstract)
        if not out or len(out[-1]) >= BATCH or size + chars > BATCH_CHARS:
            out.append([])
            size = 0
        out[-1].append(reading)
        size += chars
    return out
