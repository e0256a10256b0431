"""Themes survive a restart: read back from the database, never recomputed unless changed."""

from __future__ import annotations

import os
import subprocess
import sys

from bot.core.registry import Actor, dispatch
from bot.services import Services

STUDENT = Actor(user_id=1, name="student")

# A reading written for this test: a plain-text seed with an abstract and a few paragraphs.
ALLOTMENTS = """Allotment committees and the city: tenure without autonomy
Authors: Okafor, Adaeze; Lindqvist, Maja
Year: 2019
Abstract: Allotment committees in three cities negotiate tenure with municipal land offices.
We argue that tenure agreements turn committees into partners of the land office, which
narrows their autonomy while widening their access to land.

Allotment committees began as volunteer associations of gardeners. Municipal land offices
now sign tenure agreements with them, and each agreement names duties the committee must
perform. Committees that sign gain secure tenure. Committees that refuse lose their plots.
The land office audits committee accounts every year, and committee autonomy shrinks as the
audits grow. Gardeners nevertheless value secure tenure above committee autonomy.
"""


async def _themes_body(services: Services, reading_id: str) -> list[str]:
    reply = await dispatch(services, STUDENT, "themes", reading_id)
    return [f"{f.name}|{f.value}" for f in reply.fields]


async def test_a_restart_reads_themes_back_and_recomputes_none(settings, seeds_dir):
    (seeds_dir / "allotments.txt").write_text(ALLOTMENTS, encoding="utf-8")
    first = await Services.open(settings)
    try:
        await first.precompute(first.library.readings)
        assert first.theme_stats.computed == len(first.library) == 2
        ids = [r.id for r in first.library]
        allotments = next(i for i in ids if "allotment" in i)
        before = await _themes_body(first, allotments)
        assert any("tenure" in line.lower() for line in before)
    finally:
        await first.close()

    second = await Services.open(settings)
    try:
        await second.precompute(second.library.readings)
        assert (second.theme_stats.loaded, second.theme_stats.computed) == (2, 0)
        assert await _themes_body(second, allotments) == before  # the same answer
    finally:
        await second.close()

    # an edited reading gets new themes; the unchanged one is read back
    path = seeds_dir / "allotments.txt"
    path.write_text(ALLOTMENTS.replace("three cities", "four cities"), encoding="utf-8")
    third = await Services.open(settings)
    try:
        await third.precompute(third.library.readings)
        stats = third.theme_stats
        assert (stats.loaded, stats.computed, stats.computed_ids) == (1, 1, [allotments])
    finally:
        await third.close()


async def test_an_edited_glossary_recomputes_every_reading(settings, seeds_dir):
    first = await Services.open(settings)
    try:
        await first.precompute(first.library.readings)
    finally:
        await first.close()
    glossary = seeds_dir / "glossary.toml"
    glossary.write_text(
        glossary.read_text(encoding="utf-8")
        + '\n[[concept]]\nkey = "tenure"\nname = "Tenure"\nforms = ["tenure"]\n'
        'definition = "Secure rights to use land."\n',
        encoding="utf-8",
    )
    second = await Services.open(settings)
    try:
        await second.precompute(second.library.readings)
        assert (second.theme_stats.loaded, second.theme_stats.computed) == (0, 1)
    finally:
        await second.close()


def test_the_glossary_key_is_the_same_in_every_process(seeds_dir):
    # Each process hashes strings with its own seed; a key built from a set's order would
    # change at every restart, and no stored theme would ever be read back.
    script = (
        "import sys; from pathlib import Path; "
        "from bot.features.themes.glossary import load_glossary; "
        "from bot.features.themes.jobs import glossary_key; "
        "print(glossary_key(load_glossary(Path(sys.argv[1]))))"
    )
    keys = {
        subprocess.run(
            [sys.executable, "-c", script, str(seeds_dir / "glossary.toml")],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
        ).stdout.strip()
        for seed in (1, 2, 3)
    }
    assert len(keys) == 1 and len(keys.pop()) == 64


def test_worker_jobs_stay_short_so_commands_fit_between_them():
    from pathlib import Path

    from bot.features.readings.models import Reading
    from bot.features.themes.cache import BATCH, BATCH_CHARS, job_batches

    def reading(i: int, chars: int) -> Reading:
        return Reading(id=f"r{i}", csl={"title": f"R {i}"}, text="x" * chars, sources=[Path("r")])

    readings = [reading(i, 100) for i in range(20)]
    readings.insert(5, reading(99, BATCH_CHARS * 3))  # a 20,000-word text
    batches = job_batches(readings)
    assert [r.id for batch in batches for r in batch] == [r.id for r in readings]  # all, in order
    assert [r.id for r in batches[1]] == ["r99"]  # the long one alone
    assert all(len(b) <= BATCH for b in batches)
    assert all(sum(len(r.text) for r in b) <= BATCH_CHARS for b in batches if len(b) > 1)
