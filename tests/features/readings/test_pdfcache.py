"""A PDF is laid out once: restarts and reloads read its cleaned text back from the database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.core.registry import Actor, dispatch
from bot.features.readings.parsers import pdf as pdf_parser
from bot.services import Services
from tests.helpers.pdfmaker import Article

STUDENT = Actor(user_id=1, name="student")


def _article(path: Path, district: str = "Riverside") -> Path:
    return Article(
        title="Volunteer kitchens and the district office",
        front=["R. Mensah, Example University"],
        abstract=[
            "This article argues that district offices turn volunteer kitchens into partners.",
            f"Drawing on fieldwork in {district}, we show how grants narrow kitchen autonomy.",
        ],
        body=[
            ("h", "1. Introduction"),
            ("p", ["Volunteer kitchens fed the district long before the office funded them."] * 3),
            ("newpage",),
            ("h", "2. Findings"),
            ("p", ["We find that grant rules decide which families a kitchen may serve."] * 3),
        ],
        page_labels=True,
        first_page=41,
    ).build(path)


@pytest.fixture
def layouts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the PDFs actually laid out (the real parser runs; calls are counted)."""
    seen: list[str] = []
    real = pdf_parser.parse_pdf

    def counted(path, limits=None):  # noqa: ANN001, ANN202 - the parser's own signature
        seen.append(path.name)
        return real(path, limits)

    monkeypatch.setattr(pdf_parser, "parse_pdf", counted)
    return seen


async def _summary(services: Services) -> str:
    reply = await dispatch(services, STUDENT, "summary", "volunteer kitchens long")
    return reply.body + "".join(f.value for f in reply.fields)


async def test_a_restart_reads_the_laid_out_pdf_back(settings, seeds_dir, layouts):
    _article(seeds_dir / "kitchens.pdf")
    first = await Services.open(settings)
    try:
        reading = first.library.find("volunteer kitchens")
        text, sentences = reading.text, reading.sentences
        answer = await _summary(first)
        assert "p. 4" in answer  # printed page labels (41, 42) are quoted
    finally:
        await first.close()
    assert layouts == ["kitchens.pdf"]

    second = await Services.open(settings)
    try:
        again = second.library.find("volunteer kitchens")
        assert layouts == ["kitchens.pdf"]  # not laid out again
        assert again.text == text and again.sentences == sentences
        assert again.csl == reading.csl and again.extra == reading.extra
        assert await _summary(second) == answer
    finally:
        await second.close()


async def test_a_changed_pdf_is_laid_out_again_and_replaces_its_row(settings, seeds_dir, layouts):
    path = _article(seeds_dir / "kitchens.pdf")
    await (await Services.open(settings)).close()
    _article(path, district="Hillcrest")
    services = await Services.open(settings)
    try:
        assert "Hillcrest" in services.library.find("volunteer kitchens").abstract
    finally:
        await services.close()
    assert layouts == ["kitchens.pdf", "kitchens.pdf"]
    with sqlite3.connect(settings.database_path) as conn:
        rows = conn.execute("SELECT COUNT(*) FROM reading_cache WHERE kind = 'pdf'").fetchone()
    assert rows == (1,)


async def test_a_damaged_row_is_laid_out_again(settings, seeds_dir, layouts, caplog):
    _article(seeds_dir / "kitchens.pdf")
    await (await Services.open(settings)).close()
    with sqlite3.connect(settings.database_path) as conn:
        conn.execute("UPDATE reading_cache SET value = '{\"blocks\": 3}' WHERE kind = 'pdf'")
    services = await Services.open(settings)
    try:
        assert "grants narrow" in services.library.find("volunteer kitchens").abstract
    finally:
        await services.close()
    assert layouts == ["kitchens.pdf", "kitchens.pdf"]
    assert "unusable" in caplog.text


async def test_a_removed_pdf_loses_its_row_once_the_library_is_warmed(settings, seeds_dir):
    path = _article(seeds_dir / "kitchens.pdf")
    await (await Services.open(settings)).close()
    path.unlink()
    services = await Services.open(settings)
    try:
        await services.precompute(services.library.readings, prune=True)
    finally:
        await services.close()
    with sqlite3.connect(settings.database_path) as conn:
        rows = conn.execute("SELECT COUNT(*) FROM reading_cache WHERE kind = 'pdf'").fetchone()
    assert rows == (0,)
