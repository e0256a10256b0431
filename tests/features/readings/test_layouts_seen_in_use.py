"""Layouts a newcomer met: a portal page copied with its authors, affiliation and tabs before
the abstract and lists without bullets; a PubMed record of an online-only article."""

from __future__ import annotations

from pathlib import Path

from bot.features.readings.parsers.portal import parse_portal

PAGE = """Ledgers of Trust: Rotating Savings Groups in Accra
Research output: Contribution to journal › Article › peer-review

Abena Mensah, Tomas Lindgren
School of Development Studies
Overview
Citations (7)

Abstract
How do rotating savings groups enforce repayment without courts? This article argues that
members lend their reputations as collateral. We find that groups meeting in markets lose
fewer members than groups meeting at churches.

Original language\tEnglish
Journal\tJournal of Invented African Studies
Volume\t14
DOIs\thttps://doi.org/10.5555/jias.2021.014

Keywords
savings groups
informal finance
Ghana

Access to Document
"""


def test_furniture_before_the_abstract_heading_is_authors_not_abstract():
    work = parse_portal(Path("ledgers.txt"), PAGE)
    assert work.abstract.startswith("How do rotating savings groups")
    assert "School of" not in work.abstract and "Citations" not in work.abstract
    names = [(a.get("given"), a.get("family")) for a in work.csl["author"]]
    assert names == [("Abena", "Mensah"), ("Tomas", "Lindgren")]
    assert work.extra["citations"] == "7"


def test_list_entries_without_bullets_are_keywords():
    work = parse_portal(Path("ledgers.txt"), PAGE)
    assert work.keywords == ["savings groups", "informal finance", "Ghana"]


MEDLINE = """PMID- 31000001
TI  - Market savings groups and repayment in Accra.
FAU - Mensah, Abena
AU  - Mensah A
JT  - Invented Journal of Development
TA  - Invent J Dev
VI  - 11
DP  - 2022 Mar 3
LID - 10.5555/ijd.80001 [doi]
LID - e80001
PL  - England
PT  - Journal Article
"""


def test_medline_elocator_is_the_page_and_the_journals_country_no_place(tmp_path):
    from bot.features.readings import load_library

    (tmp_path / "mensah.nbib").write_text(MEDLINE, encoding="utf-8")
    (reading,) = load_library(tmp_path).readings
    assert reading.csl["page"] == "e80001"
    assert "publisher-place" not in reading.csl
    assert reading.csl["DOI"] == "10.5555/ijd.80001"


def test_display_names_keep_name_particles():
    from bot.features.readings.models import Reading

    reading = Reading(
        id="cruz",
        csl={
            "title": "T",
            "author": [
                {"family": "Cruz", "given": "Ana", "non-dropping-particle": "de la"},
                {"family": "Beethoven", "given": "Ludwig", "dropping-particle": "van"},
            ],
        },
    )
    assert reading.author_names == ["Ana de la Cruz", "Ludwig van Beethoven"]
    assert reading.authors_short.startswith("de la Cruz")
