"""Themes of a PDF quote the cleaned full text with the page each sentence is on."""

from __future__ import annotations

from bot.config import Settings
from bot.core.registry import Actor, dispatch
from bot.services import Services
from tests.helpers.pdfmaker import Article

FIRST = (
    "This article argues that the hotline offices have become the real gatekeepers of "
    "complaints, because they decide which complaints reach a bureau."
)
SECOND = "We find that complaints about landlords were forwarded to bureaus twice as often."
FILLER = [
    "Operators read every complaint aloud to a supervisor before they forward it.",
    "Supervisors keep a list of bureaus that answer quickly and prefer to use them.",
]


async def test_theme_evidence_from_a_pdf_ends_with_its_page(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    Article(
        title="Hotline Offices as Gatekeepers",
        first_page=41,
        page_labels=True,
        body=[
            ("h", "1 Introduction"),
            ("p", [FIRST, *FILLER]),
            ("newpage",),
            ("h", "2 Findings"),
            ("p", [*FILLER, SECOND]),
        ],
    ).build(seeds / "hotlines.pdf")
    settings = Settings(_env_file=None, seeds_dir=seeds, database_path=tmp_path / "x.db")
    services = await Services.open(settings)
    try:
        reply = await dispatch(services, Actor(user_id=1, name="s"), "themes", "hotlines")
    finally:
        await services.close()
    quotes = [f.value.split("\n> ", 1)[1] for f in reply.fields if "\n> " in f.value]
    assert quotes, reply
    for quoted in quotes:
        text, _, page = quoted.rpartition(" (p. ")
        assert page in ("41)", "42)"), quoted
        sentence = text.rstrip("…").lstrip("…")
        on_page = {"41)": [FIRST, *FILLER], "42)": [*FILLER, SECOND]}[page]
        assert any(sentence in s for s in on_page), quoted
