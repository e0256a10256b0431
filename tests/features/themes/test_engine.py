"""The theme fingerprint: ranked, weighted, evidence-backed, and not tuned to any one reading."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.core.errors import BadArgument, UnknownReading
from bot.core.registry import Actor, dispatch
from bot.core.replies import EMBED_FIELD_VALUE_MAX, EMBED_TOTAL_MAX
from bot.features.readings import Reading, load_library
from bot.features.themes import ThemeEngine
from bot.features.themes.glossary import load_glossary
from bot.features.themes.tokens import split_sentences, word_key
from tests.helpers.paths import REPO_SEEDS
from tests.helpers.themes import FIXTURE_SEEDS, OTHER_ID, SEED_ID, is_verbatim, other_reading

STUDENT = Actor(user_id=1, name="student", guild_id=10, channel_id=20)


@pytest.fixture(scope="module")
def engine() -> ThemeEngine:
    return ThemeEngine(load_glossary(REPO_SEEDS / "glossary.toml"))


@pytest.fixture(scope="module")
def seed() -> Reading:
    return load_library(REPO_SEEDS).get(SEED_ID)


def test_seed_top_themes_are_the_readings_argument(engine, seed):
    fp = engine.fingerprint(seed)
    assert 6 <= len(fp.themes) <= 10
    keys = {t.key for t in fp.themes}
    required = [
        {"co-optation"},
        {"social-organizations"},
        {"party-building"},
        {"service-delivery"},
        {"legitimacy"},
        {"urban-villages", "migrant-communities"},
        {"participation-volunteerism"},
        {"ngo-autonomy"},
    ]
    missing = [r for r in required if not r & keys]
    assert not missing, f"missing {missing} from {[t.label for t in fp.themes]}"


def test_every_theme_has_a_verbatim_quote_and_a_bar(engine, seed):
    fp = engine.fingerprint(seed)
    weights = [t.weight for t in fp.themes]
    assert weights == sorted(weights, reverse=True) and weights[0] == 1.0
    for theme in fp.themes:
        assert is_verbatim(theme.evidence, seed), theme
        assert len(theme.bar) == len("██████░░░░ 0.62")
        assert theme.bar.endswith(f"{theme.weight:.2f}")


def test_co_optation_word_forms_are_one_theme(engine, seed):
    assert word_key("co-optation") == word_key("co-opting") == word_key("co-opted")
    fp = engine.fingerprint(seed)
    co = [t for t in fp.all_themes if "coopt" in t.key or t.key == "co-optation"]
    assert [t.key for t in co] == ["co-optation"]
    assert co[0].mentions >= 2  # "co-optation" and "co-opting" both counted


def test_a_reading_on_another_topic_gets_its_own_themes(engine):
    reading = other_reading()
    fp = engine.fingerprint(reading)
    labels = [t.label.lower() for t in fp.themes]
    assert 6 <= len(fp.themes) <= 10
    assert labels[0] == "algorithmic management"
    assert {"gig economy", "couriers"} <= set(labels)
    assert not any(t.concept for t in fp.themes), "no course concept belongs to this reading"
    for theme in fp.themes:
        assert is_verbatim(theme.evidence, reading)


def test_fingerprint_is_computed_once_per_reading(engine, seed):
    assert engine.fingerprint(seed) is engine.fingerprint(seed)
    changed = Reading(id=seed.id, csl=seed.csl, abstract=seed.abstract + " Extra sentence here.")
    assert engine.fingerprint(changed) is not engine.fingerprint(seed)


def test_reading_without_text_gets_a_note(engine):
    empty = Reading(id="empty-2020", csl={"title": "A title only"})
    fp = engine.fingerprint(empty)
    assert fp.themes == () and "no abstract or text" in fp.note


def test_long_text_sentences_are_verbatim_and_respect_abbreviations():
    text = ("Scholars disagree, e.g. Smith et al. 2019 on NGOs. " * 500) + "The end is near."
    found = split_sentences(text)
    assert found[0] == "Scholars disagree, e.g. Smith et al. 2019 on NGOs."
    assert found[-1] == "The end is near."
    assert all(s in text for s in found)


def test_long_text_themes_use_the_full_text(engine):
    reading = other_reading()
    body = " ".join([reading.abstract] * 40)  # ~8,000 words
    long = Reading(id="long-text", csl=reading.csl, text=body, keywords=reading.keywords)
    fp = engine.fingerprint(long)
    assert fp.basis == "full text"
    assert fp.themes[0].label.lower() == "algorithmic management"
    assert all(len(t.evidence) <= 302 for t in fp.themes)


# -- the command, through the registry (as the console and Discord call it) -------------


async def test_themes_command_renders_bars_quotes_and_a_chart(services):
    reply = await dispatch(services, STUDENT, "themes", "")
    assert reply.title.startswith("Themes — Kan & Ku (2021)")
    assert 6 <= len(reply.fields) <= 10
    for f in reply.fields:
        assert f.value.startswith("`█") or f.value.startswith("`░")
        assert "\n> " in f.value and len(f.value) <= EMBED_FIELD_VALUE_MAX
    total = len(reply.title) + len(reply.body) + len(reply.footer)
    total += sum(len(f.name) + len(f.value) for f in reply.fields)
    assert total <= EMBED_TOTAL_MAX
    (png,) = reply.files
    assert png.filename.endswith(".png") and png.data.startswith(b"\x89PNG")


async def test_themes_for_a_concept_shows_definition_evidence_and_prompts(services):
    reply = await dispatch(services, STUDENT, "themes", "co-opted")
    assert reply.title == "Concept: Co-optation"
    assert "loyalty" in reply.body  # the definition
    names = [f.name for f in reply.fields]
    assert any(n.startswith("In Kan & Ku (2021)") for n in names)
    prompts = next(f.value for f in reply.fields if f.name == "Discussion prompts")
    assert "`kan-ku-cooptation-1`" in prompts


async def test_unknown_reading_or_concept_gets_suggestions(services):
    with pytest.raises(UnknownReading) as err:
        await dispatch(services, STUDENT, "themes", "klingon grammar")
    assert "No reading or concept matches" in err.value.message
    with pytest.raises(UnknownReading) as err:
        await dispatch(services, STUDENT, "themes", "ngo autonmy of")
    assert "`ngo-autonomy` (concept)" in err.value.message


async def test_typo_in_a_concept_still_finds_it(services):
    reply = await dispatch(services, STUDENT, "themes", "legitimcy")
    assert reply.title == "Concept: Legitimacy"


async def test_reading_without_text_says_so(services):
    services.library.readings.append(Reading(id="bare-2020", csl={"title": "Bare entry"}))
    services.library.__post_init__()
    reply = await dispatch(services, STUDENT, "themes", "bare-2020")
    assert "no abstract or text" in reply.body and not reply.fields


@pytest.fixture
def two_readings(seeds_dir: Path) -> Path:
    for path in FIXTURE_SEEDS.iterdir():
        shutil.copy(path, seeds_dir / path.name)
    return seeds_dir


async def test_compare_lists_shared_and_distinct_themes(two_readings, services):
    reply = await dispatch(services, STUDENT, "themes", f"compare {SEED_ID} {OTHER_ID}")
    fields = {f.name.split(" (")[0].split(",")[0]: f.value for f in reply.fields}
    assert "Co-optation" in fields["Only in A"]
    assert "Algorithmic management" in fields["Only in B"]
    assert reply.title.startswith("Themes compared")
    with pytest.raises(BadArgument):
        await dispatch(services, STUDENT, "themes", f"compare {SEED_ID} {SEED_ID}")
