"""Text seed files are parsed once: a restart reads their works back from the database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.core.registry import Actor, dispatch
from bot.features.readings import library
from bot.services import Services

STUDENT = Actor(user_id=1, name="student")

RIS = """TY  - JOUR
AU  - Osei, Abena
TI  - Tenant associations and the housing bureau
T2  - Journal of Urban Affairs
PY  - 2019
VL  - 41
SP  - 12
EP  - 30
DO  - 10.5555/tenants.2019
ER  -
"""

BIBTEX = """@article{lindqvist2020,
  author = {Lindqvist, Maja and Haddad, Omar},
  title = {Food banks as {state} partners},
  journal = {Voluntas},
  year = {2020},
  volume = {31},
  pages = {200--214},
  doi = {10.5555/foodbanks.2020}
}
"""


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the text files actually parsed (the real parser runs; calls are counted)."""
    seen: list[str] = []
    real = library._parse_text

    def counted(path, suffix, text, max_records):  # noqa: ANN001, ANN202 - its own signature
        seen.append(path.name)
        return real(path, suffix, text, max_records)

    monkeypatch.setattr(library, "_parse_text", counted)
    return seen


def _write(seeds_dir: Path) -> None:
    (seeds_dir / "tenants.ris").write_text(RIS, encoding="utf-8")
    (seeds_dir / "foodbanks.bib").write_text(BIBTEX, encoding="utf-8")


async def _answers(services: Services) -> list[str]:
    out = []
    for name, args in (("readings", ""), ("cite", "tenant associations"), ("cite", "food banks")):
        reply = await dispatch(services, STUDENT, name, args)
        out.append(reply.title + reply.body + "".join(f.value for f in reply.fields))
    return out


async def test_a_restart_parses_no_text_file_again(settings, seeds_dir, parses):
    _write(seeds_dir)
    first = await Services.open(settings)
    try:
        before = await _answers(first)
    finally:
        await first.close()
    assert {"tenants.ris", "foodbanks.bib"} <= set(parses)
    parses.clear()
    second = await Services.open(settings)
    try:
        after = await _answers(second)
    finally:
        await second.close()
    assert parses == []  # the restart read every file back
    assert after == before  # the same readings, citations and list as when parsed
    assert "Tenant associations and the housing bureau" in after[0]


async def test_an_edited_file_is_parsed_again(settings, seeds_dir, parses):
    _write(seeds_dir)
    first = await Services.open(settings)
    await first.close()
    (seeds_dir / "tenants.ris").write_text(
        RIS.replace("Tenant associations", "Renter unions"), encoding="utf-8"
    )
    parses.clear()
    second = await Services.open(settings)
    try:
        assert parses == ["tenants.ris"]
        listing = (await dispatch(second, STUDENT, "readings", "")).body
        assert "Renter unions and the housing bureau" in listing
        assert "Tenant associations" not in listing
    finally:
        await second.close()


async def test_a_damaged_row_is_parsed_again(settings, seeds_dir, parses):
    _write(seeds_dir)
    first = await Services.open(settings)
    before = await _answers(first)
    await first.close()
    with sqlite3.connect(settings.database_path) as conn:
        conn.execute("UPDATE reading_cache SET value = '{not json' WHERE kind = 'parsed'")
    parses.clear()
    second = await Services.open(settings)
    try:
        assert {"tenants.ris", "foodbanks.bib"} <= set(parses)
        assert await _answers(second) == before
    finally:
        await second.close()


async def test_a_cut_file_warns_again_after_a_restart(settings, seeds_dir, parses):
    lines = "".join(RIS.replace("tenants.2019", f"tenants.{i}") for i in range(400))
    (seeds_dir / "many.ris").write_text(lines, encoding="utf-8")
    small = settings.model_copy(update={"max_seed_file_mb": 0.01})
    warnings = []
    for _ in range(2):
        services = await Services.open(small)
        warnings.append([w for w in services.library.warnings if w.startswith("many.ris")])
        await services.close()
    assert warnings[0] and warnings[0] == warnings[1]
    assert "MAX_SEED_FILE_MB" in warnings[1][0]
    assert parses.count("many.ris") == 1
