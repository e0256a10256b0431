"""Extractive summaries, on the seed and on readings the bot was never tuned for."""

from __future__ import annotations

import re

import pytest

from bot.features.readings import load_library
from bot.features.readings.models import Reading
from bot.features.readings.summaries import summarize
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
