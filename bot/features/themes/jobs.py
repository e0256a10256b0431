"""Theme work as jobs for the worker process (:class:`bot.core.workers.ComputePool`).

Computing a fingerprint lemmatises every word of a reading (simplemma, lemminflect and
wordfreq tables, ~100 MiB, long C calls that keep the interpreter lock), so the bot sends it
to the worker process and keeps only the results. Each job is a module-level function of
picklable values. The worker keeps one :class:`ThemeEngine` per glossary (its lemma index is
built once per worker, not per job).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

from bot.features.readings.models import Reading
from bot.features.themes.engine import Fingerprint, ThemeEngine
from bot.features.themes.glossary import Glossary

_ENGINES: dict[str, ThemeEngine] = {}


def glossary_key(glossary: Glossary) -> str:
    """A SHA-256 (hex) of the glossary's content: fingerprints depend on it.

    Built from JSON of the concepts' fields, not from a pickle: a pickle holds sets, whose
    order changes with each process's string hashing, and the key must survive a restart.
    """
    content = {
        "concepts": [c.model_dump(mode="json") for c in glossary.concepts],
        "background": list(glossary.background),
    }
    payload = json.dumps(content, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _engine(glossary: Glossary) -> ThemeEngine:
    key = glossary_key(glossary)
    engine = _ENGINES.get(key)
    if engine is None:
        _ENGINES.clear()  # a reloaded glossary replaces the old engine
        engine = _ENGINES[key] = ThemeEngine(glossary)
    return engine


def fingerprints_job(glossary: Glossary, readings: Sequence[Reading]) -> list[Fingerprint]:
    """The fingerprints of ``readings`` under ``glossary`` (computed in the worker)."""
    engine = _engine(glossary)  # the bot's process keeps the results; the worker no copy
    return [engine.compute(r) for r in readings]


def chart_job(labels: list[str], weights: list[float], title: str) -> bytes:
    """``bar_chart_png`` in the worker: matplotlib never loads in the bot's process."""
    from bot.core.charts import bar_chart_png

    return bar_chart_png(labels, weights, title)
