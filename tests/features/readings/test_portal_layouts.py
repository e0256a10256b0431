"""Portal pages copied with the authors, affiliation and tabs between the breadcrumb and the
abstract, and with list entries that lost their bullets."""

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
