"""Extractive summaries, on the seed and on readings the bot was never tuned for."""

from __future__ import annotations

import re

import pytest

from bot.features.readings import load_library
from bot.features.readings.models import Reading
from bot.features.readings.summaries import reports_other_work, summarize
from tests.helpers.paths import REPO_SEEDS
from tests.helpers.themes import FIXTURE_SEEDS, OTHER_ID

SEEDS = REPO_SEEDS


def pieces(quote: str) -> list[str]:
    """The verbatim runs of a quote shortened with "…"."""
    return [p.strip() for p in quote.split("…") if p.strip()]


def assert_verbatim(summary, source_text: str) -> None:
    flat = re.sub(r"\s+", " ", source_text)
    for quote in [summary.gist, *(p.quote for p in summary.points)]:
        for piece in pieces(quote):
            assert piece in flat, piece


@pytest.fixture(scope="module")
def seed() -> Reading:
    return load_library(SEEDS).readings[0]


@pytest.fixture(scope="module")
def other() -> Reading:
    return load_library(FIXTURE_SEEDS).get(OTHER_ID)


def test_seed_summary_states_the_thesis_and_quotes_only_the_reading(seed):
    short = summarize(seed)
    assert "this article argues" in short.gist
    headings = [p.heading for p in short.points]
    assert headings == ["Context and gap", "Case and mechanism", "Implications"]
    assert_verbatim(short, seed.abstract)
    assert short.length < len(seed.abstract)  # short is shorter than the abstract
    assert short.basis == "abstract" and "China Journal" in short.source


def test_a_reading_on_another_topic_gets_its_own_key_points(other):
    summary = summarize(other, long=True)
    assert summary.gist.startswith("Drawing on eighteen months of fieldwork")
    by_heading = {p.heading: p.quote for p in summary.points}
    assert by_heading["Context and gap"].startswith("Food-delivery platforms present")
    assert by_heading["Findings"].startswith("We find that these practices")
    assert by_heading["Implications"].startswith("The findings suggest")
    assert_verbatim(summary, other.abstract)


def test_long_gives_more_from_full_text_and_stays_verbatim(other):
    body = [
        "Platform work has grown quickly in many cities over the last decade.",
        "Previous research has overlooked how couriers organise across apps.",
        "We show that couriers build networks through messaging groups and shared maps.",
        "Interviews with forty couriers reveal that deactivation is feared above all.",
        "The analysis shows how ratings discipline work without a visible manager.",
        "These results have implications for how regulators define employment.",
    ]
    reading = Reading(
        id="with-text", csl={"title": "Riding"}, abstract=other.abstract, text=" ".join(body * 3)
    )
    short, long = summarize(reading), summarize(reading, long=True)
    assert long.length > short.length
    assert len(long.points) > len(short.points)
    assert_verbatim(long, reading.abstract + " " + reading.text)


def test_a_reading_without_abstract_or_text_says_so():
    empty = summarize(Reading(id="bare", csl={"title": "Only a title"}))
    assert empty.basis == "none" and empty.gist == "" and empty.points == ()


GAP_ABSTRACT = (
    "Volunteer associations in Chinese cities have been widely studied, yet how they recruit "
    "members when they cannot advertise openly remains poorly understood. In this study, we "
    "draw on 48 interviews with organizers in three cities. We trace how organizers recruit "
    "through workplace networks, neighbourhood committees and alumni groups, and how each "
    "channel shapes who joins. Based on these results, we consider what the channels mean."
)
TURN_ABSTRACT = (
    "In the 1980s, writers turned their attention to rural communities. "
    "Both trends have been interpreted in scholarship as responses to state policies. "
    "The story intersects with these movements temporally and thematically. "
    "This layered identification enriches our understanding of the decade, challenging "
    "the notion that it was solely characterized by resistance to the state."
)


@pytest.mark.parametrize(
    ("abstract", "gist"),
    [
        (GAP_ABSTRACT, "We trace how organizers recruit"),  # not the gap, not the method
        (TURN_ABSTRACT, "This layered identification enriches"),  # the turn after the literature
    ],
)
def test_without_a_thesis_cue_the_gist_is_chosen_by_its_role(abstract, gist):
    reading = Reading(id="role", csl={"title": "A reading"}, abstract=abstract)
    assert summarize(reading).gist.startswith(gist)


def test_short_gist_keeps_the_clause_that_carries_the_finding():
    finding = (
        "we find that residents trust officials more when a reply names a responsible office "
        "than when it promises fast action."
    )
    abstract = (
        "Hotlines run by city governments promise residents an answer to every complaint. "
        "Officials, however, can answer in different ways: some replies name the office that "
        "will handle the problem, while others promise that someone will act quickly. Using an "
        "original survey experiment fielded to 1,800 residents of four provincial capitals who "
        "had contacted a government hotline at least once in the previous year, " + finding
    )
    reading = Reading(id="hotline", csl={"title": "Named offices"}, abstract=abstract)
    gist = summarize(reading).gist
    assert finding in gist and gist.startswith("… ")
    assert summarize(reading, long=True).gist.startswith("Using an original survey")


def test_a_sentence_with_enumerated_panels_is_quoted_whole_never_as_a_fragment():
    panels = (
        "In (a), the bureau approves every application from a sponsored group within a month; "
        "in (b), we show a district in which approval depends on the rank of the sponsor, and "
        "groups with a county-level sponsor wait twice as long."
    )
    text = (
        "Registration offices in two districts apply the same rules in different ways. "
        f"Figure 2 compares them. {panels} The comparison suggests that local practice, not "
        "the written rules, decides how long groups wait."
    )
    reading = Reading(id="panels", csl={"title": "Waiting for a Licence"}, text=text)
    summary = summarize(reading)
    assert summary.gist == panels
    for quote in [summary.gist, *(p.quote for p in summary.points)]:
        assert quote[0].isupper() or quote.startswith("… ")


@pytest.mark.parametrize(
    ("sentence", "other"),
    [
        ("Marchbank (2003) shows that the federations became shells.", True),
        ("Oyelaran argues that NGOs grew because the federations left a gap.", True),
        ("NGOs grew because the federations left a gap (Oyelaran 2011).", True),
        ("NGOs avoid the federations to keep their independence [4].", True),
        ("A growing literature argues that mass organizations lost their relevance.", True),
        ("Dufresne and Kalm find that NGOs avoid the federations.", True),
        ("We argue that the federations regained a role.", False),
        ("This article shows that partnerships protect NGOs.", False),
        ("The federations use the partnerships to regain a role.", False),
    ],
)
def test_sentences_reporting_other_works_are_told_apart(sentence, other):
    assert reports_other_work(sentence) is other
