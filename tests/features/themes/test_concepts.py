"""Themes are the reading's concepts: one per concept, in the reading's casing, shown at work.

One test per kind of fault in ../shared/cases/themes/, each on readings written for the tests
(tests/fixtures/themes/readings, with gold concepts in tests/fixtures/themes/gold).
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter

import pytest

from bot.core.registry import Actor, dispatch
from bot.features.readings import Reading
from bot.features.themes import ThemeEngine
from bot.features.themes.glossary import load_glossary
from bot.features.themes.tokens import phrase_keys
from tests.helpers.paths import REPO, REPO_SEEDS
from tests.helpers.themes import (
    GOLD,
    copy_readings,
    fixture_reading,
    gold,
    gold_found,
    is_junk,
    is_verbatim,
)

STUDENT = Actor(user_id=1, name="student", guild_id=10, channel_id=20)


@pytest.fixture(scope="module")
def engine() -> ThemeEngine:
    return ThemeEngine(load_glossary(REPO_SEEDS / "glossary.toml"))


def labels(engine: ThemeEngine, reading: Reading) -> list[str]:
    return [t.label for t in engine.fingerprint(reading).themes]


@pytest.mark.parametrize("name", sorted(p.stem for p in GOLD.glob("*.toml")))
def test_gold_concepts_are_found_and_no_label_is_junk(engine, name):
    reading, expected = fixture_reading(name), gold(name)
    top = engine.fingerprint(reading).themes
    found = gold_found(expected, [(t.label, t.concept) for t in top])
    assert found / len(expected["concepts"]) >= 0.5, [t.label for t in top]
    assert [t.label for t in top if is_junk(t.label, expected)] == []
    for theme in top:
        assert is_verbatim(theme.evidence, reading), theme


def test_a_loose_word_form_never_matches_an_off_topic_reading(engine):
    off = engine.fingerprint(fixture_reading("edge-replicas"))  # "incorporates", "legitimate"
    assert [t.label for t in off.all_themes if t.concept] == []
    on = engine.fingerprint(fixture_reading("foundation-care"))
    assert {"co-optation", "legitimacy"} <= {t.concept for t in on.themes}


async def test_concept_view_and_bank_leave_the_off_topic_reading_out(seeds_dir, services):
    copy_readings(seeds_dir, "edge-replicas", "foundation-care")
    services.library.readings += [
        fixture_reading("edge-replicas"),
        fixture_reading("foundation-care"),
    ]
    services.library.__post_init__()
    for concept in ("co-optation", "legitimacy"):
        reply = await dispatch(services, STUDENT, "themes", concept)
        names = " ".join(f.name for f in reply.fields)
        assert "Foundations as partners" in names and "Quorum" not in names
    bank = await dispatch(services, STUDENT, "prompt bank", "edge-replicas")
    assert "co-optation" not in bank.body and "legitimacy" not in bank.body


def test_acronym_expansion_and_adjective_are_one_theme_each(engine):
    reading = fixture_reading("tan-offices")
    themes = engine.fingerprint(reading).themes
    tan = [t for t in themes if "tan" in t.match_key.split()]
    assert [t.label for t in tan] == ["TANs"]  # "transnational advocacy networks (TANs)" too
    assert tan[0].mentions >= 4
    total = [t for t in themes if "totalitarian" in t.match_key.split()]
    assert [t.label for t in total] == ["Totalitarianism"]  # "totalitarian" merged with it
    assert not any("transnational" in t.label.lower() for t in themes)


def test_background_terms_are_never_a_theme(engine):
    reading = fixture_reading("county-ngos-background")
    assert "China" in reading.keywords
    background = {k for b in engine.glossary.background for k in phrase_keys(b)}
    for theme in engine.fingerprint(reading).themes:
        assert not set(theme.match_key.split()) <= background, theme.label


def test_names_apparatus_and_the_keywords_line_never_become_themes(engine):
    reading = fixture_reading("petitions-plain")  # plain text: Keywords line, cited author, refs
    top = engine.fingerprint(reading).themes
    shown = " ".join(t.label.lower() for t in top)
    for junk in ("lindqvist", "baptiste", "doi", "org", "https", "june", "april", "ces"):
        assert junk not in shown.split(), shown
    assert "Petitions" in [t.label for t in top]  # a term of the Keywords line is a Keyword
    for theme in engine.fingerprint(reading).all_themes:
        assert not theme.sentence.lower().startswith("keywords")
        assert "doi.org" not in theme.sentence and "Lindqvist, A." not in theme.sentence


def test_no_sentence_is_evidence_for_more_than_two_themes(engine):
    for name in sorted(p.stem for p in GOLD.glob("*.toml")):
        uses = Counter(t.sentence for t in engine.fingerprint(fixture_reading(name)).themes)
        assert max(uses.values()) <= 2, (name, uses.most_common(1))


def test_a_theme_with_other_sentences_leaves_the_crowded_one(engine):
    reading = fixture_reading("one-sentence")  # the thesis names five concepts
    themes = {t.concept: t for t in engine.fingerprint(reading).themes if t.concept}
    thesis = next(s for s in (t.sentence for t in themes.values()) if "co-optation" in s)
    assert themes["co-optation"].sentence == thesis
    assert themes["social-organizations"].sentence != thesis  # it has sentences of its own
    assert themes["service-delivery"].sentence != thesis


def test_a_concept_named_only_in_the_title_is_a_theme_and_methods_are_not(engine):
    reading = fixture_reading("alumni-reciprocity")
    shown = labels(engine, reading)
    assert "Reciprocity" in shown
    assert not any(w in label.lower() for label in shown for w in ("experiment", "survey"))


def test_compare_puts_each_theme_in_exactly_one_list(engine):
    # Imported here: importing a commands module registers its commands, and the registry's
    # order (the README table's) must stay the one bot.features.load_commands gives.
    from bot.features.themes.commands import compare_themes

    a = engine.fingerprint(fixture_reading("tan-offices"))  # TANs in the Keywords and text
    b = engine.fingerprint(fixture_reading("tan-partners"))  # TANs in the text only
    pairs, only_a, only_b = compare_themes(engine.glossary, a, b)
    assert ("TANs", "TANs") in [(x.label, y.label) for x, y in pairs]
    listed_a = [x.key for x, _ in pairs] + [t.key for t in only_a]
    listed_b = [y.key for _, y in pairs] + [t.key for t in only_b]
    assert len(listed_a) == len(set(listed_a)) and len(listed_b) == len(set(listed_b))
    assert {t.key for t in a.themes} <= set(listed_a)
    assert {t.label.lower() for t in only_a}.isdisjoint({t.label.lower() for t in only_b})


async def test_compare_command_shows_the_shared_concept_once(seeds_dir, services):
    services.library.readings += [fixture_reading("tan-offices"), fixture_reading("tan-partners")]
    services.library.__post_init__()
    reply = await dispatch(services, STUDENT, "themes", "compare tan-offices tan-partners")
    fields = {f.name.split(" (")[0].split(",")[0]: f.value for f in reply.fields}
    assert "TANs" in fields["Shared"].split(", ")
    assert "TANs" not in fields["Only in A"].split(", ") + fields["Only in B"].split(", ")


def test_themes_chart_is_drawn_once_and_matplotlib_loads_lazily():
    code = (
        "import sys\n"
        "from bot.services import Services\n"
        "import bot.features.themes.commands, bot.features.prompts.bank, bot.app\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported at start-up'\n"
        "assert 'sklearn' not in sys.modules\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr


async def test_repeated_themes_sends_the_cached_chart(services):
    first = await dispatch(services, STUDENT, "themes", "")
    again = await dispatch(services, STUDENT, "themes", "")
    assert first.files[0].data.startswith(b"\x89PNG")
    assert again.files[0].data is first.files[0].data  # not drawn a second time
